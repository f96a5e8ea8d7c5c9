/* struct oracle: the private state of one oracle (see oracle.h).
 *
 * Included at the end of oracle.h so that callers can embed a struct oracle
 * by value (fuzz targets keep one on the stack per input). Callers treat the
 * members as private and use the functions of oracle.h.
 *
 * Everything is fixed-size. oracle_init() clears only the per-endpoint
 * records and counters, never the violation array, so it stays O(1). */
#ifndef FINFUZZ_ORACLE_STATE_H
#define FINFUZZ_ORACLE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../stack/tcp.h"

/* What a profile accepts; filled from the profile by oracle_init(). */
struct oracle_rules {
    uint64_t time_wait_usecs;          /* how long TIME-WAIT must last */
    bool tw_rst_may_close;             /* an acceptable RST may end TIME-WAIT */
    bool tw_rst_must_be_ignored;       /* RFC 1337: it must not */
    bool tw_restart_on_any_ack;        /* any ACK-bearing segment restarts TIME-WAIT
                                          (Linux), not only a retransmitted FIN */
    uint64_t fin_wait_2_timeout_usecs; /* an orphaned FIN-WAIT-2 may end after this
                                          (0: it may not time out) */
    bool challenge_ack_may_be_missing; /* rate-limited challenge ACKs */
    bool tw_syn_may_draw_rst;          /* a SYN in TIME-WAIT may be answered with RST */
    uint64_t timer_granularity_usecs;  /* the stack's timers fire on a tick this coarse:
                                          deadlines are judged with at least this slack */
    uint64_t fin_rto_max_usecs;        /* longest gap between FIN retransmissions the
                                          stack's RTO ceiling allows (0: the oracle's
                                          120 s; RFC 6298 (2.5) sets only a floor) */
    uint64_t fin_give_up_usecs;        /* an unacknowledged FIN is given up (R2, RFC 1122
                                          4.2.3.5) within this much of its first
                                          transmission or of the latest ACK of new
                                          data (0: the oracle's 2 h) */
};

/* One segment recently seen, so that a later EV_DROP can be mapped back. */
struct oracle_seg_note {
    uint64_t index;
    uint32_t seq, ack, len; /* len: sequence space (seg_len) */
    uint8_t src, flags;
    bool valid;
    /* What its arrival changed at the receiver, to undo if it was dropped. */
    uint8_t effects;  /* ORACLE_FX_* bits */
    uint8_t rcv_prev; /* an enum tcp_state */
    bool rcv_prev_known;
    /* It advanced its sender's space_max from space_prev (undone if lost:
     * text the receiver never got does not make a later FIN junk). */
    bool space_set;
    uint8_t spare; /* (no padding: notes are written whole, and oracles compared bytewise) */
    uint32_t space_prev;
};
enum {
    ORACLE_FX_STATE = 1u << 0,     /* changed the receiver's inferred state */
    ORACLE_FX_PEER_FIN = 1u << 1,  /* the receiver got the sender's FIN */
    ORACLE_FX_FIN_ACKED = 1u << 2, /* the receiver's FIN was acknowledged */
    ORACLE_FX_TW_RST = 1u << 3,    /* an RST hit the receiver in TIME-WAIT */
};
#define ORACLE_RECENT_SEGS 8
/* Optional TIME-WAIT restart points an endpoint side remembers. */
#define ORACLE_TW_ALTS 4

/* A peer segment that a CLOSED endpoint may answer with an RST. Eight
 * bytes: the ring is most of an endpoint's record. */
struct oracle_answerable {
    uint32_t value;          /* SEG.ACK, or SEG.SEQ + SEG.LEN when with_ack */
    uint32_t index_low : 30; /* its event index, the low bits (ORACLE_INDEX_LOW) */
    uint32_t with_ack : 1;   /* the answering RST must carry ACK of value */
    uint32_t valid : 1;
};
/* The bits of an event index an answerable keeps. They are compared only
 * with the index of a segment an EV_DROP names, one of the latest few
 * (ORACLE_RECENT_SEGS); the driver's streams, the only ones with drops, are
 * far shorter than 2^30 events. */
#define ORACLE_INDEX_LOW(index) ((uint32_t)(index) & ((1u << 30) - 1))
#define ORACLE_ANSWERABLE       16

/* An obligation the wire creates for an endpoint: it must answer (or must
 * not do something) after a segment of its peer arrived. */
