/* Private to the model stack (stack/tcp*.c): how its files talk to each other.
 *
 * Read RFC 9293 §3.3.2 and §3.10 first. tcp.c owns the state (the one place
 * that writes c->state), tcp_output.c builds segments, tcp_input.c is
 * SEGMENT ARRIVES, tcp_timer.c the timers, tcp_app.c the user calls and
 * tcp_buf.c the two ring buffers. Nothing here is part of the public API. */
#ifndef FINFUZZ_TCP_INTERNAL_H
#define FINFUZZ_TCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mutants.h"
#include "seq.h"
#include "tcp.h"

/* RFC 9293 §3.7.1: the MSS assumed when the peer sends no MSS option. */
#define CONN_DEFAULT_PEER_MSS 536u
/* RFC 5961 §7 lets a stack throttle the ACKs it sends in reply to
 * unacceptable segments; this is the least time between two ACKs that
 * answer unacceptable pure ACKs (Linux's tcp_invalid_ratelimit default). */
#define CONN_INVALID_ACK_INTERVAL_USECS 500000u
/* The largest window the peer can announce: we negotiate no window scaling,
 * so it is the 16-bit field. RFC 5961 §5.2 bounds old ACKs by MAX.SND.WND;
 * struct tcp_conn keeps no running maximum, so this upper bound is used (it
 * only ever accepts more old duplicate ACKs, never fewer). */
#define CONN_MAX_SND_WND 65535u

/* ---- tcp.c: state, incarnations, facts about states ---- */

/* The only writer of c->state. Fires hooks.transition when the state
 * changes; from == to is a no-op. */
void conn_set_state(struct tcp_conn *c, enum tcp_state to, enum tcp_cause cause);

/* Forget the connection: timers off, buffers emptied, state CLOSED. After
 * a graceful end (TIME-WAIT timeout, LAST-ACK's FIN acknowledged) received
 * bytes not read yet stay readable. */
void conn_enter_closed(struct tcp_conn *c, enum tcp_cause cause);

/* Enter TIME-WAIT (from FIN-WAIT-2, CLOSING or FIN-WAIT-1) and start 2*MSL;
 * the retransmission and FIN-WAIT-2 timers stop (§3.10.7.4 eighth). */
void conn_enter_time_wait(struct tcp_conn *c, enum tcp_cause cause);

/* Start a new incarnation: every connection variable back to its initial
 * value, buffers emptied (their bytes are not touched), timers off. */
void conn_reset_vars(struct tcp_conn *c);
/* Pick the ISS from the seed (the first incarnation gets the seed's low 32
 * bits) and point SND.UNA/SND.NXT at it. */
void conn_choose_iss(struct tcp_conn *c);

/* Back to LISTEN after a RST or SYN in SYN-RECEIVED (§3.10.7.4, note 1 of
 * Figure 5): the half-open connection is forgotten. */
void conn_return_to_listen(struct tcp_conn *c, enum tcp_cause cause);

/* §3.5: a synchronized state is one where both ISNs are known and acked. */
bool conn_synchronized(enum tcp_state st);

/* The RTO a fresh segment starts with: rto_initial clamped to [min, max]. */
uint64_t conn_rto_base(const struct tcp_conn *c);

/* ---- tcp_buf.c: send and receive rings ---- */

/* Sequence number of the first byte in the send buffer. */
uint32_t buf_snd_seq(const struct tcp_conn *c);
/* Append len bytes (data NULL: the deterministic pattern). */
void buf_snd_append(struct tcp_conn *c, const uint8_t *data, uint32_t len);
/* A pointer to len contiguous bytes starting off bytes into the buffer
 * (copied to tx_scratch when the ring wraps). */
const uint8_t *buf_snd_peek(struct tcp_conn *c, uint32_t off, uint32_t len);
/* Drop n acknowledged bytes from the front. */
void buf_snd_consume(struct tcp_conn *c, uint32_t n);
/* Append received in-order bytes (data NULL: zeros). */
void buf_rcv_append(struct tcp_conn *c, const uint8_t *data, uint32_t len);
/* Read up to cap bytes (buf NULL: discard). Returns the count. */
uint32_t buf_rcv_read(struct tcp_conn *c, uint8_t *buf, uint32_t cap);
/* Free room in the receive buffer: the window we offer. */
uint32_t buf_rcv_room(const struct tcp_conn *c);

/* ---- tcp_output.c: segments that leave ---- */

/* The MSS we send with: min(our MSS, the peer's). */
uint32_t out_eff_mss(const struct tcp_conn *c);
/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
void out_ack(struct tcp_conn *c);
/* A challenge ACK (RFC 5961 §3.2, §4.2): the same ACK, counted. */
void out_challenge_ack(struct tcp_conn *c);
/* Our SYN (SYN-SENT) or SYN,ACK (SYN-RECEIVED) at ISS, with the MSS option. */
void out_syn(struct tcp_conn *c, bool with_ack);
/* A RST from this connection: <SEQ=seq><CTL=RST> or, with_ack,
 * <SEQ=seq><ACK=ack><CTL=RST,ACK>. */
void out_rst(struct tcp_conn *c, uint32_t seq, bool with_ack, uint32_t ack);
/* The answer of a closed port to s (§3.10.7.1); nothing for a RST. */
void out_rst_for(struct tcp_conn *c, const struct seg *s);
/* Send what the windows allow: new data, then our FIN once every queued
 * byte is out. Returns true if a segment left (it carried an ACK). */
bool out_push(struct tcp_conn *c);
/* out_push whatever the state (CLOSE in SYN-RECEIVED sends its FIN). */
bool out_push_now(struct tcp_conn *c);
/* Retransmit the oldest unacknowledged segment (or probe a zero window). */
void out_retransmit(struct tcp_conn *c);

/* ---- tcp_app.c ---- */

/* RFC 1122 4.2.2.13: RST and CLOSED because data is unread after CLOSE. */
void app_reset_unread(struct tcp_conn *c);

/* ---- tcp_timer.c ---- */

/* Start the retransmission timer unless it runs (RFC 6298 (5.1)). */
void timer_rexmt_start(struct tcp_conn *c);
/* New data was acknowledged: restart the timer, or stop it when nothing is
 * outstanding (RFC 6298 (5.2), (5.3)); the backoff is kept if the ACK
 * covers a retransmission (Karn). */
void timer_rexmt_on_ack(struct tcp_conn *c);
void timer_stop_all(struct tcp_conn *c);
void timer_time_wait_start(struct tcp_conn *c);
void timer_fin_wait_2_start(struct tcp_conn *c);

/* Whether anything is sent and not yet acknowledged (SYN, data or FIN). */
static inline bool conn_outstanding(const struct tcp_conn *c)
{
    return c->snd_una != c->snd_nxt;
}

/* Our FIN has been sent and acknowledged. */
static inline bool conn_fin_acked(const struct tcp_conn *c)
{
    return c->fin_sent && seq_gt(c->snd_una, c->fin_seq);
}

/* Our SYN is sent and not acknowledged yet. */
static inline bool conn_syn_unacked(const struct tcp_conn *c)
{
    return c->state != TCP_CLOSED && c->state != TCP_LISTEN && c->snd_una == c->iss;
}

#endif
