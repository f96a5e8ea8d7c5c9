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

/* Options o as a record keeps them: the timestamps' TSval and the window
 * scale, each 0 without its option, with their bits (r->bits is set to
 * those two alone). */
static inline void seg_record_set_opts(struct seg_record *r, const struct seg_opts *o)
{
    r->ts_val = o->has_ts ? o->ts_val : 0;
    r->wscale = o->has_wscale ? o->wscale : 0;
    r->bits = (uint8_t)((o->has_ts ? SEG_RECORD_HAS_TS : 0) |
                        (o->has_wscale ? SEG_RECORD_HAS_WSCALE : 0));
}

/* What a record holds of segment g (all but its time, frame and sender). */
static inline void seg_record_set_seg(struct seg_record *r, const struct seg *g)
{
    r->seq = g->seq;
    r->ack = g->ack;
    r->payload_len = g->payload_len;
    r->window = g->window;
    r->flags = g->flags;
    seg_record_set_opts(r, &g->opts);
}

/* Segment event e as a record, its time and frame taken from the bases
 * (which the caller checked they are within 2^32 of). */
static inline void seg_record_set(struct seg_record *r, const struct ev *e, uint64_t base_usecs,
                                  uint64_t base_frame)
{
    seg_record_set_seg(r, &e->u.segment.seg);
    r->time_delta = (uint32_t)(e->time_usecs - base_usecs);
    r->frame_delta = (uint32_t)(e->frame - base_frame);
    if (e->endpoint == EP_B)
        r->bits |= SEG_RECORD_FROM_B;
}

/* The segment fields record r holds, into *g (whose other fields are left
 * alone). */
static inline void seg_record_get_seg(const struct seg_record *r, struct seg *g)
{
    g->seq = r->seq;
    g->ack = r->ack;
    g->payload_len = r->payload_len;
    g->window = r->window;
    g->flags = r->flags;
    g->opts.has_ts = (r->bits & SEG_RECORD_HAS_TS) != 0;
    g->opts.ts_val = r->ts_val;
    g->opts.has_wscale = (r->bits & SEG_RECORD_HAS_WSCALE) != 0;
    g->opts.wscale = r->wscale;
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
