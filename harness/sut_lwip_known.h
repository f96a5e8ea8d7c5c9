/* Filed lwIP deviations, recognised on the event stream of a run.
 *
 * Some of lwIP's real deviations (corpus/regressions/third-party/README.md)
 * show up under many invariants: once lwIP took text the oracle's model
 * says it must drop, the model's view of lwIP's receive side is wrong and
 * the run breaks whichever invariant comes next (ack-within-sent,
 * rst-validation, fin-ack-plus-one, half-close-delivery, state-matches-wire,
 * fin-retransmit, ...). A campaign would drown in them. This sink watches a
 * run for the evidence of a filed root cause, so that the fuzz target can
 * name the violation after it (and a campaign may ignore it) instead of
 * reporting noise:
 *
 * - lwip-text-without-ack: B sent text or FIN in a segment without the ACK
 *   bit (RFC 9293 §3.10.7.4 "fifth, check the ACK field": drop it), and A
 *   later acknowledged a sequence number that falls inside that segment
 *   (SEQ < ack <= SEQ+LEN) and inside none of B's recent segments with ACK
 *   or SYN set: only the ACK-less one can have moved lwIP's RCV.NXT there;
 *   or the adapter saw lwIP's RCV.NXT move on it (lwip_known_took_text,
 *   wired to sut_lwip's took_text_without_ack); or A acknowledged beyond
 *   what B's segments with ACK or SYN cover without a hole from its ISN on,
 *   but not beyond what the ACK-less ones fill in (none forgotten).
 *   Explains violations at events after that segment.
 * - lwip-text-with-unacceptable-ack: B sent text or FIN in a segment whose
 *   ACK acknowledges more than A ever sent (SEG.ACK > SND.NXT: RFC 9293
 *   §3.10.7.4 "fifth, check the ACK field", ESTABLISHED: "send an ACK, drop
 *   the segment, and return"), and A later acknowledged a sequence number
 *   inside that segment and inside none of B's other segments (with ACK,
 *   SYN, or none), or beyond what B's other segments cover without a hole
 *   from its ISN on but within what they cover with such segments (while
 *   none was forgotten; lwIP never takes text on a SYN, B's first or a
 *   later one, a listener's or a SYN-ACK: each covers its SYN only); or
 *   A's application read more than the former and no more than the
 *   latter; or A reported CLOSE-WAIT, CLOSING or TIME-WAIT on such a
 *   segment's FIN: lwIP answered the ACK and went on to take the text.
 *   Explains violations at events after that segment.
 *   Also: B sent an RST at a sequence number inside that text (SEQ <= rst
 *   < SEQ+LEN) and A stayed open, or inside or at its end (SEQ < rst <=
 *   SEQ+LEN) and A closed on it (lwIP closes exactly at its RCV.NXT); or
 *   A, in a state before any FIN of B, acknowledged a number that only the
 *   text of such a segment reaches (no other segment's text, lost ones
 *   aside: its state says it took no FIN); or A reported CLOSE-WAIT,
 *   CLOSING or TIME-WAIT right after such a segment with text when only
 *   with such text do B's segments reach a FIN of B. An ACK below A's ISN
 *   minus MAX.SND.WND (at least 65535) counts as unacceptable too (RFC
 *   9293 §3.10.7.4 after RFC 5961 §5.2; lwIP takes that text alike).
 *   Repeats of a segment already remembered are not remembered again.
 * - lwip-rst-ack-syn-fin: B sent SYN+FIN without ACK to a CLOSED A, and A's
 *   RST acknowledged SEG.SEQ+SEG.LEN-1 (lwIP counts SYN and FIN as one
 *   octet together). Explains the closed-silence violation at that RST.
 * - lwip-ooseq-fin-moved: B sent a FIN at sequence number F, then a segment
 *   whose text covers F (SEQ <= F < SEQ+LEN), and A acknowledged exactly
 *   SEQ+LEN+1: lwIP moved the queued FIN to the end of the longer segment
 *   (text beyond a FIN taken, a FIN acknowledged where none was sent).
 *   The covering segment may be any of B's first ones of a kind or of its
 *   latest eight with text. Explains violations from that ACK on.
 * - lwip-fin-on-window-split: A sent a FIN with exactly as much text as
 *   B's latest window or the window lwIP holds by its own update rule
 *   (taken from any segment with ACK, acceptable or not), and its stream
 *   ended elsewhere before or after (a
 *   FIN at another number, or text beyond that FIN): lwIP resent a longer
 *   FIN segment cut to the window and kept the FIN on the part it sent
 *   (RFC 9293 §3.10.4: the FIN follows all data). Explains violations
 *   from that segment on.
 * - lwip-syn-received-ignores-syn: after its first SYN at ISN, B sent a
 *   segment with SYN at ISN+1 (RCV.NXT) and A acknowledged that SYN as an
 *   octet of data (ack = SEQ+SEG.LEN) in its next segment, before any
 *   other segment of B that carried sequence space arrived, or in any
 *   later one while no other segment of B covers that number; or A
 *   reported SYN-RECEIVED -> ESTABLISHED on a SYN of B not at its ISN
 *   (not the retransmitted SYN of a simultaneous open; B's ISN is that of
 *   the SYN A's latest passive open started on): lwIP took the SYN of a segment in
 *   SYN-RECEIVED as an ACK and counted it (RFC 9293 §3.10.7.4 "fourth,
 *   check the SYN bit"; RFC 5961 §4.2: a challenge ACK, ack ISN+1).
 *   Explains violations after that segment.
 * - lwip-time-wait-restart-any-fin: while A was in TIME-WAIT, B sent a FIN
 *   that TIME-WAIT must drop (no ACK bit: "fifth, check the ACK field"; or
 *   starting beyond RCV.NXT, or outside A's receive window as A's last ACK
 *   advertised it: "first, check sequence number"), and A left TIME-WAIT
 *   by its timer 2*MSL (to one slow tick) after that FIN, or was still in
 *   TIME-WAIT (answering, or at the end of the run) more than 2*MSL after
 *   entering it but not after that FIN: lwIP restarted the 2 MSL timer on
 *   it. Explains
 *   time-wait-duration violations after that FIN.
 * - lwip-time-wait-counts-from-close, lwip-fin-wait-2-timeout-from-close:
 *   A's application closed at t_close; A left TIME-WAIT (FIN-WAIT-2) for
 *   CLOSED by its timer less than 2*MSL = 120 s (20 s) after entering it,
 *   and no later than t_close + 120 s (20 s) + one slow tick, or, entered
 *   after that, at the first tick in it: lwIP's
 *   pcb->tmr stopped at the close (TF_RXCLOSED), and its timeout counted
 *   from there. Explains violations from that transition on.
 *
 * Only proven cases are named: evidence on the wire, never a guess from the
 * input. Pure and allocation-free; one per run (reset before each run). */
