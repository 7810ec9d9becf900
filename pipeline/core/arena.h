#ifndef ARENA_H
#define ARENA_H
/*
 * Bump allocator for parser strings (git's mem-pool): one arena per offer
 * file or per estimation, everything freed in one call. Not thread-safe:
 * each OpenMP worker owns its own.
 *
 * A cap bounds the total bytes; past it allocation returns NULL, which the
 * caller reports as CC_ENOMEM with what it was doing.
 */
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	struct arena_block *spare; /* cleared ordinary blocks, reused first */
	size_t block_size; /* size of ordinary blocks */
	size_t used;       /* bytes handed out, all blocks */
	size_t reserved;   /* bytes malloc'd, all blocks */
	size_t cap;        /* most `reserved` may reach; 0 = no cap */
};

void arena_init(struct arena *a, size_t block_size, size_t cap);
/* Frees every block; the arena is empty and usable again. */
void arena_release(struct arena *a);
/*
 * Empties the arena but keeps its ordinary blocks for reuse (memory that
 * is already faulted in: refilling it costs no page faults); oversized
 * blocks are freed.
 */
void arena_clear(struct arena *a);
/* Uninitialised memory aligned for any type, or NULL. Owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
/* Uninitialised bytes with no alignment (for strings), or NULL. */
void *arena_alloc_bytes(struct arena *a, size_t n);
/* Copy of s[0..len) plus a NUL, or NULL. Owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

#endif
