/* The flow table. Read RFC 9293 §3.5-§3.6 and RFC 6191 first; flows.h has
 * the contract (what a flow and an incarnation are, when flows end). */
#include "flows.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../stack/seq.h"
#include "event.h"
#include "put.h"

#define FLOWS_BUCKETS_INITIAL 1024u

/* ---- keys and hashing ----
 *
 * Every segment computes its flow's key before anything else can start, so
 * the key is kept small: an IPv4 end (address, port) is one 48-bit number,
 * address above port, and ordering the two ends is one comparison of those
 * numbers (memcmp's order of the addresses, then the ports). The compact
 * key kw is the two numbers, lower first, with the IP version in the top
 * byte of kw[0]: comparing two IPv4 keys is comparing two words each. An
 * IPv6 key does not fit; its kw holds the version and the hash, and the
 * whole key is compared after it. The whole struct flow_key is built once,
 * when a flow is created. */

#define KEY_MUL FLOWS_KEY_MUL

/* The whole key of an IPv6 segment and its hash; *src_end says which end
 * sent it. */
static uint32_t key_of_ipv6(const struct seg_ip *ip, uint16_t sport, uint16_t dport,
                            struct flow_key *k, uint8_t *src_end)
{
    int c = memcmp(ip->src, ip->dst, 16);
    if (c == 0)
        c = (int)sport - (int)dport;
    uint8_t s = c <= 0 ? 0 : 1;
    memcpy(k->addr[s], ip->src, 16);
    memcpy(k->addr[1 - s], ip->dst, 16);
    k->port[s] = sport;
    k->port[1 - s] = dport;
    k->version = 6;
    *src_end = s;
    uint64_t w[4];
    memcpy(w, k->addr, sizeof w);
    uint64_t h = (uint64_t)k->port[0] << 16 | k->port[1];
    for (int i = 0; i < 4; i++)
        h = (h ^ w[i]) * KEY_MUL;
    h ^= h >> 29;
    h *= KEY_MUL;
    return (uint32_t)(h >> 32);
}

void flows_lookup_ipv6(const struct seg_ip *ip, uint16_t sport, uint16_t dport,
                       struct flow_lookup *l)
{
    memset(&l->key, 0, sizeof l->key);
    l->hash = key_of_ipv6(ip, sport, dport, &l->key, &l->src_end);
    l->kw[0] = (uint64_t)6 << 56 | l->hash;
    l->kw[1] = 0;
}

struct flow *flows_segment_fast_ipv6(struct flow_table *t, const struct seg_ip *ip, uint16_t sport,
                                     uint16_t dport, uint64_t frame, uint64_t time_usecs,
                                     const struct seg_record *s, struct flow_lookup *l, uint8_t *ep)
{
    flows_lookup_of(ip, sport, dport, l);
    flows_advance(t, time_usecs);
    struct flow *f = flows_find(t, l);
    return flows_fast_route(t, f, l->kw, l->hash, l->src_end, frame, time_usecs, s, l, ep);
}

/* The whole key of a lookup (for IPv4, from its compact key) into *k,
 * which is zeroed (a new flow's). */
static inline void key_whole(const struct flow_lookup *l, struct flow_key *k)
{
    if (l->kw[0] >> 56 != 4) {
        *k = l->key;
        return;
    }
    for (int e = 0; e < 2; e++) {
        uint32_t a = htonl((uint32_t)(l->kw[e] >> 16));
        memcpy(k->addr[e], &a, 4);
        k->port[e] = (uint16_t)l->kw[e];
    }
    k->version = 4;
}

bool flows_key_eq(const struct flow_key *a, const struct flow_key *b)
{
    /* Word compares (the compiler inlines these fixed-size memcpys). */
    uint64_t wa[4], wb[4];
    memcpy(wa, a->addr, sizeof wa);
    memcpy(wb, b->addr, sizeof wb);
    return a->version == b->version && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
           ((wa[0] ^ wb[0]) | (wa[1] ^ wb[1]) | (wa[2] ^ wb[2]) | (wa[3] ^ wb[3])) == 0;
}

