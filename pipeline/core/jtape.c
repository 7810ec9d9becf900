#include "pipeline/core/jtape.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/banned.h"

/*
 * A record: kind (1 byte), the offset (u64, native order: a tape never
 * leaves the machine), then for strings, numbers and keys a u32 length and
 * the bytes.
 */
enum { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_START_MAP, J_KEY,
       J_END_MAP, J_START_ARRAY, J_END_ARRAY, J_NKINDS };
#define REC_HEAD (1 + 8)

struct block {
	struct block *next; /* free list */
	size_t used, cap;
	unsigned char data[];
};

/*
 * The two threads' fields live on cache lines of their own: the feeding side
 * writes `events` and `cur` at every event and the consumer reads `h` and
 * `user` at every event; sharing one line cost the parse thread a line
 * transfer per event (a third of rec()'s time).
 */
#define LINE 64

struct jtape {
	/* feeding side */
	_Alignas(LINE) yajl_handle y;
	uint64_t base, events;
	struct block *cur; /* being filled */

	/* consumer side */
	_Alignas(LINE) struct jtape_handlers h;
	void *user;
	uint64_t off;
	FILE *cap;
	int cap_errno;

	/* shared, under mu */
	_Alignas(LINE) pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct block *queue[JTAPE_BLOCKS];
	size_t head, count, qbytes; /* queued blocks and their sizes */
	struct block *spare; /* standard-size blocks to reuse */
	int done;            /* no more blocks will come */
	int stop;            /* the consumer stops (halted, or jtape_stop) */
	int halted;          /* a handler (or a capture write) stopped it */
	pthread_t thread;
	int live;
};

/* ------------------------------------------------------------ blocks */

static struct block *block_get(struct jtape *t, size_t need)
{
	struct block *b = NULL;

	if (need <= JTAPE_BLOCK) {
		pthread_mutex_lock(&t->mu);
		if ((b = t->spare))
			t->spare = b->next;
		pthread_mutex_unlock(&t->mu);
		need = JTAPE_BLOCK;
	}
	if (!b && (b = malloc(sizeof(*b) + need)))
		b->cap = need;
	if (b)
		b->used = 0;
	return b;
}

/* Caller holds the lock. */
static void block_put_locked(struct jtape *t, struct block *b)
{
	if (b->cap == JTAPE_BLOCK) {
		b->next = t->spare;
		t->spare = b;
	} else {
		free(b);
	}
}

/* Hands the current block to the consumer; -1 when it has stopped. */
static int push(struct jtape *t)
{
	struct block *b = t->cur;
	int ret = 0;

	if (!b)
		return 0;
	t->cur = NULL;
	pthread_mutex_lock(&t->mu);
	/* at most JTAPE_BLOCKS blocks and their bytes in flight; an oversized one goes alone */
	while ((t->count == JTAPE_BLOCKS ||
		(t->count && t->qbytes + b->cap > (size_t)JTAPE_BLOCKS * JTAPE_BLOCK)) && !t->stop)
		pthread_cond_wait(&t->not_full, &t->mu);
	if (t->stop) {
		block_put_locked(t, b);
		ret = -1;
	} else if (b->used) {
		t->queue[(t->head + t->count++) % JTAPE_BLOCKS] = b;
		t->qbytes += b->cap;
		pthread_cond_signal(&t->not_empty);
	} else {
		block_put_locked(t, b);
	}
	pthread_mutex_unlock(&t->mu);
	return ret;
}

/* ------------------------------------------------------------ recording */

static int rec(struct jtape *t, int kind, const void *s, size_t len)
{
	size_t need = REC_HEAD + (s ? 4 + len : 0);
	uint64_t off = t->base + yajl_get_bytes_consumed(t->y);
	unsigned char *p;

	t->events++;
	if (s && len > UINT32_MAX)
		return 0;
	if (!t->cur || t->cur->used + need > t->cur->cap) {
		if (push(t))
			return 0;
		if (!(t->cur = block_get(t, need)))
			return 0;
	}
	p = t->cur->data + t->cur->used;
	p[0] = (unsigned char)kind;
	memcpy(p + 1, &off, 8);
	if (s) {
		uint32_t l = (uint32_t)len;

		memcpy(p + REC_HEAD, &l, 4);
		if (len)
			memcpy(p + REC_HEAD + 4, s, len);
	}
	t->cur->used += need;
	return 1;
}

