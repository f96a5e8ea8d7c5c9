/* Replaying one side of a captured flow against a live stack (see
 * replay.h). */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stack/seq.h"
#include "capture.h"

/* ---- loading a capture into flows ---- */

struct loader {
    struct replay_capture *c;
    bool nomem;
};

static void *load_open(void *ctx, struct flow *f)
{
    (void)f;
    struct loader *l = ctx;
    struct replay_flow *rf = calloc(1, sizeof *rf);
    if (!rf)
        l->nomem = true;
    return rf;
}

static void load_segment(void *ctx, struct flow *f, uint8_t ep, const struct cap_segment *cs)
{
    struct loader *l = ctx;
    struct replay_flow *rf = f->user;
    if (rf->n == rf->cap) {
        size_t cap = rf->cap ? rf->cap * 2 : 16;
        struct replay_seg *s = realloc(rf->segs, cap * sizeof *s);
        if (!s) {
            l->nomem = true;
            return;
        }
        rf->segs = s;
        rf->cap = cap;
    }
    struct replay_seg *s = &rf->segs[rf->n++];
    s->frame = cs->frame;
    s->time_usecs = cs->time_usecs;
    s->ep = ep;
    s->ip = cs->ip;
    s->seg = cs->seg;
    s->seg.payload = NULL;
    if (!l->c->have_start || cs->time_usecs < l->c->start_usecs) {
        l->c->start_usecs = cs->time_usecs;
        l->c->have_start = true;
    }
}

static void load_finish(void *ctx, struct flow *f, uint64_t end_usecs, enum flow_end why)
{
    (void)end_usecs;
    (void)why;
    struct loader *l = ctx;
    struct replay_flow *rf = f->user;
    f->user = NULL;
    flow_name(f, rf->name);
    rf->incarnation = f->incarnation;
    rf->version = f->key.version;
    for (uint8_t ep = 0; ep < 2; ep++) {
        memcpy(rf->addr[ep], flow_addr(f, ep), 16);
        rf->port[ep] = flow_port(f, ep);
    }
    struct replay_capture *c = l->c;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct replay_flow *fl = realloc(c->flows, cap * sizeof *fl);
        if (!fl) {
            l->nomem = true;
            free(rf->segs);
            free(rf);
            return;
        }
        c->flows = fl;
        c->cap = cap;
    }
    c->flows[c->n++] = *rf;
    free(rf);
}

bool replay_load(const char *path, struct replay_capture *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    struct cap_reader r;
    if (!cap_open(&r, path, err, errlen))
        return false;
    struct loader l = {.c = c};
    struct flow_hooks hooks = {
        .ctx = &l, .open = load_open, .segment = load_segment, .finish = load_finish};
    struct flow_table t;
    /* Keep closed flows for a long capture time: replay wants whole flows. */
    flows_init(&t, &hooks, 3600ull * 1000 * 1000, 0);
    struct cap_segment cs;
    char note[256];
    enum cap_status st;
    bool ok = true;
    while ((st = cap_next(&r, &cs, note, sizeof note)) != CAP_EOF) {
        if (st == CAP_ERROR) {
            snprintf(err, errlen, "%s", note);
            ok = false;
            break;
        }
        if (st == CAP_SEGMENT)
            flows_segment(&t, &cs);
    }
    flows_finish_all(&t, t.last_usecs);
    flows_free(&t);
    cap_close(&r);
    if (l.nomem) {
        snprintf(err, errlen, "%s: out of memory", path);
        ok = false;
    }
    if (!ok)
        replay_capture_free(c);
    return ok;
}

void replay_capture_free(struct replay_capture *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->flows[i].segs);
    free(c->flows);
    memset(c, 0, sizeof *c);
}

/* ---- replaying one flow ---- */

#define RP_DEFER_MAX       64
#define RP_REAL_STEP_USECS 1000u /* real-time targets: time resolution of events */
#define RP_LOOKAHEAD       4     /* target segments searched for a captured one */