static void bucket_insert(struct flow **b, struct flow *f)
{
    f->hnext = *b;
    if (*b)
        (*b)->hprev = &f->hnext;
    f->hprev = b;
    *b = f;
}

/* A block of flows (flow_table.slabs). */
struct flow_slab {
    struct flow_slab *next;
    void *raw; /* what calloc returned (the block is aligned in it) */
    size_t cap, used;
    struct flow f[];
};
#define FLOWS_SLAB_FIRST 16u /* flows; a small capture allocates little */
#define FLOWS_SLAB_MAX   1024u

/* The id of a flow that is not held (flows_finish_all() finds the held
 * ones in the slabs by it). */
#define FLOW_ID_FREE UINT64_MAX

/* ---- lists ----
 *
 * Closed flows are listed in the order they were queued (for expiry).
 * Open flows are listed (in creation order, which the eviction clock then
 * changes) only from the first time the table is full: until then nothing
 * needs their order (flows_finish_all() sorts by id), and listing them
 * would cost, when a flow closes, writes to its open neighbours, which are
 * as often as not long out of cache. Until the clock has moved one, the
 * open list is the open flows in id order, so it is made then
 * (list_open_flows()). */

static inline bool flow_listed(const struct flow_table *t, const struct flow *f)
{
    return f->on_closed_list || t->open_listed;
}

/* Two lists of flows (linked through next) sorted by id, merged. */
static struct flow *merge_by_id(struct flow *a, struct flow *b)
{
    struct flow *out = NULL, **tail = &out;
    while (a && b) {
        struct flow **min = a->id < b->id ? &a : &b;
        *tail = *min;
        tail = &(*min)->next;
        *min = (*min)->next;
    }
    *tail = a ? a : b;
    return out;
}

/* List the open flows, in id order (a merge sort of the list: no memory
 * needed). */
static void list_open_flows(struct flow_table *t)
{
    struct flow *sorted[64] = {0}; /* sorted[i]: 2^i flows, or none */
    for (struct flow_slab *s = t->slabs; s; s = s->next)
        for (size_t i = 0; i < s->used; i++) {
            struct flow *f = &s->f[i];
            if (f->id == FLOW_ID_FREE || f->on_closed_list)
                continue;
            f->next = NULL;
            unsigned k = 0;
            for (; k < 63 && sorted[k]; k++) {
                f = merge_by_id(sorted[k], f);
                sorted[k] = NULL;
            }
            sorted[k] = merge_by_id(sorted[k], f);
        }
    struct flow *head = NULL;
    for (unsigned k = 0; k < 64; k++)
        head = merge_by_id(sorted[k], head);
    t->open_head = head;
    t->open_tail = NULL;
    for (struct flow *f = head; f; f = f->next) {
        f->prev = t->open_tail;
        t->open_tail = f;
    }
    t->open_listed = true;
}

static void list_unlink(struct flow_table *t, struct flow *f)
{
    if (!flow_listed(t, f))
        return;
    if (f->on_closed_list && !f->prev)
        t->expire_check_usecs = 0; /* a new head */
    struct flow **head = f->on_closed_list ? &t->closed_head : &t->open_head;
    struct flow **tail = f->on_closed_list ? &t->closed_tail : &t->open_tail;
    if (f->prev)
        f->prev->next = f->next;
    else
        *head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        *tail = f->prev;
    f->prev = f->next = NULL;
}

static void list_append(struct flow_table *t, struct flow *f)
{
    if (!flow_listed(t, f))
        return;
    if (f->on_closed_list && !t->closed_tail)
        t->expire_check_usecs = 0; /* a new head */
    struct flow **head = f->on_closed_list ? &t->closed_head : &t->open_head;
    struct flow **tail = f->on_closed_list ? &t->closed_tail : &t->open_tail;
    f->prev = *tail;
    f->next = NULL;
    if (*tail)
        (*tail)->next = f;
    else
        *head = f;
    *tail = f;
}

