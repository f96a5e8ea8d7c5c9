/* The fuzz driver (see driver.h for the contract).
 *
 * Read DESIGN.md "Fuzz input" first, then program.h for what each
 * operation means. Everything here is per struct driver: no mutable static,
 * no allocation, no clock but the program's. */
#include "driver.h"

#include <stdio.h>
#include <string.h>

#include "../stack/seq.h"

const struct oracle_invariant driver_inv_close_completes = {
    "close-completes", "RFC 9293 §3.6, §3.10.8; RFC 1122 §4.2.3.5",
    "under a fair network, once both applications have closed, both endpoints reach CLOSED "
    "(through TIME-WAIT, LAST-ACK, a reset or giving up) within the timers' bounds"};

const struct oracle_invariant driver_inv_half_close_delivery = {
    "half-close-delivery", "RFC 9293 §3.6, §3.10.7.4",
    "every byte sent before a FIN reaches the peer application before end-of-stream"};

/* The peer's payload bytes: the content does not matter to the close, only
 * the count. */
static const uint8_t peer_payload[255];

/* Where the addresses come from: the documentation prefixes (RFC 5737,
 * RFC 3849), so a written capture never names a real host. */
static const uint8_t addr4_a[4] = {192, 0, 2, 1};
static const uint8_t addr4_b[4] = {198, 51, 100, 2};
static const uint8_t addr6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a};
static const uint8_t addr6_b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b};

#define PORT_CLIENT     40000
#define PORT_SERVER     8080
#define MAX_TIMER_STEPS 256 /* timers fired per clock operation at most */

const char *driver_result_name(enum driver_result r)
{
    switch (r) {
    case DRIVER_PASS:
        return "pass";
    case DRIVER_VIOLATION:
        return "violation";
    case DRIVER_REJECTED:
        return "rejected";
    case DRIVER_SUT_ERROR:
        return "sut-error";
    }
    return "?";
}

/* A seed-derived number that differs from the endpoint's own ISN. */
static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

uint32_t driver_peer_iss(uint32_t isn_seed)
{
    return mix32(isn_seed ^ 0xb0b0b0b0u);
}

void driver_init(struct driver *d)
{
    d->use_profile = false;
    d->profile = PROFILE_RFC9293;
    d->judge_b = false;
    d->real_wait_max_usecs = 0;
    cov_reset(&d->cov);
    d->new_states = 0;
    d->have_violation = false;
    d->err[0] = '\0';
    d->n_pending = 0;
    d->deferring = false;
    d->now_usecs = 0;
}

/* ---- the event path: sources -> src_tee -> (coverage, bookkeeping) -> tee ---- */

static void release_held_drops(struct driver *d)
{
    for (unsigned i = 0; i < d->held_drops; i++)
        ev_tee_push(&d->tee, &d->held_drop[i]);
    d->held_drops = 0;
}

/* Every event passes here and almost never is a drop held: test first. */
static inline __attribute__((always_inline)) void release_drops(struct driver *d)
{
    if (d->held_drops)
        release_held_drops(d);
}

static bool abnormal_cause(const char *cause)
{
    unsigned slot = cov_cause_slot(cause);
    if (!slot)
        return false;
    switch ((enum tcp_cause)(slot - 1)) {
    case TCP_CAUSE_APP_ABORT:
    case TCP_CAUSE_APP_CLOSE_UNREAD:
    case TCP_CAUSE_RCV_RST:
    case TCP_CAUSE_TIMEOUT_RETRIES:
    case TCP_CAUSE_TIMEOUT_FIN_WAIT_2:
        return true;
    default:
        return false;
    }
}

