/* Checking one capture: the loop that joins the capture reader, the flow
 * table and the oracle. Read DESIGN.md "The event stream" first: each TCP
 * segment becomes one EV_SEGMENT of its flow, with the sender as endpoint
 * and the 1-based frame number of the record it came from. */
#include "check.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "oracle_fast.h"
#include "oracle_quick.h"
#include "check_park.h"
#include "check_slab.h"
#include "fast_verify.h"

#define LINUX_TIME_WAIT_USECS   (60ull * 1000000u)
#define LINGER_SLACK_USECS      1000000u
#define CHECK_READ_BUFFER_BYTES (64u * 1024) /* bench/check_bareloop.c uses the same */

void check_options_default(struct check_options *o)
{
    memset(o, 0, sizeof *o);
    oracle_config_default(&o->cfg);
    o->cfg.judge[EP_A] = o->cfg.judge[EP_B] = true;
    o->cfg.states_reported[EP_A] = o->cfg.states_reported[EP_B] = false;
    o->max_flows = CHECK_MAX_FLOWS_DEFAULT;
}

uint64_t check_linger_usecs(const struct oracle_config *cfg)
{
    /* The linux profile's TIME-WAIT is fixed, whatever the MSL. A quarter
     * more (at least a second) lets the flow still see an endpoint that
     * answers after its TIME-WAIT should have ended, which is a violation;
     * a segment later than that starts a new (incomplete) flow. */
    uint64_t tw = cfg->profile == PROFILE_LINUX ? LINUX_TIME_WAIT_USECS : 2 * cfg->msl_usecs;
    uint64_t extra = tw / 4 > LINGER_SLACK_USECS ? tw / 4 : LINGER_SLACK_USECS;
    return tw + extra;
}

/* What the flow table carries per flow while it is open (or closed but not
 * parked): its segments while it has few, and its oracle. A segment's index
 * in the flow's event stream is the flow's segment count before it, and its
 * time the flow's latest capture time (struct flow keeps both: capture
 * time may step back, and the oracle never sees it do so).
 *
 * While the log holds every segment, the oracle is not run: the judge is
 * deferred (live false) and its oracle's memory is not touched. The oracle
 * is deterministic, so the log says all it would hold. When the flow
 * closes or ends it is judged from the log: by the quick judge
 * (oracle_quick.h) when every segment took an oracle fast path, which
 * costs about a third of running the oracle, else by the oracle replayed
 * into one kept warm for the purpose (check_ctx.scratch). Run live, each
 * flow's 1.6 KB oracle was also read and written a few lines at a time, one
 * packet in every few hundred, long out of cache. A flow whose segments
 * outgrow the log goes live: its oracle is replayed from the log once and
 * then given each segment as it comes. In the sanitizer builds
 * (FINFUZZ_VERIFY_FAST) a deferred judge's oracle is run live all the same,
 * and every replay and every quick verdict is compared with it. */
struct flow_judge {
    struct park_log log;   /* its segments, while it has few (check_park.h); first, as
                              judges are line-aligned and a segment's record written
                              should touch one line */
    struct oracle *oracle; /* compact (ORACLE_COMPACT_BYTES), from check_ctx.oracles:
                              NULL while the judge is deferred (but in the sanitizer
                              builds), so that a deferred flow holds only its log */
    bool live;             /* the oracle has been given every segment */
    bool starved;          /* deferred past its log: no memory for its oracle */
};

/* The violation log lent to a judge whose flow broke an invariant. */
#define JUDGE_LOG_BYTES (ORACLE_MAX_VIOLATIONS * sizeof(struct oracle_violation))

struct check_ctx {
    const char *name; /* of the capture, for messages */
    const struct check_options *opt;
    const struct check_hooks *hooks;
    struct check_result *res;
    /* Judges, and the oracles of the live ones, reused: at most as many as
     * were held at once, and no malloc/free per flow (check_slab.h). An
     * oracle is compact (oracle.h): the violation log, 5 KB of the 7 KB an
     * oracle has, which a conforming flow never writes, is lent (logs) only
     * to the flows that break an invariant. */
    struct slab_pool judges, oracles;
    /* Violation logs, lent to the oracles that need one, likewise. */
    struct slab_pool logs;
    /* Closed flows judged and parked for their TIME-WAIT (check_park.h). */
    struct park park;
    /* Where deferred judges' logs are replayed (struct flow_judge). */
    struct flow_judge *scratch;
    /* A quick judge (oracle_quick.h) as it starts, for this configuration. */
    struct oracle_quick quick;
};

/* f->user: the flow's judge, with USER_DEFERRED set while the judge is
 * deferred (j->live false), or, while the flow is parked, its park entry
 * with USER_PARKED set (both are line-aligned). The bit lets a segment of
 * a deferred flow go to its log without reading the judge first. */
#define USER_PARKED   ((uintptr_t)1)
#define USER_DEFERRED ((uintptr_t)2)
static inline bool user_parked(const void *user)
{
    return ((uintptr_t)user & USER_PARKED) != 0;
}
static inline struct park_entry *user_entry(const void *user)
{
    return (struct park_entry *)((uintptr_t)user & ~USER_PARKED);
}
/* The judge of an unparked flow's f->user. */
static inline struct flow_judge *user_judge(void *user)
{
    return (struct flow_judge *)((uintptr_t)user & ~USER_DEFERRED);
}
/* f->user for judge j, as deferred or live as j is. */
static inline void *judge_user(struct flow_judge *j)
{
    return (void *)((uintptr_t)j | (j->live ? 0 : USER_DEFERRED));
}