/* The same, specialised for what each step of a flow's life knows of it
 * (generic list_unlink() and list_append() read and branch on both). */

/* f, new and open, goes on the open list if there is one. */
static inline void open_append(struct flow_table *t, struct flow *f)
{
    if (!t->open_listed)
        return;
    f->prev = t->open_tail;
    f->next = NULL;
    if (t->open_tail)
        t->open_tail->next = f;
    else
        t->open_head = f;
    t->open_tail = f;
}

/* f, on_closed_list set, goes at the closed list's tail. */
static inline void closed_append(struct flow_table *t, struct flow *f)
{
    struct flow *tail = t->closed_tail;
    f->prev = tail;
    f->next = NULL;
    if (tail) {
        tail->next = f;
    } else {
        t->closed_head = f;
        t->expire_check_usecs = 0; /* a new head */
    }
    t->closed_tail = f;
}

/* f, the closed list's head, leaves it (its links are left as they are:
 * flows_expire_due() sets or drops them next, and sets the next
 * deadline). */
static inline void closed_pop_head(struct flow_table *t, struct flow *f)
{
    struct flow *next = f->next;
    t->closed_head = next;
    if (next)
        next->prev = NULL;
    else
        t->closed_tail = NULL;
}

/* ---- the table ---- */

void flows_init(struct flow_table *t, const struct flow_hooks *hooks, uint64_t linger_usecs,
                size_t max_flows)
{
    memset(t, 0, sizeof *t);
    t->hooks = *hooks;
    t->linger_usecs = linger_usecs;
    t->max_flows = max_flows;
}

