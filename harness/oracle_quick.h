/* The quick judge: the verdict of a whole short stream of segments whose
 * every segment takes one of the oracle's fast paths (oracle_fast.c),
 * reached without building the oracle.
 *
 * A fast-path segment can break no invariant and changes only what its
 * *_apply() function assigns; whether the next segment takes a fast path
 * too depends on a few dozen of the oracle's fields. This keeps exactly
 * those (about 90 bytes, against the oracle's 1.6 KB), makes the same
 * tests, and gives up at the first segment that would not take a fast
 * path. A stream it judges to the end has no violation; at its end nothing
 * is judged that depends on the end time unless a FIN is still
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

/* What the fast paths read of one endpoint, as struct oracle_side has it
 * (isn_known is syn_sent: only a SYN's fast path sets either), less what
 * only tests that always pass here read (oracle_quick.c). */
struct oracle_quick_side {
    uint64_t tw_restart_usecs;
    uint32_t isn, contig_end, snd_max, wnd_right;
    uint8_t inf; /* an enum tcp_state */
    uint8_t wscale;
    bool inf_known, sent_any, syn_sent, wnd_known, wscale_offered;
    bool fin_sent, fin_acked, peer_fin_confirmed, last_peer_had_ack, tw_ack_sent;
};

struct oracle_quick {
    struct oracle_quick_side side[2];
    uint64_t time_wait_usecs; /* the profile's rules, as the oracle has them */
    uint64_t slack_usecs;
    bool tw_restart_on_any_ack;
    bool usable; /* the oracle's configuration lets its fast paths apply */
    bool started;
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