enum oracle_owed {
    OWED_NONE = 0,
    OWED_REACK_FIN,     /* TIME-WAIT: re-ACK a retransmitted FIN */
    OWED_CHALLENGE_RST, /* RFC 5961 §3.2: challenge ACK to an in-window RST */
    OWED_CHALLENGE_SYN, /* RFC 5961 §4.2: challenge ACK to a SYN */
};

/* Everything known about one endpoint: what it put on the wire, what the
 * observer infers about it, what it reported, and what it owes. */
struct oracle_side {
    /* --- hot: what the oracle reads or writes for every segment (the fast
     * path of oracle_fast.c, most of the observer) and when it judges the
     * flow at its end, kept together in the first cache lines (by size, so
     * that nothing pads them out): the checker prefetches only these for
     * a segment (check.c). The rest of the fields follow, cold, also by
     * size (a compact oracle is about 1.6 KB, and a checker holds one per
     * flow for the whole TIME-WAIT time). --- */
    bool sent_any;
    bool syn_sent;
    bool isn_known;
    bool syn_data; /* its SYN carried text, not in space_max until the peer acknowledges it */
    bool wire_known;
    bool ooo;         /* one range seen beyond contig_end (reordering) */
    bool beyond_seen; /* bytes it sent beyond the peer's window (a probe) */
    bool fin_sent;
    bool fin_resolved; /* it closed (RST, reported CLOSED): its FIN needs no more retransmission */
    bool ack_sent;
    bool ack_any_sent;
    bool wnd_known;
    bool wscale_offered;
    bool ts_seen; /* timestamps option seen; ts_last is its latest TSval */
    bool rst_sent;
    bool inf_known;
    bool inf_change_valid;
    bool fin_acked;         /* the peer's ACK of our FIN arrived */
    bool last_peer_had_ack; /* the peer's latest segment carried ACK */
    bool killed_by_rst;     /* an acceptable RST ended it */
    bool rep_known;
    bool exact_rst_rcvd;       /* an exact RST arrived: it must close */
    bool acked_new_seen;       /* the peer acknowledged new data of it, latest at acked_new_usecs:
                                  its retransmission timer restarted then (RFC 6298 §5.3) */
    bool acked_new_open;       /* ... or later: it may have dropped that segment unread, and a
                                  later one with the same ACK may be the one it took
                                  (oracle_ack_maybe_untaken()) */
    bool peer_spoke_since_fin; /* the peer sent something since its latest FIN transmission */
    uint8_t wscale;
    uint8_t wire_check; /* 0, or WIRE_CHECK_* */
    uint8_t answerable_next;
    uint8_t inf;      /* its inferred state, an enum tcp_state */
    uint8_t inf_prev; /* ... before the latest change, for undoing when the causing segment is
                         dropped */
    uint8_t owed;     /* an enum oracle_owed */
    uint32_t isn;
    uint32_t snd_max;      /* highest seq + seg_len sent */
    uint32_t space_max;    /* ... by segments occupying sequence space (a pure
                              ACK's seq is a claim, not bytes sent) */
    uint32_t syn_data_end; /* ... up to here */
    uint32_t wire_max;     /* as snd_max, counting segments the receiver may have dropped */
    uint32_t contig_end;   /* every byte below was seen sent (gap detection) */
    uint32_t last_ack;     /* ACK field of its latest non-RST ACK segment */
    uint32_t last_ack_any; /* ... including ACKs the oracle set aside as stale */
    uint32_t wnd_right;    /* right edge of the window it advertised */
    uint32_t ts_last;
    uint64_t last_send_usecs;
    uint64_t last_xmit_usecs;  /* latest segment occupying sequence space */
    uint64_t inf_change_index; /* event that made the last inferred change */
    uint64_t acked_new_usecs;
    /* Every answerable segment ever seen, also those the ring forgot, as a
     * 128-bit Bloom filter (two bits each): a segment the network delayed
     * past ORACLE_ANSWERABLE newer ones may still draw its RST. A false
     * positive lets a wrong RST pass, never flags a right one. */
    uint64_t answered_bloom[2];
    /* The peer's latest non-RST segments, each of which a CLOSED endpoint
     * may answer with one RST (RFC 9293 §3.10.7.1): seq = SEG.ACK, or, for a
     * segment without ACK, ACK of SEG.SEQ + SEG.LEN. A ring: segments may
     * arrive late (delayed, duplicated), after this endpoint closed. */
    struct oracle_answerable answerable[ORACLE_ANSWERABLE];

