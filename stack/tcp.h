/* The reference model: one deterministic, in-memory TCP endpoint.
 *
 * Read RFC 9293 §3.3.2 (state diagram, Figure 5), §3.6 (closing a
 * connection) and §3.10 (event processing) first; then RFC 5961 (RST and SYN
 * validation, challenge ACKs), RFC 6298 (retransmission timer) and RFC 1337
 * (TIME-WAIT assassination).
 *
 * Contract:
 * - No I/O, no wall clock, no global mutable state, no allocation. Everything
 *   lives in struct tcp_conn, which the caller owns.
 * - Time is an argument (`now_usecs`, microseconds of virtual time, never
 *   decreasing). Timers fire only inside tcp_advance(); tcp_next_deadline()
 *   says when the next one is due.
 * - Segments leave through hooks.output; every state change goes through one
 *   place and is reported through hooks.transition (from, to, cause).
 * - The ISN comes from cfg.isn_seed, so the same calls give the same segments.
 */
#ifndef FINFUZZ_TCP_H
#define FINFUZZ_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment.h"

/* The eleven states of RFC 9293 Figure 5. */
enum tcp_state {
    TCP_CLOSED = 0,   /* no connection */
    TCP_LISTEN,       /* waiting for a SYN */
    TCP_SYN_SENT,     /* our SYN sent, waiting for SYN or SYN-ACK */
    TCP_SYN_RECEIVED, /* SYN received and answered, waiting for its ACK */
    TCP_ESTABLISHED,  /* open in both directions */
    TCP_FIN_WAIT_1,   /* our FIN sent, not yet acknowledged */
    TCP_FIN_WAIT_2,   /* our FIN acknowledged, waiting for the peer's FIN */
    TCP_CLOSING,      /* FINs crossed: ours unacknowledged, the peer's received */
    TCP_TIME_WAIT,    /* both FINs done; waiting 2*MSL before forgetting */
    TCP_CLOSE_WAIT,   /* the peer's FIN received; our application may still send */
    TCP_LAST_ACK,     /* our FIN sent after the peer's; waiting for its ACK */
    TCP_STATE_COUNT
};

/* "FIN-WAIT-1" etc., as RFC 9293 spells them. */
const char *tcp_state_name(enum tcp_state st);

/* Why a transition happened. */
enum tcp_cause {
    TCP_CAUSE_APP_OPEN_ACTIVE = 0, /* application connect(): CLOSED -> SYN-SENT */
    TCP_CAUSE_APP_OPEN_PASSIVE,    /* application listen(): CLOSED -> LISTEN */
    TCP_CAUSE_APP_SEND_SYN,        /* application send in LISTEN turns it active */
    TCP_CAUSE_APP_CLOSE,           /* application close/shutdown(SHUT_WR): our FIN */
    TCP_CAUSE_APP_ABORT,           /* application abort: RST sent, CLOSED */
    TCP_CAUSE_APP_CLOSE_UNREAD,    /* close with unread data: RST (RFC 1122 4.2.2.13) */
    TCP_CAUSE_RCV_SYN,             /* a SYN arrived (passive or simultaneous open) */
    TCP_CAUSE_RCV_SYN_ACK,         /* a SYN-ACK arrived in SYN-SENT */
    TCP_CAUSE_RCV_ACK,             /* an ACK arrived (of our SYN or FIN) */
    TCP_CAUSE_RCV_FIN,             /* the peer's FIN arrived */
    TCP_CAUSE_RCV_FIN_ACK,         /* the peer's FIN arrived acknowledging ours */
    TCP_CAUSE_RCV_RST,             /* an acceptable RST arrived */
    TCP_CAUSE_TIMEOUT_TIME_WAIT,   /* 2*MSL expired in TIME-WAIT */
    TCP_CAUSE_TIMEOUT_RETRIES,     /* retransmission limit reached: given up */
    TCP_CAUSE_TIMEOUT_FIN_WAIT_2,  /* optional FIN-WAIT-2 timeout expired */
    TCP_CAUSE_COUNT
};

