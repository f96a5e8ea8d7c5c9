/* Private to the oracle's own files (harness/oracle*.c): catalog indices and
 * the helpers they share. Nothing outside the oracle includes this. */
#ifndef FINFUZZ_ORACLE_IMPL_H
#define FINFUZZ_ORACLE_IMPL_H

#include "oracle.h"

/* Positions in the catalog (oracle_catalog.c); the order is stable. */
enum oracle_inv_id {
    INV_TRANSITION_LEGAL = 0,
    INV_FIN_ACK_PLUS_ONE,
    INV_ACK_WITHIN_SENT,
    INV_FIN_SEQ_STABLE,
    INV_NO_DATA_AFTER_FIN,
    INV_STATE_MATCHES_WIRE,
    INV_TIME_WAIT_DURATION,
    INV_TIME_WAIT_REUSE,
    INV_RST_VALIDATION,
    INV_CLOSED_SILENCE,
    INV_FIN_RETRANSMIT,
    INV_HALF_CLOSE_DELIVERY,
    INV_NO_FIN_BEFORE_HANDSHAKE,
    INV_WINDOW_RESPECTED,
    INV_ACK_MONOTONIC,
    INV_RST_IN_TIME_WAIT,
    INV_COUNT
};

const struct oracle_invariant *oracle_inv(enum oracle_inv_id id);

/* Fill the rules a profile accepts (oracle_profiles.c). */
void oracle_rules_for(enum oracle_profile p, uint64_t msl_usecs, struct oracle_rules *out);

/* Record a violation (oracle.c). expected/seen may be NULL; msg is printf-like. */
void oracle_report(struct oracle *o, enum oracle_inv_id id, uint64_t index, uint64_t frame,
                   uint8_t endpoint, const char *expected, const char *seen, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Mark the verdict incomplete (the first reason is kept). */
void oracle_mark_incomplete(struct oracle *o, const char *why);

/* The observer (oracle_observer.c). */
void oracle_observe_segment(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_drop(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_state(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_app(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_clock(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_finish(struct oracle *o, uint64_t end_usecs);

/* Whether the source of this segment is a capture (it may have missed
 * packets) rather than a simulation that sees everything. */
static inline bool oracle_from_capture(const struct ev *e)
{
    return e->frame != 0;
}

#endif