struct rp_got {
    struct seg seg;       /* payload NULL */
    uint64_t after_frame; /* last captured frame replayed before it */
};

struct rp {
    const struct replay_options *opt;
    void *self; /* the adapter instance of this flow */
    const struct replay_flow *f;
    struct replay_result *res;
    struct ev_tee tee;
    uint8_t T, S;
    uint64_t now;
    uint64_t last_frame;
    bool cT_known, cS_known, tT_known;
    uint32_t cT_iss, cS_iss, tT_iss;
    uint32_t cT_hi; /* end of the data the captured T has sent */
    bool t_fin_done, t_rst_done;
    struct rp_got *got;
    size_t ngot, capgot;
    bool deferring;
    struct ev deferred[RP_DEFER_MAX];
    unsigned ndeferred;
    /* Real-time holds (replay_all): the captured segments before settled
     * are accounted for; the target's segments before got_from matched
     * them. */
    size_t settled, got_from;
};

static void rp_push(struct rp *p, const struct ev *e)
{
    if (p->deferring && p->ndeferred < RP_DEFER_MAX) {
        p->deferred[p->ndeferred++] = *e;
        return;
    }
    ev_tee_push(&p->tee, e);
}

/* A real-time target stamps what it sends when it was read (a scheduling
 * delay of the replay would otherwise date it early): the flow's clock
 * follows the target's. */
static void sync_real_time(struct rp *p)
{
    p->now = sut_clock_follow(p->opt->ops, p->self, p->now);
}

static void on_segment(void *ctx, const struct seg_ip *ip, const struct seg *s)
{
    struct rp *p = ctx;
    sync_real_time(p);
    struct ev e = {.kind = EV_SEGMENT, .time_usecs = p->now, .endpoint = p->T};
    e.u.segment.seg = *s;
    e.u.segment.seg.payload = NULL; /* events may be deferred: never keep a pointer */
    e.u.segment.ip = *ip;
    rp_push(p, &e);
    p->res->target_segments++;
    if ((s->flags & TCP_SYN) && !p->tT_known) {
        p->tT_known = true;
        p->tT_iss = s->seq;
    }
    if (p->ngot == p->capgot) {
        size_t cap = p->capgot ? p->capgot * 2 : 32;
        struct rp_got *g = realloc(p->got, cap * sizeof *g);
        if (!g)
            return;
        p->got = g;
        p->capgot = cap;
    }
    p->got[p->ngot].seg = e.u.segment.seg;
    p->got[p->ngot].after_frame = p->last_frame;
    p->ngot++;
}

static void on_state(void *ctx, enum tcp_state from, enum tcp_state to, const char *cause)
{
    struct rp *p = ctx;
    sync_real_time(p);
    struct ev e = {.kind = EV_STATE, .time_usecs = p->now, .endpoint = p->T};
    e.u.state.from = from;
    e.u.state.to = to;
    e.u.state.cause = cause;
    rp_push(p, &e);
}

static void on_data(void *ctx, const uint8_t *data, uint32_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
}

static void begin_call(struct rp *p)
{
    p->deferring = true;
    p->ndeferred = 0;
}

/* The call goes into the stream before what it caused. */
static void end_call(struct rp *p, enum ev_app_call call, uint32_t len, long done, bool report)
{
    p->deferring = false;
    if (report) {
        struct ev e = {.kind = EV_APP, .time_usecs = p->now, .endpoint = p->T};
        e.u.app.call = call;
        e.u.app.len = len;
        e.u.app.done = done > 0 ? (uint32_t)done : 0;
        ev_tee_push(&p->tee, &e);
    }
    for (unsigned i = 0; i < p->ndeferred; i++)
        ev_tee_push(&p->tee, &p->deferred[i]);
    p->ndeferred = 0;
}

