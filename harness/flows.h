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
#include <string.h>

#include "../stack/seq.h"
#include "capture.h"
#include "event.h"

struct flow_slab;

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
     * lookup compares (flows.c), and the per-segment counters. (Flows are
     * aligned to cache lines for this.) */
    _Alignas(64) struct flow *hnext;
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

    /* The second line holds the rest of what a flow's segments, its close
     * and its end touch: the close tracking, its first segment's frame and
     * time (which the checker reads for every segment, so the line stays
     * warm while the flow is active), its hash chain's back link and its
     * list links. Closing a flow or finishing it then touches this line of
     * it and of its neighbours, not a cold one. */
    bool fin_acked[2];
    bool isn_known[2];
    bool saw_syn; /* the flow began with its handshake */
    bool rst_seen;
    uint8_t syn_pending_from;
    bool on_closed_list;
    uint32_t fin_seq[2];
    union {
        /* Read only while the flow is open (a closed flow is past any
         * question about its SYNs): the closed list uses the room. */
        uint32_t isn[2];
        uint64_t queued_usecs; /* closed list: when it was (re)queued */
    };
    struct flow **hprev; /* the pointer that points at this flow */
    uint64_t first_frame, first_usecs;
    struct flow *prev, *next; /* its list (flows.c), or the free list */

    /* The third line, written when the flow begins and read when it ends. */
    uint32_t hash;
    unsigned incarnation; /* 1 for the first connection on this 4-tuple in the table */
    uint64_t id;          /* creation order within the table, from 0 */
    struct flow_key key;

    /* Not cleared for a new flow: read only while syn_pending, which sets it. */
    struct cap_segment syn_pending_seg;
};
/* The lines that a flow's life touches (struct flow's comments). */
#define FLOW_LIVE_BYTES offsetof(struct flow, syn_pending_seg)
_Static_assert(offsetof(struct flow, fin_seen) + sizeof(bool[2]) <= 64 &&
                   offsetof(struct flow, fin_acked) == 64 && offsetof(struct flow, next) < 128 &&
                   offsetof(struct flow, hash) == 128 && FLOW_LIVE_BYTES <= 192,
               "struct flow's lines hold what its comments say");

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
    uint64_t last_usecs; /* latest capture time seen */
    /* The open flows in creation order (second chance), once listed
     * (flows.c); the closed ones. */
    struct flow *open_head, *open_tail;
    bool open_listed; /* open flows are listed (from the table's first eviction on) */
    struct flow *closed_head, *closed_tail; /* in the order they were queued */
    /* Finished flows' memory, reused by the next new flows (linked through
     * next): no malloc/free per flow, and the most recently freed (still in
     * cache) is reused first. Never more than the most flows held at once. */
    struct flow *free_flows;
    /* Where new flows come from: blocks of flows, each twice as large as
     * the one before (up to FLOWS_SLAB_MAX), never freed before
     * flows_free(): one allocation per many flows, and none freed one at
     * a time. */
    struct flow_slab *slabs;
    /* Optional, set after flows_init: f is the next closed flow to expire
     * (or be re-queued); start loading what hooks.finish will touch.
     * (Kept out of struct flow_hooks, which callers initialise
     * positionally.) */
    void (*warm_finish)(void *ctx, const struct flow *f);
    const struct flow *warmed_closed; /* the closed flow last given to warm_finish */
    /* flows_expire_due() has work once capture time passes this: the
     * closed list's head's deadline, 0 when the head changed (to warm the
     * new one), UINT64_MAX when the list is empty. */
    uint64_t expire_check_usecs;
    uint64_t generation; /* changes whenever a flow is added or removed */
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
 * and, if the segment is ordinary (one of an existing flow with no SYN
 * answer pending, and not a bare SYN) or the first of a new flow that can
 * be created without finishing another (flows_create_quiet()), routes it
 * exactly as flows_segment() does except that it does not call
 * hooks.segment (hooks.open is called for a new flow): it returns the flow,
 * with *ep the sender, and the caller judges the segment itself
 * (f->segments - 1 is its index in the flow and f->last_usecs its time,
 * never behind the flow's earlier ones). For any other segment it returns
 * NULL having done only what flows_segment() starts with (expiring
 * lingering flows) and filled *l, and the caller hands the segment and *l
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
static inline void flows_lookup_of(const struct seg_ip *ip, uint16_t sport, uint16_t dport,
                                   struct flow_lookup *l);
static inline struct flow *flows_segment_fast(struct flow_table *t, const struct seg_ip *ip,
                                              uint64_t frame, uint64_t time_usecs,
                                              const struct seg *s, struct flow_lookup *l,
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

/* ---- the per-segment path, inline ----
 *
 * flows_lookup_of() and flows_segment_fast() run for every segment of a
 * capture; inline, they cost no call each (and the key stays in
 * registers). Read flows.c's notes on keys first. The functions below are
 * their out-of-line parts, for them (and flows.c) alone. */

#define FLOWS_HOT     static inline __attribute__((always_inline))
#define FLOWS_KEY_MUL 0x9e3779b97f4a7c15ull

/* Noting a segment reads its flags, seq, ack and payload_len, from the
 * form a flow's log keeps it in (seg_record.h): the checker's fast path
 * holds it so already; flows_record_of() makes one of a struct seg. */
static inline struct seg_record flows_record_of(const struct seg *s)
{
    struct seg_record r;
    memset(&r, 0, sizeof r);
    r.seq = s->seq;
    r.ack = s->ack;
    r.payload_len = s->payload_len;
    r.flags = s->flags;
    return r;
}

/* Two whole keys are equal. */
bool flows_key_eq(const struct flow_key *a, const struct flow_key *b);
/* The lookup of an IPv6 segment (its whole key is compared). */
void flows_lookup_ipv6(const struct seg_ip *ip, uint16_t sport, uint16_t dport,
                       struct flow_lookup *l);
/* Finish or re-queue the closed flows whose linger time may have passed at
 * now_usecs, and warm the next one to go. */
void flows_expire_due(struct flow_table *t, uint64_t now_usecs);
/* The part of noting a segment of ep that carries SYN, FIN or RST. */
void flows_note_flags(struct flow_table *t, struct flow *f, uint8_t ep, const struct seg_record *s);
/* f has just closed: it moves to the closed list. */
void flows_closed(struct flow_table *t, struct flow *f);
/* The flow of lookup l, new, with end a_end as A, as flows_segment()
 * creates it, if that needs no other flow finished first and no warning;
 * else NULL, and then flows_segment_prepared() creates it (and warns). */
struct flow *flows_create_quiet(struct flow_table *t, const struct flow_lookup *l, uint8_t a_end);

/* The compact key of an IPv4 segment from ip->src/sport to ip->dst/dport:
 * its two words, its hash, and which end of it sent the segment. */
FLOWS_HOT void flows_key4(const struct seg_ip *ip, uint16_t sport, uint16_t dport, uint64_t kw[2],
                          uint32_t *hash, uint8_t *src_end)
{
    uint32_t s4, d4;
    memcpy(&s4, ip->src, 4);
    memcpy(&d4, ip->dst, 4);
    uint64_t x = (uint64_t)__builtin_bswap32(s4) << 16 | sport;
    uint64_t y = (uint64_t)__builtin_bswap32(d4) << 16 | dport;
    *src_end = x > y;
    uint64_t lo = x > y ? y : x, hi = x > y ? x : y;
    kw[0] = lo | (uint64_t)4 << 56;
    kw[1] = hi;
    uint64_t h = lo * FLOWS_KEY_MUL ^ hi;
    h ^= h >> 29; /* bring the high bits down before the last spread */
    h *= FLOWS_KEY_MUL;
    *hash = (uint32_t)(h >> 32);
}

static inline void flows_lookup_of(const struct seg_ip *ip, uint16_t sport, uint16_t dport,
                                   struct flow_lookup *l)
{
    l->found_valid = false;
    if (__builtin_expect(ip->version != 4, 0)) {
        flows_lookup_ipv6(ip, sport, dport, l);
        return;
    }
    flows_key4(ip, sport, dport, l->kw, &l->hash, &l->src_end);
}

/* The flow of a lookup, or NULL. */
FLOWS_HOT struct flow *flows_find(const struct flow_table *t, const struct flow_lookup *l)
{
    if (!t->nbuckets)
        return NULL;
    for (struct flow *f = t->buckets[l->hash & (t->nbuckets - 1)]; f; f = f->hnext)
        if (f->kw[0] == l->kw[0] && f->kw[1] == l->kw[1] &&
            (l->kw[0] >> 56 == 4 || flows_key_eq(&f->key, &l->key)))
            return f;
    return NULL;
}

/* Note one segment of f (sent by end src_end of its key) in what the table
 * tracks about the flow and its close; returns the sender, EP_A or EP_B.
 * may_be_first: f may have no segment yet (a flow just created). */
FLOWS_HOT uint8_t flows_note(struct flow_table *t, struct flow *f, uint8_t src_end, uint64_t frame,
                             uint64_t time_usecs, const struct seg_record *s, bool may_be_first)
{
    uint8_t ep = src_end ^ f->a_end; /* EP_A (0) when the sender is A's end */
    uint8_t flags = s->flags;
    if (may_be_first && f->segments == 0) {
        f->first_frame = frame;
        f->first_usecs = time_usecs;
        f->saw_syn = (flags & TCP_SYN) != 0;
    }
    f->segments++;
    f->last_frame = frame;
    if (time_usecs > f->last_usecs)
        f->last_usecs = time_usecs;
    f->touched = !may_be_first || f->segments > 1; /* the creating segment does not count */
    if (flags & (TCP_SYN | TCP_RST)) {
        flows_note_flags(t, f, ep, s);
        return ep;
    }
    /* A segment without SYN or RST: it may carry ep's FIN, and it can
     * acknowledge the peer's (as flows_note_flags() notes them). The FIN is
     * noted without a branch: FINs come at random among the segments of
     * many flows, and a branch on them would be mispredicted often. */
    uint8_t peer = 1 - ep;
    f->sent_non_syn[ep] = true;
    bool first_fin = (flags & TCP_FIN) && !f->fin_seen[ep];
    f->fin_seq[ep] = first_fin ? s->seq + s->payload_len : f->fin_seq[ep];
    f->fin_seen[ep] |= first_fin;
    /* Whether it acknowledges the peer's FIN first, likewise without a
     * branch but the one to close the flow. */
    bool acks_fin = ((flags & TCP_ACK) != 0) & f->fin_seen[peer] & !f->fin_acked[peer] &
                    seq_gt(s->ack, f->fin_seq[peer]);
    f->fin_acked[peer] |= acks_fin;
    if (__builtin_expect(acks_fin & f->fin_acked[ep] & !f->closed, 0))
        flows_closed(t, f);
    return ep;
}

/* Capture time reaches time_usecs: expire what lingered long enough
 * (flows_segment() starts with this). */
FLOWS_HOT void flows_advance(struct flow_table *t, uint64_t time_usecs)
{
    if (time_usecs > t->last_usecs)
        t->last_usecs = time_usecs;
    if (__builtin_expect(t->last_usecs > t->expire_check_usecs, 0))
        flows_expire_due(t, t->last_usecs);
}

/* flows_segment_fast() once it has searched: f is the flow of the key
 * kw/hash (sent by its end src_end), or NULL. The key goes to *l only when
 * the segment is left to flows_segment_prepared() or creates a flow. */
FLOWS_HOT struct flow *flows_fast_route(struct flow_table *t, struct flow *f, const uint64_t kw[2],
                                        uint32_t hash, uint8_t src_end, uint64_t frame,
                                        uint64_t time_usecs, const struct seg_record *s,
                                        struct flow_lookup *l, uint8_t *ep)
{
    uint8_t syn_ack = s->flags & (TCP_SYN | TCP_ACK | TCP_RST);
    if (__builtin_expect(f != NULL, 1) && !f->syn_pending &&
        syn_ack != TCP_SYN) { /* a bare SYN: decisions */
        *ep = flows_note(t, f, src_end, frame, time_usecs, s, false);
        return f;
    }
    l->kw[0] = kw[0];
    l->kw[1] = kw[1];
    l->hash = hash;
    l->src_end = src_end;
    if (!f) {
        /* A new flow (flows_segment_prepared()'s choice of A). */
        l->found_valid = false; /* (searched again if not created here) */
        uint8_t a_end = syn_ack == (TCP_SYN | TCP_ACK) ? (uint8_t)(1 - src_end) : src_end;
        f = flows_create_quiet(t, l, a_end);
        if (f)
            *ep = flows_note(t, f, src_end, frame, time_usecs, s, true);
        return f;
    }
    l->found_valid = true;
    l->found = f;
    l->found_generation = t->generation;
    return NULL;
}

/* flows_segment_fast() for IPv6 (s sent from ip->src/sport to
 * ip->dst/dport). */
struct flow *flows_segment_fast_ipv6(struct flow_table *t, const struct seg_ip *ip, uint16_t sport,
                                     uint16_t dport, uint64_t frame, uint64_t time_usecs,
                                     const struct seg_record *s, struct flow_lookup *l,
                                     uint8_t *ep);

/* flows_segment_fast() of an IPv4 segment whose key flows_key4() gave
 * (kw, hash, src_end), for a caller that computed it ahead. */
FLOWS_HOT struct flow *flows_segment_fast_key4(struct flow_table *t, const uint64_t kw[2],
                                               uint32_t hash, uint8_t src_end, uint64_t frame,
                                               uint64_t time_usecs, const struct seg_record *s,
                                               struct flow_lookup *l, uint8_t *ep)
{
    flows_advance(t, time_usecs);
    struct flow *f = NULL;
    if (t->nbuckets)
        for (f = t->buckets[hash & (t->nbuckets - 1)]; f; f = f->hnext)
            if (f->kw[0] == kw[0] && f->kw[1] == kw[1])
                break;
    return flows_fast_route(t, f, kw, hash, src_end, frame, time_usecs, s, l, ep);
}

static inline struct flow *flows_segment_fast(struct flow_table *t, const struct seg_ip *ip,
                                              uint64_t frame, uint64_t time_usecs,
                                              const struct seg *s, struct flow_lookup *l,
                                              uint8_t *ep)
{
    struct seg_record r = flows_record_of(s);
    if (__builtin_expect(ip->version != 4, 0))
        return flows_segment_fast_ipv6(t, ip, s->sport, s->dport, frame, time_usecs, &r, l, ep);
    /* The key stays in registers: an IPv4 key is its two words. */
    uint64_t kw[2];
    uint32_t hash;
    uint8_t src_end;
    flows_key4(ip, s->sport, s->dport, kw, &hash, &src_end);
    return flows_segment_fast_key4(t, kw, hash, src_end, frame, time_usecs, &r, l, ep);
}

#endif