static void src_push(void *ctx, uint64_t index, const struct ev *e)
{
    struct driver *d = ctx;
    (void)index; /* d->tee counts the same events, so segment indexes agree */
    /* A loss is reported after the state change its segment came with (the
     * link reports it at once, between the two): the oracle then sees the
     * sender's state before learning the segment never arrived. Only state
     * events move ahead of a held drop, so segment indexes stay the same. */
    if (e->kind == EV_DROP && d->held_drops < 4) {
        d->held_drop[d->held_drops++] = *e;
        return;
    }
    if (e->kind != EV_STATE)
        release_drops(d);
    if (e->kind == EV_STATE && (d->pair || e->endpoint == EP_A)) {
        enum tcp_state to = e->u.state.to;
        if ((unsigned)to < TCP_STATE_COUNT && d->cov.state_hits[to] == 0)
            d->new_states |= (uint16_t)(1u << to);
        cov_note(&d->cov, e->u.state.from, to, cov_cause_slot(e->u.state.cause));
        if (d->pair && abnormal_cause(e->u.state.cause))
            d->pair_reset[e->endpoint & 1] = true;
    }
    if (d->pair && e->kind == EV_APP) {
        unsigned ep = e->endpoint & 1;
        switch (e->u.app.call) {
        case APP_CONNECT:
        case APP_LISTEN:
            /* A second incarnation: link counts delivered bytes across all
             * of them, so byte accounting is no longer exact. */
            if (d->pair_opened[ep])
                d->pair_reset[ep] = true;
            d->pair_opened[ep] = true;
            d->pair_wr_closed[ep] = false;
            break;
        case APP_SEND:
            if (!d->pair_wr_closed[ep])
                d->pair_sent[ep] += e->u.app.done;
            break;
        case APP_SHUTDOWN:
        case APP_CLOSE:
            d->pair_wr_closed[ep] = true;
            break;
        case APP_ABORT:
            d->pair_reset[ep] = true;
            break;
        default:
            break;
        }
    }
    ev_tee_push(&d->tee, e);
}

/* An event's fixed part (frame 0: not from a capture). The caller fills the
 * member of u that the kind uses and no more: sinks read only that member.
 * (A zeroing initializer would clear all 176 bytes, and under ASan every
 * such memset is a call that checks the region first: dozens per input.) */
static inline __attribute__((always_inline)) void ev_head(struct ev *e, enum ev_kind kind,
                                                          uint64_t time_usecs, uint8_t endpoint)
{
    e->kind = kind;
    e->time_usecs = time_usecs;
    e->frame = 0;
    e->endpoint = endpoint;
}

static uint64_t emit(struct driver *d, const struct ev *e)
{
    return ev_tee_push(&d->src_tee, e);
}

static void emit_drop(struct driver *d, uint8_t endpoint, uint64_t index)
{
    struct ev e;
    ev_head(&e, EV_DROP, d->now_usecs, endpoint);
    e.u.drop.index = index;
    emit(d, &e);
}

static void note_drop(struct driver *d, uint64_t index)
{
    if (d->n_drops < sizeof d->drops / sizeof d->drops[0])
        d->drops[d->n_drops++] = index;
    else
        emit_drop(d, EP_A, index);
}

static void emit_noted_drops(struct driver *d)
{
    for (unsigned i = 0; i < d->n_drops; i++)
        emit_drop(d, EP_A, d->drops[i]);
    d->n_drops = 0;
}

/* After each call into the SUT: the losses of what it sent during the call
 * (rarely any). */
static inline __attribute__((always_inline)) void flush_drops(struct driver *d)
{
    if (d->n_drops)
        emit_noted_drops(d);
}

static void flush_pending(struct driver *d)
{
    for (unsigned i = 0; i < d->n_pending; i++) {
        uint64_t idx = emit(d, &d->pending[i].ev);
        if (d->pending[i].dropped)
            note_drop(d, idx);
    }
    d->n_pending = 0;
    flush_drops(d);
}

/* An event from A: now, or after the application call that caused it. */
static void emit_from_a(struct driver *d, const struct ev *e, bool dropped)
{
    if (d->deferring && d->n_pending < DRIVER_PENDING_MAX) {
        struct driver_pending *p = &d->pending[d->n_pending++];
        p->ev = *e;
        p->dropped = dropped;
        if (e->kind == EV_SEGMENT && e->u.segment.seg.payload) {
            uint32_t n = e->u.segment.seg.payload_len;
            if (n <= sizeof p->payload) {
                memcpy(p->payload, e->u.segment.seg.payload, n);
                p->ev.u.segment.seg.payload = p->payload;
            } else {
                p->ev.u.segment.seg.payload = NULL; /* writers fill zeros */
            }
        }
        return;
    }
    uint64_t idx = emit(d, e);
    if (dropped)
        note_drop(d, idx);
}