static long app(struct rp *p, enum ev_app_call call, uint32_t len)
{
    begin_call(p);
    long done = p->opt->ops->app(p->self, call, len, p->now);
    /* A read that found nothing is not worth an event. */
    end_call(p, call, len, done, call != APP_RECV || done > 0);
    return done;
}

static void run_to(struct rp *p, uint64_t t)
{
    const struct sut_ops *ops = p->opt->ops;
    if (t < p->now)
        t = p->now;
    if (!ops->real_time) {
        for (;;) {
            uint64_t d = ops->next_deadline(p->self);
            if (d > t || d < p->now)
                break;
            p->now = d;
            ops->advance(p->self, d);
        }
        p->now = t;
        ops->advance(p->self, t);
        return;
    }
    while (p->now < t) {
        p->now = t - p->now > RP_REAL_STEP_USECS ? p->now + RP_REAL_STEP_USECS : t;
        ops->advance(p->self, p->now);
    }
}

static uint64_t virt(const struct rp *p, uint64_t capture_usecs, const struct replay_capture *c)
{
    (void)p;
    return capture_usecs >= c->start_usecs ? capture_usecs - c->start_usecs : 0;
}

static void deliver_script(struct rp *p, const struct replay_seg *rs)
{
    struct seg s = rs->seg;
    if ((s.flags & TCP_ACK) && p->cT_known && p->tT_known)
        s.ack = s.ack - p->cT_iss + p->tT_iss;
    /* The target's TSval cannot be echoed from a capture, and SACK blocks
     * name captured sequence numbers: leave both out. */
    s.opts.has_ts = false;
    s.opts.sack_permitted = false;
    s.opts.raw_len = 0;
    s.payload = NULL;
    struct ev e = {.kind = EV_SEGMENT, .time_usecs = p->now, .frame = rs->frame, .endpoint = p->S};
    e.u.segment.seg = s;
    e.u.segment.ip = rs->ip;
    ev_tee_push(&p->tee, &e);
    p->opt->ops->deliver(p->self, &rs->ip, &s, p->now);
    if (s.payload_len || (s.flags & TCP_FIN))
        app(p, APP_RECV, 1u << 20); /* T's application reads what arrives */
}

/* T's application, as the captured T's segment shows it. */
static void act_like_captured(struct rp *p, const struct replay_seg *rs)
{
    const struct seg *s = &rs->seg;
    if (s->payload_len && p->cT_known) {
        uint32_t end = s->seq + s->payload_len + ((s->flags & TCP_SYN) ? 1u : 0u);
        if (seq_gt(end, p->cT_hi)) {
            uint32_t n = end - p->cT_hi;
            p->cT_hi = end;
            app(p, APP_SEND, n);
        }
    }
    if ((s->flags & TCP_FIN) && !p->t_fin_done) {
        p->t_fin_done = true;
        app(p, APP_SHUTDOWN, 0);
    }
    if ((s->flags & TCP_RST) && !p->t_fin_done && !p->t_rst_done) {
        p->t_rst_done = true;
        app(p, APP_ABORT, 0);
    }
}

static void seg_line(const struct seg *s, bool seq_known, uint32_t seq_base, bool ack_known,
                     uint32_t ack_base, char *out)
{
    char fl[16];
    seg_flags_str(s->flags, fl);
    uint32_t seq = seq_known ? s->seq - seq_base : s->seq;
    if (s->flags & TCP_ACK) {
        uint32_t ack = ack_known ? s->ack - ack_base : s->ack;
        snprintf(out, REPLAY_TEXT_MAX, "[%s] seq %u ack %u len %u", fl, seq, ack, s->payload_len);
    } else {
        snprintf(out, REPLAY_TEXT_MAX, "[%s] seq %u len %u", fl, seq, s->payload_len);
    }
}

