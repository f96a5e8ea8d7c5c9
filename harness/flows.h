/* The flow table: which TCP connection each captured segment belongs to.
 *
 * Read RFC 9293 §3.5 (establishing a connection), §3.6 (closing one) and
 * RFC 6191 / RFC 1122 §4.2.2.13 (reusing a 4-tuple in TIME-WAIT) first.
 *
 * A flow is one 4-tuple and one connection incarnation. Endpoint A is the
 * side that sent the first SYN (the receiver of a SYN-ACK when the capture
 * begins with one), else the sender of the first segment seen.
 *
 * A new incarnation starts when a SYN (without ACK) arrives on a flow that
 * has got past its own handshake and the other side answers it with a
 * SYN-ACK that acknowledges it. That SYN and its answer are handed to the old
 * flow first, where time-wait-reuse is judged (it knows the old sequence
 * space), which then ends; the new flow starts with the same two segments. A
 * SYN that draws anything else (an ACK from TIME-WAIT, a RST) stays in the
 * old flow, as the stack under test treated it.
 *
 * Memory is bounded by the flows that can still change: a flow that has
 * closed (both FINs acknowledged, or a RST) is finished once linger_usecs of
 * capture time pass without a segment on it (2*MSL: nothing after that can
 * change its verdict); flows_finish_all() finishes the rest at end of file.
 * When max_flows are held at once, the least recently active flow (as a
 * CLOCK second-chance scan approximates it) is finished early (once per
 * table a warning is returned). */
#ifndef FINFUZZ_FLOWS_H
#define FINFUZZ_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

/* The 4-tuple with its two ends in a canonical order (end 0 sorts first), so
 * both directions of a connection find the same flow. */
struct flow_key {
    uint8_t addr[2][16]; /* first, so the hash reads them as aligned words */
    uint16_t port[2];
    uint8_t version; /* 4 or 6 */
};

/* Why a flow was finished. */
enum flow_end {
    FLOW_END_LINGERED = 0, /* closed, and linger_usecs passed without a segment */
    FLOW_END_REUSED,       /* a new incarnation of its 4-tuple started */
    FLOW_END_EOF,          /* the capture ended */
    FLOW_END_EVICTED,      /* the table was full and it was the least recently active */
};

struct flow {
    /* The first cache line holds all that finding the flow of an ordinary
     * segment and noting it touch: the hash chain, the compact key the
     * lookup compares (flows.c), and the per-segment counters. The full
     * key, the lists and the pending SYN, used when flows begin, close and
     * end, follow. */
    struct flow *hnext;
    uint64_t kw[2]; /* the compact key (flows.c) */
    void *user;     /* the hooks' per-flow state (e.g. the oracle) */
    uint64_t segments;
    uint64_t last_frame;
    uint64_t last_usecs; /* the latest capture time of its segments */
    uint8_t a_end;       /* which end of key is endpoint A (0 or 1) */
    bool closed;
    bool syn_pending; /* a SYN that may open a new incarnation waits for its answer */
    bool touched;     /* a segment since the eviction clock last passed */
    /* Close tracking, per endpoint (EP_A/EP_B). */
    bool sent_non_syn[2]; /* sent something after its SYN */
    bool fin_seen[2];

    bool fin_acked[2];
    bool isn_known[2];
    bool saw_syn; /* the flow began with its handshake */
    bool rst_seen;
    uint8_t syn_pending_from;
    bool on_closed_list;
    uint32_t fin_seq[2];
    uint32_t isn[2];
    uint32_t hash;
    struct flow **hprev; /* the pointer that points at this flow */
    uint64_t first_frame, first_usecs;
    struct flow_key key;

    /* List links. */
    struct flow *prev, *next; /* the open list (creation order) or the closed one */
    uint64_t queued_usecs;    /* closed list: when it was (re)queued */
    uint64_t id;              /* creation order within the table, from 0 */
    unsigned incarnation;     /* 1 for the first connection on this 4-tuple in the table */

    struct cap_segment syn_pending_seg; /* valid while syn_pending */
};

/* What the table does with flows; the caller provides it. */
struct flow_hooks {
    void *ctx;
    /* A flow was created: return its per-flow state (stored in f->user), or
     * NULL if none could be made (the flow is dropped and its segments are
     * ignored). */
    void *(*open)(void *ctx, struct flow *f);
    /* A segment of endpoint ep (EP_A/EP_B) belongs to f. */
    void (*segment)(void *ctx, struct flow *f, uint8_t ep, const struct cap_segment *cs);
    /* f is done at capture time end_usecs: judge it and free f->user. */
    void (*finish)(void *ctx, struct flow *f, uint64_t end_usecs, enum flow_end why);
};