static __attribute__((noinline)) bool table_grow(struct flow_table *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : FLOWS_BUCKETS_INITIAL;
    struct flow **b = calloc(n, sizeof *b);
    if (!b)
        return t->nbuckets != 0; /* keep working with longer chains */
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct flow *f = t->buckets[i];
        while (f) {
            struct flow *next = f->hnext;
            bucket_insert(&b[f->hash & (n - 1)], f);
            f = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->generation++;
    t->nbuckets = n;
    return true;
}

/* f leaves its hash chain. */
static inline void bucket_unlink(struct flow *f)
{
    struct flow *next = f->hnext;
    *f->hprev = next;
    if (next)
        next->hprev = f->hprev;
}

/* f leaves the hash table (not its list). */
static inline void table_unhash(struct flow_table *t, struct flow *f)
{
    t->generation++;
    bucket_unlink(f);
    t->count--;
}

static void table_remove(struct flow_table *t, struct flow *f)
{
    table_unhash(t, f);
    list_unlink(t, f);
}

/* A zeroed flow from a slab (a new one if the latest is full); NULL if
 * no memory could be had. */
static __attribute__((noinline)) struct flow *flow_alloc_slab(struct flow_table *t)
{
    struct flow_slab *s = t->slabs;
    if (!s || s->used == s->cap) {
        size_t cap = !s ? FLOWS_SLAB_FIRST : s->cap < FLOWS_SLAB_MAX ? 2 * s->cap : s->cap;
        /* calloc, which gets fresh pages zeroed without writing them, and
         * the block aligned in it by hand. */
        size_t align = _Alignof(struct flow_slab);
        void *raw = calloc(1, sizeof(struct flow_slab) + cap * sizeof(struct flow) + align - 1);
        if (!raw)
            return NULL;
        struct flow_slab *n = (struct flow_slab *)(((uintptr_t)raw + align - 1) & ~(align - 1));
        n->raw = raw;
        n->cap = cap;
        n->next = s;
        t->slabs = s = n;
    }
    return &s->f[s->used++]; /* zeroed by calloc */
}

/* A zeroed flow (all but its syn_pending_seg), from the free list if it has
 * one. */
static inline struct flow *flow_alloc(struct flow_table *t)
{
    struct flow *f = t->free_flows;
    if (__builtin_expect(!f, 0))
        return flow_alloc_slab(t);
    t->free_flows = f->next;
    memset(f, 0, FLOW_LIVE_BYTES);
    return f;
}

static void flow_release(struct flow_table *t, struct flow *f)
{
    f->id = FLOW_ID_FREE;
    f->next = t->free_flows;
    t->free_flows = f;
}

/* f, out of the table, is judged (hooks.finish) and its memory reused. */
static inline void flow_done(struct flow_table *t, struct flow *f, uint64_t end_usecs,
                             enum flow_end why)
{
    if (t->hooks.finish)
        t->hooks.finish(t->hooks.ctx, f, end_usecs, why);
    flow_release(t, f);
}

static void flow_finish(struct flow_table *t, struct flow *f, uint64_t end_usecs, enum flow_end why)
{
    table_remove(t, f);
    flow_done(t, f, end_usecs, why);
}

/* Bring in the lines of f that its end touches (and that a new flow reusing
 * its memory is written to). */
static inline void prefetch_live(const struct flow *f)
{
    for (unsigned off = 0; off < FLOW_LIVE_BYTES; off += 64)
        __builtin_prefetch((const char *)f + off);
}

/* A closed flow is finished a linger time after its last segment, by which
 * time its memory is long out of cache. Prefetch the flows about to be
 * finished while the segments before that are handled: the closed head's
 * successor (and the head's neighbours in its hash chain, which unlinking
 * writes: the pointer to it, and its successor's back link), and, once,
 * what finishing the head will read. */
static void warm_closed(struct flow_table *t)
{
    const struct flow *f = t->closed_head;
    if (!f || f == t->warmed_closed)
        return;
    t->warmed_closed = f;
    if (f->next)
        prefetch_live(f->next);
    if (f->hnext)
        __builtin_prefetch(&f->hnext->hprev);
    __builtin_prefetch(f->hprev);
    if (t->warm_finish && f->user)
        t->warm_finish(t->hooks.ctx, f);
}

/* Closed flows whose linger time has passed can change no more. The closed
 * list is in the order flows were queued (closed, or re-queued): a flow at
 * its head that saw segments since it was queued goes back to the tail
 * rather than being moved on every segment, which would touch two other
 * flows' memory per packet. */
void flows_expire_due(struct flow_table *t, uint64_t now_usecs)
{
    struct flow *f;
    /* Queued, or active, before this is more than a linger time ago (no
     * time is, within the first linger time). */
    uint64_t before = now_usecs > t->linger_usecs ? now_usecs - t->linger_usecs : 0;
    while ((f = t->closed_head) && f->queued_usecs < before) {
        closed_pop_head(t, f);
        if (f->last_usecs < before) {
            /* flow_finish(), off its list already. */
            table_unhash(t, f);
            flow_done(t, f, now_usecs, FLOW_END_LINGERED);
        } else {
            f->queued_usecs = f->last_usecs;
            closed_append(t, f);
        }
    }
    warm_closed(t);
    f = t->closed_head;
    t->expire_check_usecs = f ? f->queued_usecs + t->linger_usecs : UINT64_MAX;
}

/* The flow to finish early when the table is full: the least recently
 * active, approximated by a second chance (CLOCK) over the open flows in
 * creation order; closed flows only when no flow is open. */
static struct flow *eviction_victim(struct flow_table *t)
{
    if (!t->open_listed)
        list_open_flows(t);
    struct flow *f;
    while ((f = t->open_head) && f->touched) {
        f->touched = false;
        list_unlink(t, f);
        list_append(t, f);
    }
    return f ? f : t->closed_head;
}

/* A new flow of lookup l, held, with its hooks' state, if that needs no
 * flow finished first (or one has been): NULL if no memory could be had
 * for it. */
static inline __attribute__((always_inline)) struct flow *
flow_make(struct flow_table *t, const struct flow_lookup *l, uint8_t a_end, unsigned incarnation)
{
    if (__builtin_expect(t->count + 1 > t->nbuckets / 4 * 3, 0) && !table_grow(t))
        return NULL;
    struct flow *f = flow_alloc(t);
    if (__builtin_expect(!f, 0))
        return NULL;
    key_whole(l, &f->key);
    f->kw[0] = l->kw[0];
    f->kw[1] = l->kw[1];
    f->hash = l->hash;
    f->a_end = a_end;
    f->id = t->next_id++;
    f->incarnation = incarnation;
    if (t->hooks.open) {
        f->user = t->hooks.open(t->hooks.ctx, f);
        if (__builtin_expect(!f->user, 0)) {
            flow_release(t, f);
            return NULL;
        }
    }
    bucket_insert(&t->buckets[l->hash & (t->nbuckets - 1)], f);
    t->generation++;
    open_append(t, f);
    t->count++;
    t->flows_total++;
    return f;
}

static struct flow *flow_create(struct flow_table *t, const struct flow_lookup *l, uint8_t a_end,
                                unsigned incarnation, enum flow_warn *warn)
{
    if (t->max_flows && t->count >= t->max_flows) {
        struct flow *victim = eviction_victim(t);
        if (victim) {
            flow_finish(t, victim, t->last_usecs, FLOW_END_EVICTED);
            t->evicted++;
            if (!t->warned_full) {
                t->warned_full = true;
                *warn = FLOW_WARN_FULL;
            }
        }
    }
    struct flow *f = flow_make(t, l, a_end, incarnation);
    if (!f)
        *warn = FLOW_WARN_NOMEM;
    return f;
}

struct flow *flows_create_quiet(struct flow_table *t, const struct flow_lookup *l, uint8_t a_end)
{
    if (t->max_flows && t->count >= t->max_flows)
        return NULL; /* the least recently active goes first, with a warning */
    uint64_t next_id = t->next_id;
    struct flow *f = flow_make(t, l, a_end, 1);
    if (__builtin_expect(!f, 0))
        t->next_id = next_id; /* out of memory: the retry takes the same id */
    return f;
}

void flows_closed(struct flow_table *t, struct flow *f)
{
    if (t->open_listed)
        list_unlink(t, f); /* (from the open list: f was open) */
    f->closed = true;
    f->on_closed_list = true;
    f->queued_usecs = f->last_usecs;
    closed_append(t, f);
}

void flows_note_flags(struct flow_table *t, struct flow *f, uint8_t ep, const struct seg_record *s)
{
    uint8_t peer = 1 - ep;
    uint8_t flags = s->flags;
    if (flags & TCP_SYN) {
        /* Not once closed: isn shares its room with queued_usecs then (and
         * a closed flow's SYNs are judged without it,
         * may_open_incarnation()). */
        if (!f->isn_known[ep] && !f->closed) {
            f->isn_known[ep] = true;
            f->isn[ep] = s->seq;
        }
    } else {
        f->sent_non_syn[ep] = true;
    }
    if ((flags & TCP_FIN) && !f->fin_seen[ep]) {
        f->fin_seen[ep] = true;
        f->fin_seq[ep] = s->seq + s->payload_len + ((flags & TCP_SYN) ? 1u : 0u);
    }
    /* A flow closes when a RST is seen or both FINs are acknowledged; each
     * noting closes it as soon as that is so, so only what this segment
     * changes needs looking at. */
    if (flags & TCP_RST) {
        f->rst_seen = true;
        if (!f->closed)
            flows_closed(t, f);
        return;
    }
    if ((flags & TCP_ACK) && f->fin_seen[peer] && !f->fin_acked[peer] &&
        seq_gt(s->ack, f->fin_seq[peer])) {
        f->fin_acked[peer] = true;
        if (!f->closed && f->fin_acked[ep])
            flows_closed(t, f);
    }
}

/* Hand one segment to f: note it, then give it to the hooks. */
static void deliver(struct flow_table *t, struct flow *f, uint8_t src_end,
                    const struct cap_segment *cs)
{
    struct seg_record r = flows_record_of(&cs->seg);
    uint8_t ep = flows_note(t, f, src_end, cs->frame, cs->time_usecs, &r, true);
    if (t->hooks.segment)
        t->hooks.segment(t->hooks.ctx, f, ep, cs);
}

/* A SYN from ep that, if answered with a SYN-ACK, opens a new incarnation:
 * the flow has got past its own handshake, or it is a different SYN. */
static bool may_open_incarnation(const struct flow *f, uint8_t ep, uint32_t seq)
{
    if (f->closed || f->sent_non_syn[ep])
        return true;
    return f->isn_known[ep] && f->isn[ep] != seq;
}

enum flow_warn flows_segment(struct flow_table *t, const struct cap_segment *cs)
{
    struct flow_lookup l;
    flows_lookup_of(&cs->ip, cs->seg.sport, cs->seg.dport, &l);
    return flows_segment_prepared(t, cs, &l);
}

enum flow_warn flows_segment_prepared(struct flow_table *t, const struct cap_segment *cs,
                                      struct flow_lookup *l)
{
    enum flow_warn warn = FLOW_WARN_NONE;
    if (cs->time_usecs > t->last_usecs)
        t->last_usecs = cs->time_usecs;
    flows_expire_due(t, t->last_usecs);

    uint8_t src_end = l->src_end;
    const struct seg *s = &cs->seg;
    uint8_t syn_ack = s->flags & (TCP_SYN | TCP_ACK | TCP_RST);
    bool bare_syn = syn_ack == TCP_SYN;

    /* No flow added or removed since flows_segment_fast searched: same
     * answer. */
    struct flow *f =
        l->found_valid && l->found_generation == t->generation ? l->found : flows_find(t, l);
    if (f && f->syn_pending) {
        uint8_t syn_end = f->syn_pending_from == EP_A ? f->a_end : (uint8_t)(1 - f->a_end);
        if (src_end != syn_end && syn_ack == (TCP_SYN | TCP_ACK) &&
            s->ack == f->syn_pending_seg.seg.seq + 1) {
            /* The SYN was accepted: the old incarnation sees the answer (its
             * stack left TIME-WAIT or CLOSED for it), then ends. */
            struct cap_segment syn = f->syn_pending_seg;
            unsigned inc = f->incarnation + 1;
            deliver(t, f, src_end, cs);
            flow_finish(t, f, t->last_usecs, FLOW_END_REUSED);
            struct flow *g = flow_create(t, l, syn_end, inc, &warn);
            if (g) {
                deliver(t, g, syn_end, &syn);
                deliver(t, g, src_end, cs);
            }
            return warn;
        }
        if (!(bare_syn && src_end == syn_end))
            f->syn_pending = false;
    }
    if (f && bare_syn) {
        uint8_t ep = src_end == f->a_end ? EP_A : EP_B;
        if (may_open_incarnation(f, ep, s->seq)) {
            deliver(t, f, src_end, cs);
            f->syn_pending = true;
            f->syn_pending_from = ep;
            f->syn_pending_seg = *cs;
            f->syn_pending_seg.seg.payload = NULL; /* not kept past this call */
            return warn;
        }
    }
    if (!f) {
        /* A is the SYN's sender: the sender of a bare SYN, the receiver of a
         * SYN-ACK; otherwise whoever spoke first. */
        uint8_t a_end = syn_ack == (TCP_SYN | TCP_ACK) ? (uint8_t)(1 - src_end) : src_end;
        f = flow_create(t, l, a_end, 1, &warn);
        if (!f)
            return warn;
    }
    deliver(t, f, src_end, cs);
    return warn;
}

static int by_id(const void *a, const void *b)
{
    const struct flow *fa = *(struct flow *const *)a, *fb = *(struct flow *const *)b;
    return fa->id < fb->id ? -1 : fa->id > fb->id;
}

/* A flow and its id, for sorting without reading the flow. */
struct flow_by_id {
    uint64_t id;
    struct flow *f;
};

/* Sort a[0..n) by id (ids are distinct) with tmp (n entries) as room: by
 * slots when the ids are dense, else a radix sort, one pass per byte of
 * the ids' span. At the end of a large capture the
 * flows held (thousands in TIME-WAIT under the linux profile) are many,
 * and qsort's calls per comparison cost more than all their segments'
 * routing did. Returns where the sorted entries are (a or tmp). */
static struct flow_by_id *sort_by_id(struct flow_by_id *a, struct flow_by_id *tmp, size_t n)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = a[i].id < lo ? a[i].id : lo;
        hi = a[i].id > hi ? a[i].id : hi;
    }
    uint64_t span = n ? hi - lo : 0;
    if (n && span < 2 * n) {
        /* Dense ids, the usual case (the flows held at the end are most of
         * those made in the last linger time): each flow goes to the slot
         * of its id, and the slots are read in order. tmp's room holds
         * 2 * n of them. */
        struct flow **slot = (struct flow **)(void *)tmp;
        memset(slot, 0, (size_t)(span + 1) * sizeof *slot);
        for (size_t i = 0; i < n; i++)
            slot[a[i].id - lo] = a[i].f;
        size_t m = 0;
        for (uint64_t k = 0; k <= span; k++)
            if (slot[k])
                a[m++] = (struct flow_by_id){lo + k, slot[k]};
        return a;
    }
    for (unsigned shift = 0; shift < 64 && (span >> shift) != 0; shift += 8) {
        size_t at[256] = {0};
        for (size_t i = 0; i < n; i++)
            at[((a[i].id - lo) >> shift) & 0xff]++;
        size_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            size_t c = at[d];
            at[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[at[((a[i].id - lo) >> shift) & 0xff]++] = a[i];
        struct flow_by_id *x = a;
        a = tmp;
        tmp = x;
    }
    return a;
}

