/* Closed flows held for TIME-WAIT, kept small: the park.
 *
 * The checker holds a closed flow for the profile's TIME-WAIT time and a
 * quarter more (check_linger_usecs: 75 s under linux), because a late
 * segment may still change its verdict. Almost none gets one. Held as it
 * was, each such flow kept its oracle (1.6 KB) for those 75 s, by when it
 * was long out of cache, and then read it back, cold, to judge the flow and
 * to reuse the memory for a new flow: on the bench, a third of the
 * checker's time.
 *
 * The oracle is deterministic: the segments it was given say everything it
 * holds. So while a flow has few segments (PARK_LOG_MAX) the checker keeps
 * them, a few bytes each (struct park_log), and runs no oracle for it at
 * all until it closes (check.c's deferred judges). When the flow closes, it
 * is judged at once, by the quick judge (oracle_quick.h) or its oracle
 * replayed from the log, and parked: its verdict and its segments go into
 * the park (stores that bypass the cache: nothing reads them unless a late
 * segment comes), and its judge's memory goes back to the checker, warm,
 * for the next new flow. When the flow is finished, only the verdict is
 * read. A late segment takes the segments back out (the same events in the
 * same order give the same oracle) and the flow goes on as if it had never
 * been parked; it is parked again once that segment is judged.
 *
 * The park is a list of chunks filled in order. Flows close in roughly the
 * order they are finished, so a chunk empties as a whole, goes on a free
 * list and is filled again: memory is bounded by the flows parked within
 * one linger time, as it was, at a third of the bytes per flow. */
#ifndef FINFUZZ_CHECK_PARK_H
#define FINFUZZ_CHECK_PARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "event.h"
#include "seg_record.h"

/* Whether the park's memory is poisoned when not in use (AddressSanitizer). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FINFUZZ_PARK_POISON 1
#endif
#endif
#ifndef FINFUZZ_PARK_POISON
#if defined(__SANITIZE_ADDRESS__)
#define FINFUZZ_PARK_POISON 1
#else
#define FINFUZZ_PARK_POISON 0
#endif
#endif

/* The most segments a flow may have and be judged from its log and
 * parked: a flow with more runs its oracle live and keeps it for its
 * TIME-WAIT. Most flows are short, and a log costs only the records it
 * holds (a deferred flow's judge is its log alone: check.c): 48 takes in
 * the ordinary exchanges of a few dozen segments too, which a live oracle
 * judged for three times the cost (on the bench's 43-segment flows, a
 * quarter of the checker's CPU time). */
#define PARK_LOG_MAX 48

/* A flow's segments, in the order its oracle was given them (event index
 * 0, 1, ...), while it has no more than PARK_LOG_MAX. */
struct park_log {
    /* Line-aligned, first: no record straddles two cache lines. */
    _Alignas(64) struct seg_record seg[PARK_LOG_MAX];
    uint64_t base_usecs, base_frame; /* of the first */
    uint8_t count;                   /* PARK_LOG_LOST: not every segment is here */
};
#define PARK_LOG_LOST 0xffu

/* Start an empty log. */
static inline void park_log_init(struct park_log *l)
{
    l->count = 0;
}

/* Whether l holds every segment its flow has had (and at least one): the
 * flow may be parked. */
static inline bool park_log_whole(const struct park_log *l)
{
    return l->count != 0 && l->count != PARK_LOG_LOST;
}

/* Note that l no longer holds every segment. */
static inline void park_log_lose(struct park_log *l)
{
    l->count = PARK_LOG_LOST;
}

/* A live judge's oracle is about to be given segment event e, the flow's
 * event number index: keep it in l, or note that l no longer holds every
 * segment (it is full, index is not the next, or e's time or frame is too
 * far from the first's). (A deferred judge's segments go straight to their
 * slots: check.c's judge_push().) */
static inline __attribute__((always_inline)) void park_log_add(struct park_log *l, uint64_t index,
                                                               const struct ev *e)
{
    unsigned k = l->count;
    if (__builtin_expect(k >= PARK_LOG_MAX || index != k, 0)) {
        park_log_lose(l);
        return;
    }
    if (k == 0) {
        l->base_usecs = e->time_usecs;
        l->base_frame = e->frame;
    }
    /* Both only grow along a flow; one earlier than the first, or more
     * than 2^32 after it, wraps past 32 bits. */
    uint64_t dt = e->time_usecs - l->base_usecs, df = e->frame - l->base_frame;
    if (__builtin_expect((dt | df) >> 32, 0)) {
        park_log_lose(l);
        return;
    }
    seg_record_set(&l->seg[k], e, l->base_usecs, l->base_frame);
    l->count = (uint8_t)(k + 1);
}

