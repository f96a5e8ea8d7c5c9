/* The fuzz driver: runs one program (program.h) against a system under test.
 *
 * Read DESIGN.md "Fuzz input" and "The event stream" first.
 *
 * driver_run() decodes the input, opens the SUT as endpoint A (sut.h) and
 * plays the fuzzer's peer B: it builds B's segments from what A last put on
 * the wire (seq offsets from A's last ACK, ack offsets from A's highest
 * sequence sent), so mutations stay near the window. Every event (A's and
 * B's segments, drops, A's reported states, application calls, clock steps)
 * goes, in order, to an oracle judging A only and to the caller's extra
 * sinks (a trace printer, a pcap writer). It also counts the states and
 * transitions A reached (coverage.h).
 *
 * driver_run_pair() runs the same format with two model endpoints joined by
 * link.h; the program's FAULT operations choose the fate of segments, its APP
 * operations act on either side. After the program it lets both
 * applications close and runs a fair network until every timer has fired,
 * then checks half-close-delivery (each byte sent before a FIN was read by
 * the peer application before its end-of-stream) and close-completes (both
 * endpoints reach CLOSED).
 *
 * The driver has no global state and does not allocate: struct driver (tens
 * of KB) belongs to the caller, who calls driver_init() once and may then
 * call driver_run*() any number of times; each run resets only what it uses,
 * so a run costs what the program does, not the struct's size. Coverage
 * counters accumulate over runs (cov_reset() clears them).
 *
 * Time is virtual (microseconds from 0) for SUTs with real_time == false,
 * and nothing here changes it for them. A real-time SUT (Linux) is handed
 * the same deadlines and waits for them in its advance(): a CLOCK step
 * really waits (in steps of at most DRIVER_REAL_STEP_USECS), "to the next
 * timer" waits for the SUT's own next timer, and what the SUT sends is
 * stamped with its own clock (sut_ops.now) when it was read, so the oracle
 * sees the kernel's real retransmission times. The driver's clock then
 * follows the SUT's. A real-time run stops early (driver_cut()) once the
 * SUT has waited real_wait_max_usecs: the rest of the program is not run
 * and the verdict covers what ran. */
#ifndef FINFUZZ_DRIVER_H
#define FINFUZZ_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage.h"
#include "event.h"
#include "link.h"
#include "oracle.h"
#include "program.h"
#include "sut.h"

enum driver_result {
    DRIVER_PASS = 0,  /* the program ran; no invariant broke */
    DRIVER_VIOLATION, /* an invariant broke: see driver_violation() */
    DRIVER_REJECTED,  /* not a program (empty input or unknown version): nothing ran */
    DRIVER_SUT_ERROR, /* the SUT could not be opened: reason in driver_error() */
};

/* "pass", "violation", "rejected", "sut-error". */
const char *driver_result_name(enum driver_result r);

/* The first violation of a run, from the oracle or from the driver's own
 * end-to-end checks (close_pair). */
struct driver_violation {
    const char *id;  /* invariant id, e.g. "fin-ack-plus-one" */
    const char *rfc; /* its RFC section */
    uint64_t event_index;
    uint8_t endpoint; /* EP_A / EP_B: blamed */
    char message[200];
};

/* Invariants checked by driver_run_pair() itself (not by the oracle). */
extern const struct oracle_invariant driver_inv_close_completes;
extern const struct oracle_invariant driver_inv_half_close_delivery;

#define DRIVER_PENDING_MAX     16       /* events held back during one application call */
#define DRIVER_REAL_STEP_USECS 1000000u /* real-time SUTs: a long wait is cut into these */

/* One event deferred while an application call runs, so that the call
 * appears in the stream before the segments and transitions it causes. */
struct driver_pending {
    struct ev ev;
    bool dropped; /* a FAULT hides it from the peer: EV_DROP follows */
    uint8_t payload[1460];
};

struct driver {
    /* --- options, zero by default; the caller may change them between runs --- */
    bool use_profile; /* judge with `profile`; false: rfc1337 if the program sets it,
                         else rfc9293 */
    enum oracle_profile profile;
    bool judge_b;                 /* also judge B (close_pair always judges both) */
    uint64_t real_wait_max_usecs; /* real-time SUTs: stop the program once the SUT has
                                     waited this long (0: no limit) */
    struct coverage cov;          /* cumulative */
    uint16_t new_states;          /* bit per state first entered (ever) during the last run */