    /* --- cold, 64-bit fields --- */
    /* Its segments. */
    uint64_t syn_bloom;       /* every SYN seq it sent, also those the ring forgot
                                 (two bits each): their ACKs are handshake answers */
    uint64_t fin_index;       /* event of the first FIN */
    uint64_t fin_first_usecs; /* first FIN transmission */
    uint64_t fin_last_usecs;  /* latest FIN transmission */
    uint64_t fin_last_index;  /* ... its event */
    uint64_t fin_gap_usecs;   /* interval between the last two FIN transmissions */
    uint64_t rst_seq_bloom;   /* the seqs of all its RSTs (two bits each): one sent
                                 while the peer could not take it may arrive
                                 late, exactly at the peer's RCV.NXT */
    uint64_t rst_usecs;
    /* The end of every FIN it put on the wire (two bits each, as
     * syn_bloom): the FIN the peer takes may be an older one than
     * wire_fin_end, held out of order until a later segment filled the hole
     * below it (RFC 9293 §3.10.7.4, first step), with junk FINs sent since. */
    uint64_t wire_fin_end_bloom;
    /* Inference from the wire. */
    uint64_t fin_acked_index;
    uint64_t fin_ack_sent_index; /* it sent an ACK covering the peer's FIN, latest at this
                                    event (fin_ack_sent_known) */
    uint64_t tw_rst_index;       /* ... (tw_rst_hit) */
    uint64_t fw2_usecs;          /* entered FIN-WAIT-2 (reported) */
    uint64_t tw_restart_usecs;   /* TIME-WAIT (re)started here */
    /* TIME-WAIT may also have restarted at these times (an ACK answering a
     * delayed FIN copy, or a FIN that may or may not restart it): either
     * ending conforms. Past ORACLE_TW_ALTS the last slot holds the latest
     * and tw_alt_spread accepts any point from the first to it. */
    uint64_t tw_alt_usecs[ORACLE_TW_ALTS];
    uint64_t tw_alt_fin_index; /* (tw_alt_fin_added) */
    uint64_t tw_alt_fin_usecs;
    /* Reported by the stack. */
    uint64_t rep_usecs;
    /* Obligations created by the peer's segments. */
    uint64_t owed_index; /* the peer's segment that created it */
    uint64_t owed_usecs;
    uint64_t stay_open_index; /* (must_stay_open) */
    uint64_t exact_rst_index; /* (exact_rst_rcvd, rst_may_close) */
    /* A check of the reported state against what it just sent (wire_check),
     * made once the stack had the chance to report the transition that goes
     * with it. */
    uint64_t wire_check_index;
    uint64_t wire_check_usecs;
    /* A SYN from the peer while this endpoint is in TIME-WAIT (reuse_syn). */
    uint64_t reuse_syn_index;
    uint64_t reuse_syn_usecs;
    /* The application. */
    uint64_t app_delivered; /* bytes its application has read */

    /* --- cold, 32-bit fields --- */
    uint32_t prev_isn;             /* an earlier SYN of its (before a new ISN; prev_isn_valid) */
    uint32_t prev_snd_max;         /* ... the end of what it sent from that ISN */
    uint32_t syn_seqs[4];          /* its latest SYNs (an ACK of any is a handshake answer) */
    uint32_t beyond_lo, beyond_hi; /* the latest range beyond the peer's window (beyond_seen),
                                      not counted as arrived until the peer acknowledges it */
    uint32_t ooo_lo, ooo_hi;
    uint32_t fin_seq;
    unsigned fin_xmits;
    uint32_t owed_ack;       /* ACK that satisfies it */
    uint32_t reuse_syn_seq;  /* (reuse_syn) */
    uint32_t reuse_syn_seq2; /* (reuse_syn2) */
    uint32_t reuse_syn_ts;   /* (reuse_syn_has_ts) */
    /* The ACK number it had sent when it reported taking the peer's FIN
     * (CLOSE-WAIT, CLOSING or TIME-WAIT entered on a FIN): no sequence
     * space follows a FIN, so while it stays in those states it never
     * acknowledges more (fin_taken). */
    uint32_t fin_taken_ack;
    /* The end (seq + len + 1) of the latest FIN it put on the wire
     * (wire_fin_seen). */
    uint32_t wire_fin_end;