static bool same_answer(const struct rp *p, const struct seg *want, const struct seg *got)
{
    const uint8_t ignore = TCP_PSH | TCP_ECE | TCP_CWR;
    if ((want->flags & ~ignore) != (got->flags & ~ignore) || want->payload_len != got->payload_len)
        return false;
    if (!p->cT_known || !p->tT_known)
        return true; /* nothing to compare the numbers with */
    if (want->seq - p->cT_iss != got->seq - p->tT_iss)
        return false;
    return !(want->flags & TCP_ACK) || want->ack == got->ack;
}

static void add_diff(struct rp *p, uint64_t frame, const char *expected, const char *got)
{
    struct replay_result *r = p->res;
    r->diffs_total++;
    if (r->ndiffs >= REPLAY_MAX_DIFFS)
        return;
    struct replay_difference *d = &r->diffs[r->ndiffs++];
    d->frame = frame;
    snprintf(d->expected, sizeof d->expected, "%s", expected);
    snprintf(d->got, sizeof d->got, "%s", got);
}

/* Whether got matches one of the next captured segments of T after index i. */
static bool answers_later(const struct rp *p, size_t i, const struct seg *got)
{
    unsigned seen = 0;
    for (size_t k = i + 1; k < p->f->n && seen < RP_LOOKAHEAD; k++) {
        if (p->f->segs[k].ep != p->T)
            continue;
        seen++;
        if (same_answer(p, &p->f->segs[k].seg, got))
            return true;
    }
    return false;
}

static void compare(struct rp *p)
{
    char want[REPLAY_TEXT_MAX], got[REPLAY_TEXT_MAX];
    size_t j = 0;
    for (size_t i = 0; i < p->f->n; i++) {
        const struct replay_seg *rs = &p->f->segs[i];
        if (rs->ep != p->T)
            continue;
        seg_line(&rs->seg, p->cT_known, p->cT_iss, p->cS_known, p->cS_iss, want);
        size_t k = j;
        while (k < p->ngot && k < j + RP_LOOKAHEAD && !same_answer(p, &rs->seg, &p->got[k].seg))
            k++;
        if (k < p->ngot && k < j + RP_LOOKAHEAD) {
            for (; j < k; j++) {
                seg_line(&p->got[j].seg, p->tT_known, p->tT_iss, p->cS_known, p->cS_iss, got);
                add_diff(p, p->got[j].after_frame, "nothing", got);
            }
            j = k + 1;
            continue;
        }
        /* The target sent nothing like it. Its next segment is what it sent
         * instead, unless that one answers a later captured segment. */
        if (j < p->ngot && !answers_later(p, i, &p->got[j].seg)) {
            seg_line(&p->got[j].seg, p->tT_known, p->tT_iss, p->cS_known, p->cS_iss, got);
            j++;
        } else {
            snprintf(got, sizeof got, "nothing");
        }
        add_diff(p, rs->frame, want, got);
    }
    for (; j < p->ngot; j++) {
        seg_line(&p->got[j].seg, p->tT_known, p->tT_iss, p->cS_known, p->cS_iss, got);
        add_diff(p, p->got[j].after_frame, "nothing", got);
    }
}

/* Prepare res and open the target for f (at f's first captured time).
 * Returns the flow's context, or NULL when there is nothing more to do
 * (skipped: reason in res) or no memory (*oom). */
