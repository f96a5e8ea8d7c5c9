/* Replaying one side of a captured TCP flow against a live stack
 * (`finfuzz replay`).
 *
 * Read DESIGN.md "The command" (replay) first. For each flow the target (the
 * model, lwIP or the Linux kernel, through struct sut_ops) plays one
 * endpoint T; the other endpoint S is played from the capture:
 *
 * - S's segments are sent at their captured times (relative to the
 *   capture's first segment), with S's sequence numbers as captured and
 *   their ack rewritten from the captured T's sequence space into the
 *   target's (ack - captured ISN of T + target's ISN). Addresses and ports
 *   are the captured ones (each adapter maps them to its own). Timestamps and
 *   SACK options are left out (the target's TSval cannot be echoed from a
 *   capture); MSS and window scale are kept.
 * - T's application is played from what the capture shows T doing: it
 *   connects if T sent the first SYN, else listens; new data sent by T
 *   becomes a send() of that many bytes at that time; T's first FIN becomes
 *   shutdown(SHUT_WR); an RST from T before any FIN becomes an abort. T's
 *   application reads whatever arrives.
 * - What the target sends is compared, in order, with what the captured T
 *   sent (flags, relative seq and ack, payload length; PSH, ECE and CWR are
 *   ignored): each mismatch is a difference {captured frame, expected, got}.
 * - Both directions go to one oracle judging T only (with T's states when
 *   the target reports them), and to optional extra sinks (the --pcap
 *   writer).
 *
 * Event frames: S's segments carry their captured frame number (so a
 * violation points into the input capture); the target's segments carry 0.
 *
 * Flows that do not start with a handshake in the capture cannot be
 * replayed (the target must open the connection) and are reported skipped. */
#ifndef FINFUZZ_REPLAY_H
#define FINFUZZ_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flows.h"
#include "oracle.h"
#include "sut.h"

/* One captured segment of a flow (payload not kept: the replay sends
 * zeros, the comparison uses lengths). */
struct replay_seg {
    uint64_t frame;
    uint64_t time_usecs; /* capture time */
    uint8_t ep;          /* EP_A / EP_B */
    struct seg_ip ip;
    struct seg seg; /* payload NULL */
};

struct replay_flow {
    char name[FLOW_NAME_MAX];
    unsigned incarnation;
    uint8_t version;
    uint8_t addr[2][16]; /* of A and B */
    uint16_t port[2];
    struct replay_seg *segs;
    size_t n, cap;
};

struct replay_capture {
    struct replay_flow *flows; /* in the order the flows were finished */
    size_t n, cap;
    uint64_t start_usecs; /* time of the first segment */
    bool have_start;
};

/* Read every TCP flow of path. Returns false with a reason in err. */
bool replay_load(const char *path, struct replay_capture *c, char *err, size_t errlen);
void replay_capture_free(struct replay_capture *c);

#define REPLAY_TEXT_MAX  96
#define REPLAY_MAX_DIFFS 32

struct replay_difference {
    uint64_t frame; /* captured frame whose answer differed */
    char expected[REPLAY_TEXT_MAX], got[REPLAY_TEXT_MAX];
};

struct replay_result {
    bool skipped;          /* the flow could not be replayed: why in error */
    char error[160];       /* also set when the target failed to open */
    struct oracle *oracle; /* finished; owned by the result */
    enum oracle_verdict verdict;
    struct replay_difference diffs[REPLAY_MAX_DIFFS];
    size_t ndiffs, diffs_total;
    unsigned target_segments;
    uint64_t end_usecs;
    /* Targets running when this flow's opened, itself included: 1 for one
     * flow after another; what shows flows replayed at once, whatever the
     * machine's load. */
    unsigned running_at_open;
};

struct replay_options {
    const struct sut_ops *ops;
    void *self;                  /* the adapter's zeroed storage */
    uint8_t target_ep;           /* which captured endpoint the target plays */
    struct oracle_config cfg;    /* profile and MSL; judge/states are set per flow */
    const struct ev_sink *extra; /* e.g. a pcap writer, or NULL */
    unsigned n_extra;
    uint64_t tail_usecs; /* time given to the target after the last captured segment */
};

/* Replay f. Returns 0, or -1 if res->oracle could not be allocated. */
int replay_flow(const struct replay_options *opt, const struct replay_capture *c,
                const struct replay_flow *f, struct replay_result *res);
/* Replay every flow of c at once, each flow at its own captured times on
 * one shared clock, with a fresh adapter instance (self_size bytes, zeroed)
 * per flow: for real-time targets that can run several connections at once
 * (linux). A target late on the capture (its timers fire late on a loaded
 * machine) holds its flow: a script segment waits, for a bounded time
 * scaled by the capture and by the target's next timer, until the target
 * has sent what the captured T sent before it, and the flow's later
 * segments move by as much (see RP_HOLD_FACTOR in replay.c). res has c->n
 * entries, in the order of c->flows. Returns 0, or -1 when out of memory. */
int replay_all(const struct replay_options *opt, size_t self_size, const struct replay_capture *c,
               struct replay_result *res);
void replay_result_free(struct replay_result *res);

#endif