/* Release every judge (the slabs hold them all). */
static void judges_free(struct check_ctx *c)
{
    slab_free_all(&c->judges);
    slab_free_all(&c->oracles);
    slab_free_all(&c->logs);
    park_free(&c->park);
}

/* A compact oracle's first violation: lend it a log. */
static struct oracle_violation *judge_take_log(void *ctx)
{
    struct check_ctx *c = ctx;
    return slab_get(&c->logs);
}

/* A judge's memory, deferred and without an oracle: a finished flow's
 * (the most recently freed, still warm, first), or a new slot. */
static struct flow_judge *judge_get(struct check_ctx *c)
{
    struct flow_judge *j = slab_get(&c->judges);
    if (j) {
        j->oracle = NULL;
        j->live = false;
        j->starved = false;
    }
    return j;
}

/* j's oracle's memory, had if it has none yet (NULL if none could be). */
static struct oracle *judge_oracle(struct check_ctx *c, struct flow_judge *j)
{
    if (!j->oracle)
        j->oracle = slab_get(&c->oracles);
    return j->oracle;
}

/* Take back the log lent to o, if any. */
static void judge_release_log(struct check_ctx *c, struct oracle *o)
{
    struct oracle_violation *log = oracle_release_log(o);
    if (log)
        slab_put(&c->logs, log);
}

/* Give back j, its oracle, and the log lent to that. */
static void judge_release(struct check_ctx *c, struct flow_judge *j)
{
    if (j->oracle) {
        judge_release_log(c, j->oracle);
        slab_put(&c->oracles, j->oracle);
    }
    slab_put(&c->judges, j);
}

/* j's oracle anew from log l (its segments, all of them): the same events
 * in the same order give the same oracle. False if no memory could be had
 * for the oracle. */
static bool judge_rebuild(struct check_ctx *c, struct flow_judge *j, const struct park_log *l)
{
    struct oracle *o = judge_oracle(c, j);
    if (!o)
        return false;
    oracle_init_compact(o, &c->opt->cfg, judge_take_log, c);
    if (!l->count)
        return true;
    struct ev e;
    park_log_event(l, 0, &e);
    oracle_segment(o, 0, &e);
    for (unsigned k = 1; k < l->count; k++) {
        park_log_fill(l, k, &e);
        oracle_segment(o, k, &e);
    }
    return true;
}

/* A new flow's judge: deferred, with an empty log (in the sanitizer builds,
 * with its oracle too, run live all the same). */
static struct flow_judge *judge_new(struct check_ctx *c)
{
    struct flow_judge *j = judge_get(c);
    if (j) {
        park_log_init(&j->log);
        if (FINFUZZ_VERIFY_FAST && !judge_rebuild(c, j, &j->log)) {
            judge_release(c, j);
            return NULL;
        }
    }
    return j;
}

static void *judge_open(void *ctx, struct flow *f)
{
    (void)f;
    struct flow_judge *j = judge_new(ctx);
    return j ? judge_user(j) : NULL;
}

/* A deferred judge's log holds its segments from the flow's first on, but
 * while the flow is open only the segments are written (judge_push()):
 * make it say so, with its first n segments (no more than it can hold: a
 * starved judge's log holds only those). Its base is the flow's first
 * segment's. */
static inline void judge_log_sync(const struct flow *f, struct flow_judge *j, uint64_t n)
{
    j->log.base_usecs = f->first_usecs;
    j->log.base_frame = f->first_frame;
    j->log.count = (uint8_t)(n < PARK_LOG_MAX ? n : PARK_LOG_MAX);
}

#if FINFUZZ_VERIFY_FAST
/* Abort unless oracle o is the one j was given its segments live. */
static void verify_same(const struct oracle *o, const struct flow_judge *j, const char *what)
{
    if (!oracle_same(o, j->oracle)) {
        fprintf(stderr, "check: %s does not rebuild a flow's oracle\n", what);
        abort();
    }
}
#endif

/* Deferred judge j of f goes live: its oracle is replayed from its log
 * (synced). False, j still deferred, if no memory could be had for it. */
static bool judge_go_live(struct check_ctx *c, struct flow *f, struct flow_judge *j)
{
#if FINFUZZ_VERIFY_FAST
    /* Its oracle has been run live all along: the replay must equal it. */
    struct flow_judge *s = c->scratch;
    judge_rebuild(c, s, &j->log);
    verify_same(s->oracle, j, "going live, a segment log");
    judge_release_log(c, s->oracle);
#else
    if (!judge_rebuild(c, j, &j->log))
        return false;
#endif
    j->live = true;
    f->user = judge_user(j);
    return true;
}

/* Deferred judge j's oracle, replayed from its log into the scratch judge
 * (whose lent log, if any, the caller gives back once done with it). */
