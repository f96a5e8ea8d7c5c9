/* The oracle's frame: configuration, the event dispatch, the violation log
 * and the verdict. The judging itself lives in oracle_observer.c.
 *
 * Read RFC 9293 §3.6 and §3.10.7 first. oracle_init() must stay O(1): a fuzz
 * target calls it for every input, so it clears only the small per-endpoint
 * records and never the violation array. A compact oracle (check.c holds
 * thousands) has no array of its own and borrows one at its first
 * violation. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oracle_fast.h"
#include "oracle_impl.h"

void oracle_config_default(struct oracle_config *cfg)
{
    *cfg = (struct oracle_config){
        .profile = PROFILE_RFC9293,
        .msl_usecs = 120ull * 1000 * 1000,
        .timer_slack_usecs = 10ull * 1000,
        .judge = {true, true},
        .states_reported = {false, false},
    };
}

/* Everything but where the violation log is. All of the compact memory is
 * cleared, padding too, so that two oracles given the same events are the
 * same bytes (check.c rebuilds parked flows' oracles and compares). */
static void oracle_reset(struct oracle *o, const struct oracle_config *cfg)
{
    memset(o, 0, ORACLE_COMPACT_BYTES);
    o->cfg = *cfg;
    oracle_rules_for(cfg->profile, cfg->msl_usecs, &o->rules);
    if (cfg->fin_wait_2_timeout_usecs &&
        (!o->rules.fin_wait_2_timeout_usecs ||
         cfg->fin_wait_2_timeout_usecs < o->rules.fin_wait_2_timeout_usecs))
        o->rules.fin_wait_2_timeout_usecs = cfg->fin_wait_2_timeout_usecs;
    if (o->rules.timer_granularity_usecs > o->cfg.timer_slack_usecs)
        o->cfg.timer_slack_usecs = o->rules.timer_granularity_usecs;
    o->fast_config = cfg->judge[EP_A] && cfg->judge[EP_B] && !cfg->states_reported[EP_A] &&
                     !cfg->states_reported[EP_B];
}

void oracle_init(struct oracle *o, const struct oracle_config *cfg)
{
    oracle_reset(o, cfg);
    o->violations = o->violations_own;
    o->take_log = NULL;
    o->take_log_ctx = NULL;
}

void oracle_init_compact(struct oracle *o, const struct oracle_config *cfg,
                         struct oracle_violation *(*take_log)(void *ctx), void *ctx)
{
    oracle_reset(o, cfg);
    o->violations = NULL;
    o->take_log = take_log;
    o->take_log_ctx = ctx;
}

struct oracle_violation *oracle_release_log(struct oracle *o)
{
    struct oracle_violation *log = o->take_log ? o->violations : NULL;
    if (o->take_log)
        o->violations = NULL;
    return log;
}

void oracle_report(struct oracle *o, enum oracle_inv_id id, uint64_t index, uint64_t frame,
                   uint8_t endpoint, const char *expected, const char *seen, const char *fmt, ...)
{
    /* An endpoint that is not under test (a fuzzer-driven peer) is observed
     * but never blamed. */
    if (!oracle_blames(o, endpoint))
        return;
    o->violation_total++;
    if (o->violation_count >= ORACLE_MAX_VIOLATIONS)
        return;
    if (!o->violations && (!o->take_log || !(o->violations = o->take_log(o->take_log_ctx))))
        return; /* a compact oracle that got no room: the counts go on */
    struct oracle_violation *v = &o->violations[o->violation_count++];
    v->inv = oracle_inv(id);
    v->event_index = index;
    v->frame = frame;
    v->endpoint = endpoint;
    snprintf(v->expected, sizeof v->expected, "%s", expected ? expected : "");
    snprintf(v->seen, sizeof v->seen, "%s", seen ? seen : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
}

void oracle_mark_incomplete(struct oracle *o, const char *why)
{
    if (!o->incomplete) {
        o->incomplete = true;
        o->incomplete_why = why;
    }
}

void oracle_push(struct oracle *o, uint64_t index, const struct ev *e)
{
    if (e->kind == EV_SEGMENT) {
        /* Almost every event of a capture (oracle_fast.c). */
        oracle_segment(o, index, e);
        return;
    }
    if (e->time_usecs > o->last_usecs)
        o->last_usecs = e->time_usecs;
    o->last_index = index;
    switch (e->kind) {
    case EV_SEGMENT:
        break;
    case EV_DROP:
        oracle_observe_drop(o, index, e);
        break;
    case EV_STATE:
        oracle_observe_state(o, index, e);
        break;
    case EV_APP:
        oracle_observe_app(o, index, e);
        break;
    case EV_CLOCK:
        oracle_observe_clock(o, index, e);
        break;
    }
}

void oracle_finish(struct oracle *o, uint64_t end_usecs)
{
    if (o->finished)
        return;
    o->finished = true;
    if (end_usecs < o->last_usecs)
        end_usecs = o->last_usecs;
    oracle_observe_finish(o, end_usecs);
}

enum oracle_verdict oracle_verdict(const struct oracle *o)
{
    if (o->violation_total > 0)
        return VERDICT_FAIL;
    if (o->incomplete || !o->started)
        return VERDICT_INCOMPLETE;
    return VERDICT_PASS;
}

const char *oracle_incomplete_reason(const struct oracle *o)
{
    if (o->violation_total > 0)
        return NULL;
    if (!o->started)
        return "no segment seen";
    return o->incomplete ? o->incomplete_why : NULL;
}

const struct oracle_violation *oracle_violations(const struct oracle *o, size_t *count)
{
    /* A compact oracle that got no log room (or needed none) lists none. */
    static const struct oracle_violation none[1];
    if (count)
        *count = o->violations ? o->violation_count : 0;
    return o->violations ? o->violations : none;
}

size_t oracle_violation_total(const struct oracle *o)
{
    return o->violation_total;
}

bool oracle_same(const struct oracle *a, const struct oracle *b)
{
    if (memcmp(a, b, offsetof(struct oracle, violations)) != 0 ||
        (a->violations == NULL) != (b->violations == NULL) || a->take_log != b->take_log)
        return false;
    /* The log: each kept violation's fields (the text after a message's
     * end is whatever a reused log held). */
    for (size_t k = 0; a->violations && k < a->violation_count; k++) {
        const struct oracle_violation *x = &a->violations[k], *y = &b->violations[k];
        if (x->inv != y->inv || x->event_index != y->event_index || x->frame != y->frame ||
            x->endpoint != y->endpoint || strcmp(x->expected, y->expected) != 0 ||
            strcmp(x->seen, y->seen) != 0 || strcmp(x->message, y->message) != 0)
            return false;
    }
    return true;
}

bool oracle_end_judged(const struct oracle *o)
{
    return o->end_judged;
}

struct oracle_endpoint_view oracle_view(const struct oracle *o, enum ev_endpoint ep)
{
    const struct oracle_side *s = &o->side[ep == EP_B ? EP_B : EP_A];
    return (struct oracle_endpoint_view){.state = s->inf, .state_known = s->inf_known};
}

bool oracle_reported_state(const struct oracle *o, enum ev_endpoint ep, enum tcp_state *out)
{
    const struct oracle_side *s = &o->side[ep == EP_B ? EP_B : EP_A];
    if (s->rep_known && out)
        *out = s->rep;
    return s->rep_known;
}

static void oracle_sink_push(void *ctx, uint64_t index, const struct ev *e)
{
    oracle_push(ctx, index, e);
}

struct ev_sink oracle_sink(struct oracle *o)
{
    return (struct ev_sink){.ctx = o, .push = oracle_sink_push};
}
