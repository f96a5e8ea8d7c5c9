/* One segment event of a capture in 32 bytes: everything the oracle reads
 * of it. The checker logs a short flow's segments this way (check_park.h)
 * and the quick judge reads them (oracle_quick.h). Times and frame numbers
 * are kept relative to a base of the caller's (the flow's first segment),
 * in 32 bits. */
#ifndef FINFUZZ_SEG_RECORD_H
#define FINFUZZ_SEG_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct seg_record {
    uint32_t seq, ack, payload_len, ts_val;
    uint32_t time_delta;  /* usecs after the base time */
    uint32_t frame_delta; /* frames after the base frame */
    uint16_t window;
    uint8_t flags, wscale;
    uint8_t bits; /* SEG_RECORD_* */
};
enum {
    SEG_RECORD_FROM_B = 1u << 0,
    SEG_RECORD_HAS_TS = 1u << 1,
    SEG_RECORD_HAS_WSCALE = 1u << 2,
};

/* Segment event e as a record, its time and frame taken from the bases
 * (which the caller checked they are within 2^32 of). */
static inline void seg_record_set(struct seg_record *r, const struct ev *e, uint64_t base_usecs,
                                  uint64_t base_frame)
{
    const struct seg *g = &e->u.segment.seg;
    r->seq = g->seq;
    r->ack = g->ack;
    r->payload_len = g->payload_len;
    r->ts_val = g->opts.ts_val;
    r->time_delta = (uint32_t)(e->time_usecs - base_usecs);
    r->frame_delta = (uint32_t)(e->frame - base_frame);
    r->window = g->window;
    r->flags = g->flags;
    r->wscale = g->opts.wscale;
    r->bits = (uint8_t)((e->endpoint == EP_B ? SEG_RECORD_FROM_B : 0) |
                        (g->opts.has_ts ? SEG_RECORD_HAS_TS : 0) |
                        (g->opts.has_wscale ? SEG_RECORD_HAS_WSCALE : 0));
}

/* Two records hold the same segment (field by field: padding aside). */
static inline bool seg_record_same(const struct seg_record *a, const struct seg_record *b)
{
    return a->seq == b->seq && a->ack == b->ack && a->payload_len == b->payload_len &&
           a->ts_val == b->ts_val && a->time_delta == b->time_delta &&
           a->frame_delta == b->frame_delta && a->window == b->window && a->flags == b->flags &&
           a->wscale == b->wscale && a->bits == b->bits;
}

#endif