static struct oracle *judge_replay(struct check_ctx *c, const struct flow_judge *j)
{
    struct flow_judge *s = c->scratch;
    judge_rebuild(c, s, &j->log); /* (its oracle was had at the start) */
#if FINFUZZ_VERIFY_FAST
    verify_same(s->oracle, j, "a segment log");
#endif
    return s->oracle;
}

static void message_at(const struct check_ctx *c, uint64_t frame, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Deferred judge j of f must go live at segment frame and cannot: say so
 * once. Its log keeps the segments it holds, and the flow is judged on
 * them when it ends. */
static __attribute__((noinline)) void judge_starve(struct check_ctx *c, struct flow_judge *j,
                                                   uint64_t frame)
{
    if (j->starved)
        return;
    j->starved = true;
    message_at(c, frame,
               "out of memory for a flow's oracle; it is judged on its segments before this one");
}

/* Segment event e of f, its event number index, for f's judge j: into its
 * log while that can hold every segment (the oracle deferred), else to its
 * oracle. A deferred judge's segment goes to its place in the log,
 * relative to the flow's first: neither the judge nor its log's count is
 * read (judge_log_sync() sets that once the flow closes or ends). */
static inline __attribute__((always_inline)) void judge_push(struct check_ctx *c, struct flow *f,
                                                             struct flow_judge *j, uint64_t index,
                                                             const struct ev *e)
{
    if (__builtin_expect(((uintptr_t)f->user & USER_DEFERRED) != 0, 1)) {
        /* Both only grow along a flow; more than 2^32 after the first
         * does not fit a record. */
        uint64_t dt = e->time_usecs - f->first_usecs, df = e->frame - f->first_frame;
        if (__builtin_expect(index < PARK_LOG_MAX && !((dt | df) >> 32), 1)) {
            seg_record_set(&j->log.seg[index], e, f->first_usecs, f->first_frame);
#if FINFUZZ_VERIFY_FAST
            oracle_segment(j->oracle, index, e);
#endif
            return;
        }
        /* (Once starved, no later segment fits the log either: both
         * index and the times only grow.) */
        if (j->starved)
            return;
        judge_log_sync(f, j, index);
        if (!judge_go_live(c, f, j)) {
            judge_starve(c, j, e->frame);
            return;
        }
        park_log_lose(&j->log);
        oracle_segment(j->oracle, index, e);
        return;
    }
    park_log_add(&j->log, index, e);
    oracle_segment(j->oracle, index, e);
}

static struct check_verdict verdict_of(const struct oracle *o)
{
    struct check_verdict v = {
        .verdict = oracle_verdict(o),
        .incomplete_reason = oracle_incomplete_reason(o),
        .violations_total = oracle_violation_total(o),
        .view = {oracle_view(o, EP_A), oracle_view(o, EP_B)},
    };
    v.violations = oracle_violations(o, &v.nviolations);
    return v;
}

#if FINFUZZ_VERIFY_FAST
/* Whether oracle o, finished, gives verdict v (one without violations) and
 * judged nothing by the end time: what parking a flow with v assumes. */
static bool verdict_settled_as(const struct oracle *o, const struct check_verdict *v)
{
    struct check_verdict full = verdict_of(o);
    return full.verdict == v->verdict && full.violations_total == 0 &&
           full.incomplete_reason == v->incomplete_reason && !oracle_end_judged(o) &&
           full.view[0].state == v->view[0].state &&
           full.view[0].state_known == v->view[0].state_known &&
           full.view[1].state == v->view[1].state &&
           full.view[1].state_known == v->view[1].state_known;
}

/* The sanitizer builds check, for every flow about to be parked, that its
 * log rebuilds its oracle exactly (oracle_init clears all of an oracle's
 * compact memory, so equal oracles are equal bytes). */
static void verify_log(struct check_ctx *c, const struct flow_judge *j)
{
    judge_release_log(c, judge_replay(c, j));
}
#endif

#if FINFUZZ_VERIFY_FAST
/* The sanitizer builds check every quick verdict v of deferred judge j
 * against its oracle's, finished. */
static void verify_quick(struct check_ctx *c, const struct flow_judge *j,
                         const struct check_verdict *v)
{
    struct oracle *o = judge_replay(c, j);
    oracle_finish(o, 0);
    if (!verdict_settled_as(o, v)) {
        fprintf(stderr, "check: the quick judge's verdict differs from the oracle's\n");
        abort();
    }
    judge_release_log(c, o);
}
#endif

/* The verdict of deferred judge j's flow from the quick judge
 * (oracle_quick.h), when it gives one: the flow passes, judged by nothing
 * that depends on when it ends. Most short flows get theirs here, for a
 * fraction of what replaying the oracle costs. */
static bool judge_quick(struct check_ctx *c, const struct flow_judge *j, struct check_verdict *v)
{
    static const struct oracle_violation none[1];
    const struct park_log *l = &j->log;
    struct oracle_quick q = c->quick;
    if (!l->count || !oracle_quick_run(&q, l->seg, l->count))
        return false;
    *v = (struct check_verdict){.verdict = VERDICT_PASS, .violations = none};
    if (!oracle_quick_end(&q, v->view))
        return false;
#if FINFUZZ_VERIFY_FAST
    verify_quick(c, j, v);
#endif
    return true;
}

/* Park f, its judge j's log and verdict v, and give j back: false if no
 * memory could be had for the entry. */
static inline __attribute__((always_inline)) bool judge_park_as(struct check_ctx *c, struct flow *f,
                                                                struct flow_judge *j,
                                                                const struct check_verdict *v)
{
    struct park_entry *e = park_put(&c->park, &j->log, v);
    if (!e)
        return false;
    judge_release(c, j);
    f->user = (void *)((uintptr_t)e | USER_PARKED);
    return true;
}

/* Finish o, f's oracle as of its latest segment, and park f with its
 * verdict if that settles it: no violation, and nothing judged by the end
 * time (then any later end gives the same). */
static bool judge_park_settled(struct check_ctx *c, struct flow *f, struct flow_judge *j,
                               struct oracle *o)
{
    oracle_finish(o, 0);
    if (oracle_violation_total(o) || oracle_end_judged(o))
        return false;
    struct check_verdict v = verdict_of(o);
    return judge_park_as(c, f, j, &v);
}

/* judge_park() of deferred judge j: the same, by the quick judge or on its
 * oracle replayed. A flow that cannot be parked goes live. */
static void judge_park_deferred(struct check_ctx *c, struct flow *f, struct flow_judge *j)
{
    struct check_verdict quick;
    if (judge_quick(c, j, &quick) && judge_park_as(c, f, j, &quick))
        return;
    struct oracle *o = judge_replay(c, j);
    bool failed = oracle_violation_total(o) != 0;
    bool parked = !failed && judge_park_settled(c, f, j, o);
    judge_release_log(c, o); /* the scratch judge's */
    if (parked)
        return;
    /* A flow that broke an invariant keeps its oracle, and its violations;
     * any other that cannot be parked is not tried again. (Without memory
     * for its oracle it stays deferred.) */
    if (judge_go_live(c, f, j) && !failed)
        park_log_lose(&j->log);
}

/* f has closed, and its latest segment is judged: park it (check_park.h)
 * if its log holds all its segments, and if nothing but a late segment can
 * change its verdict any more, that is, if finishing it now judges nothing
 * by the end time and finds no violation (a failing flow keeps its oracle,
 * and its violations). */
static void judge_park(struct check_ctx *c, struct flow *f)
{
    struct flow_judge *j = user_judge(f->user);
    if (!j->live) {
        if (j->starved)
            return; /* its log lacks its later segments: held as it is */
        judge_log_sync(f, j, f->segments);
        judge_park_deferred(c, f, j);
        return;
    }
    struct oracle *o = j->oracle;
    if (!park_log_whole(&j->log) || oracle_violation_total(o))
        return;
#if FINFUZZ_VERIFY_FAST
    verify_log(c, j);
#endif
    if (judge_park_settled(c, f, j, o))
        return;
    /* Not parked (rare): the oracle as it was before the judging, and no
     * further try. */
    judge_release_log(c, o);
    judge_rebuild(c, j, &j->log);
    park_log_lose(&j->log);
}

/* A parked flow's judge, its log taken from its entry, which is released:
 * deferred if the log holds the flow's first `segments` segments (as for
 * a late segment that has come: all but that one), else live. */
static struct flow_judge *judge_unpark(struct check_ctx *c, const struct flow *f,
                                       struct park_entry *e, uint64_t segments)
{
    struct flow_judge *j = judge_get(c);
    if (!j)
        return NULL;
    park_log_of(e, &j->log);
    j->live = j->log.count != segments || j->log.base_usecs != f->first_usecs ||
              j->log.base_frame != f->first_frame;
    bool run = FINFUZZ_VERIFY_FAST || j->live;
    if (run && !judge_oracle(c, j)) {
        judge_release(c, j); /* (the flow stays parked) */
        return NULL;
    }
    park_drop(&c->park, e);
    if (run)
        judge_rebuild(c, j, &j->log); /* (its oracle is had) */
    return j;
}

/* The judge of f, taken back out of the park if f is parked (NULL when no
 * memory could be had for it). */
static inline struct flow_judge *judge_of(struct check_ctx *c, struct flow *f)
{
    if (__builtin_expect(!user_parked(f->user), 1))
        return user_judge(f->user);
    struct flow_judge *j = judge_unpark(c, f, user_entry(f->user), f->segments - 1);
    if (j)
        f->user = judge_user(j);
    return j;
}

void check_segment_event(const struct cap_segment *cs, uint8_t ep, uint64_t *last_usecs,
                         struct ev *e)
{
    memset(e, 0, sizeof *e);
    e->kind = EV_SEGMENT;
    e->time_usecs = cs->time_usecs < *last_usecs ? *last_usecs : cs->time_usecs;
    *last_usecs = e->time_usecs;
    e->frame = cs->frame;
    e->endpoint = ep;
    e->u.segment.seg = cs->seg;
    e->u.segment.ip = cs->ip;
}

/* Bring the cache lines of [p, p + n) in. */
static inline void prefetch_range(const void *p, size_t n)
{
    const char *c = p;
    for (size_t off = 0; off < n; off += 64)
        __builtin_prefetch(c + off);
    __builtin_prefetch(c + n - 1); /* the last line, when p is not line-aligned */
}

/* Prefetch what finishing a flow reads (its memory is cold: it lingered
 * for the TIME-WAIT time). A parked flow: its park record. A deferred one:
 * its log, to be replayed. Any other (a flow that failed, or a long one
 * still open when the table was full): its whole judge, which
 * oracle_finish reads. A lent log, rare, is not warmed. */
static void judge_warm_finish(void *ctx, const struct flow *f)
{
    (void)ctx;
    if (user_parked(f->user)) {
        __builtin_prefetch(user_entry(f->user));
        return;
    }
    const struct flow_judge *j = user_judge(f->user);
    if ((uintptr_t)f->user & USER_DEFERRED) {
        uint64_t n = f->segments < PARK_LOG_MAX ? f->segments : PARK_LOG_MAX;
        prefetch_range(j,
                       offsetof(struct flow_judge, log.seg) + (n ? n : 1) * sizeof j->log.seg[0]);
    } else {
        __builtin_prefetch(&j->oracle); /* (its oracle is elsewhere: rare) */
    }
}

static void message(const struct check_hooks *hooks, const char *msg)
{
    if (hooks->message)
        hooks->message(hooks->ctx, msg);
}

/* A message about the record at frame of the capture c checks. */
static void message_at(const struct check_ctx *c, uint64_t frame, const char *fmt, ...)
{
    if (!c->hooks->message)
        return;
    char what[256], msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "%s: frame %" PRIu64 ": %s", c->name, frame, what);
    message(c->hooks, msg);
}

