/* State-machine coverage counters, the RFC edge list and its reports.
 *
 * Read RFC 9293 §3.3.2 (Figure 5) and §3.10 (which adds the RST, ABORT and
 * user-timeout edges the figure leaves out) first. */
#include "coverage.h"

#include <string.h>

#define E(f, t, c, why)                                                                            \
    {                                                                                              \
        TCP_##f, TCP_##t, TCP_CAUSE_##c, why                                                       \
    }

static const struct cov_edge rfc_edges[] = {
    /* Opening (Figure 5, upper half). */
    E(CLOSED, LISTEN, APP_OPEN_PASSIVE, "passive OPEN"),
    E(CLOSED, SYN_SENT, APP_OPEN_ACTIVE, "active OPEN, SYN sent"),
    E(LISTEN, SYN_RECEIVED, RCV_SYN, "SYN received, SYN-ACK sent"),
    E(LISTEN, CLOSED, APP_CLOSE, "CLOSE of a listener"),
    E(LISTEN, SYN_SENT, APP_SEND_SYN, "SEND in LISTEN turns the open active"),
    E(SYN_SENT, SYN_RECEIVED, RCV_SYN, "simultaneous open"),
    E(SYN_SENT, ESTABLISHED, RCV_SYN_ACK, "SYN-ACK received"),
    E(SYN_SENT, CLOSED, APP_CLOSE, "CLOSE before the handshake"),
    E(SYN_SENT, CLOSED, RCV_RST, "connection refused (RST)"),
    E(SYN_SENT, CLOSED, TIMEOUT_RETRIES, "SYN never answered"),
    E(SYN_RECEIVED, ESTABLISHED, RCV_ACK, "ACK of our SYN"),
    E(SYN_RECEIVED, FIN_WAIT_1, APP_CLOSE, "CLOSE in SYN-RECEIVED"),
    E(SYN_RECEIVED, LISTEN, RCV_RST, "RST returns a passive open to LISTEN"),
    E(SYN_RECEIVED, CLOSED, RCV_RST, "RST after a simultaneous open"),
    E(SYN_RECEIVED, CLOSED, TIMEOUT_RETRIES, "SYN-ACK never acknowledged"),
    /* The close (Figure 5, lower half; §3.6). */
    E(ESTABLISHED, FIN_WAIT_1, APP_CLOSE, "active close, FIN sent"),
    E(ESTABLISHED, CLOSE_WAIT, RCV_FIN, "passive close, peer's FIN"),
    E(FIN_WAIT_1, FIN_WAIT_2, RCV_ACK, "our FIN acknowledged"),
    E(FIN_WAIT_1, CLOSING, RCV_FIN, "simultaneous close, FINs crossed"),
    E(FIN_WAIT_1, TIME_WAIT, RCV_FIN_ACK, "peer's FIN acknowledging ours"),
    E(FIN_WAIT_2, TIME_WAIT, RCV_FIN, "peer's FIN after ours was acknowledged"),
    E(CLOSING, TIME_WAIT, RCV_ACK, "our FIN acknowledged after crossing FINs"),
    E(TIME_WAIT, CLOSED, TIMEOUT_TIME_WAIT, "2*MSL expired"),
    E(CLOSE_WAIT, LAST_ACK, APP_CLOSE, "CLOSE after the peer's FIN"),
    E(LAST_ACK, CLOSED, RCV_ACK, "our FIN acknowledged in LAST-ACK"),
    /* RST in a synchronized state (§3.10.7.4, RFC 5961 §3). */
    E(ESTABLISHED, CLOSED, RCV_RST, "RST in ESTABLISHED"),
    E(FIN_WAIT_1, CLOSED, RCV_RST, "RST in FIN-WAIT-1"),
    E(FIN_WAIT_2, CLOSED, RCV_RST, "RST in FIN-WAIT-2"),
    E(CLOSING, CLOSED, RCV_RST, "RST in CLOSING"),
    E(TIME_WAIT, CLOSED, RCV_RST, "RST in TIME-WAIT (without RFC 1337)"),
    E(CLOSE_WAIT, CLOSED, RCV_RST, "RST in CLOSE-WAIT"),
    E(LAST_ACK, CLOSED, RCV_RST, "RST in LAST-ACK"),
    /* ABORT (§3.10.5): every state with a TCB. */
    E(LISTEN, CLOSED, APP_ABORT, "ABORT in LISTEN"),
    E(SYN_SENT, CLOSED, APP_ABORT, "ABORT in SYN-SENT"),
    E(SYN_RECEIVED, CLOSED, APP_ABORT, "ABORT in SYN-RECEIVED"),
    E(ESTABLISHED, CLOSED, APP_ABORT, "ABORT in ESTABLISHED"),
    E(FIN_WAIT_1, CLOSED, APP_ABORT, "ABORT in FIN-WAIT-1"),
    E(FIN_WAIT_2, CLOSED, APP_ABORT, "ABORT in FIN-WAIT-2"),
    E(CLOSING, CLOSED, APP_ABORT, "ABORT in CLOSING"),
    E(TIME_WAIT, CLOSED, APP_ABORT, "ABORT in TIME-WAIT"),
    E(CLOSE_WAIT, CLOSED, APP_ABORT, "ABORT in CLOSE-WAIT"),
    E(LAST_ACK, CLOSED, APP_ABORT, "ABORT in LAST-ACK"),
    /* Close with unread data resets (RFC 1122 §4.2.2.13). */
    E(ESTABLISHED, CLOSED, APP_CLOSE_UNREAD, "CLOSE with unread data, RST sent"),
    E(CLOSE_WAIT, CLOSED, APP_CLOSE_UNREAD, "CLOSE in CLOSE-WAIT with unread data"),
    /* Giving up after retransmissions (RFC 1122 §4.2.3.5, R2). */
    E(ESTABLISHED, CLOSED, TIMEOUT_RETRIES, "data never acknowledged"),
    E(FIN_WAIT_1, CLOSED, TIMEOUT_RETRIES, "FIN never acknowledged"),
    E(CLOSING, CLOSED, TIMEOUT_RETRIES, "FIN never acknowledged in CLOSING"),
    E(CLOSE_WAIT, CLOSED, TIMEOUT_RETRIES, "data never acknowledged in CLOSE-WAIT"),
    E(LAST_ACK, CLOSED, TIMEOUT_RETRIES, "FIN never acknowledged in LAST-ACK"),
    /* The optional FIN-WAIT-2 timeout (RFC 9293 §3.10.7.4 leaves it to the
     * implementation; Linux tcp_fin_timeout). */
    E(FIN_WAIT_2, CLOSED, TIMEOUT_FIN_WAIT_2, "FIN-WAIT-2 timeout"),
};

