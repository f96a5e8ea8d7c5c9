/* Checking one capture: records -> TCP segments (capture.h) -> flows
 * (flows.h) -> one oracle per flow (oracle.h) -> a verdict per flow.
 *
 * `finfuzz check` prints what this reports; the pcap_check fuzz target runs
 * arbitrary bytes through the same path. Each flow is reported as soon as it
 * is finished and then freed, so memory is bounded by the flows held open. */
#ifndef FINFUZZ_CHECK_H
#define FINFUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flows.h"
#include "oracle.h"

struct check_options {
    struct oracle_config cfg; /* profile, MSL; both endpoints judged, no states reported */
    const char *filter;       /* BPF expression, or NULL */
    size_t max_flows;         /* flows held at once (0: no cap) */
    bool progress;            /* progress lines on stderr */
};

/* Defaults: oracle_config_default() judging both endpoints, no filter,
 * CHECK_MAX_FLOWS_DEFAULT flows. */
#define CHECK_MAX_FLOWS_DEFAULT 200000
void check_options_default(struct check_options *o);

/* What a flow's judgement came to: its oracle's verdict as check hands it
 * to the hooks (a flow held for TIME-WAIT keeps only this, check_park.h). */
struct check_verdict {
    enum oracle_verdict verdict;
    const char *incomplete_reason;             /* oracle_incomplete_reason() */
    const struct oracle_violation *violations; /* the ones kept ... */
    size_t nviolations;                        /* ... (at most ORACLE_MAX_VIOLATIONS) */
    size_t violations_total;                   /* all */
    struct oracle_endpoint_view view[2];       /* the inferred end states of A and B */
};

struct check_hooks {
    void *ctx;
    /* A flow was judged at capture time end_usecs (its oracle_finish time).
     * Called in the order flows end; v lives until the call returns. */
    void (*flow)(void *ctx, const struct flow *f, const struct check_verdict *v, uint64_t end_usecs,
                 enum flow_end why);
    /* A one-line message about the file ("FILE: frame N: ..."). */
    void (*message)(void *ctx, const char *msg);
};

struct check_result {
    uint64_t packets;   /* frames read */
    bool unreadable;    /* the file could not be opened or read to its end */
    uint64_t fragments; /* IP fragments skipped */
    uint64_t malformed; /* malformed or snap-cut records skipped */
    uint64_t evicted;   /* flows judged early because the table was full */
};

/* Check a capture read from fp (the checker owns fp from here on and closes
 * it) named name in messages. Returns false if it was unreadable. */
bool check_stream(FILE *fp, const char *name, const struct check_options *opt,
                  const struct check_hooks *hooks, struct check_result *res);
/* Same, opening path. */
bool check_path(const char *path, const struct check_options *opt, const struct check_hooks *hooks,
                struct check_result *res);

/* The EV_SEGMENT event for segment cs sent by endpoint ep. Capture time may
 * step back (captures are not always in order); the oracle never sees it do
 * so: *last_usecs (0 at a flow's start) keeps the flow's latest time. */
void check_segment_event(const struct cap_segment *cs, uint8_t ep, uint64_t *last_usecs,
                         struct ev *e);

/* How long a closed flow is kept for late segments: the profile's TIME-WAIT
 * (2*MSL; 60 s whatever the MSL for linux) and a quarter more (at least 1 s),
 * so that an answer from an endpoint whose TIME-WAIT should have ended is
 * still judged in its flow. */
uint64_t check_linger_usecs(const struct oracle_config *cfg);

#endif