/* The judge of a segment of f at frame: NULL, with a message, when f is
 * parked and no memory could be had to take it out (the segment is not
 * judged). */
static inline struct flow_judge *judge_for_segment(struct check_ctx *c, struct flow *f,
                                                   uint64_t frame)
{
    struct flow_judge *j = judge_of(c, f);
    if (__builtin_expect(!j, 0))
        message_at(c, frame, "out of memory for a late segment of a closed flow; not judged");
    return j;
}

/* hooks.segment, for the segments flows_segment_fast() does not take. */
static void judge_segment(void *ctx, struct flow *f, uint8_t ep, const struct cap_segment *cs)
{
    struct check_ctx *c = ctx;
    struct flow_judge *j = judge_for_segment(c, f, cs->frame);
    if (!j)
        return;
    /* (The flow's latest time already counts this segment's.) */
    uint64_t last_usecs = f->last_usecs;
    struct ev e;
    check_segment_event(cs, ep, &last_usecs, &e);
    judge_push(c, f, j, f->segments - 1, &e);
    if (f->closed)
        judge_park(c, f);
}

#if FINFUZZ_VERIFY_FAST
/* The sanitizer builds check every parked verdict: the flow's oracle is
 * rebuilt and finished the ordinary way, at the time the flow really ends,
 * and must give the same verdict. */