static struct rp *rp_begin(const struct replay_options *opt, const struct replay_capture *c,
                           const struct replay_flow *f, struct replay_result *res, void *self,
                           bool *oom)
{
    *oom = false;
    memset(res, 0, sizeof *res);
    res->oracle = calloc(1, sizeof *res->oracle);
    if (!res->oracle) {
        *oom = true;
        return NULL;
    }
    struct oracle_config cfg = opt->cfg;
    uint8_t T = opt->target_ep, S = (uint8_t)(1 - T);
    cfg.judge[T] = true;
    cfg.judge[S] = false;
    cfg.states_reported[T] = opt->ops->reports_states;
    cfg.states_reported[S] = false;
    oracle_init(res->oracle, &cfg);
    res->verdict = VERDICT_INCOMPLETE;

    if (f->n == 0 || !(f->segs[0].seg.flags & TCP_SYN)) {
        res->skipped = true;
        snprintf(res->error, sizeof res->error,
                 "the capture does not show this flow's handshake: cannot replay it");
        oracle_finish(res->oracle, 0);
        res->verdict = oracle_verdict(res->oracle);
        return NULL;
    }

    struct rp *p = calloc(1, sizeof *p);
    if (!p) {
        *oom = true;
        return NULL;
    }
    p->opt = opt;
    p->self = self;
    p->f = f;
    p->res = res;
    p->T = T;
    p->S = S;
    ev_tee_init(&p->tee);
    ev_tee_add(&p->tee, oracle_sink(res->oracle));
    for (unsigned i = 0; i < opt->n_extra && i + 1 < EV_TEE_MAX; i++)
        ev_tee_add(&p->tee, opt->extra[i]);
    for (size_t i = 0; i < f->n; i++) {
        const struct seg *s = &f->segs[i].seg;
        if (!(s->flags & TCP_SYN))
            continue;
        if (f->segs[i].ep == T && !p->cT_known) {
            p->cT_known = true;
            p->cT_iss = s->seq;
            p->cT_hi = s->seq + 1;
        } else if (f->segs[i].ep == S && !p->cS_known) {
            p->cS_known = true;
            p->cS_iss = s->seq;
        }
    }

    const struct replay_seg *first = &f->segs[0];
    bool active = first->ep == T && !(first->seg.flags & TCP_ACK);
    p->now = virt(p, first->time_usecs, c);
    struct sut_open how = {.active = active,
                           .ip_version = f->version,
                           .local_port = f->port[T],
                           .peer_port = f->port[S],
                           .now_usecs = p->now};
    memcpy(how.local_addr, f->addr[T], 16);
    memcpy(how.peer_addr, f->addr[S], 16);
    tcp_config_default(&how.cfg);
    how.cfg.rfc1337 = cfg.profile == PROFILE_RFC1337; /* e.g. Linux's tcp_rfc1337 */
    struct sut_callbacks cb = {
        .ctx = p, .segment_out = on_segment, .state_change = on_state, .data_in = on_data};
    begin_call(p);
    int rc = opt->ops->open(self, &how, &cb, res->error, sizeof res->error);
    end_call(p, active ? APP_CONNECT : APP_LISTEN, 0, rc == 0 ? 0 : -1, true);
    res->running_at_open = 1;
    if (rc != 0) {
        res->skipped = true;
        oracle_finish(res->oracle, p->now);
        res->verdict = oracle_verdict(res->oracle);
        free(p->got);
        free(p);
        return NULL;
    }
    return p;
}

/* Captured segment i of the flow, at the flow's current time. */
static void rp_segment(struct rp *p, size_t i)
{
    const struct replay_seg *rs = &p->f->segs[i];
    if (rs->ep == p->S)
        deliver_script(p, rs);
    else
        act_like_captured(p, rs);
    p->last_frame = rs->frame;
}

/* Judge, release the target, compare, free p. */
static void rp_end(struct rp *p)
{
    struct replay_result *res = p->res;
    res->end_usecs = p->now;
    oracle_finish(res->oracle, p->now);
    res->verdict = oracle_verdict(res->oracle);
    p->opt->ops->close(p->self);
    compare(p);
    free(p->got);
    free(p);
}

int replay_flow(const struct replay_options *opt, const struct replay_capture *c,
                const struct replay_flow *f, struct replay_result *res)
{
    bool oom;
    struct rp *p = rp_begin(opt, c, f, res, opt->self, &oom);
    if (!p)
        return oom ? -1 : 0;
    for (size_t i = 0; i < f->n; i++) {
        run_to(p, virt(p, f->segs[i].time_usecs, c));
        rp_segment(p, i);
    }
    run_to(p, p->now + opt->tail_usecs);
    rp_end(p);
    return 0;
}