static int r_null(void *c) { return rec(c, J_NULL, NULL, 0); }
static int r_bool(void *c, int b) { return rec(c, b ? J_TRUE : J_FALSE, NULL, 0); }
static int r_number(void *c, const char *s, size_t l) { return rec(c, J_NUMBER, s, l); }
static int r_string(void *c, const unsigned char *s, size_t l) { return rec(c, J_STRING, s, l); }
static int r_start_map(void *c) { return rec(c, J_START_MAP, NULL, 0); }
static int r_key(void *c, const unsigned char *s, size_t l) { return rec(c, J_KEY, s, l); }
static int r_end_map(void *c) { return rec(c, J_END_MAP, NULL, 0); }
static int r_start_array(void *c) { return rec(c, J_START_ARRAY, NULL, 0); }
static int r_end_array(void *c) { return rec(c, J_END_ARRAY, NULL, 0); }

static const yajl_callbacks recorders = {
	r_null, r_bool, NULL, NULL, r_number, r_string,
	r_start_map, r_key, r_end_map, r_start_array, r_end_array,
};

/* ------------------------------------------------------------ replaying */

static int dispatch(const struct jtape_handlers *h, void *user, int kind,
		    const unsigned char *s, size_t len)
{
	switch (kind) {
	case J_NULL: return h->null(user);
	case J_FALSE: return h->boolean(user, 0);
	case J_TRUE: return h->boolean(user, 1);
	case J_NUMBER: return h->number(user, (const char *)s, len);
	case J_STRING: return h->string(user, s, len);
	case J_START_MAP: return h->start_map(user);
	case J_KEY: return h->map_key(user, s, len);
	case J_END_MAP: return h->end_map(user);
	case J_START_ARRAY: return h->start_array(user);
	default: return h->end_array(user);
	}
}

/* Replays one block; 0 when a handler (or the capture) stopped. */
static int play(struct jtape *t, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *r = p + i, *s = NULL;
		int kind = r[0];
		size_t len = 0, size = REC_HEAD;

		memcpy(&t->off, r + 1, 8);
		if (kind == J_NUMBER || kind == J_STRING || kind == J_KEY) {
			uint32_t l;

			memcpy(&l, r + REC_HEAD, 4);
			len = l;
			s = r + REC_HEAD + 4;
			size += 4 + len;
		}
		i += size;
		if (t->cap && fwrite(r, size, 1, t->cap) != 1) {
			t->cap_errno = errno ? errno : EIO;
			return 0;
		}
		if (!dispatch(&t->h, t->user, kind, s, len))
			return 0;
	}
	return 1;
}

