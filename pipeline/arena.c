#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t off;
	alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t block_size, size_t cap)
{
	a->head = NULL;
	a->spare = NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
	a->used = 0;
	a->reserved = 0;
	a->cap = cap;
}

static void free_chain(struct arena_block *b)
{
	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
}

void arena_release(struct arena *a)
{
	free_chain(a->head);
	free_chain(a->spare);
	arena_init(a, a->block_size, a->cap);
}

void arena_clear(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		if (b->size == a->block_size) {
			b->off = 0;
			b->next = a->spare;
			a->spare = b;
		} else {
			a->reserved -= b->size;
			free(b);
		}
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct arena_block *b = a->head;
	size_t need = (n + align - 1) & ~(align - 1);
	void *p;

	if (need < n)
		return NULL;
	if (!b || b->size - b->off < need) {
		size_t size = need > a->block_size / 4 ? need : a->block_size;

		if (size == a->block_size && a->spare) {
			b = a->spare;
			a->spare = b->next;
			b->next = a->head;
			a->head = b;
			goto take;
		}
		if (a->cap && (size > a->cap || a->reserved > a->cap - size))
			return NULL;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->off = 0;
		if (size == a->block_size || !a->head) {
			b->next = a->head;
			a->head = b;
		} else {
			/* an oversized block goes behind the current one */
			b->next = a->head->next;
			a->head->next = b;
		}
		a->reserved += size;
	}
take:
	p = b->data + b->off;
	b->off += need;
	a->used += need;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