/* ---- all flows at once (real-time targets) ---- */

/* A real-time target answers on its own clock: under load its timers fire
 * late (its RTO, srtt + 4 rttvar, grows with every scheduling delay the
 * handshake saw) and the replay itself may run late. Played strictly on the
 * capture's clock, a script segment can then overtake what the target was
 * about to send; g_fin_retransmit's ACK, captured 0.5 ms after the FIN it
 * acknowledges was retransmitted, would acknowledge the first FIN and the
 * retransmission would never happen. So a script segment is held while a
 * segment the captured T sent before it has not come from the target yet:
 * for RP_HOLD_FACTOR times the captured delay of that segment (at least
 * RP_HOLD_MIN_USECS: a delayed ACK takes up to 200 ms), longer while the
 * kernel shows a timer that fires within RP_HOLD_MAX_USECS, and never
 * longer than that. A held flow keeps its captured gaps: its later
 * segments move by the time it was held. */
#define RP_HOLD_FACTOR    4u
#define RP_HOLD_MIN_USECS 300000u
#define RP_HOLD_MAX_USECS 3000000u

static bool same_answer(const struct rp *p, const struct seg *want, const struct seg *got);

/* Where the target's segment m matches captured segment k of T, looking at
 * most RP_LOOKAHEAD segments from j (as compare() does); p->ngot if none. */
static size_t rp_match(const struct rp *p, size_t k, size_t j)
{
    for (size_t m = j; m < p->ngot && m < j + RP_LOOKAHEAD; m++)
        if (same_answer(p, &p->f->segs[k].seg, &p->got[m].seg))
            return m;
    return p->ngot;
}

/* The first captured segment of T in [settled, i) that the target has not
 * sent yet, matched in order, while the target has sent nothing else in
 * its place (it is late, not different); SIZE_MAX if it has sent them all,
 * or has sent something else: waiting would only provoke retransmissions
 * the capture does not show. */
static size_t rp_unseen(const struct rp *p, size_t i)
{
    size_t j = p->got_from;
    for (size_t k = p->settled; k < i && k < p->f->n; k++) {
        if (p->f->segs[k].ep != p->T)
            continue;
        size_t m = rp_match(p, k, j);
        if (m == p->ngot)
            return j == p->ngot ? k : SIZE_MAX;
        j = m + 1;
    }
    return SIZE_MAX;
}

/* The captured segments before i are accounted for (sent, or given up). */
static void rp_settle(struct rp *p, size_t i)
{
    size_t j = p->got_from;
    for (size_t k = p->settled; k < i && k < p->f->n; k++) {
        if (p->f->segs[k].ep != p->T)
            continue;
        size_t m = rp_match(p, k, j);
        if (m != p->ngot)
            j = m + 1;
    }
    p->got_from = j;
    if (i > p->settled)
        p->settled = i;
}

/* How long past from a held flow waits for captured segment k of T: scaled
 * by how long the captured T took to send it after the flow's previous
 * segment, and by the kernel's own next timer (on the replay's clock now). */
static uint64_t rp_hold_until(const struct rp *p, size_t k, uint64_t from, uint64_t now)
{
    const struct replay_seg *segs = p->f->segs;
    uint64_t gap = k > 0 && segs[k].time_usecs > segs[k - 1].time_usecs
                       ? segs[k].time_usecs - segs[k - 1].time_usecs
                       : 0;
    uint64_t grace = gap < RP_HOLD_MAX_USECS ? RP_HOLD_FACTOR * gap : RP_HOLD_MAX_USECS;
    if (grace < RP_HOLD_MIN_USECS)
        grace = RP_HOLD_MIN_USECS;
    if (grace > RP_HOLD_MAX_USECS)
        grace = RP_HOLD_MAX_USECS;
    uint64_t until = from + grace;
    const struct sut_ops *ops = p->opt->ops;
    uint64_t timer = ops->next_deadline(p->self);
    if (timer != UINT64_MAX && ops->now) {
        uint64_t sut_now = ops->now(p->self);
        uint64_t at = now + (timer > sut_now ? timer - sut_now : 0);
        if (at > from + RP_HOLD_MAX_USECS)
            at = from + RP_HOLD_MAX_USECS;
        if (at > until)
            until = at;
    }
    return until;
}