static void verify_parked(struct check_ctx *c, const struct flow *f, struct park_entry *e,
                          uint64_t end_usecs, const struct check_verdict *parked)
{
    struct flow_judge *j = judge_unpark(c, f, e, f->segments);
    if (!j)
        return;
    oracle_finish(j->oracle, end_usecs);
    if (!verdict_settled_as(j->oracle, parked)) {
        fprintf(stderr, "check: a parked flow's verdict differs from its oracle's at its end\n");
        abort();
    }
    judge_release(c, j);
}
#endif

/* judge_finish() of a flow that is not parked: judged now, by its live
 * oracle, the quick judge or its log replayed. */
static __attribute__((noinline)) void judge_finish_held(struct check_ctx *c, struct flow *f,
                                                        uint64_t end_usecs, enum flow_end why)
{
    struct check_verdict v;
    struct flow_judge *j = user_judge(f->user);
    if (!j->live && !j->starved)
        judge_log_sync(f, j, f->segments);
    struct oracle *o = NULL; /* the oracle that judged it, if the quick judge did not */
    if (j->live)
        o = j->oracle;
    else if (!judge_quick(c, j, &v))
        o = judge_replay(c, j);
    if (o) {
        oracle_finish(o, end_usecs);
        v = verdict_of(o);
    }
    if (c->hooks->flow)
        c->hooks->flow(c->hooks->ctx, f, &v, end_usecs, why);
    if (o && !j->live)
        judge_release_log(c, o); /* the scratch judge's */
    judge_release(c, j);
    f->user = NULL;
}

static void judge_finish(void *ctx, struct flow *f, uint64_t end_usecs, enum flow_end why)
{
    struct check_ctx *c = ctx;
    if (why == FLOW_END_EVICTED)
        c->res->evicted++;
    if (!user_parked(f->user)) {
        judge_finish_held(c, f, end_usecs, why);
        return;
    }
    /* Parked (most flows): the verdict is its entry's. This way is kept
     * short, its frame small. */
    struct park_entry *e = user_entry(f->user);
    struct check_verdict v;
    park_verdict_into(e, &v);
#if FINFUZZ_VERIFY_FAST
    verify_parked(c, f, e, end_usecs, &v);
#else
    park_drop(&c->park, e);
#endif
    f->user = NULL; /* (which the hook does not read) */
    if (c->hooks->flow)
        c->hooks->flow(c->hooks->ctx, f, &v, end_usecs, why);
}

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hand one segment to its flow and pass on what the table warns about. */
static void route_segment(const struct check_ctx *c, struct flow_table *table,
                          const struct cap_segment *cs, struct flow_lookup *l)
{
    enum flow_warn w = flows_segment_prepared(table, cs, l);
    if (w == FLOW_WARN_FULL)
        message_at(c, cs->frame,
                   "more than %zu flows at once; the least recently active are judged early "
                   "(see --max-flows)",
                   c->opt->max_flows);
    else if (w == FLOW_WARN_NOMEM)
        message_at(c, cs->frame, "out of memory for a new flow");
}