#undef E

const struct cov_edge *cov_rfc_edges(size_t *count)
{
    *count = sizeof rfc_edges / sizeof rfc_edges[0];
    return rfc_edges;
}

void cov_reset(struct coverage *c)
{
    memset(c, 0, sizeof *c);
}

unsigned cov_cause_slot(const char *cause)
{
    if (!cause)
        return 0;
    /* The model hands out tcp_cause_name()'s own pointers: compare those
     * first, names second (another stack may spell them the same way). */
    for (unsigned i = 0; i < TCP_CAUSE_COUNT; i++)
        if (cause == tcp_cause_name((enum tcp_cause)i))
            return i + 1;
    for (unsigned i = 0; i < TCP_CAUSE_COUNT; i++)
        if (!strcmp(cause, tcp_cause_name((enum tcp_cause)i)))
            return i + 1;
    return 0;
}

uint32_t cov_edge_hits(const struct coverage *c, const struct cov_edge *e)
{
    return c->edge_hits[e->from][e->to][e->cause + 1];
}

void cov_merge(struct coverage *dst, const struct coverage *src)
{
    dst->runs += src->runs;
    for (unsigned s = 0; s < TCP_STATE_COUNT; s++)
        dst->state_hits[s] += src->state_hits[s];
    for (unsigned f = 0; f < TCP_STATE_COUNT; f++)
        for (unsigned t = 0; t < TCP_STATE_COUNT; t++)
            for (unsigned k = 0; k < COV_CAUSE_SLOTS; k++)
                dst->edge_hits[f][t][k] += src->edge_hits[f][t][k];
}

static const char *slot_name(unsigned slot)
{
    return slot ? tcp_cause_name((enum tcp_cause)(slot - 1)) : "(other cause)";
}

static bool is_rfc_edge(unsigned from, unsigned to, unsigned slot)
{
    if (!slot)
        return false;
    for (size_t i = 0; i < sizeof rfc_edges / sizeof rfc_edges[0]; i++)
        if ((unsigned)rfc_edges[i].from == from && (unsigned)rfc_edges[i].to == to &&
            (unsigned)rfc_edges[i].cause + 1 == slot)
            return true;
    return false;
}