/* ---- A's wire, as the peer sees it ---- */

static void peer_observe(struct driver *d, const struct seg *s)
{
    if (s->flags & TCP_RST)
        return; /* an RST answers; its numbers say nothing about A's stream */
    if (s->flags & TCP_ACK) {
        d->a_ack_seen = true;
        d->a_last_ack = s->ack;
    } else if (s->flags & TCP_SYN) {
        d->a_ack_seen = false; /* a new incarnation: B's numbers start over */
    }
    uint32_t end = s->seq + seg_len(s);
    if (!d->a_sent_any || (s->flags & TCP_SYN) || seq_gt(end, d->a_snd_max))
        d->a_snd_max = end;
    d->a_sent_any = true;
    if (s->opts.has_ts) {
        d->a_ts_seen = true;
        d->a_ts_val = s->opts.ts_val;
    }
}

/* A real-time SUT's events carry its own clock: the driver's follows it. */
static void sync_real_time(struct driver *d)
{
    if (d->sut)
        d->now_usecs = sut_clock_follow(d->sut->ops, d->sut->self, d->now_usecs);
}

static void on_segment_out(void *ctx, const struct seg_ip *ip, const struct seg *s)
{
    struct driver *d = ctx;
    sync_real_time(d);
    bool dropped = d->fault[EP_A] == PROG_FATE_DROP;
    d->fault[EP_A] = PROG_FATE_NONE; /* a fault applies to one segment */
    if (!dropped)
        peer_observe(d, s);
    struct ev e;
    ev_head(&e, EV_SEGMENT, d->now_usecs, EP_A);
    e.u.segment.seg = *s;
    e.u.segment.ip = *ip;
    emit_from_a(d, &e, dropped);
}

static void on_state_change(void *ctx, enum tcp_state from, enum tcp_state to, const char *cause)
{
    struct driver *d = ctx;
    sync_real_time(d);
    struct ev e;
    ev_head(&e, EV_STATE, d->now_usecs, EP_A);
    e.u.state.from = from;
    e.u.state.to = to;
    e.u.state.cause = cause ? cause : "";
    emit_from_a(d, &e, false);
}

static void on_data_in(void *ctx, const uint8_t *data, uint32_t len)
{
    /* The APP_RECV event carries the count; the bytes do not matter. */
    (void)ctx;
    (void)data;
    (void)len;
}

/* ---- running one program ---- */

