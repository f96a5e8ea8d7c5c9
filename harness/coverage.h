/* State-machine coverage: which states and transitions runs reached.
 *
 * The driver (driver.h) counts every state a system under test reports and
 * every (from, to, cause) transition. `finfuzz coverage` compares the counts
 * with the RFC's edges listed here and draws the diagram with hit counts.
 * The counters are cumulative (many runs add up); nothing here allocates. */
#ifndef FINFUZZ_COVERAGE_H
#define FINFUZZ_COVERAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../stack/tcp.h"

/* Cause slots: 0 is "a cause string the model does not name" (lwIP's own
 * words, say), 1 + tcp_cause for the model's causes. */
#define COV_CAUSE_SLOTS (TCP_CAUSE_COUNT + 1)

struct coverage {
    uint64_t runs;                        /* programs run */
    uint64_t state_hits[TCP_STATE_COUNT]; /* times each state was entered */
    uint32_t edge_hits[TCP_STATE_COUNT][TCP_STATE_COUNT][COV_CAUSE_SLOTS];
};

/* One edge the RFC defines: Figure 5 of RFC 9293 plus the RST, ABORT and
 * timeout edges its text (§3.10) and RFC 5961/RFC 1122 define. */
struct cov_edge {
    enum tcp_state from, to;
    enum tcp_cause cause;
    const char *name; /* "FIN-WAIT-1 -> CLOSING on rcv-fin (simultaneous close)" */
};

/* The RFC edges, in a stable order. */
const struct cov_edge *cov_rfc_edges(size_t *count);

/* Zero the counters (once, not per run). */
void cov_reset(struct coverage *c);

/* Cause slot of a cause string: 1 + the tcp_cause whose name it is, else 0. */
unsigned cov_cause_slot(const char *cause);

/* Record one transition. */
static inline void cov_note(struct coverage *c, enum tcp_state from, enum tcp_state to,
                            unsigned cause_slot)
{
    if ((unsigned)from < TCP_STATE_COUNT && (unsigned)to < TCP_STATE_COUNT &&
        cause_slot < COV_CAUSE_SLOTS) {
        c->state_hits[to]++;
        c->edge_hits[from][to][cause_slot]++;
    }
}

/* Hits of one RFC edge. */
uint32_t cov_edge_hits(const struct coverage *c, const struct cov_edge *e);

/* Add src's counts into dst. */
void cov_merge(struct coverage *dst, const struct coverage *src);

/* A human report: states with counts, transitions reached with counts
 * (RFC edges first, then any other, marked), RFC edges never reached by
 * name. Returns the number of RFC edges never reached. */
size_t cov_report(const struct coverage *c, FILE *out);

/* The state diagram as Graphviz DOT: RFC edges drawn solid with their hit
 * counts (never-reached ones dashed red), other reached transitions dotted. */
void cov_write_dot(const struct coverage *c, FILE *out);

#endif
