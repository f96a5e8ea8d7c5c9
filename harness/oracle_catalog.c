/* The invariant catalog: stable ids, RFC sections, one-line statements.
 *
 * Read RFC 9293 §3.3.2, §3.6 and §3.10.7 first, then RFC 5961 (RST and SYN
 * validation), RFC 1337 (TIME-WAIT assassination), RFC 1122 4.2.2.13 and
 * RFC 6191 (TIME-WAIT reuse). The ids are part of finfuzz's interface:
 * reports, JSON output and regression file names use them, so an id never
 * changes once published; new invariants go at the end. */
#include <string.h>

#include "oracle_impl.h"

static const struct oracle_invariant catalog[INV_COUNT] = {
    [INV_TRANSITION_LEGAL] = {"transition-legal", "RFC 9293 §3.3.2 (Figure 5)",
                              "every reported state change is an edge of Figure 5 or an "
                              "RST/abort/timeout edge the RFC text defines, from the state "
                              "last reported"},
    [INV_FIN_ACK_PLUS_ONE] = {"fin-ack-plus-one", "RFC 9293 §3.10.7.4",
                              "the ACK of a FIN carries ack = FIN.seq + 1 (the FIN occupies "
                              "one sequence number after the data)"},
    [INV_ACK_WITHIN_SENT] = {"ack-within-sent", "RFC 9293 §3.10.7.4",
                             "no ACK acknowledges sequence space the peer never sent "
                             "(SEG.ACK =< SND.NXT of the peer)"},
    [INV_FIN_SEQ_STABLE] = {"fin-seq-stable", "RFC 9293 §3.6, §3.10.4",
                            "a FIN occupies one sequence number forever: a retransmitted FIN "
                            "keeps its seq and no second FIN appears at another seq"},
    [INV_NO_DATA_AFTER_FIN] = {"no-data-after-fin", "RFC 9293 §3.10.4",
                               "after CLOSE nothing new is sent: no data at or beyond one's "
                               "own FIN"},
    [INV_STATE_MATCHES_WIRE] = {"state-matches-wire", "RFC 9293 §3.3.2, §3.6",
                                "a reported state agrees with the wire (FIN-WAIT-2: our FIN "
                                "was acknowledged; CLOSE-WAIT: the peer's FIN arrived; ...)"},
    [INV_TIME_WAIT_DURATION] = {"time-wait-duration", "RFC 9293 §3.10.7.4, §3.10.8",
                                "TIME-WAIT lasts 2*MSL within the timer slack, restarts when "
                                "a retransmitted FIN arrives, and that FIN is re-ACKed"},
    [INV_TIME_WAIT_REUSE] = {"time-wait-reuse", "RFC 1122 §4.2.2.13, RFC 6191 §2",
                             "a SYN accepted in TIME-WAIT (before 2*MSL) has an ISN above the "
                             "old sequence space or a newer timestamp"},
    [INV_RST_VALIDATION] = {"rst-validation", "RFC 5961 §3.2, §4.2; RFC 9293 §3.10.7.4",
                            "an exact RST closes; an in-window RST draws a challenge ACK and "
                            "does not close; an out-of-window RST is ignored; a SYN in a "
                            "synchronized state draws a challenge ACK"},
    [INV_CLOSED_SILENCE] = {"closed-silence", "RFC 9293 §3.10.7.1",
                            "a CLOSED endpoint sends nothing but RSTs, each in answer to a "
                            "segment, with seq = SEG.ACK (or ACK of SEG.SEQ+SEG.LEN)"},
    [INV_FIN_RETRANSMIT] = {"fin-retransmit",
                            "RFC 9293 §3.8.1, §3.8.3, RFC 6298 §5, RFC 1122 §4.2.3.5",
                            "an unacknowledged FIN is retransmitted on RTO with backoff, at "
                            "least once per RTO ceiling, and the connection is eventually "
                            "given up, never later than one ceiling after the timer last "
                            "acted (a FIN is not given up without being retransmitted)"},
    [INV_HALF_CLOSE_DELIVERY] = {"half-close-delivery", "RFC 9293 §3.6, §3.10.7.4",
                                 "every byte sent before a FIN reaches the peer application "
                                 "before end-of-stream; the FIN is not acknowledged before "
                                 "the data below it"},
    [INV_NO_FIN_BEFORE_HANDSHAKE] = {"no-fin-before-handshake", "RFC 9293 §3.10.4",
                                     "no FIN before the endpoint has sent its SYN and seen the "
                                     "peer's (CLOSE in SYN-SENT deletes the TCB, sends no FIN)"},
    [INV_WINDOW_RESPECTED] = {"window-respected", "RFC 9293 §3.8.6, RFC 7323 §2.3",
                              "no new data beyond the right edge of the window the peer "
                              "advertised (scaled as negotiated; a 1-byte probe is allowed)"},
    [INV_ACK_MONOTONIC] = {"ack-monotonic", "RFC 9293 §3.3.1, §3.10.7.4",
                           "an endpoint's ACK numbers never move backwards (RCV.NXT only "
                           "advances); RSTs aside"},
    [INV_RST_IN_TIME_WAIT] = {"rst-in-time-wait", "RFC 1337 §3 (fix F1)",
                              "profile rfc1337: an RST in TIME-WAIT is ignored; the endpoint "
                              "still answers a retransmitted FIN with an ACK"},
};

const struct oracle_invariant *oracle_inv(enum oracle_inv_id id)
{
    return &catalog[id];
}

const struct oracle_invariant *oracle_catalog(size_t *count)
{
    if (count)
        *count = INV_COUNT;
    return catalog;
}

const struct oracle_invariant *oracle_invariant_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < INV_COUNT; i++)
        if (strcmp(catalog[i].id, id) == 0)
            return &catalog[i];
    return NULL;
}

const char *oracle_verdict_name(enum oracle_verdict v)
{
    switch (v) {
    case VERDICT_PASS:
        return "pass";
    case VERDICT_FAIL:
        return "fail";
    case VERDICT_INCOMPLETE:
        return "incomplete";
    }
    return "?";
}