static int run_begin(struct driver *d, const uint8_t *data, size_t size,
                     const struct ev_sink *extra, unsigned n_extra, bool pair,
                     bool a_reports_states)
{
    d->have_violation = false;
    d->err[0] = '\0';
    d->new_states = 0;
    d->n_pending = 0;
    d->n_drops = 0;
    d->held_drops = 0;
    d->deferring = false;
    d->now_usecs = 0;
    d->cut = false;
    d->pair = pair;
    enum program_err pe = program_decode(data, size, &d->prog);
    if (pe != PROGRAM_OK) {
        snprintf(d->err, sizeof d->err, "not a finfuzz program: %s", program_err_str(pe));
        return DRIVER_REJECTED;
    }
    d->cov.runs++;
    program_tcp_config(&d->prog, &d->cfg);

    struct oracle_config oc;
    oracle_config_default(&oc);
    if (d->use_profile)
        oc.profile = d->profile;
    else
        oc.profile = (d->prog.flags & PROG_F_RFC1337) ? PROFILE_RFC1337 : PROFILE_RFC9293;
    oc.msl_usecs = d->cfg.msl_usecs;
    oc.judge[EP_A] = true;
    oc.judge[EP_B] = pair || d->judge_b;
    oc.states_reported[EP_A] = a_reports_states;
    oc.states_reported[EP_B] = pair;
    /* The program may configure a FIN-WAIT-2 timeout, which RFC 9293 leaves
     * to the implementation: the oracle accepts what the model runs. */
    if (!d->use_profile)
        oc.fin_wait_2_timeout_usecs = d->cfg.fin_wait_2_timeout_usecs;
    oracle_init(&d->oracle, &oc);

    ev_tee_init(&d->tee);
    ev_tee_add(&d->tee, oracle_sink(&d->oracle));
    for (unsigned i = 0; i < n_extra && i + 1 < EV_TEE_MAX; i++)
        ev_tee_add(&d->tee, extra[i]);
    ev_tee_init(&d->src_tee);
    ev_tee_add(&d->src_tee, (struct ev_sink){.ctx = d, .push = src_push});

    bool v6 = (d->prog.flags & PROG_F_IPV6) != 0;
    memset(&d->ip_a, 0, sizeof d->ip_a);
    d->ip_a.version = v6 ? 6 : 4;
    d->ip_a.ttl = 64;
    d->ip_b = d->ip_a;
    memcpy(d->ip_a.src, v6 ? addr6_a : addr4_a, v6 ? 16 : 4);
    memcpy(d->ip_a.dst, v6 ? addr6_b : addr4_b, v6 ? 16 : 4);
    memcpy(d->ip_b.src, v6 ? addr6_b : addr4_b, v6 ? 16 : 4);
    memcpy(d->ip_b.dst, v6 ? addr6_a : addr4_a, v6 ? 16 : 4);
    bool active = (d->prog.flags & PROG_F_ACTIVE) != 0;
    d->port_a = active ? PORT_CLIENT : PORT_SERVER;
    d->port_b = active ? PORT_SERVER : PORT_CLIENT;

    d->a_ack_seen = false;
    d->a_last_ack = 0;
    d->a_sent_any = false;
    d->a_snd_max = 0;
    d->a_ts_seen = false;
    d->a_ts_val = 0;
    d->b_snd_nxt = driver_peer_iss(d->prog.isn_seed);
    d->fault[EP_A] = d->fault[EP_B] = PROG_FATE_NONE;
    for (int i = 0; i < 2; i++) {
        d->pair_fault_n[i] = 0;
        d->pair_sent[i] = 0;
        d->pair_wr_closed[i] = false;
        d->pair_reset[i] = false;
        d->pair_opened[i] = false;
    }
    return DRIVER_PASS;
}

static int run_end(struct driver *d)
{
    release_drops(d);
    oracle_finish(&d->oracle, d->now_usecs);
    size_t n = 0;
    const struct oracle_violation *v = oracle_violations(&d->oracle, &n);
    if (n && (!d->have_violation || v[0].event_index <= d->violation.event_index)) {
        d->have_violation = true;
        d->violation.id = v[0].inv ? v[0].inv->id : "?";
        d->violation.rfc = v[0].inv ? v[0].inv->rfc : "";
        d->violation.event_index = v[0].event_index;
        d->violation.endpoint = v[0].endpoint;
        snprintf(d->violation.message, sizeof d->violation.message, "%s", v[0].message);
    }
    return d->have_violation ? DRIVER_VIOLATION : DRIVER_PASS;
}

static void push_clock(struct driver *d)
{
    struct ev e;
    ev_head(&e, EV_CLOCK, d->now_usecs, EP_A); /* no member of u */
    emit(d, &e);
}

/* A real-time SUT: wait until target in steps, the SUT stamping what it
 * sends as it reads it; the clock event closes the wait. Stops at the
 * real-time limit (d->cut). */
static void advance_real(struct driver *d, uint64_t target)
{
    const struct sut_ops *ops = d->sut->ops;
    uint64_t from = d->now_usecs;
    while (d->now_usecs < target) {
        uint64_t step = target - d->now_usecs > DRIVER_REAL_STEP_USECS
                            ? d->now_usecs + DRIVER_REAL_STEP_USECS
                            : target;
        ops->advance(d->sut->self, step);
        sync_real_time(d);
        if (d->now_usecs < step)
            d->now_usecs = step;
        flush_drops(d);
        if (d->real_wait_max_usecs && ops->waited && d->now_usecs < target &&
            ops->waited(d->sut->self) >= d->real_wait_max_usecs) {
            d->cut = true;
            break;
        }
    }
    if (d->now_usecs > from)
        push_clock(d);
}