struct rp_all {
    const struct replay_options *opt;
    const struct replay_capture *c;
    struct replay_result *res;
    struct rp **ps;
    void **selves;
    size_t *next;          /* the flow's next captured segment */
    uint64_t *shift_usecs; /* how long the flow was held so far */
    bool *held;            /* its next segment waits for the target */
    uint64_t *held_from;   /* when that segment was due */
    uint64_t *end_usecs;   /* time of the flow's last captured segment */
    bool *ended;           /* its last segment was replayed */
    bool *done;
    uint64_t now;
};

/* The flow's tail has passed and the target has sent everything the
 * capture shows (or the hold for it is over). */
static bool tail_over(struct rp_all *a, size_t i, uint64_t step)
{
    uint64_t due = a->end_usecs[i] + a->opt->tail_usecs;
    if (step < due)
        return false;
    struct rp *p = a->ps[i];
    size_t k = rp_unseen(p, p->f->n);
    if (k == SIZE_MAX)
        return true;
    return step >= rp_hold_until(p, k, due, step);
}

/* The time every running flow's target has reached already (the least
 * of their clocks; a target skips a wait it cannot act in, so its clock
 * can be ahead), never before the shared clock. */
static uint64_t all_real_now(const struct rp_all *a)
{
    const struct sut_ops *ops = a->opt->ops;
    uint64_t real = UINT64_MAX;
    for (size_t i = 0; ops->now && i < a->c->n; i++) {
        if (!a->ps[i])
            continue;
        uint64_t t = ops->now(a->selves[i]);
        if (t < real)
            real = t;
    }
    return real != UINT64_MAX && real > a->now ? real : a->now;
}

/* Move every running flow to time t in steps of RP_REAL_STEP_USECS, ending
 * the flows whose tail has passed. A step that real time has passed
 * already is not waited through in 1 ms pieces: on a loaded machine that
 * crawl would fall ever further behind the targets' clocks. */
static void all_run_to(struct rp_all *a, uint64_t t)
{
    size_t n = a->c->n;
    do {
        uint64_t step = a->now + RP_REAL_STEP_USECS, real = all_real_now(a);
        if (real > step)
            step = real;
        if (step > t)
            step = t;
        if (step < a->now)
            step = a->now;
        a->now = step;
        for (size_t i = 0; i < n; i++)
            if (a->ps[i] && a->ps[i]->now < step)
                a->ps[i]->now = step; /* never back: it follows the target's */
        for (size_t i = 0; i < n; i++)
            if (a->ps[i])
                a->opt->ops->advance(a->selves[i], step);
        for (size_t i = 0; i < n; i++) {
            if (a->ps[i] && a->ended[i] && tail_over(a, i, step)) {
                rp_end(a->ps[i]);
                a->ps[i] = NULL;
                a->done[i] = true;
            }
        }
    } while (a->now < t);
}

/* When flow i's next segment is due on the shared clock (a held flow looks
 * again one step later). */
static uint64_t flow_due(const struct rp_all *a, size_t i, uint64_t real)
{
    if (a->held[i])
        return real + RP_REAL_STEP_USECS;
    const struct replay_flow *f = &a->c->flows[i];
    return virt(NULL, f->segs[a->next[i]].time_usecs, a->c) + a->shift_usecs[i];
}

/* Whether flow i's next segment, a script segment due at due, waits for
 * the target (see RP_HOLD_FACTOR). */
