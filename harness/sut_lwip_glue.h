/* The lwIP side of the lwIP adapter (private to harness/sut_lwip.c).
 *
 * lwIP's headers define their own `enum tcp_state` (CLOSED, LISTEN, ...),
 * which clashes with finfuzz's stack/tcp.h, so no file can include both. This
 * glue is the only file that includes lwIP headers; it speaks plain C types,
 * and sut_lwip.c (which speaks finfuzz types) maps them. States come back in
 * lwIP's own numbering (LWG_* below mirror lwip/tcpbase.h).
 *
 * lwIP is a process-wide singleton (its pcb lists, ISS counter, timers and
 * IP id counter are library statics), so this glue is one too: one
 * connection at a time, single-threaded. See sut_lwip.h for how every input
 * starts from the same lwIP state. */
#ifndef FINFUZZ_SUT_LWIP_GLUE_H
#define FINFUZZ_SUT_LWIP_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* lwIP's state numbers (lwip/tcpbase.h), and LWG_GONE: no pcb any more. */
enum {
    LWG_CLOSED = 0,
    LWG_LISTEN = 1,
    LWG_SYN_SENT = 2,
    LWG_SYN_RCVD = 3,
    LWG_ESTABLISHED = 4,
    LWG_FIN_WAIT_1 = 5,
    LWG_FIN_WAIT_2 = 6,
    LWG_CLOSE_WAIT = 7,
    LWG_CLOSING = 8,
    LWG_LAST_ACK = 9,
    LWG_TIME_WAIT = 10,
    LWG_GONE = 11,
};

#define LWG_TICK_USECS 250000u /* lwIP's TCP_TMR_INTERVAL (250 ms) */

struct lwg_hooks {
    void *ctx;
    /* lwIP put an IP packet on the wire (valid during the call). */
    void (*output)(void *ctx, const uint8_t *pkt, size_t len);
    /* A point inside lwIP where the connection's state may have changed
     * (a callback fired or a packet is about to leave). */
    void (*observe)(void *ctx);
};

/* Initialise lwIP once per process and snapshot its writable data; later
 * calls only return the first result. Returns 0, or -1 with a reason. */
int lwg_init(char *err, unsigned errlen);

/* Free every block lwIP holds (pcbs, segments, pbufs: the glue tracks its
 * heap, nothing is sent and no callback runs), then restore lwIP's writable
 * data and the interface to the snapshot taken after lwip_init(). Afterwards
 * lwIP is exactly as freshly initialised, also after an assertion. */
void lwg_reset(void);

/* Reset, then set the hooks and the interface's address (IPv4 or IPv6).
 * lwIP's TCP reads no clock: its time is the count of lwg_tick() calls. */
int lwg_begin(const struct lwg_hooks *hooks, uint8_t ip_version, const uint8_t local_addr[16],
              char *err, unsigned errlen);

/* Application calls. Return 0 (or bytes for send/recv), -1 if lwIP refused. */
int lwg_connect(uint8_t ip_version, const uint8_t peer_addr[16], uint16_t local_port,
                uint16_t peer_port);
int lwg_listen(uint16_t local_port);
long lwg_send(uint32_t len);
/* Read up to len bytes; copies at most cap of them to buf (may be NULL). */
long lwg_recv(uint32_t len, uint8_t *buf, size_t cap);
int lwg_shutdown(void);
int lwg_close(void);
int lwg_abort(void);

/* Hand lwIP one IP packet from the wire. */
void lwg_input(const uint8_t *pkt, size_t len);
/* One call of tcp_tmr() (due every LWG_TICK_USECS). */
void lwg_tick(void);

/* The connection's state in lwIP numbering: the accepted/connecting pcb if
 * it is alive, else the listener's LISTEN, else LWG_GONE. Never reads a
 * freed pcb: a pcb counts as alive only while it is on one of lwIP's lists. */
int lwg_state(void);
/* Whether lwIP holds a pcb its timers act on (active or TIME-WAIT). */
bool lwg_busy(void);
/* A lower bound on the tcp_tmr() calls (>= 1) before lwIP's timers may do
 * something observable (send, change a state, free a pcb); UINT32_MAX when
 * no timer is pending. Idle ticks between now and then change nothing but
 * lwIP's tick counters, so a caller may wait that long before looking. */
uint32_t lwg_ticks_until_event(void);
/* Account for up to `calls` tcp_tmr() calls during which lwIP's timers
 * have nothing to do, without making them: the counters those calls would
 * change are advanced as they would be. Returns the calls skipped (even,
 * and fewer than lwg_ticks_until_event(); 0 when nothing can be skipped).
 * Makes long virtual waits (TIME-WAIT, idle connections) cheap. */
uint32_t lwg_skip_idle_ticks(uint32_t calls);
/* What lwg_skip_idle_ticks() skipped since the process started: tcp_tmr()
 * calls in all, and (per pcb) those while its persist timer ran or while
 * it held queued data (where skipping relies on what lwIP 2.1.3's slow
 * timer does: tests prove it on inputs that get there). */
struct lwg_skip_stats {
    uint64_t calls;
    uint64_t persist_calls;
    uint64_t queued_calls;
};
struct lwg_skip_stats lwg_skip_stats(void);
/* lwIP's assertions (LWIP_PLATFORM_ASSERT). Off (default): an assertion
 * prints its text and aborts the process, as Debian's lwIP does. On: it
 * ends only the glue call that entered lwIP (the call fails); lwIP is then
 * dead (every call fails, no state, no timer) until the next lwg_begin() or
 * lwg_reset() restores it. */
void lwg_catch_assertions(bool on);
/* The text of the assertion that fired since the last lwg_begin()
 * ("Assertion "insane offset!" failed at line 1430 in ./src/core/tcp_in.c"),
 * or NULL. Kept across lwg_reset() so a caller can read it after a run. */
const char *lwg_assertion(void);
/* Blocks lwIP holds on its heap now (0 after a reset). */
size_t lwg_heap_blocks(void);

/* The tracked connection's pcb (an identity, not to be dereferenced) and
 * lwIP's RCV.NXT for it; false when there is none (or lwIP is dead). */
bool lwg_conn_rcv_nxt(const void **pcb, uint32_t *rcv_nxt);

/* Unread received bytes, and whether the peer's FIN reached the application. */
uint32_t lwg_unread(void);
bool lwg_eof(void);

#endif