#ifndef FINFUZZ_SUT_LWIP_KNOWN_H
#define FINFUZZ_SUT_LWIP_KNOWN_H

#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "event.h"

/* (eight distinct ones were too few for the proof that needs all of them,
 * tests/test_sut_lwip.c; a fuzzer's junk fills them fast) */
#define LWIP_KNOWN_NOACK_MAX 32 /* B's first ACK-less segments remembered */
#define LWIP_KNOWN_ACKED_MAX 16 /* B's latest segments with ACK or SYN remembered */
#define LWIP_KNOWN_FIN_MAX   8  /* B's latest FINs remembered */
/* (eight were too few even without copies: in
 * lwip-text-with-unacceptable-ack-many.bin lwIP took the ninth one's text) */
#define LWIP_KNOWN_BADACK_MAX 32 /* B's first segments acknowledging unsent data */
#define LWIP_KNOWN_RECENT_MAX 8  /* B's latest segments with text, of any kind */
/* RSTs proven to answer a SYN+FIN the lwIP way, the first ones: as many as
 * the violations the oracle keeps (four were too few: a run with six such
 * RSTs left two unexplained, lwip-open-closed-silence.bin) */
#define LWIP_KNOWN_PROOFS_MAX ORACLE_MAX_VIOLATIONS