size_t cov_report(const struct coverage *c, FILE *out)
{
    size_t n_edges, reached = 0, states = 0;
    const struct cov_edge *edges = cov_rfc_edges(&n_edges);
    fprintf(out, "runs: %llu\n\nstates entered (count):\n", (unsigned long long)c->runs);
    for (unsigned s = 0; s < TCP_STATE_COUNT; s++) {
        fprintf(out, "  %-13s %10llu%s\n", tcp_state_name((enum tcp_state)s),
                (unsigned long long)c->state_hits[s], c->state_hits[s] ? "" : "   NEVER");
        states += c->state_hits[s] != 0;
    }
    fprintf(out, "\nRFC transitions (count):\n");
    for (size_t i = 0; i < n_edges; i++) {
        uint32_t h = cov_edge_hits(c, &edges[i]);
        reached += h != 0;
        fprintf(out, "  %-13s -> %-13s %-22s %10u%s\n", tcp_state_name(edges[i].from),
                tcp_state_name(edges[i].to), tcp_cause_name(edges[i].cause), h,
                h ? "" : "   NEVER");
    }
    bool header = false;
    for (unsigned f = 0; f < TCP_STATE_COUNT; f++)
        for (unsigned t = 0; t < TCP_STATE_COUNT; t++)
            for (unsigned k = 0; k < COV_CAUSE_SLOTS; k++) {
                if (!c->edge_hits[f][t][k] || is_rfc_edge(f, t, k))
                    continue;
                if (!header)
                    fprintf(out, "\nother transitions reached (not in the RFC edge list):\n");
                header = true;
                fprintf(out, "  %-13s -> %-13s %-22s %10u\n", tcp_state_name((enum tcp_state)f),
                        tcp_state_name((enum tcp_state)t), slot_name(k), c->edge_hits[f][t][k]);
            }
    fprintf(out, "\nsummary: %zu/%u states, %zu/%zu RFC transitions reached\n", states,
            (unsigned)TCP_STATE_COUNT, reached, n_edges);
    if (reached < n_edges) {
        fprintf(out, "never reached:\n");
        for (size_t i = 0; i < n_edges; i++)
            if (!cov_edge_hits(c, &edges[i]))
                fprintf(out, "  %s -> %s on %s (%s)\n", tcp_state_name(edges[i].from),
                        tcp_state_name(edges[i].to), tcp_cause_name(edges[i].cause), edges[i].name);
    }
    return n_edges - reached;
}

void cov_write_dot(const struct coverage *c, FILE *out)
{
    size_t n_edges;
    const struct cov_edge *edges = cov_rfc_edges(&n_edges);
    fprintf(out, "digraph tcp_close {\n"
                 "  rankdir=TB;\n"
                 "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (unsigned s = 0; s < TCP_STATE_COUNT; s++)
        fprintf(out, "  \"%s\" [label=\"%s\\n%llu\"%s];\n", tcp_state_name((enum tcp_state)s),
                tcp_state_name((enum tcp_state)s), (unsigned long long)c->state_hits[s],
                c->state_hits[s] ? "" : ", color=red, fontcolor=red");
    for (size_t i = 0; i < n_edges; i++) {
        uint32_t h = cov_edge_hits(c, &edges[i]);
        fprintf(out, "  \"%s\" -> \"%s\" [label=\"%s\\n%u\"%s];\n", tcp_state_name(edges[i].from),
                tcp_state_name(edges[i].to), tcp_cause_name(edges[i].cause), h,
                h ? "" : ", style=dashed, color=red, fontcolor=red");
    }
    for (unsigned f = 0; f < TCP_STATE_COUNT; f++)
        for (unsigned t = 0; t < TCP_STATE_COUNT; t++)
            for (unsigned k = 0; k < COV_CAUSE_SLOTS; k++)
                if (c->edge_hits[f][t][k] && !is_rfc_edge(f, t, k))
                    fprintf(out, "  \"%s\" -> \"%s\" [label=\"%s\\n%u\", style=dotted];\n",
                            tcp_state_name((enum tcp_state)f), tcp_state_name((enum tcp_state)t),
                            slot_name(k), c->edge_hits[f][t][k]);
    fprintf(out, "}\n");
}