    /* --- cold, bytes --- */
    /* Its segments. */
    bool prev_isn_valid; /* an earlier SYN of its (before a new ISN) */
    bool prev_fin_sent;  /* ... and whether what it sent from that ISN included a FIN */
    uint8_t syn_count, syn_next;
    bool gap;            /* this endpoint's stream skipped sequence space */
    bool fin_unreliable; /* its FINs contradicted each other or were junk (a fuzzer's peer) */
    bool fin_alone_last; /* at its latest transmission the FIN was all that was unacknowledged */
    bool rst_sent_ever;  /* rst_sent, in any incarnation of this stream: an RST sent
                            before a new incarnation began may arrive after */
    bool wire_fin_seen;
    /* Inference from the wire. */
    bool peer_fin_rcvd;       /* the peer's FIN arrived (assumed when seen on the wire) */
    bool peer_fin_confirmed;  /* ... and this endpoint acknowledged it */
    bool closed_via_last_ack; /* inferred CLOSED only because an ACK was assumed delivered */
    bool tw_ack_sent;         /* sent its ACK of the peer's FIN since entering TIME-WAIT */
    bool fin_ack_sent_known;  /* it sent an ACK covering the peer's FIN */
    bool tw_rst_hit;          /* an acceptable RST arrived in TIME-WAIT */
    uint8_t tw_alt_count;
    bool tw_alt_spread;    /* more were offered: any point between first and last */
    bool tw_alt_fin;       /* one came from the peer's FIN at RCV.NXT at event */
    bool tw_alt_fin_added; /* ... tw_alt_fin_index, new at tw_alt_fin_usecs
                              (lost on the way: it restarted nothing) */
    bool tw_started;
    /* Reported by the stack. */
    uint8_t rep; /* an enum tcp_state (rep_known) */
    /* Obligations created by the peer's segments. */
    bool owed_restart_optional; /* OWED_REACK_FIN: TIME-WAIT may or may not restart */
    bool must_stay_open;        /* an unacceptable RST or a SYN arrived: do not close */
    bool rst_may_close;         /* an RST that may have been exact arrived */
    bool reuse_syn;             /* a SYN from the peer while this endpoint is in TIME-WAIT */
    bool reuse_syn_in_tw;       /* ... and this endpoint was in TIME-WAIT then */
    bool reuse_syn2;            /* the peer's SYN before that one, still answerable */
    bool reuse_syn_has_ts;
    /* The application. */
    bool app_eof;
    bool app_closed; /* its application closed or aborted: it reads nothing more */
    bool fin_taken;
    /* fin_taken_ack is provisional: it reported taking the peer's FIN
     * before answering the peer's latest segment (lwIP reports first), so
     * its next ACK, if it is the end of a FIN the peer sent, tells which
     * FIN it took. */
    bool fin_taken_pending;
};

/* The small fields first (read for every segment and for the verdict),
 * then the endpoints' records, the recent segments, and the violation log
 * last (written only when an invariant breaks): a checker holding thousands
 * of oracles (check.c) gives each only the memory before the log's own
 * room and lends a log to the few that break an invariant. */
struct oracle {
    struct oracle_config cfg;
    struct oracle_rules rules;
    bool started;        /* a segment has been seen */
    bool handshake_seen; /* the stream started at a SYN */
    bool incomplete;     /* the wire did not show enough somewhere */
    bool finished;
    bool from_capture; /* some event carried a pcap frame number */
    bool reuse_seen;   /* a new incarnation replaced the judged one */
    bool fast_config;  /* cfg is a capture's: both judged, no states reported, so the
                          fast paths of oracle_fast.c may apply */
    bool end_judged;   /* oracle_finish's judgement depended on when the stream ended */
    unsigned recent_next;
    const char *incomplete_why;
    uint64_t first_usecs, last_usecs;
    uint64_t last_index;    /* index of the latest event pushed */
    size_t violation_count; /* kept in violations[] */
    size_t violation_total; /* all, including those not kept */
    struct oracle_side side[2];
    struct oracle_seg_note recent[ORACLE_RECENT_SEGS];
    /* Where the violation log is: violations_own (oracle_init), or, for a
     * compact oracle (oracle_init_compact), a block taken from take_log at
     * the first violation (NULL until then, or if none could be had). */
    struct oracle_violation *violations;
    struct oracle_violation *(*take_log)(void *ctx);
    void *take_log_ctx;
    /* The log's own room; a compact oracle has none (its memory ends at
     * ORACLE_COMPACT_BYTES). */
    struct oracle_violation violations_own[ORACLE_MAX_VIOLATIONS];
};

#endif