/* Move time to target, firing A's timers one deadline at a time so that
 * every event carries the time it happened. */
static void advance_to(struct driver *d, uint64_t target)
{
    const struct sut_ops *ops = d->sut->ops;
    if (ops->real_time) {
        advance_real(d, target);
        return;
    }
    for (int i = 0; i < MAX_TIMER_STEPS; i++) {
        uint64_t dl = ops->next_deadline(d->sut->self);
        if (dl > target)
            break;
        if (dl > d->now_usecs) {
            d->now_usecs = dl;
            push_clock(d);
        }
        ops->advance(d->sut->self, d->now_usecs);
        flush_drops(d);
    }
    if (target > d->now_usecs) {
        d->now_usecs = target;
        push_clock(d);
        ops->advance(d->sut->self, target);
        flush_drops(d);
    }
}

static void b_send(struct driver *d, const struct program_op *op)
{
    struct seg s;
    memset(&s, 0, sizeof s);
    uint32_t seq_base = d->a_ack_seen ? d->a_last_ack : d->b_snd_nxt;
    /* Unsigned arithmetic: the offsets wrap modulo 2^32 as sequence numbers do. */
    s.seq = seq_base + (uint32_t)(int32_t)op->u.seg.seq_off * (1u << op->u.seg.seq_shift);
    s.ack = (op->u.seg.flags & TCP_ACK)
                ? d->a_snd_max + (uint32_t)(int32_t)op->u.seg.ack_off * (1u << op->u.seg.ack_shift)
                : 0;
    s.sport = d->port_b;
    s.dport = d->port_a;
    s.flags = op->u.seg.flags;
    s.window = (uint16_t)(op->u.seg.wnd * 257u);
    s.urg_ptr = (s.flags & TCP_URG) ? 1 : 0;
    s.payload_len = op->u.seg.len;
    s.payload = op->u.seg.len ? peer_payload : NULL;
    uint8_t o = op->u.seg.opts;
    if (o & PROG_OPT_MSS) {
        s.opts.has_mss = true;
        s.opts.mss = 1460;
    }
    if (o & PROG_OPT_WSCALE) {
        s.opts.has_wscale = true;
        s.opts.wscale = 7;
    }
    s.opts.sack_permitted = (o & PROG_OPT_SACKP) != 0;
    if (o & PROG_OPT_TS) {
        s.opts.has_ts = true;
        s.opts.ts_val = (uint32_t)(d->now_usecs / 1000u) + 1u;
        s.opts.ts_ecr = (s.flags & TCP_ACK) && d->a_ts_seen ? d->a_ts_val : 0;
    }
    uint32_t end = s.seq + seg_len(&s);
    if ((s.flags & TCP_SYN) || seq_gt(end, d->b_snd_nxt))
        d->b_snd_nxt = end;

    uint8_t fate = d->fault[EP_B];
    d->fault[EP_B] = PROG_FATE_NONE;
    unsigned copies = fate == PROG_FATE_DROP ? 0 : fate == PROG_FATE_DUP ? 2 : 1;
    struct ev e;
    ev_head(&e, EV_SEGMENT, d->now_usecs, EP_B);
    e.u.segment.seg = s;
    e.u.segment.ip = d->ip_b;
    if (!copies) {
        emit_drop(d, EP_B, emit(d, &e));
        return;
    }
    for (unsigned i = 0; i < copies; i++) {
        e.time_usecs = d->now_usecs; /* a real-time SUT's answer to the first may be later */
        emit(d, &e);
        d->sut->ops->deliver(d->sut->self, &d->ip_b, &s, d->now_usecs);
        flush_drops(d);
    }
}

