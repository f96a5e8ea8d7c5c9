/* Test builders for the model stack: an endpoint with captured output, put
 * straight into any state through real calls and segments, and a scripted
 * peer that talks to it with exact sequence numbers.
 *
 * The endpoint is the local side (ports 40000 -> 8080 when it opened
 * actively, 8080 -> 40000 when passively); "the peer" is the test. Every
 * segment the endpoint sends and every transition it reports is kept, in
 * order, until tb_clear(). */
#ifndef FINFUZZ_TESTS_TCP_BUILDERS_H
#define FINFUZZ_TESTS_TCP_BUILDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/tcp.h"

#define TB_OUT_MAX     64
#define TB_PAYLOAD_MAX 2048u
#define TB_TRANS_MAX   32
#define TB_LPORT       40000
#define TB_RPORT       8080

struct tb_out {
    struct seg seg; /* seg.payload points into payload[] */
    uint8_t payload[TB_PAYLOAD_MAX];
    uint64_t time_usecs; /* the endpoint's clock when it left */
};

struct tb_trans {
    enum tcp_state from, to;
    enum tcp_cause cause;
};

struct tb {
    struct tcp_conn c;
    uint64_t now_usecs;
    uint32_t peer_iss; /* the scripted peer's ISS */
    uint32_t peer_nxt; /* the next sequence number the peer sends */
    struct tb_out out[TB_OUT_MAX];
    unsigned nout;
    struct tb_trans trans[TB_TRANS_MAX];
    unsigned ntrans;
    bool print;       /* print each segment (both directions) as it passes */
    const char *name; /* the endpoint's name in printed lines ("A") */
};

/* A test configuration: the RFC defaults with MSL 2 s (TIME-WAIT 4 s),
 * RTO 1 s (min 1 s, max 60 s), 8 retries. */
void tb_config(struct tcp_config *cfg);

/* An endpoint in CLOSED with its output captured. iss is the ISS it will
 * choose (the seed's low 32 bits); peer_iss the scripted peer's ISS. */
void tb_init(struct tb *t, const struct tcp_config *cfg, uint32_t iss, uint32_t peer_iss);

/* As tb_init, for a server: ports 8080 -> 40000. */
void tb_init_server(struct tb *t, const struct tcp_config *cfg, uint32_t iss, uint32_t peer_iss);

/* Hand the i-th segment captured from `from` to `to` (two endpoints joined
 * by hand, no link). */
void tb_deliver(struct tb *from, unsigned i, struct tb *to);

/* Drive a CLOSED endpoint into st through real calls and peer segments
 * (ports as tb_init gave them; the peer's SYN announces MSS 1460): LISTEN and SYN-RECEIVED open
 * passively, every other state actively. FIN-WAIT-1/2, CLOSING and TIME-WAIT close first
 * (tcp_close); CLOSE-WAIT and LAST-ACK close second. The capture is cleared afterwards, so a test
 * sees only what its own events cause. */
void tb_build(struct tb *t, enum tcp_state st);

/* Forget captured segments and transitions. */
void tb_clear(struct tb *t);

/* A peer segment with the given fields (window 65535, no options); data
 * NULL means len zero bytes. */
struct seg tb_seg(const struct tb *t, uint8_t flags, uint32_t seq, uint32_t ack,
                  const uint8_t *data, uint32_t len);
/* Hand s to the endpoint at the current time. */
void tb_input(struct tb *t, const struct seg *s);
/* Shorthand: tb_input(tb_seg(...)). */
void tb_peer(struct tb *t, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len);
/* Move the clock to t->now_usecs + usecs (firing timers). */
void tb_advance(struct tb *t, uint64_t usecs);
void tb_advance_to(struct tb *t, uint64_t now_usecs);

/* What the endpoint acknowledges from the peer (the peer's FIN side etc.). */
uint32_t tb_snd_nxt(const struct tb *t);

/* Assert helpers: the i-th captured segment has exactly these fields
 * (payload length len; ports as the endpoint's). Fails the cmocka test
 * with the segment printed otherwise. */
void tb_expect_seg(const struct tb *t, unsigned i, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint32_t len);
/* Exactly n segments captured. */
void tb_expect_count(const struct tb *t, unsigned n);
/* The i-th transition is from -> to with cause. */
void tb_expect_trans(const struct tb *t, unsigned i, enum tcp_state from, enum tcp_state to,
                     enum tcp_cause cause);
void tb_expect_ntrans(const struct tb *t, unsigned n);

/* A tcpdump-like line for s: "40000 > 8080: Flags [F.], seq 1001, ack 5001,
 * win 8192, length 0". Returns buf. */
char *tb_format_seg(const struct seg *s, char *buf, size_t cap);

#endif