struct lwip_known_span {
    uint64_t index;
    uint32_t seq, end; /* SEG.SEQ and SEG.SEQ + SEG.LEN */
    bool live;         /* not lost in the network */
    bool fin;          /* end - 1 is a FIN */
};

struct lwip_known {
    struct lwip_known_span noack[LWIP_KNOWN_NOACK_MAX]; /* text/FIN without ACK */
    unsigned noack_count;
    struct lwip_known_span acked[LWIP_KNOWN_ACKED_MAX]; /* with ACK or SYN (ring) */
    unsigned acked_next;

    bool b_seen;           /* a segment of B was pushed: b_last_index is valid */
    uint64_t b_last_index; /* the latest, i.e. the one being delivered */
    bool text_without_ack; /* proven: lwIP took a segment without ACK */
    uint64_t text_without_ack_index;

    bool a_sent;                                          /* A sent a segment: a_snd_max is valid */
    uint32_t a_snd_max;                                   /* the highest SEG.SEQ + SEG.LEN A sent */
    struct lwip_known_span badack[LWIP_KNOWN_BADACK_MAX]; /* text/FIN, ack > a_snd_max */
    unsigned badack_count;
    /* B's latest segments with text that lwIP may take (with ACK or not,
     * acknowledging unsent data or not; ring): the lists above keep only
     * the first ones of a kind, and a FIN moved to the end of a later one
     * (lwip-ooseq-fin-moved) must be found after many */
    struct lwip_known_span recent[LWIP_KNOWN_RECENT_MAX];
    unsigned recent_next;
    bool text_bad_ack; /* proven: lwIP took such a segment */
    uint64_t text_bad_ack_index;

    uint32_t fin_pos[LWIP_KNOWN_FIN_MAX]; /* sequence numbers of B's FINs (ring) */
    unsigned fin_next;
    bool fin_moved; /* proven at event fin_moved_index */
    uint64_t fin_moved_index;

    bool b_syn_seen; /* B's first SYN, at b_isn */
    uint32_t b_isn;
    bool second_syn; /* a later SYN of B at b_isn + 1 */
    uint64_t second_syn_index;
    uint32_t second_syn_end;
    bool second_syn_pending;   /* A has not answered it, nothing else moved RCV.NXT */
    uint64_t second_syn_until; /* the segment of B that ended pending (if lost: resumes) */
    bool second_syn_lost;      /* it never arrived */
    bool syn_counted;          /* proven: A acknowledged second_syn_end */
    bool b_last_new_syn;       /* the latest segment of B: a SYN, not at b_isn */
    bool syn_established;      /* proven: A completed the handshake on it */
    uint64_t syn_established_index;

    bool a_closed; /* A's application called close() at a_close_usecs */
    uint64_t a_close_usecs;
    uint64_t tw_enter_usecs, fw2_enter_usecs; /* when A entered TIME-WAIT, FIN-WAIT-2 */
    bool tw_from_close, fw2_from_close;       /* proven at the index below */
    uint64_t tw_from_close_index, fw2_from_close_index;

    bool a_acked; /* A sent an ACK: a_last_ack is its latest ACK field */
    uint32_t a_last_ack;
    uint32_t a_wnd;  /* ... and the window it advertised with it, scaled */
    bool a_ws, b_ws; /* window scale offered on A's, B's SYN */
    uint8_t a_ws_shift;
    uint64_t last_usecs;     /* time of the latest event */
    bool b_last_badack_fin;  /* the latest segment of B: a FIN, its ACK beyond a_snd_max */
    bool b_last_badack_text; /* ... text (no FIN) with such an ACK */
    uint64_t a_read;         /* bytes A's application has read */
    bool a_in_tw;            /* A reported TIME-WAIT and has not left it */
    bool a_synced;           /* A reported a synchronized state (ESTABLISHED on) last */
    bool tw_junk_fin;        /* a FIN of B that TIME-WAIT must drop came at ... */
    uint64_t tw_junk_fin_index, tw_junk_fin_usecs;
    /* the ones before it (the latest last), for when it is lost */
    unsigned tw_junk_prev_count;
    uint64_t tw_junk_prev_index[4], tw_junk_prev_usecs[4];
    bool tw_junk_restart; /* proven: A's TIME-WAIT ended 2*MSL after that FIN */
    uint64_t tw_junk_restart_index;

