/* The trace printer (see trace.h): tcpdump-like lines with relative
 * sequence numbers, each endpoint's state, and violations under the event
 * that broke them. */
#include "trace.h"

#include <inttypes.h>

void trace_init(struct trace_printer *p, FILE *out, const struct oracle *oracle)
{
    *p = (struct trace_printer){.out = out, .oracle = oracle};
}

static char ep_name(unsigned ep)
{
    return (ep & 1u) ? 'B' : 'A';
}

/* "FIN-WAIT-1" (reported), "~FIN-WAIT-1" (inferred) or "?". */
static const char *state_label(const struct trace_printer *p, unsigned ep, char *buf, size_t cap)
{
    if (!p->oracle) {
        snprintf(buf, cap, "?");
        return buf;
    }
    enum tcp_state st;
    if (oracle_reported_state(p->oracle, (enum ev_endpoint)ep, &st)) {
        snprintf(buf, cap, "%s", tcp_state_name(st));
        return buf;
    }
    struct oracle_endpoint_view v = oracle_view(p->oracle, (enum ev_endpoint)ep);
    if (v.state_known)
        snprintf(buf, cap, "~%s", tcp_state_name(v.state));
    else
        snprintf(buf, cap, "?");
    return buf;
}

static void print_states(struct trace_printer *p)
{
    char a[24], b[24];
    fprintf(p->out, "  | A %-13s B %s\n", state_label(p, EP_A, a, sizeof a),
            state_label(p, EP_B, b, sizeof b));
}

static void learn_bases(struct trace_printer *p, unsigned ep, const struct seg *g)
{
    /* The oracle knows each side's ISN (it follows new incarnations and
     * ignores junk SYNs): use it when it has one. */
    if (p->oracle) {
        uint32_t isn;
        for (unsigned i = 0; i < 2; i++)
            if (oracle_isn(p->oracle, (enum ev_endpoint)i, &isn)) {
                p->base[i] = isn;
                p->base_known[i] = true;
            }
        if (p->base_known[0] && p->base_known[1])
            return;
    }
    bool syn = g->flags & TCP_SYN, ack = g->flags & TCP_ACK;
    if (syn && ack && (!p->base_known[ep ^ 1u] || p->base[ep ^ 1u] != g->ack - 1)) {
        /* A SYN-ACK for a SYN we did not take as the base: a new
         * incarnation, so both bases move. */
        p->base[ep ^ 1u] = g->ack - 1;
        p->base_known[ep ^ 1u] = true;
        p->base[ep] = g->seq;
        p->base_known[ep] = true;
    } else if (syn && !p->base_known[ep]) {
        p->base[ep] = g->seq;
        p->base_known[ep] = true;
    } else if (!p->base_known[ep]) {
        /* Mid-connection: the first seq seen counts as the ISN + 1. */
        p->base[ep] = g->seq - 1;
        p->base_known[ep] = true;
    }
    if (ack && !p->base_known[ep ^ 1u]) {
        p->base[ep ^ 1u] = g->ack - 1;
        p->base_known[ep ^ 1u] = true;
    }
}

static void print_violations(struct trace_printer *p, uint64_t index, bool at_end)
{
    if (!p->oracle)
        return;
    size_t n;
    const struct oracle_violation *v = oracle_violations(p->oracle, &n);
    for (; p->violations_printed < n; p->violations_printed++) {
        const struct oracle_violation *x = &v[p->violations_printed];
        char where[48] = "";
        if (at_end || x->event_index != index)
            snprintf(where, sizeof where, " [event %" PRIu64 "%s]", x->event_index,
                     at_end ? ", judged at the end" : "");
        char frame[32] = "";
        if (x->frame)
            snprintf(frame, sizeof frame, " frame %" PRIu64, x->frame);
        fprintf(p->out, "        ^^ VIOLATION %s (%s) by %c%s%s: %s", x->inv->id, x->inv->rfc,
                ep_name(x->endpoint), frame, where, x->message);
        if (x->expected[0] || x->seen[0])
            fprintf(p->out, "; expected %s, seen %s", x->expected, x->seen);
        fputc('\n', p->out);
    }
}