/* How many flows ahead flows_finish_all() prefetches a flow, and then what
 * finishing it reads (half as far). */
#define FINISH_AHEAD 16u

/* Every held flow in id order is finished from `sorted`: the table's
 * links are not unlinked one flow at a time (each unlink writes two other
 * flows), but reset once all are finished. */
static void finish_sorted(struct flow_table *t, const struct flow_by_id *sorted, size_t n,
                          uint64_t end_usecs)
{
    for (size_t i = 0; i < n; i++) {
        if (i + FINISH_AHEAD < n)
            prefetch_live(sorted[i + FINISH_AHEAD].f);
        if (i + FINISH_AHEAD / 2 < n && t->warm_finish && sorted[i + FINISH_AHEAD / 2].f->user)
            t->warm_finish(t->hooks.ctx, sorted[i + FINISH_AHEAD / 2].f);
        struct flow *f = sorted[i].f;
        if (t->hooks.finish)
            t->hooks.finish(t->hooks.ctx, f, end_usecs, FLOW_END_EOF);
    }
    memset(t->buckets, 0, t->nbuckets * sizeof *t->buckets);
    t->open_head = t->open_tail = t->closed_head = t->closed_tail = NULL;
    t->count = 0;
    t->generation++;
    t->expire_check_usecs = UINT64_MAX;
    for (size_t i = n; i-- > 0;)
        flow_release(t, sorted[i].f);
}