    bool syn_fin_pending; /* B's SYN+FIN without ACK, awaiting A's answer */
    uint64_t syn_fin_index;
    uint32_t syn_fin_ack_lwip; /* the ack lwIP answers it with */
    unsigned rst_syn_fin;      /* proven at these events (the first ones) */
    uint64_t rst_syn_fin_index[LWIP_KNOWN_PROOFS_MAX];
    /* B's RSTs at a sequence number that the text of an earlier segment of
     * B acknowledging unsent data covers (SEQ <= rst < SEQ+LEN): if lwIP
     * took that text, its RCV.NXT lies past the RST (the first few) */
    unsigned rst_in_badack;
    uint64_t rst_in_badack_index[4];
    /* ... and A's close on an RST of B inside or at the end of such text
     * (SEQ < rst <= SEQ+LEN: lwIP's RCV.NXT may be there): the state event */
    bool rst_to_badack_end;
    enum tcp_state a_state; /* A's state as it last reported it */
    bool b_last_syn;        /* B's latest segment: a SYN without RST ... */
    uint32_t b_last_seq;    /* ... at this sequence number */
    /* lwip-fin-on-window-split: B's window (SEG.WND of its latest segment
     * with ACK), A's first FIN, and a FIN of A whose text was exactly that
     * window long */
    uint8_t b_ws_shift;
    bool b_wnd_known;
    uint32_t b_wnd;
    /* ... and the window lwIP itself holds: tcp_receive() takes SEG.WND
     * by the SND.WL1/SND.WL2 rule from every segment with ACK that reaches
     * it, acceptable or not (RFC 9293 §3.10.7.4 drops an unacceptable one
     * first), so a window from junk far ahead can stick
     * (lwip-fin-on-window-split-junk-window.bin) */
    bool lwip_wnd_known;
    uint32_t lwip_wnd, lwip_wl1, lwip_wl2;
    /* A's ISN and the largest window B advertised (MAX.SND.WND): an ACK
     * below a_isn - b_wnd_max lies below SND.UNA - MAX.SND.WND, which RFC
     * 9293 §3.10.7.4 ("fifth, check the ACK field", after RFC 5961 §5.2)
     * drops after an ACK, and lwIP takes the text of like one acknowledging
     * unsent data (b_wnd_max starts at 65535, the largest unscaled
     * window: an ACK that old is never acceptable, whatever B advertised) */
    bool a_syn_seen;
    uint32_t a_isn, b_wnd_max;
    bool a_fin_seen, a_edge_fin;
    uint32_t a_fin_pos, a_edge_fin_pos;
    bool fin_split;
    uint64_t fin_split_index;      /* B's latest segment is such an RST */
    unsigned rst_closed_by_badack; /* proven at these events (the first few) */
    uint64_t rst_closed_by_badack_index[4];

    /* reach_of()'s answers for its four span choices, each valid while
     * reach_gen[i] == spans_gen + 1: B's spans and ISN change only on a
     * segment of B, a loss or a state report, each of which counts
     * spans_gen up (A's segments ask up to four times each). */
    uint32_t spans_gen;
    uint32_t reach_gen[4], reach_val[4];
};

void lwip_known_reset(struct lwip_known *k);
/* The sink to hand driver_run() as an extra sink. */
struct ev_sink lwip_known_sink(struct lwip_known *k);
/* The adapter saw lwIP take the segment of B being delivered (the driver
 * pushes a segment's event just before delivering it) although it has no
 * ACK bit. */
void lwip_known_took_text(void *k);
/* The id of the filed lwIP finding that explains v (a violation of the run
 * k watched), or NULL when none does. */
const char *lwip_known_explain(const struct lwip_known *k, const struct driver_violation *v);

#endif
