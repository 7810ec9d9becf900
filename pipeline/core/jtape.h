#ifndef JTAPE_H
#define JTAPE_H
/*
 * A JSON event tape: yajl parses on the feeding thread and records each
 * callback (its kind, the file offset just past its token, its bytes) into
 * bounded blocks; a consumer thread replays them through the caller's
 * handlers. The parse and what the handlers do with it run on two cores,
 * so a stream is ingested at the speed of the slower of the two, not of
 * their sum. Memory is bounded: at most JTAPE_BLOCKS blocks of
 * JTAPE_BLOCK bytes are in flight (an event larger than a block gets a
 * block of its own and travels alone, so the bound on a token is the
 * caller's and memory stays under one such token plus the blocks).
 *
 * Threads: jtape_feed, jtape_finish and jtape_free belong to one thread;
 * the handlers, jtape_offset and the capture calls run on the consumer
 * thread (or, in jtape_replay, on the caller's). A handler that returns 0
 * stops the consumer; the feeding side sees yajl_status_client_canceled
 * at its next block (the handler keeps its own error). A stop with no
 * handler's failure and no capture's is memory (a block not allocated).
 *
 * Capture: a handler may start copying the events that follow, the one
 * that stops the capture included, to a file (a JSON object that must be
 * read again later); jtape_replay plays such a file back, in order, on
 * the calling thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <yajl/yajl_parse.h>

#define JTAPE_BLOCK (256u * 1024u)
#define JTAPE_BLOCKS 8

/* What yajl's callbacks say, on the consumer's side (yajl_callbacks' order and meaning). */
struct jtape_handlers {
	int (*null)(void *user);
	int (*boolean)(void *user, int value);
	int (*number)(void *user, const char *s, size_t len);
	int (*string)(void *user, const unsigned char *s, size_t len);
	int (*start_map)(void *user);
	int (*map_key)(void *user, const unsigned char *s, size_t len);
	int (*end_map)(void *user);
	int (*start_array)(void *user);
	int (*end_array)(void *user);
};

struct jtape;

/*
 * A tape whose consumer calls `h` with `user`; yajl with comments off, as
 * everywhere. NULL when out of memory or no thread can be started.
 */
struct jtape *jtape_new(const struct jtape_handlers *h, void *user);
/*
 * Parses the next bytes; `base` is the file offset of p[0], so events carry
 * file offsets. yajl's status: an error is yajl's (jtape_yajl for its
 * text) or client_canceled when the consumer stopped.
 */
yajl_status jtape_feed(struct jtape *t, const unsigned char *p, size_t len, uint64_t base);
/*
 * Ends the document and waits until every event is replayed; as
 * jtape_feed (a handler's stop wins over a parse error at the end).
 */
yajl_status jtape_finish(struct jtape *t);
/*
 * Replays every event recorded so far and waits for the consumer (after
 * a parse error, so an earlier handler failure is the one reported);
 * 1 when a handler stopped it. No feeding after this.
 */
int jtape_drain(struct jtape *t);
/* Stops the consumer (events not yet replayed are dropped) and waits for it. */
void jtape_stop(struct jtape *t);
void jtape_free(struct jtape *t); /* stops first; accepts NULL */
/* The parser, for yajl_get_error and yajl_get_bytes_consumed. */
yajl_handle jtape_yajl(struct jtape *t);
/* Callbacks yajl made so far (the feeding side's count). */
uint64_t jtape_events(const struct jtape *t);
/* Consumer side: the file offset just past the token being handled. */
uint64_t jtape_offset(const struct jtape *t);
/*
 * Consumer side: copies the events after this one to `f` until
 * jtape_capture_stop (called from the handler of the last one copied).
 * A write error stops the consumer; jtape_capture_failed says so (errno).
 */
void jtape_capture_start(struct jtape *t, FILE *f);
void jtape_capture_stop(struct jtape *t);
int jtape_capture_failed(const struct jtape *t);
/*
 * Plays a captured file back through `h` on this thread (offsets as
 * recorded: jtape_offset of `t` answers during it). 0 when every event was
 * replayed; 1 when a handler stopped; -1 when the file cannot be read or
 * is not a capture (errno set).
 */
int jtape_replay(struct jtape *t, FILE *f, const struct jtape_handlers *h, void *user);

#endif