static void a_app(struct driver *d, enum ev_app_call call, uint32_t bytes)
{
    d->deferring = true;
    d->n_pending = 0;
    uint64_t called_usecs = d->now_usecs; /* a real-time SUT's answers may be later */
    long r = d->sut->ops->app(d->sut->self, call, bytes, d->now_usecs);
    d->deferring = false;
    struct ev e;
    ev_head(&e, EV_APP, called_usecs, EP_A);
    e.u.app.call = call;
    bool counted = call == APP_SEND || call == APP_RECV;
    e.u.app.len = counted ? bytes : 0;
    e.u.app.done = counted && r > 0 ? (uint32_t)r : 0;
    emit(d, &e);
    flush_pending(d);
}

int driver_run(struct driver *d, const struct sut *sut, const uint8_t *data, size_t size,
               const struct ev_sink *extra, unsigned n_extra)
{
    int rc = run_begin(d, data, size, extra, n_extra, false, sut->ops->reports_states);
    if (rc != DRIVER_PASS)
        return rc;
    d->sut = sut;
    d->link = NULL;
    const struct program *p = &d->prog;

    struct sut_open how;
    memset(&how, 0, sizeof how);
    how.active = (p->flags & PROG_F_ACTIVE) != 0;
    how.ip_version = d->ip_a.version;
    memcpy(how.local_addr, d->ip_a.src, sizeof how.local_addr);
    memcpy(how.peer_addr, d->ip_a.dst, sizeof how.peer_addr);
    how.local_port = d->port_a;
    how.peer_port = d->port_b;
    how.cfg = d->cfg;
    how.now_usecs = 0;
    struct sut_callbacks cb = {.ctx = d,
                               .segment_out = on_segment_out,
                               .state_change = on_state_change,
                               .data_in = on_data_in};

    /* The open is an application call like any other: it comes first. */
    d->deferring = true;
    int orc = sut->ops->open(sut->self, &how, &cb, d->err, sizeof d->err);
    d->deferring = false;
    if (orc != 0) {
        d->n_pending = 0;
        if (!d->err[0])
            snprintf(d->err, sizeof d->err, "%s: open failed", sut->ops->name);
        return DRIVER_SUT_ERROR;
    }
    struct ev e;
    ev_head(&e, EV_APP, 0, EP_A);
    e.u.app.call = how.active ? APP_CONNECT : APP_LISTEN;
    e.u.app.len = e.u.app.done = 0;
    emit(d, &e);
    flush_pending(d);

    for (unsigned i = 0; i < p->n_ops; i++) {
        const struct program_op *op = &p->ops[i];
        switch (op->kind) {
        case PROG_OP_SEG:
            b_send(d, op);
            break;
        case PROG_OP_CLOCK: {
            uint64_t delta = program_clock_usecs(p, op);
            if (delta) {
                advance_to(d, d->now_usecs + delta);
            } else {
                uint64_t dl = sut->ops->next_deadline(sut->self);
                if (dl != UINT64_MAX)
                    advance_to(d, dl > d->now_usecs ? dl : d->now_usecs);
            }
            break;
        }
        case PROG_OP_APP: {
            enum ev_app_call call = (enum ev_app_call)op->u.app.call;
            a_app(d, call, call == APP_SEND || call == APP_RECV ? program_app_bytes(op) : 0);
            break;
        }
        default:
            d->fault[op->side & 1] = op->u.fault.fate;
            break;
        }
        if (d->cut)
            break;
    }
    sut->ops->close(sut->self);
    return run_end(d);
}

/* ---- two model endpoints (close_pair) ---- */

/* The fair ending runs at most this many bounds' worth of time. */
enum { PAIR_FAIR_ROUNDS_MAX = 8 };