void flows_finish_all(struct flow_table *t, uint64_t end_usecs)
{
    if (!t->count)
        return;
    struct flow_by_id *by = malloc(2 * t->count * sizeof *by);
    if (by) {
        /* The held flows, found by reading the slabs in address order (which
         * the hardware prefetches) rather than by following the lists. */
        size_t n = 0;
        for (struct flow_slab *s = t->slabs; s; s = s->next)
            for (size_t i = 0; i < s->used; i++)
                if (s->f[i].id != FLOW_ID_FREE)
                    by[n++] = (struct flow_by_id){s->f[i].id, &s->f[i]};
        finish_sorted(t, sort_by_id(by, by + n, n), n, end_usecs);
        free(by);
        return;
    }
    struct flow **all = malloc(t->count * sizeof *all);
    if (!all) {
        /* No memory to sort them: the open flows in list order, then the
         * closed ones. */
        if (!t->open_listed)
            list_open_flows(t);
        while (t->open_head)
            flow_finish(t, t->open_head, end_usecs, FLOW_END_EOF);
        while (t->closed_head)
            flow_finish(t, t->closed_head, end_usecs, FLOW_END_EOF);
        return;
    }
    size_t n = 0;
    for (struct flow_slab *s = t->slabs; s; s = s->next)
        for (size_t i = 0; i < s->used; i++)
            if (s->f[i].id != FLOW_ID_FREE)
                all[n++] = &s->f[i];
    qsort(all, n, sizeof *all, by_id);
    for (size_t i = 0; i < n; i++)
        flow_finish(t, all[i], end_usecs, FLOW_END_EOF);
    free(all);
}

