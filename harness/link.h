/* Two model endpoints joined back to back by an in-memory network.
 *
 * Used by the stack's tests (every close scenario between two real model
 * endpoints), by the close_pair fuzz target (with faults chosen per packet)
 * and by the benchmarks. Deterministic: the only randomness is the loss
 * generator, seeded by the caller. No allocation: the caller owns struct link.
 *
 * Every segment, drop and state change is pushed to the optional event tee
 * (endpoint A is ep[0], B is ep[1]), so the oracle can judge the whole run. */
#ifndef FINFUZZ_LINK_H
#define FINFUZZ_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "../stack/tcp.h"
#include "event.h"

#define LINK_QUEUE_MAX 64      /* segments in flight at most; more are dropped */
#define LINK_PAYLOAD_MAX 1460u /* payload bytes kept per segment in flight */

/* What the network does with one segment (chosen by the filter). */
enum link_fate {
    LINK_DELIVER = 0, /* after the link's one-way delay */
    LINK_DROP,        /* lost */
    LINK_DUPLICATE,   /* delivered twice */
    LINK_DELAY,       /* delivered after delay + extra_delay_usecs (reorders) */
};

struct link_packet {
    uint8_t src;           /* EP_A or EP_B: the sender */
    uint64_t deliver_usecs;
    uint64_t event_index;  /* index of its EV_SEGMENT in the tee (if any) */
    uint64_t order;        /* tie-break: send order */
    struct seg seg;        /* seg.payload points into payload[] */
    uint8_t payload[LINK_PAYLOAD_MAX];
};

/* Per-packet fault choice; NULL means "deliver everything". */
typedef enum link_fate (*link_filter_fn)(void *ctx, const struct link_packet *p,
                                         uint64_t *extra_delay_usecs);

struct link {
    struct tcp_conn ep[2]; /* A = ep[0], B = ep[1] */
    struct seg_ip ip[2];   /* addresses of A and B (IPv4 documentation prefix) */
    struct link_packet queue[LINK_QUEUE_MAX];
    unsigned queued;
    uint64_t now_usecs;
    uint64_t delay_usecs;     /* one-way delay, default 1 ms */
    uint32_t loss_state;      /* xorshift32 state; 0 = no random loss */
    unsigned loss_per_mille;  /* probability of losing a segment */
    link_filter_fn filter;
    void *filter_ctx;
    struct ev_tee *events;    /* may be NULL */
    uint64_t sent_order;
    uint64_t delivered[2];    /* payload bytes the application of ep[i] has read */
    bool eof_seen[2];         /* the application of ep[i] saw end-of-stream */
    bool reading[2];          /* the application of ep[i] reads what arrives */
};

/* Set up A (lport 40000 -> 8080) and B (8080 -> 40000), both CLOSED, with
 * their own configurations; events may be NULL. */
void link_init(struct link *l, const struct tcp_config *cfg_a, const struct tcp_config *cfg_b,
               struct ev_tee *events);

/* Lose each segment with probability per_mille/1000, from a seeded
 * generator (seed != 0). */
void link_set_loss(struct link *l, uint32_t seed, unsigned per_mille);
void link_set_filter(struct link *l, link_filter_fn filter, void *ctx);

/* Application calls on one side, at the link's current time, reported as
 * EV_APP events. tcp_recv is done by the link itself (see link_run). */
void link_app(struct link *l, enum ev_endpoint ep, enum ev_app_call call, uint32_t len);

/* Process the earliest pending thing (a delivery or a timer), moving time
 * forward to it, if it is due at or before until_usecs. Returns false when
 * nothing is due by then. After each delivery the receiving application
 * reads everything available unless its read side was left unread on
 * purpose (link_set_reading). */
bool link_step(struct link *l, uint64_t until_usecs);

/* Step until nothing is due at or before until_usecs, then set the clock to
 * until_usecs. */
void link_run_until(struct link *l, uint64_t until_usecs);

/* Whether the application of ep reads what arrives (default true). */
void link_set_reading(struct link *l, enum ev_endpoint ep, bool reading);

#endif
