/* The oracle: one invariant checker for fuzzing, captures and live stacks.
 *
 * It consumes an event stream (event.h) and never looks inside a stack. For
 * sources that report states it checks them against what the wire shows
 * (state-matches-wire); for sources that do not (captures, the Linux kernel)
 * it infers each endpoint's close state from the wire with an observer model.
 * One struct oracle judges one connection incarnation (one flow).
 *
 * No allocation: struct oracle is fixed-size and lives wherever the caller
 * puts it; oracle_init() resets it in O(1) (fuzzing calls it per input). */
#ifndef FINFUZZ_ORACLE_H
#define FINFUZZ_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Accepted deviations of real stacks. */
enum oracle_profile {
    PROFILE_RFC9293 = 0, /* strict RFC 9293 (+ RFC 5961); the default */
    PROFILE_RFC1337,     /* as rfc9293, and RST in TIME-WAIT must be ignored */
    PROFILE_LINUX,       /* TIME-WAIT 60 s whatever the MSL; RST ends TIME-WAIT
                            (tcp_rfc1337=0); orphaned FIN-WAIT-2 times out */
    PROFILE_LWIP,        /* lwIP 2.1 behaviour (see oracle_profiles.c) */
    PROFILE_COUNT
};

/* "rfc9293", "rfc1337", "linux", "lwip". */
const char *oracle_profile_name(enum oracle_profile p);
/* Parse a profile name; returns false if unknown. */
bool oracle_profile_parse(const char *name, enum oracle_profile *out);

struct oracle_config {
    enum oracle_profile profile;
    uint64_t msl_usecs;         /* TIME-WAIT is 2*MSL (the linux profile uses 60 s) */
    uint64_t timer_slack_usecs; /* timer granularity accepted around deadlines */
    bool judge[2];              /* which endpoints are under test (A, B); an
                                   untested endpoint (a fuzzer-driven peer) is
                                   observed but never blamed */
    bool states_reported[2];    /* the source reports this endpoint's states */
    /* A FIN-WAIT-2 timeout the system under test was configured with (RFC
     * 9293 leaves it to the implementation): a timeout after at least this
     * long is accepted. 0: only what the profile accepts. */
    uint64_t fin_wait_2_timeout_usecs;
};

/* Defaults: rfc9293, MSL 120 s (a capture's stacks may use less, so captures
 * are checked with what the profile says), slack 10 ms, both judged, no
 * states reported. */
void oracle_config_default(struct oracle_config *cfg);

/* One entry of the invariant catalog. */
struct oracle_invariant {
    const char *id;        /* stable: "fin-ack-plus-one" */
    const char *rfc;       /* "RFC 9293 §3.10.7.4" */
    const char *statement; /* one line */
};

/* The whole catalog, in a stable order. */
const struct oracle_invariant *oracle_catalog(size_t *count);
/* Look an id up; NULL if unknown. */
const struct oracle_invariant *oracle_invariant_find(const char *id);

struct oracle_violation {
    const struct oracle_invariant *inv;
    uint64_t event_index; /* index of the event that broke it */
    uint64_t frame;       /* pcap frame (1-based), 0 when none */
    uint8_t endpoint;     /* EP_A/EP_B: the endpoint blamed */
    char expected[64];
    char seen[64];
    char message[160]; /* one line a person understands */
};

enum oracle_verdict {
    VERDICT_PASS = 0,   /* the close was seen and conforms */
    VERDICT_FAIL,       /* at least one violation */
    VERDICT_INCOMPLETE, /* no violation, but the wire did not show enough */
};

const char *oracle_verdict_name(enum oracle_verdict v); /* "pass", "fail", "incomplete" */

#define ORACLE_MAX_VIOLATIONS 16

/* The observer's inference for one endpoint. */
struct oracle_endpoint_view {
    enum tcp_state state; /* inferred close state */
    bool state_known;     /* false until the wire shows enough */
};

struct oracle; /* defined below; treat its members as private */

void oracle_init(struct oracle *o, const struct oracle_config *cfg);
/* Judge one event; index is its position in the stream. */
void oracle_push(struct oracle *o, uint64_t index, const struct ev *e);
/* The stream has ended at end_usecs (capture end or virtual time). Checks
 * what can only be judged at the end (liveness within what time allowed). */