void flows_free(struct flow_table *t)
{
    /* Every flow's memory goes with the slabs. */
    t->open_head = t->open_tail = t->closed_head = t->closed_tail = NULL;
    t->count = 0;
    t->free_flows = NULL;
    while (t->slabs) {
        struct flow_slab *s = t->slabs;
        t->slabs = s->next;
        free(s->raw);
    }
    free(t->buckets);
    t->buckets = NULL;
    t->nbuckets = 0;
}

const uint8_t *flow_addr(const struct flow *f, uint8_t ep)
{
    return f->key.addr[ep == EP_A ? f->a_end : 1 - f->a_end];
}

uint16_t flow_port(const struct flow *f, uint8_t ep)
{
    return f->key.port[ep == EP_A ? f->a_end : 1 - f->a_end];
}

/* "addr:port" or "[addr]:port" at p; returns the end. Every finished flow is
 * named once, so on a large capture this runs as often as flows end: IPv4
 * is formatted here (inet_ntop's dotted quad, without the cost of its
 * generic path and of snprintf); IPv6 keeps inet_ntop for its "::" rules. */
static inline __attribute__((always_inline)) char *put_endpoint(char *p, const struct flow *f,
                                                                uint8_t end)
{
    const uint8_t *a = f->key.addr[end];
    if (f->key.version == 4) {
        p = put_ipv4(p, a);
    } else {
        char addr[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, a, addr, sizeof addr);
        size_t n = strlen(addr);
        *p++ = '[';
        memcpy(p, addr, n);
        p += n;
        *p++ = ']';
    }
    *p++ = ':';
    return put_port(p, f->key.port[end]);
}

char *flow_name_end(const struct flow *f, char *buf)
{
    /* At most 2 * (1 + 45 + 1 + 1 + 5) + 1 + 1 = 108 < FLOW_NAME_MAX bytes
     * (an IPv4 name, at most 44, is written up to 3 bytes past its end). */
    char *p = put_endpoint(buf, f, f->a_end);
    *p++ = '-';
    p = put_endpoint(p, f, (uint8_t)(1 - f->a_end));
    *p = '\0';
    return p;
}

char *flow_name(const struct flow *f, char *buf)
{
    flow_name_end(f, buf);
    return buf;
}