/* ---- the record pipeline ----
 *
 * Noting an ordinary segment walks a chain of dependent loads: its hash
 * bucket, its flow's first line, the flow's judge and the line of the
 * judge's log the segment goes to. With thousands of flows held (for their
 * TIME-WAIT) the first two miss the L1 cache, and the core cannot overlap
 * one record's misses with the next one's: libpcap's reading of the next
 * record (a few hundred instructions) lies between them. So a plain
 * segment (one decoded the fast way, cap_record_fast) is judged not when it
 * is read but CHECK_PIPE_DEPTH records later, and meanwhile the records
 * read after it take it a step down its chain, prefetching the next line:
 *   age 0 (just read): its key and hash; its bucket prefetched;
 *   age 1: its bucket read, the flow at its head (most often its own)
 *          prefetched;
 *   age 2: judged, as it would have been when read.
 * Each step reads the table as it is then (flows may have been created or
 * finished, and the bucket array grown, since the step before): only
 * prefetches, which are always safe, carry over from one step to the
 * next. Records are judged strictly in order: any other record (one with
 * a note, not a segment, not decoded the fast way) first has every
 * pending one judged (check_pipe_flush), and so has the end of the
 * capture, so every output is what judging each record as it is read
 * gives.
 *
 * On the bench's capture (500 flows at once, 12k held) this takes 5-6% off
 * the CPU time, and nothing off or on a capture of 20 flows at once (its
 * bookkeeping adds some 50 instructions to a record's 840 or so). A
 * third step (age 2: the flow found again, its judge's line and log line
 * prefetched; judged at age 3) gained no more there and cost 3-4% on the
 * small capture: the work it adds to every record costs as much as the
 * misses it hides. Finding the flows of 4 to 16 records at once (their
 * loads overlapped in one loop) before judging them was no faster. */
#define CHECK_PIPE_DEPTH 2
#define CHECK_PIPE_SLOTS 4 /* a power of two above CHECK_PIPE_DEPTH */
_Static_assert(CHECK_PIPE_SLOTS > CHECK_PIPE_DEPTH &&
                   (CHECK_PIPE_SLOTS & (CHECK_PIPE_SLOTS - 1)) == 0,
               "the pipe holds the pending records and the one being read");

/* A plain segment read but not judged yet (whole lines: indexing the pipe
 * is a shift). */
struct check_pending {
    _Alignas(64) struct cap_fast_segment s; /* decoded straight in here */
    /* An IPv4 segment's key (flows_key4), for the prefetches and the
     * judging. An IPv6 one is not keyed ahead (hash 0: its steps prefetch
     * the first bucket's lines, to no use but no harm either). */
    uint64_t kw[2];
    uint32_t hash;
    uint8_t src_end;
    bool v4;
};

/* What the per-record callback works with: one capture being checked. */
struct check_loop {
    struct check_ctx c; /* the flow hooks' context: the capture's name, options, hooks */
    struct cap_reader r;
    struct flow_table table;
    /* The plain segments read (pipe_read) and judged (pipe_judged) so far:
     * the pending ones are pipe[pipe_judged % CHECK_PIPE_SLOTS] on, and the
     * next record is decoded into pipe[pipe_read % CHECK_PIPE_SLOTS]. */
    struct check_pending pipe[CHECK_PIPE_SLOTS];
    unsigned pipe_read, pipe_judged;
    /* The general way's segment, and a segment's flow lookup. */
    struct cap_segment cs;
    struct flow_lookup lookup;
    /* A pending segment as an event, for an oracle that judges it live
     * (kind set once; the fields a pending segment does not hold are never
     * written, and are poisoned in the sanitizer builds). */
    struct ev live_ev;
    char note[320];
    double last_progress;
    bool progress_shown;
    bool progress; /* opt->progress */
};

static void show_progress(struct check_loop *L)
{
    if (now_secs() - L->last_progress <= 0.5)
        return;
    L->last_progress = now_secs();
    double p = cap_progress(&L->r);
    fprintf(stderr, "\r%s: %" PRIu64 " packets", L->c.name, L->r.counts.frames);
    if (p >= 0)
        fprintf(stderr, " (%.0f%%)", p * 100);
    L->progress_shown = true;
}

/* The slot of the n-th plain segment read (counting from 0). */
static inline struct check_pending *pipe_slot(struct check_loop *L, unsigned n)
{
    return &L->pipe[n & (CHECK_PIPE_SLOTS - 1)];
}

/* The rare ways: plain segment fs (a pending one) that the fast route did
 * not take, or (fs NULL) the record just read in L->cs, which is no plain
 * segment (st says what it is). */
