/* The quick judge: the verdict of a whole short stream of segments whose
 * every segment takes one of the oracle's fast paths (oracle_fast.c),
 * reached without building the oracle.
 *
 * A fast-path segment can break no invariant and changes only what its
 * *_apply() function assigns; whether the next segment takes a fast path
 * too depends on a few dozen of the oracle's fields, and while every
 * segment took one, most of those follow from the two endpoints' states.
 * This keeps the states and the few numbers that do not follow (40 bytes,
 * against the oracle's 1.6 KB), makes the same tests on them, and gives up
 * at the first segment that would not take a fast path. A stream it judges to the end has no
 * violation; at its end nothing is judged that depends on the end time unless a FIN is still
 * unacknowledged (the only end-time judgement a fast-path stream can
 * reach), where it gives up too. So its verdict is "pass", with each
 * endpoint's inferred state as the oracle infers it.
 *
 * finfuzz check judges each short closed flow from its segment log
 * (check.c): this first, the oracle only if this gives up. The sanitizer
 * builds (FINFUZZ_VERIFY_FAST) check every verdict given here against the
 * oracle's. Whoever changes a fast path's preconditions or updates must
 * change them here too. */
#ifndef FINFUZZ_ORACLE_QUICK_H
#define FINFUZZ_ORACLE_QUICK_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "oracle.h"
#include "seg_record.h"

/* The quick judge's whole state: what of the oracle decides, while every
 * segment so far took a fast path, whether the next one takes one too
 * (oracle_quick.c says why nothing else does). Each array is indexed by
 * endpoint (EP_A, EP_B). */
struct oracle_quick {
    /* Each endpoint's inferred state: an enum tcp_state, or
     * ORACLE_QUICK_UNKNOWN or ORACLE_QUICK_OFF (below). */
    uint8_t inf[2];
    /* Its windows' scale (the shift of RFC 7323 §2.3) once the SYN-ACK
     * was taken; before, the first SYN's offer (ORACLE_QUICK_NO_OFFER
     * when it offered none). */
    uint8_t wscale[2];
    uint32_t snd_max[2];   /* what it sent, which also arrived contiguously */
    uint32_t wnd_right[2]; /* the right edge of the window it advertised */
    /* Until when the endpoint in TIME-WAIT may answer (the oracle's
     * tw_restart_usecs + time_wait_usecs + timer_slack_usecs). */
    uint64_t tw_answer_until_usecs;
    uint64_t tw_wait_usecs; /* the profile's time_wait_usecs + timer_slack_usecs */
};
enum {
    ORACLE_QUICK_UNKNOWN = TCP_STATE_COUNT, /* inf: no segment taken yet */
    ORACLE_QUICK_OFF,                       /* inf: no fast path applies in this configuration */
    ORACLE_QUICK_STATES,                    /* how many values inf takes */
    ORACLE_QUICK_NO_OFFER = 0xff,           /* wscale: the first SYN offered no scale */
};

/* A quick judge for the streams an oracle initialised like o judges. */
void oracle_quick_init(struct oracle_quick *q, const struct oracle *o);

/* The stream's next n segments, r[0] first (their times relative to any
 * one base, the same for the whole stream): false, having given up, at the
 * first the oracle would not take by a fast path. */
bool oracle_quick_run(struct oracle_quick *q, const struct seg_record *r, unsigned n);

/* The stream has ended: true, with each endpoint's view, when the oracle,
 * finished at any time from the latest segment's on, passes it without
 * having judged anything by that time (oracle_end_judged()). */
bool oracle_quick_end(const struct oracle_quick *q, struct oracle_endpoint_view view[2]);

#endif