void oracle_finish(struct oracle *o, uint64_t end_usecs);

enum oracle_verdict oracle_verdict(const struct oracle *o);
/* Violations recorded so far (at most ORACLE_MAX_VIOLATIONS are kept;
 * oracle_violation_total() counts all). */
const struct oracle_violation *oracle_violations(const struct oracle *o, size_t *count);
size_t oracle_violation_total(const struct oracle *o);
/* The observer's inferred state of an endpoint. */
struct oracle_endpoint_view oracle_view(const struct oracle *o, enum ev_endpoint ep);

/* An ev_sink that feeds o. */
struct ev_sink oracle_sink(struct oracle *o);

/* --- Additions (after the first version of this header) --- */

/* Why the verdict is "incomplete" (one line), or NULL when it is not. */
const char *oracle_incomplete_reason(const struct oracle *o);

/* The ISN the oracle took for ep's current incarnation (from its SYN);
 * false when no SYN of it was seen. Printers use it for relative numbers. */
bool oracle_isn(const struct oracle *o, enum ev_endpoint ep, uint32_t *isn);

/* The state the source last reported for ep; false if it never reported one. */
bool oracle_reported_state(const struct oracle *o, enum ev_endpoint ep, enum tcp_state *out);

/* time-wait-reuse across incarnations (RFC 1122 4.2.2.13, RFC 6191): the flow
 * tracker calls this when the SYN at `index` (syn->endpoint is its sender)
 * opened a new incarnation on old's 4-tuple, i.e. it was answered with a
 * SYN-ACK. If the other endpoint of `old` was still in TIME-WAIT (within the
 * profile's duration) and the SYN's ISN is not above the old sequence space
 * (and its timestamp, if any, is not newer than the last one seen), a
 * time-wait-reuse violation is recorded on `old`, blaming the endpoint that
 * accepted it. Returns true when the reuse conforms. The same judgment is
 * made inside one oracle when its stream itself shows a SYN answered by a
 * SYN-ACK after the close. */
bool oracle_judge_reuse(struct oracle *old, uint64_t index, const struct ev *syn);

/* struct oracle_config has one member more than its first version, at its
 * end: fin_wait_2_timeout_usecs (see there). */

/* Which invariant ids a profile relaxes or adds, one line (for reports). */
const char *oracle_profile_summary(enum oracle_profile p);

/* A compact oracle: one that holds no violation log of its own, for a
 * caller that keeps many at once (most never break an invariant, and the
 * log is most of an oracle's size). Its memory need only be
 * ORACLE_COMPACT_BYTES long (with struct oracle's alignment), and nothing
 * may copy it as a whole struct oracle. At its first violation it calls
 * take_log(ctx) for room for ORACLE_MAX_VIOLATIONS violations (a NULL
 * answer keeps only the counts); oracle_release_log() hands that room back.
 * Otherwise it behaves exactly as oracle_init() makes it. */
void oracle_init_compact(struct oracle *o, const struct oracle_config *cfg,
                         struct oracle_violation *(*take_log)(void *ctx), void *ctx);
#define ORACLE_COMPACT_BYTES offsetof(struct oracle, violations_own)
/* The log room a compact oracle took (NULL if none); it has none after. */
struct oracle_violation *oracle_release_log(struct oracle *o);

/* After oracle_finish(): whether its judgement depended on the end time it
 * was given (a FIN still waiting for its ACK, an answer owed, a reported
 * TIME-WAIT). When it did not, finishing the same events at any later time
 * gives the same verdict, violations and views: the checker judges a closed
 * flow when it closes and holds only that verdict for TIME-WAIT. */
bool oracle_end_judged(const struct oracle *o);

/* Whether a and b (compact or not) are the same oracle: equal state, bytes
 * for bytes (oracle_init clears all of it, padding too), and the same
 * violations kept, wherever each keeps its log. The checker's sanitizer
 * builds compare an oracle rebuilt from a flow's segments with the one
 * given them live. */
bool oracle_same(const struct oracle *a, const struct oracle *b);

/* struct oracle: see oracle_state.h (private; here so callers can embed it). */
#include "oracle_state.h"

#endif