static __attribute__((noinline)) void check_record_slow(struct check_loop *L, enum cap_status st,
                                                        const struct cap_fast_segment *fs)
{
    if (fs) {
        cap_fast_segment_expand(fs, &L->cs);
        route_segment(&L->c, &L->table, &L->cs, &L->lookup);
    } else {
        if (L->note[0])
            message(L->c.hooks, L->note);
        if (st == CAP_SEGMENT) {
            flows_lookup_of(&L->cs.ip, L->cs.seg.sport, L->cs.seg.dport, &L->lookup);
            route_segment(&L->c, &L->table, &L->cs, &L->lookup);
        }
    }
}

/* Pending segment fs, sent by ep at time_usecs (the flow's latest), as an
 * event: L->live_ev, filled. */
static struct ev *check_event_of(struct check_loop *L, const struct cap_fast_segment *fs,
                                 uint8_t ep, uint64_t time_usecs)
{
    struct ev *e = &L->live_ev;
    e->time_usecs = time_usecs;
    e->frame = fs->frame;
    e->endpoint = ep;
    cap_fast_segment_get(fs, &e->u.segment.ip, &e->u.segment.seg);
    return e;
}

/* judge_push() of pending segment fs, its event number index, sent by ep
 * at time_usecs (the flow's latest): a deferred judge's log takes it as it
 * is, with its time and frame made relative to the flow's first and its
 * sender's bit set; anything else goes by its event. */
static inline __attribute__((always_inline)) void check_push(struct check_loop *L, struct flow *f,
                                                             struct flow_judge *j, uint64_t index,
                                                             const struct cap_fast_segment *fs,
                                                             uint8_t ep, uint64_t time_usecs)
{
    uint64_t dt = time_usecs - f->first_usecs, df = fs->frame - f->first_frame;
    if (__builtin_expect(((uintptr_t)f->user & USER_DEFERRED) != 0 && index < PARK_LOG_MAX &&
                             !((dt | df) >> 32),
                         1)) {
        struct seg_record *r = &j->log.seg[index];
        *r = fs->rec;
        r->time_delta = (uint32_t)dt;
        r->frame_delta = (uint32_t)df;
        r->bits |= ep == EP_B ? SEG_RECORD_FROM_B : 0;
#if FINFUZZ_VERIFY_FAST
        /* The record is what logging the segment's event gives, and the
         * shadow oracle has the event. */
        const struct ev *e = check_event_of(L, fs, ep, time_usecs);
        struct seg_record want;
        seg_record_set(&want, e, f->first_usecs, f->first_frame);
        if (!seg_record_same(&want, r)) {
            fprintf(stderr, "check: a segment's fast log record differs from its event's\n");
            abort();
        }
        oracle_segment(j->oracle, index, e);
#endif
        return;
    }
    judge_push(&L->c, f, j, index, check_event_of(L, fs, ep, time_usecs));
}

/* Judge the oldest pending record: its flow found and noted
 * (flows_segment_fast) and the segment pushed to the flow's judge, with no
 * copy of the segment but into its log and no call but for the rare
 * ways. A segment the fast route does not take (a new flow, a SYN, ...)
 * goes the general way. */
static inline __attribute__((always_inline)) void check_judge_next(struct check_loop *L)
{
    struct check_pending *p = pipe_slot(L, L->pipe_judged++);
    const struct cap_fast_segment *fs = &p->s;
    uint8_t ep;
    struct flow *f =
        p->v4 ? flows_segment_fast_key4(&L->table, p->kw, p->hash, p->src_end, fs->frame,
                                        fs->time_usecs, &fs->rec, &L->lookup, &ep)
              : flows_segment_fast_ipv6(&L->table, &fs->ip, fs->sport, fs->dport, fs->frame,
                                        fs->time_usecs, &fs->rec, &L->lookup, &ep);
    if (__builtin_expect(!f, 0)) {
        check_record_slow(L, CAP_SEGMENT, fs);
        return;
    }
    struct flow_judge *j = judge_for_segment(&L->c, f, fs->frame);
    if (j) {
        check_push(L, f, j, f->segments - 1, fs, ep, f->last_usecs);
        if (__builtin_expect(f->closed, 0))
            judge_park(&L->c, f);
    }
}

/* Judge every pending record, in order. */
static __attribute__((noinline)) void check_pipe_flush(struct check_loop *L)
{
    while (L->pipe_judged != L->pipe_read)
        check_judge_next(L);
}

/* The pipe's steps for the records of age 0 (hash: the newest's) and 1,
 * in the table as it is now. */
static inline __attribute__((always_inline)) void check_pipe_prefetch(struct check_loop *L,
                                                                      uint32_t hash)
{
    struct flow *const *buckets = L->table.buckets;
    if (__builtin_expect(!buckets, 0))
        return;
    uint32_t mask = (uint32_t)(L->table.nbuckets - 1);
    __builtin_prefetch(&buckets[hash & mask]);
    if (L->pipe_read - L->pipe_judged > 1) {
        struct flow *f = buckets[pipe_slot(L, L->pipe_read - 2)->hash & mask];
        if (f)
            __builtin_prefetch(f);
    }
}

/* One record, as pcap_dispatch() hands it over: a plain segment goes into
 * the pipe (above), anything else goes the general way once every pending
 * record is judged. */