void trace_push(struct trace_printer *p, uint64_t index, const struct ev *e)
{
    if (!p->t0_known) {
        p->t0_known = true;
        p->t0_usecs = e->time_usecs;
    }
    if (!p->header_printed) {
        p->header_printed = true;
        fprintf(p->out, "%4s %11s  %-7s%-6s%-38s  | %s\n", "#", "time (s)", "dir", "flags",
                "seq/ack relative to each side's ISN", "states after it (~ inferred)");
    }
    uint64_t t = e->time_usecs >= p->t0_usecs ? e->time_usecs - p->t0_usecs : 0;
    fprintf(p->out, "%4" PRIu64 " %4" PRIu64 ".%06" PRIu64 "  ", index, t / 1000000, t % 1000000);
    unsigned ep = e->endpoint & 1u;
    switch (e->kind) {
    case EV_SEGMENT: {
        const struct seg *g = &e->u.segment.seg;
        learn_bases(p, ep, g);
        char fl[16];
        char body[96];
        int n = snprintf(body, sizeof body, "seq %" PRIu32, g->seq - p->base[ep]);
        if (g->flags & TCP_ACK)
            n += snprintf(body + n, sizeof body - (size_t)n, " ack %" PRIu32,
                          g->ack - p->base[ep ^ 1u]);
        snprintf(body + n, sizeof body - (size_t)n, " win %u len %" PRIu32, g->window,
                 g->payload_len);
        fprintf(p->out, "%c > %c  %-5s %-38s", ep_name(ep), ep_name(ep ^ 1u),
                seg_flags_str(g->flags, fl), body);
        if (e->frame)
            fprintf(p->out, " (frame %" PRIu64 ")", e->frame);
        print_states(p);
        break;
    }
    case EV_DROP:
        fprintf(p->out, "-- event %" PRIu64 " was lost in the network (never arrived)\n",
                e->u.drop.index);
        break;
    case EV_STATE:
        fprintf(p->out, "%c: %s -> %s", ep_name(ep), tcp_state_name(e->u.state.from),
                tcp_state_name(e->u.state.to));
        if (e->u.state.cause && e->u.state.cause[0])
            fprintf(p->out, " (%s)", e->u.state.cause);
        fputc('\n', p->out);
        break;
    case EV_APP:
        fprintf(p->out, "%c: application %s", ep_name(ep), ev_app_call_name(e->u.app.call));
        if (e->u.app.call == APP_SEND || e->u.app.call == APP_RECV)
            fprintf(p->out, " %" PRIu32 " -> %" PRIu32 " bytes", e->u.app.len, e->u.app.done);
        fputc('\n', p->out);
        break;
    case EV_CLOCK:
        fprintf(p->out, "clock\n");
        break;
    default:
        fprintf(p->out, "unknown event kind %d\n", (int)e->kind);
        break;
    }
    print_violations(p, index, false);
}

static void trace_sink_push(void *ctx, uint64_t index, const struct ev *e)
{
    trace_push(ctx, index, e);
}

struct ev_sink trace_sink(struct trace_printer *p)
{
    return (struct ev_sink){.ctx = p, .push = trace_sink_push};
}

void trace_finish(struct trace_printer *p)
{
    if (!p->oracle)
        return;
    print_violations(p, 0, true);
    enum oracle_verdict v = oracle_verdict(p->oracle);
    size_t total = oracle_violation_total(p->oracle);
    fprintf(p->out, "verdict: %s (profile %s)", oracle_verdict_name(v),
            oracle_profile_name(p->oracle->cfg.profile));
    if (v == VERDICT_FAIL)
        fprintf(p->out, ", %zu violation%s", total, total == 1 ? "" : "s");
    else if (v == VERDICT_INCOMPLETE && oracle_incomplete_reason(p->oracle))
        fprintf(p->out, ": %s", oracle_incomplete_reason(p->oracle));
    fputc('\n', p->out);
}