    /* --- per run (private) --- */
    struct oracle oracle;
    struct ev_tee tee;     /* oracle + extra sinks */
    struct ev_tee src_tee; /* what sources push to: counts coverage, forwards to tee */
    struct program prog;
    const struct sut *sut;
    struct link *link; /* close_pair only */
    bool pair;
    uint64_t now_usecs;
    bool cut; /* a real-time run stopped at real_wait_max_usecs */
    struct tcp_config cfg;
    struct seg_ip ip_a, ip_b; /* addresses of A and B */
    uint16_t port_a, port_b;

    /* The peer B's view of A's wire (for building B's segments). */
    bool a_ack_seen; /* A has sent a segment with ACK */
    uint32_t a_last_ack;
    bool a_sent_any;
    uint32_t a_snd_max; /* highest seq + seg_len A has sent */
    bool a_ts_seen;
    uint32_t a_ts_val;
    uint32_t b_snd_nxt; /* B's own next sequence number */
    uint8_t fault[2];   /* pending fate for the next segment of A/B (PROG_FATE_NONE: none) */

    /* Drops of A's segments, pushed once the SUT call that sent them has
     * returned (after the state change that goes with the segment). */
    unsigned n_drops;
    uint64_t drops[8];

    /* Drops held until the state events after their segment have passed. */
    unsigned held_drops;
    struct ev held_drop[4];

    /* Events deferred during an application call. */
    bool deferring;
    unsigned n_pending;
    struct driver_pending pending[DRIVER_PENDING_MAX];

    /* close_pair bookkeeping. */
    uint8_t pair_fault_fate[2][4];
    uint8_t pair_fault_delay[2][4];
    unsigned pair_fault_n[2];
    uint64_t pair_sent[2]; /* bytes each application queued before its FIN */
    bool pair_wr_closed[2];
    bool pair_opened[2]; /* the application has opened once */
    bool pair_reset[2];  /* an RST (sent or received) ended it: data may be lost */

    bool have_violation;
    struct driver_violation violation;
    char err[160];
};

/* Prepare d (once): default options, coverage cleared. A zero-filled
 * struct driver (a static one) is equally ready. */
void driver_init(struct driver *d);

/* Run one input against sut (whose ops->open will be called; its close is
 * called at the end). extra (n_extra, at most EV_TEE_MAX - 1) get every
 * event after the oracle. Returns enum driver_result. */
int driver_run(struct driver *d, const struct sut *sut, const uint8_t *data, size_t size,
               const struct ev_sink *extra, unsigned n_extra);

/* Run one input on two model endpoints joined by *l (caller's storage,
 * about 150 KB). Returns enum driver_result. */
int driver_run_pair(struct driver *d, struct link *l, const uint8_t *data, size_t size,
                    const struct ev_sink *extra, unsigned n_extra);

/* What close_pair's end-of-run checks look at, after the fair ending. */
struct driver_pair_end {
    enum tcp_state state[2]; /* final state of A and B */
    bool fin_wait_2_timeout; /* a FIN-WAIT-2 timeout was configured */
    bool lossy;              /* a reset, abort, give-up or second incarnation happened */
    bool eof_seen[2];        /* the application of A/B saw end-of-stream */
    uint64_t delivered[2];   /* bytes the application of A/B read */
    uint64_t sent[2];        /* bytes the application of A/B queued before its FIN */
    uint64_t now_usecs;
};

/* The end-of-run verdict of close_pair, a pure function: close-completes
 * (both CLOSED, except a FIN-WAIT-2 without timeout whose peer is gone) and
 * half-close-delivery (an application that saw end-of-stream read exactly
 * what its peer sent before the FIN; skipped when lossy). Returns true and
 * fills *v (event_index left to the caller) on a violation. */
bool driver_pair_judge(const struct driver_pair_end *e, struct driver_violation *v);

/* The initial sequence number of the fuzzer's peer B for a program's ISN
 * seed (scenario scripts use it to place B's stream, e.g. across 2^32). */
uint32_t driver_peer_iss(uint32_t isn_seed);

/* The first violation of the last run (NULL if it passed). */
const struct driver_violation *driver_violation(const struct driver *d);

/* Why the last run was rejected or the SUT failed ("" otherwise). */
const char *driver_error(const struct driver *d);

/* The program the last run decoded (valid unless it was rejected). */
static inline const struct program *driver_program(const struct driver *d)
{
    return &d->prog;
}

/* Whether the last run (real-time SUT) stopped before the end of its
 * program because real_wait_max_usecs of real time had passed. */
static inline bool driver_cut(const struct driver *d)
{
    return d->cut;
}

/* Virtual time at the end of the last run. */
static inline uint64_t driver_end_usecs(const struct driver *d)
{
    return d->now_usecs;
}

#endif