static void check_record(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
    struct check_loop *L = (struct check_loop *)(void *)user;
    struct check_pending *p = pipe_slot(L, L->pipe_read);
    bool in_fast;
    enum cap_status st =
        cap_record_fast(&L->r, hdr, data, &p->s, &L->cs, &in_fast, L->note, sizeof L->note);
    if (__builtin_expect(in_fast, 1)) {
        uint32_t hash = 0;
        p->v4 = p->s.ip.version == 4;
        if (__builtin_expect(p->v4, 1))
            flows_key4(&p->s.ip, p->s.sport, p->s.dport, p->kw, &hash, &p->src_end);
        p->hash = hash;
        L->pipe_read++;
        if (L->pipe_read - L->pipe_judged > CHECK_PIPE_DEPTH)
            check_judge_next(L);
        check_pipe_prefetch(L, hash);
    } else {
        check_pipe_flush(L);
        check_record_slow(L, st, NULL);
    }
    if (L->progress && (L->r.counts.frames & 0xffff) == 0)
        show_progress(L);
}

bool check_stream(FILE *fp, const char *name, const struct check_options *opt,
                  const struct check_hooks *hooks, struct check_result *res)
{
    memset(res, 0, sizeof *res);
    /* Nothing else uses the stream: stdio need not lock it (libpcap reads
     * each record with two freads, and each lock and unlock is an atomic
     * instruction, which waits for every store before it to complete). */
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    struct check_loop *L = calloc(1, sizeof *L);
    char err[320];
    if (!L) {
        fclose(fp);
        snprintf(err, sizeof err, "%s: out of memory", name);
        message(hooks, err);
        res->unreadable = true;
        return false;
    }
    if (!cap_open_stream(&L->r, fp, name, err, sizeof err)) {
        message(hooks, err);
        res->unreadable = true;
        free(L);
        return false;
    }
    if (opt->filter && !cap_set_filter(&L->r, opt->filter, err, sizeof err)) {
        message(hooks, err);
        res->unreadable = true;
        cap_close(&L->r);
        free(L);
        return false;
    }
    struct check_ctx *c = &L->c;
    c->opt = opt;
    c->hooks = hooks;
    c->res = res;
    c->name = name;
    slab_init(&c->judges, sizeof(struct flow_judge));
    slab_init(&c->oracles, ORACLE_COMPACT_BYTES);
    slab_init(&c->logs, JUDGE_LOG_BYTES);
    if (!(c->scratch = judge_get(c)) || !judge_oracle(c, c->scratch)) {
        snprintf(err, sizeof err, "%s: out of memory", name);
        message(hooks, err);
        res->unreadable = true;
        judges_free(c);
        cap_close(&L->r);
        free(L);
        return false;
    }
    oracle_init_compact(c->scratch->oracle, &opt->cfg, judge_take_log, c);
    oracle_quick_init(&c->quick, c->scratch->oracle);
    struct flow_hooks fh = {c, judge_open, judge_segment, judge_finish};
    flows_init(&L->table, &fh, check_linger_usecs(&opt->cfg), opt->max_flows);
    L->table.warm_finish = judge_warm_finish;
    L->live_ev.kind = EV_SEGMENT;
    if (FINFUZZ_VERIFY_FAST)
        cap_poison_unfilled(&L->live_ev.u.segment.ip, &L->live_ev.u.segment.seg);
    L->progress = opt->progress;
    L->last_progress = opt->progress ? now_secs() : 0;

    /* libpcap's own loop over the records (pcap_dispatch, until the end of
     * the file or a read error) costs less per record than a call to
     * pcap_next_ex for each. */
    int rc;
    while ((rc = pcap_dispatch(L->r.pcap, -1, check_record, (u_char *)L)) > 0)
        continue;
    check_pipe_flush(L);
    if (cap_dispatch_end(&L->r, rc, L->note, sizeof L->note) == CAP_ERROR) {
        message(hooks, L->note);
        res->unreadable = true;
    }
    if (L->progress_shown)
        fprintf(stderr, "\r\033[K");
    flows_finish_all(&L->table, L->table.last_usecs);
    flows_free(&L->table);
    judges_free(c);
    res->packets = L->r.counts.frames;
    res->fragments = L->r.counts.skipped[CAP_SKIP_FRAGMENT];
    res->malformed =
        L->r.counts.skipped[CAP_SKIP_MALFORMED] + L->r.counts.skipped[CAP_SKIP_SNAP_CUT];
    cap_close(&L->r);
    free(L);
    return !res->unreadable;
}

bool check_path(const char *path, const struct check_options *opt, const struct check_hooks *hooks,
                struct check_result *res)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        memset(res, 0, sizeof *res);
        char err[320];
        snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
        message(hooks, err);
        res->unreadable = true;
        return false;
    }
    /* A larger stdio buffer than the default (st_blksize, 4 KB): libpcap
     * reads each record with two small freads, and a 4 KB buffer turns a
     * large capture into one read(2) per few dozen packets. Set before any
     * I/O; freed once check_stream has closed the stream. */
    char *buf = malloc(CHECK_READ_BUFFER_BYTES);
    if (buf && setvbuf(fp, buf, _IOFBF, CHECK_READ_BUFFER_BYTES) != 0) {
        free(buf);
        buf = NULL;
    }
    bool ok = check_stream(fp, path, opt, hooks, res);
    free(buf);
    return ok;
}