static void *consumer(void *arg)
{
	struct jtape *t = arg;

	pthread_setname_np(pthread_self(), "jtape"); /* top -H, perf --sort comm */
	for (;;) {
		struct block *b;
		int ok;

		pthread_mutex_lock(&t->mu);
		while (!t->count && !t->done && !t->stop)
			pthread_cond_wait(&t->not_empty, &t->mu);
		if (!t->count || t->stop) {
			pthread_mutex_unlock(&t->mu);
			break;
		}
		b = t->queue[t->head];
		t->head = (t->head + 1) % JTAPE_BLOCKS;
		t->count--;
		t->qbytes -= b->cap;
		pthread_cond_signal(&t->not_full);
		pthread_mutex_unlock(&t->mu);

		ok = play(t, b->data, b->used);
		pthread_mutex_lock(&t->mu);
		block_put_locked(t, b);
		if (!ok) {
			t->halted = 1;
			t->stop = 1;
			pthread_cond_broadcast(&t->not_full);
		}
		pthread_mutex_unlock(&t->mu);
		if (!ok)
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------ interface */

struct jtape *jtape_new(const struct jtape_handlers *h, void *user)
{
	/* sizeof is a multiple of the alignment, as aligned_alloc wants */
	struct jtape *t = aligned_alloc(_Alignof(struct jtape), sizeof(*t));

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->h = *h;
	t->user = user;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->not_empty, NULL);
	pthread_cond_init(&t->not_full, NULL);
	if (!(t->y = yajl_alloc(&recorders, NULL, t))) {
		jtape_free(t);
		return NULL;
	}
	yajl_config(t->y, yajl_allow_comments, 0);
	if (pthread_create(&t->thread, NULL, consumer, t)) {
		jtape_free(t);
		return NULL;
	}
	t->live = 1;
	return t;
}

yajl_status jtape_feed(struct jtape *t, const unsigned char *p, size_t len, uint64_t base)
{
	t->base = base;
	return yajl_parse(t->y, p, len);
}

int jtape_drain(struct jtape *t)
{
	int halted, refused = push(t);

	pthread_mutex_lock(&t->mu);
	t->done = 1;
	pthread_cond_broadcast(&t->not_empty);
	pthread_mutex_unlock(&t->mu);
	if (t->live) {
		pthread_join(t->thread, NULL);
		t->live = 0;
	}
	pthread_mutex_lock(&t->mu);
	halted = t->halted;
	pthread_mutex_unlock(&t->mu);
	return halted || refused;
}

yajl_status jtape_finish(struct jtape *t)
{
	yajl_status s = yajl_complete_parse(t->y);

	/* what came before a parse error is replayed too: an earlier failure wins */
	return jtape_drain(t) ? yajl_status_client_canceled : s;
}

void jtape_stop(struct jtape *t)
{
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_broadcast(&t->not_empty);
	pthread_cond_broadcast(&t->not_full);
	pthread_mutex_unlock(&t->mu);
	if (t->live) {
		pthread_join(t->thread, NULL);
		t->live = 0;
	}
}

void jtape_free(struct jtape *t)
{
	struct block *b;
	size_t i;

	if (!t)
		return;
	jtape_stop(t);
	for (i = 0; i < t->count; i++)
		free(t->queue[(t->head + i) % JTAPE_BLOCKS]);
	free(t->cur);
	while ((b = t->spare)) {
		t->spare = b->next;
		free(b);
	}
	if (t->y)
		yajl_free(t->y);
	pthread_cond_destroy(&t->not_full);
	pthread_cond_destroy(&t->not_empty);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

yajl_handle jtape_yajl(struct jtape *t)
{
	return t->y;
}

uint64_t jtape_events(const struct jtape *t)
{
	return t->events;
}

uint64_t jtape_offset(const struct jtape *t)
{
	return t->off;
}

void jtape_capture_start(struct jtape *t, FILE *f)
{
	t->cap = f;
}

void jtape_capture_stop(struct jtape *t)
{
	t->cap = NULL;
}

int jtape_capture_failed(const struct jtape *t)
{
	return t->cap_errno;
}

int jtape_replay(struct jtape *t, FILE *f, const struct jtape_handlers *h, void *user)
{
	unsigned char head[REC_HEAD + 4], *s = NULL;
	size_t cap = 0;
	int ret = 0;

	for (;;) {
		size_t len = 0;
		int kind;

		if (fread(head, REC_HEAD, 1, f) != 1) {
			if (ferror(f))
				ret = -1;
			break;
		}
		kind = head[0];
		if (kind >= J_NKINDS) {
			errno = EINVAL;
			ret = -1;
			break;
		}
		memcpy(&t->off, head + 1, 8);
		if (kind == J_NUMBER || kind == J_STRING || kind == J_KEY) {
			uint32_t l;

			if (fread(head + REC_HEAD, 4, 1, f) != 1) {
				errno = ferror(f) ? (errno ? errno : EIO) : EINVAL;
				ret = -1;
				break;
			}
			memcpy(&l, head + REC_HEAD, 4);
			len = l;
			if (len + 1 > cap) {
				unsigned char *p = realloc(s, len + 1);

				if (!p) {
					errno = ENOMEM;
					ret = -1;
					break;
				}
				s = p;
				cap = len + 1;
			}
			if (len && fread(s, len, 1, f) != 1) {
				errno = ferror(f) ? (errno ? errno : EIO) : EINVAL;
				ret = -1;
				break;
			}
		}
		if (!dispatch(h, user, kind, s ? s : (const unsigned char *)"", len)) {
			ret = 1;
			break;
		}
	}
	free(s);
	return ret;
}