struct flow_table {
    struct flow_hooks hooks;
    uint64_t linger_usecs;
    size_t max_flows;
    struct flow **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;    /* flows held */
    uint64_t next_id;
    uint64_t flows_total;
    uint64_t evicted;
    bool warned_full;
    uint64_t last_usecs;                    /* latest capture time seen */
    struct flow *open_head, *open_tail;     /* in creation order (second chance) */
    struct flow *closed_head, *closed_tail; /* in the order they were queued */
    /* Finished flows' memory, reused by the next new flows (linked through
     * next): no malloc/free per flow, and the most recently freed (still in
     * cache) is reused first. Never more than the most flows held at once. */
    struct flow *free_flows;
    /* Optional, set after flows_init: f is the next closed flow to expire
     * (or be re-queued); start loading what hooks.finish will touch.
     * (Kept out of struct flow_hooks, which callers initialise
     * positionally.) */
    void (*warm_finish)(void *ctx, const struct flow *f);
    const struct flow *warmed_closed; /* the closed flow last given to warm_finish */
    uint64_t generation;              /* changes whenever a flow is added or removed */
};

/* Prepare an empty table. max_flows 0 means no cap. */
void flows_init(struct flow_table *t, const struct flow_hooks *hooks, uint64_t linger_usecs,
                size_t max_flows);

/* What flows_segment() wants the caller to tell the user. */
enum flow_warn {
    FLOW_WARN_NONE = 0,
    FLOW_WARN_FULL,  /* the flow cap was hit for the first time: flows are finished early */
    FLOW_WARN_NOMEM, /* no memory for a new flow: its segment was ignored */
};

/* Route one segment to its flow (creating, finishing and expiring flows as
 * needed). */
enum flow_warn flows_segment(struct flow_table *t, const struct cap_segment *cs);

/* The same for a reader that judges segments itself. flows_lookup_of()
 * computes into *l the key of a segment sent from ip/sport to ip/dport, and
 * flows_segment_prepared() routes cs with it exactly as flows_segment()
 * does. flows_segment_fast() computes the key of segment s (sent over ip)
 * into *l and routes it if it is ordinary (one of an existing flow with no
 * SYN answer pending, and not a bare SYN) exactly as flows_segment() does (one of an existing flow
 * with no SYN answer pending, and not a bare SYN) exactly as flows_segment() does, except that it
 * does not call hooks.segment: it returns the flow, with *ep the sender, and the caller judges the
 * segment itself (f->segments - 1 is its index in the flow and f->last_usecs its time, never behind
 * the flow's earlier ones). For any other segment it returns NULL having only done what
 * flows_segment() starts with (expiring lingering flows), and the caller hands the segment and *l
 * to flows_segment_prepared(). */
struct flow_lookup {
    uint64_t kw[2]; /* the compact key */
    uint32_t hash;
    uint8_t src_end;     /* which end of the key sent the segment */
    struct flow_key key; /* the whole key, for IPv6 only (IPv4's is kw) */
    /* What flows_segment_fast() found (a flow, or NULL for none), valid
     * while the table's generation is still found_generation: routing then
     * skips a second search. */
    bool found_valid;
    struct flow *found;
    uint64_t found_generation;
};
void flows_lookup_of(const struct seg_ip *ip, uint16_t sport, uint16_t dport,
                     struct flow_lookup *l);
struct flow *flows_segment_fast(struct flow_table *t, const struct seg_ip *ip, uint64_t frame,
                                uint64_t time_usecs, const struct seg *s, struct flow_lookup *l,
                                uint8_t *ep);
enum flow_warn flows_segment_prepared(struct flow_table *t, const struct cap_segment *cs,
                                      struct flow_lookup *l);

/* Finish every flow still held, in creation order, at end_usecs. */
void flows_finish_all(struct flow_table *t, uint64_t end_usecs);

/* Release the table (flows_finish_all first, or their user state leaks). */
void flows_free(struct flow_table *t);

/* "192.0.2.1:41001-192.0.2.2:8080" (A first; IPv6 as [addr]:port). buf
 * needs FLOW_NAME_MAX bytes. */
#define FLOW_NAME_MAX 112
char *flow_name(const struct flow *f, char *buf);
/* The same, returning the end of the name (where its '\0' is). */
char *flow_name_end(const struct flow *f, char *buf);

/* The address and port of endpoint ep of f. */
const uint8_t *flow_addr(const struct flow *f, uint8_t ep);
uint16_t flow_port(const struct flow *f, uint8_t ep);

#endif