/* Segment event k of log l, as the oracle was given it, into *e. */
void park_log_event(const struct park_log *l, unsigned k, struct ev *e);

/* park_log_event() into an event it made before (of the same log): the
 * fields a log holds, which are the only ones it sets. Replaying a log
 * costs one clearing of the event, not one a segment. */
static inline void park_log_fill(const struct park_log *l, unsigned k, struct ev *e)
{
    const struct seg_record *s = &l->seg[k];
    e->time_usecs = l->base_usecs + s->time_delta;
    e->frame = l->base_frame + s->frame_delta;
    e->endpoint = (s->bits & SEG_RECORD_FROM_B) ? EP_B : EP_A;
    seg_record_get_seg(s, &e->u.segment.seg);
}

/* The parts of the park below are check_park.c's; they are here so that
 * reading a parked flow's verdict and releasing its entry, once per flow,
 * are inline. */

/* A chunk: this header (one line), then its entries. */
struct park_chunk {
    struct park_chunk *next_free; /* on park.free */
    struct park_chunk *next_all;  /* on park.all */
    size_t used;                  /* bytes handed out since it was (re)filled */
    unsigned live;                /* entries not yet released */
};

/* One parked flow: its record (one line); its segments follow, in whole
 * lines. */
struct park_entry {
    struct park_chunk *chunk;
    const char *incomplete_reason;
    uint64_t base_usecs, base_frame;
    struct oracle_endpoint_view view[2];
    uint8_t verdict; /* an enum oracle_verdict */
    uint8_t count;   /* segments */
};

struct park {
    struct park_chunk *filling; /* entries are added here */
    struct park_chunk *free;    /* emptied chunks, to be filled again */
    struct park_chunk *all;     /* every chunk, for park_free() */
};

/* An entry is its record, one line, and its segments in whole lines;
 * chunks are PARK_CHUNK_BYTES. */
#define PARK_LINE_BYTES  64u
#define PARK_CHUNK_BYTES (64u << 10)
#define PARK_SEGS_BYTES(n)                                                                         \
    (((n) * sizeof(struct seg_record) + PARK_LINE_BYTES - 1) / PARK_LINE_BYTES * PARK_LINE_BYTES)

/* park_put()'s parts in check_park.c: the next chunk to fill, made the
 * filling one (NULL if no memory could be had), and the writing of entry
 * e of chunk c, whose room (a line and segs_bytes) is taken. */
struct park_chunk *park_chunk_next(struct park *p);
void park_entry_write(struct park_entry *e, struct park_chunk *c, const struct park_log *l,
                      const struct check_verdict *v, size_t segs_bytes);

/* Park log l (whole) with verdict v (which has no
 * violations). NULL if no memory could be had. (Inline: every short flow
 * is parked once.) */
static inline struct park_entry *park_put(struct park *p, const struct park_log *l,
                                          const struct check_verdict *v)
{
    size_t segs_bytes = PARK_SEGS_BYTES((size_t)l->count);
    size_t bytes = PARK_LINE_BYTES + segs_bytes;
    struct park_chunk *c = p->filling;
    if (__builtin_expect(!c || c->used + bytes > PARK_CHUNK_BYTES, 0) && !(c = park_chunk_next(p)))
        return NULL;
    struct park_entry *e = (struct park_entry *)(void *)((char *)c + c->used);
    c->used += bytes;
    c->live++;
    park_entry_write(e, c, l, v, segs_bytes);
    return e;
}
/* The verdict park_put() recorded, into *v. */
static inline void park_verdict_into(const struct park_entry *e, struct check_verdict *v)
{
    static const struct oracle_violation none[1]; /* a parked flow has none */
    v->verdict = (enum oracle_verdict)e->verdict;
    v->incomplete_reason = e->incomplete_reason;
    v->violations = none;
    v->nviolations = 0;
    v->violations_total = 0;
    v->view[0] = e->view[0];
    v->view[1] = e->view[1];
}
/* The segments park_put() recorded, into *l. */
void park_log_of(const struct park_entry *e, struct park_log *l);
/* park_drop() of an entry whose chunk has emptied, or of any in the
 * sanitizer builds (which poison it). */
void park_drop_slow(struct park *p, struct park_entry *e);
/* Release entry e. */
static inline void park_drop(struct park *p, struct park_entry *e)
{
#if !FINFUZZ_PARK_POISON
    struct park_chunk *c = e->chunk;
    if (__builtin_expect(c->live > 1, 1)) {
        c->live--;
        return;
    }
#endif
    park_drop_slow(p, e);
}
/* Release every chunk. */
void park_free(struct park *p);
/* How many chunks p holds (memory: 64 KB each). */
size_t park_chunks(const struct park *p);

#endif