static enum link_fate pair_filter(void *ctx, const struct link_packet *p,
                                  uint64_t *extra_delay_usecs)
{
    struct driver *d = ctx;
    unsigned side = p->src & 1;
    if (!d->pair_fault_n[side])
        return LINK_DELIVER;
    uint8_t fate = d->pair_fault_fate[side][0];
    uint8_t delay = d->pair_fault_delay[side][0];
    d->pair_fault_n[side]--;
    for (unsigned i = 0; i < d->pair_fault_n[side]; i++) {
        d->pair_fault_fate[side][i] = d->pair_fault_fate[side][i + 1];
        d->pair_fault_delay[side][i] = d->pair_fault_delay[side][i + 1];
    }
    switch (fate) {
    case PROG_FATE_DROP:
        return LINK_DROP;
    case PROG_FATE_DUP:
        return LINK_DUPLICATE;
    case PROG_FATE_DELAY:
        *extra_delay_usecs = (uint64_t)(delay + 1u) * 5000u;
        return LINK_DELAY;
    default:
        return LINK_DELIVER;
    }
}

bool driver_pair_judge(const struct driver_pair_end *e, struct driver_violation *v)
{
    static const char name[2] = {'A', 'B'};
    for (unsigned i = 0; i < 2; i++) {
        enum tcp_state st = e->state[i];
        if (st == TCP_CLOSED)
            continue;
        /* RFC 9293 lets FIN-WAIT-2 wait forever for a peer that vanished
         * silently (its RST lost): only a configured timeout ends it. */
        if (st == TCP_FIN_WAIT_2 && !e->fin_wait_2_timeout && e->state[i ^ 1] == TCP_CLOSED)
            continue;
        v->id = driver_inv_close_completes.id;
        v->rfc = driver_inv_close_completes.rfc;
        v->endpoint = (uint8_t)i;
        snprintf(v->message, sizeof v->message,
                 "%c still in %s at %llu ms, after both applications closed on a fair network",
                 name[i], tcp_state_name(st), (unsigned long long)(e->now_usecs / 1000u));
        return true;
    }
    if (e->lossy)
        return false; /* a reset may lose data in either direction */
    for (unsigned i = 0; i < 2; i++) {
        unsigned j = i ^ 1;
        if (!e->eof_seen[j] || e->delivered[j] == e->sent[i])
            continue;
        v->id = driver_inv_half_close_delivery.id;
        v->rfc = driver_inv_half_close_delivery.rfc;
        v->endpoint = (uint8_t)j;
        snprintf(v->message, sizeof v->message,
                 "%c's application saw end-of-stream after reading %llu bytes, but %c sent %llu "
                 "before its FIN",
                 name[j], (unsigned long long)e->delivered[j], name[i],
                 (unsigned long long)e->sent[i]);
        return true;
    }
    return false;
}

static void pair_check_end(struct driver *d, struct link *l)
{
    struct driver_pair_end e = {
        .fin_wait_2_timeout = d->cfg.fin_wait_2_timeout_usecs != 0,
        .lossy = d->pair_reset[0] || d->pair_reset[1],
        .now_usecs = l->now_usecs,
    };
    for (unsigned i = 0; i < 2; i++) {
        e.state[i] = tcp_get_state(&l->ep[i]);
        e.eof_seen[i] = l->eof_seen[i];
        e.delivered[i] = l->delivered[i];
        e.sent[i] = d->pair_sent[i];
    }
    struct driver_violation v;
    if (!d->have_violation && driver_pair_judge(&e, &v)) {
        v.event_index = d->tee.next_index ? d->tee.next_index - 1 : 0;
        d->violation = v;
        d->have_violation = true;
    }
}