/* "rcv-fin", "timeout-time-wait", ...: short stable names. */
const char *tcp_cause_name(enum tcp_cause cause);

#define TCP_BUF_MAX 8192u /* capacity of each of the send and receive buffers */

struct tcp_config {
    uint64_t msl_usecs;                /* maximum segment lifetime; TIME-WAIT is 2*MSL */
    uint64_t rto_initial_usecs;        /* RFC 6298: 1 s */
    uint64_t rto_min_usecs;            /* RFC 6298: 1 s (Linux uses 200 ms) */
    uint64_t rto_max_usecs;            /* upper bound of the backed-off RTO (>= 60 s) */
    unsigned max_retries;              /* retransmissions of one segment before giving up */
    uint64_t fin_wait_2_timeout_usecs; /* 0: wait for the peer's FIN forever */
    uint64_t isn_seed;                 /* the ISN is derived from it, deterministically */
    bool rfc1337;                      /* ignore RST in TIME-WAIT (RFC 1337 TIME-WAIT fix) */
    uint32_t snd_buf_bytes;            /* <= TCP_BUF_MAX */
    uint32_t rcv_buf_bytes;            /* <= TCP_BUF_MAX; the advertised window */
    uint16_t mss;                      /* our MSS; we send segments of at most this */
};

/* RFC defaults: MSL 2 min, RTO 1 s (min 1 s, max 120 s), 8 retries, no
 * FIN-WAIT-2 timeout, RFC 1337 off, buffers TCP_BUF_MAX, MSS 1460. */
void tcp_config_default(struct tcp_config *cfg);

struct tcp_hooks {
    void *ctx;
    /* A segment leaves the endpoint. s (and s->payload) are valid only
     * during the call. */
    void (*output)(void *ctx, const struct seg *s);
    /* The state changed (never called with from == to). May be NULL. */
    void (*transition)(void *ctx, enum tcp_state from, enum tcp_state to, enum tcp_cause cause);
};

/* What the running timer is doing: a tagged union, one timer at a time
 * besides the optional FIN-WAIT-2 timeout. */
enum tcp_timer_kind {
    TCP_TIMER_NONE = 0,
    TCP_TIMER_RETRANSMIT, /* unacknowledged SYN, data or FIN */
    TCP_TIMER_TIME_WAIT,  /* 2*MSL in TIME-WAIT */
    TCP_TIMER_FIN_WAIT_2, /* FIN-WAIT-2 timeout */
};

struct tcp_timer {
    enum tcp_timer_kind kind;
    uint64_t deadline_usecs;
};

/* Counters a test or benchmark may read; the oracle never does. */
struct tcp_stats {
    uint32_t segs_out, segs_in, retransmits, challenge_acks, rsts_out;
};

/* One endpoint. Plain data: the caller allocates it (stack, static array or
 * heap) and tcp_init() prepares it without touching the buffers' contents. */
struct tcp_conn {
    struct tcp_config cfg;
    struct tcp_hooks hooks;
    enum tcp_state state;
    uint16_t lport, rport;

    /* Send sequence variables (RFC 9293 §3.3.1). */
    uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, snd_max;
    /* Receive sequence variables. */
    uint32_t irs, rcv_nxt, rcv_wnd;
    uint8_t snd_wscale, rcv_wscale; /* negotiated shifts (0 if not) */
    uint16_t peer_mss;

    bool fin_queued;  /* the application closed: FIN follows the last byte */
    bool fin_sent;    /* our FIN has been sent at least once */
    uint32_t fin_seq; /* valid when fin_sent */
    bool peer_fin;    /* the peer's FIN has been received (and is in rcv_nxt) */
    uint32_t peer_fin_seq;
    bool rd_shut;      /* the application will read no more */
    bool passive_open; /* SYN-RECEIVED was reached from LISTEN (passive OPEN) */