static bool flow_holds(struct rp_all *a, size_t i, uint64_t due)
{
    struct rp *p = a->ps[i];
    size_t seg = a->next[i];
    if (p->f->segs[seg].ep != p->S)
        return false;
    size_t k = rp_unseen(p, seg);
    uint64_t from = a->held[i] ? a->held_from[i] : due;
    if (k != SIZE_MAX && a->now < rp_hold_until(p, k, from, a->now)) {
        a->held[i] = true;
        a->held_from[i] = from;
        return true;
    }
    if (a->held[i]) {
        a->shift_usecs[i] += a->now - a->held_from[i];
        a->held[i] = false;
    }
    rp_settle(p, seg);
    return false;
}

int replay_all(const struct replay_options *opt, size_t self_size, const struct replay_capture *c,
               struct replay_result *res)
{
    size_t n = c->n, m = n ? n : 1;
    struct rp_all a = {.opt = opt, .c = c, .res = res};
    a.ps = calloc(m, sizeof *a.ps);
    a.selves = calloc(m, sizeof *a.selves);
    a.next = calloc(m, sizeof *a.next);
    a.shift_usecs = calloc(m, sizeof *a.shift_usecs);
    a.held = calloc(m, sizeof *a.held);
    a.held_from = calloc(m, sizeof *a.held_from);
    a.end_usecs = calloc(m, sizeof *a.end_usecs);
    a.ended = calloc(m, sizeof *a.ended);
    a.done = calloc(m, sizeof *a.done);
    int rc = -1;
    if (!a.ps || !a.selves || !a.next || !a.shift_usecs || !a.held || !a.held_from ||
        !a.end_usecs || !a.ended || !a.done)
        goto out;
    for (size_t i = 0; i < n; i++)
        memset(&res[i], 0, sizeof res[i]);
    for (;;) {
        /* The next segment of all flows: earliest due, then lowest frame. */
        size_t i = SIZE_MAX;
        uint64_t due = 0, frame = 0, real = all_real_now(&a);
        for (size_t x = 0; x < n; x++) {
            if (a.done[x] || a.next[x] >= c->flows[x].n)
                continue;
            uint64_t d = flow_due(&a, x, real), fr = c->flows[x].segs[a.next[x]].frame;
            if (i == SIZE_MAX || d < due || (d == due && fr < frame)) {
                i = x;
                due = d;
                frame = fr;
            }
        }
        if (i == SIZE_MAX)
            break;
        all_run_to(&a, due);
        if (!a.ps[i]) {
            a.selves[i] = calloc(1, self_size);
            bool oom = false;
            if (!a.selves[i] ||
                (!(a.ps[i] = rp_begin(opt, c, &c->flows[i], &res[i], a.selves[i], &oom)) && oom))
                goto out;
            if (!a.ps[i]) {
                a.done[i] = true;
                continue;
            }
            for (size_t x = 0; x < n; x++)
                res[i].running_at_open += x != i && a.ps[x] != NULL;
        }
        if (flow_holds(&a, i, due))
            continue;
        rp_segment(a.ps[i], a.next[i]);
        if (++a.next[i] == c->flows[i].n) {
            a.ended[i] = true;
            a.end_usecs[i] = a.now;
        }
    }
    /* The tails: until every flow is over. */
    for (;;) {
        bool running = false;
        for (size_t i = 0; i < n; i++)
            running |= a.ps[i] != NULL;
        if (!running)
            break;
        all_run_to(&a, all_real_now(&a) + RP_REAL_STEP_USECS);
    }
    rc = 0;
out:
    for (size_t i = 0; a.ps && i < n; i++)
        if (a.ps[i])
            rp_end(a.ps[i]);
    for (size_t i = 0; a.selves && i < n; i++)
        free(a.selves[i]);
    free(a.ps);
    free(a.selves);
    free(a.next);
    free(a.shift_usecs);
    free(a.held);
    free(a.held_from);
    free(a.end_usecs);
    free(a.ended);
    free(a.done);
    return rc;
}

void replay_result_free(struct replay_result *res)
{
    free(res->oracle);
    res->oracle = NULL;
}
