#include "pipeline/core/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/banned.h"

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

static void *alloc_aligned(struct arena *a, size_t n, size_t align)
{
	struct arena_block *b = a->head;
	size_t pad = b ? (align - (b->off & (align - 1))) & (align - 1) : 0;
	void *p;

	if (!b || b->size - b->off < pad || b->size - b->off - pad < n) {
		size_t size = n > a->block_size / 4 ? n : a->block_size;

		if (size == a->block_size && a->spare) {
			b = a->spare;
			a->spare = b->next;
			b->next = a->head;
			a->head = b;
		} else {
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
		pad = 0; /* a block's data is aligned for any type */
	}
	b->off += pad;
	p = b->data + b->off;
	b->off += n;
	a->used += pad + n;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	return alloc_aligned(a, n, alignof(max_align_t));
}

void *arena_alloc_bytes(struct arena *a, size_t n)
{
	return alloc_aligned(a, n, 1);
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc_bytes(a, len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