    uint64_t rto_usecs;         /* current RTO, backed off on each retransmission */
    unsigned retries;           /* retransmissions of the oldest unacknowledged segment */
    struct tcp_timer timer;     /* retransmit or TIME-WAIT */
    struct tcp_timer fw2_timer; /* FIN-WAIT-2 timeout, when configured */
    uint64_t now_usecs;         /* the last time the caller gave us */
    bool invalid_ack_sent;      /* an ACK answered an unacceptable pure ACK ... */
    uint64_t invalid_ack_usecs; /* ... at this time (the ACK-war throttle) */
    uint32_t isn_counter;       /* advances for each new incarnation */

    /* Send buffer: bytes [snd_una, snd_una + snd_len) of the stream; a ring
     * indexed from snd_head. */
    uint32_t snd_head, snd_len;
    /* Receive buffer: in-order bytes the application has not read yet. */
    uint32_t rcv_head, rcv_len;

    struct tcp_stats stats;
    uint8_t snd_buf[TCP_BUF_MAX];
    uint8_t rcv_buf[TCP_BUF_MAX];
    uint8_t tx_scratch[TCP_BUF_MAX]; /* contiguous copy of a payload for output */
};

/* Result of an application call. */
enum tcp_app_result {
    TCP_APP_OK = 0,
    TCP_APP_ERR_STATE,   /* "connection does not exist"/"already exists"/"closing" */
    TCP_APP_ERR_NO_ROOM, /* send buffer full (partial sends return the count) */
};

/* Prepare c in CLOSED. Does not send anything. */
void tcp_init(struct tcp_conn *c, const struct tcp_config *cfg, uint16_t lport, uint16_t rport,
              const struct tcp_hooks *hooks);

/* Application calls (RFC 9293 §3.10.1-3.10.6). */
enum tcp_app_result tcp_connect(struct tcp_conn *c, uint64_t now_usecs); /* active OPEN */
enum tcp_app_result tcp_listen(struct tcp_conn *c, uint64_t now_usecs);  /* passive OPEN */
/* Queue up to len bytes (data may be NULL: a deterministic pattern is sent).
 * Returns the number of bytes accepted. */
uint32_t tcp_send(struct tcp_conn *c, uint64_t now_usecs, const uint8_t *data, uint32_t len);
/* Read up to cap bytes of received in-order data (buf may be NULL to
 * discard). Returns the count; 0 with tcp_eof() true means end of stream. */
uint32_t tcp_recv(struct tcp_conn *c, uint64_t now_usecs, uint8_t *buf, uint32_t cap);
/* CLOSE of RFC 9293 §3.10.4 for the write side (shutdown(SHUT_WR)): a FIN
 * follows the queued data. The read side stays open. */
enum tcp_app_result tcp_shutdown(struct tcp_conn *c, uint64_t now_usecs);
/* Full close: as tcp_shutdown, but if received data is unread (or arrives
 * later) the connection is reset (RFC 1122 4.2.2.13). */
enum tcp_app_result tcp_close(struct tcp_conn *c, uint64_t now_usecs);
/* ABORT (§3.10.5): RST to the peer in synchronized states, then CLOSED. */
enum tcp_app_result tcp_abort(struct tcp_conn *c, uint64_t now_usecs);

/* SEGMENT ARRIVES (§3.10.7). s must be addressed to this endpoint's ports;
 * any other segment is answered as for a closed port (RST) when it carries
 * no RST. */
void tcp_input(struct tcp_conn *c, uint64_t now_usecs, const struct seg *s);

/* Move virtual time to now_usecs and fire every timer due at or before it
 * (in deadline order). */
void tcp_advance(struct tcp_conn *c, uint64_t now_usecs);

/* The earliest pending deadline, or UINT64_MAX if no timer runs. */
uint64_t tcp_next_deadline(const struct tcp_conn *c);

static inline enum tcp_state tcp_get_state(const struct tcp_conn *c)
{
    return c->state;
}

/* True when the peer's FIN has been received and every byte before it read. */
bool tcp_eof(const struct tcp_conn *c);

/* Bytes received in order and not yet read by the application. */
static inline uint32_t tcp_unread(const struct tcp_conn *c)
{
    return c->rcv_len;
}

#endif