int driver_run_pair(struct driver *d, struct link *l, const uint8_t *data, size_t size,
                    const struct ev_sink *extra, unsigned n_extra)
{
    int rc = run_begin(d, data, size, extra, n_extra, true, true);
    if (rc != DRIVER_PASS)
        return rc;
    d->sut = NULL;
    d->link = l;
    const struct program *p = &d->prog;
    struct tcp_config cfg_b = d->cfg;
    cfg_b.isn_seed = mix32(d->cfg.isn_seed ^ 0xb0b0b0b0u);
    link_init(l, &d->cfg, &cfg_b, &d->src_tee);
    link_set_filter(l, pair_filter, d);
    if (p->flags & PROG_F_A_NOREAD)
        link_set_reading(l, EP_A, false);
    if (p->flags & PROG_F_B_NOREAD)
        link_set_reading(l, EP_B, false);
    enum ev_endpoint client = (p->flags & PROG_F_ACTIVE) ? EP_A : EP_B;
    link_app(l, client == EP_A ? EP_B : EP_A, APP_LISTEN, 0);
    link_app(l, client, APP_CONNECT, 0);

    for (unsigned i = 0; i < p->n_ops; i++) {
        const struct program_op *op = &p->ops[i];
        switch (op->kind) {
        case PROG_OP_SEG:
            break; /* the network carries only what the endpoints send */
        case PROG_OP_CLOCK: {
            uint64_t delta = program_clock_usecs(p, op);
            if (delta)
                link_run_until(l, l->now_usecs + delta);
            else
                link_step(l, UINT64_MAX);
            break;
        }
        case PROG_OP_APP: {
            enum ev_app_call call = (enum ev_app_call)op->u.app.call;
            link_app(l, (enum ev_endpoint)(op->side & 1), call,
                     call == APP_SEND || call == APP_RECV ? program_app_bytes(op) : 0);
            break;
        }
        default: {
            unsigned side = op->side & 1;
            if (d->pair_fault_n[side] < 4) {
                d->pair_fault_fate[side][d->pair_fault_n[side]] = op->u.fault.fate;
                d->pair_fault_delay[side][d->pair_fault_n[side]] = op->u.fault.delay;
                d->pair_fault_n[side]++;
            }
            break;
        }
        }
        d->now_usecs = l->now_usecs;
    }

    /* The fair ending: no more faults, both applications close, and time
     * runs past every bound (retries with backoff, 2*MSL, FIN-WAIT-2). */
    d->pair_fault_n[0] = d->pair_fault_n[1] = 0;
    for (unsigned i = 0; i < 2; i++) {
        /* ... and read what they were sent: a receiver whose application
         * never reads keeps a zero window, at which the peer's FIN is not
         * acceptable (RFC 9293 §3.10.7.4) while the peer persists for ever
         * (§3.8.6.1), a legal standstill no timer ends. */
        link_set_reading(l, (enum ev_endpoint)i, true);
        link_app(l, (enum ev_endpoint)i, APP_RECV, TCP_BUF_MAX);
    }
    for (unsigned i = 0; i < 2; i++) {
        switch (tcp_get_state(&l->ep[i])) {
        case TCP_LISTEN:
        case TCP_SYN_SENT:
        case TCP_SYN_RECEIVED:
        case TCP_ESTABLISHED:
        case TCP_CLOSE_WAIT:
            link_app(l, (enum ev_endpoint)i, APP_CLOSE, 0);
            break;
        default: /* CLOSED, or closing already */
            break;
        }
    }
    uint64_t horizon = (uint64_t)(d->cfg.max_retries + 2u) * d->cfg.rto_max_usecs +
                       2u * d->cfg.msl_usecs + d->cfg.fin_wait_2_timeout_usecs + 10000000u;
    /* A stretch that still moved data or states may be one of several:
     * a sender backed off to RTO max recovers one segment per timeout
     * (RFC 6298 §5.5, Karn), so run on while it makes progress. */
    for (unsigned round = 0; round < PAIR_FAIR_ROUNDS_MAX; round++) {
        uint64_t delivered = l->delivered[0] + l->delivered[1];
        enum tcp_state st0 = tcp_get_state(&l->ep[0]), st1 = tcp_get_state(&l->ep[1]);
        link_run_until(l, l->now_usecs + horizon);
        enum tcp_state now0 = tcp_get_state(&l->ep[0]), now1 = tcp_get_state(&l->ep[1]);
        if (now0 == TCP_CLOSED && now1 == TCP_CLOSED)
            break;
        if (l->delivered[0] + l->delivered[1] == delivered && now0 == st0 && now1 == st1)
            break;
    }
    d->now_usecs = l->now_usecs;
    pair_check_end(d, l);
    return run_end(d);
}

const struct driver_violation *driver_violation(const struct driver *d)
{
    return d->have_violation ? &d->violation : NULL;
}

const char *driver_error(const struct driver *d)
{
    return d->err;
}
