/* lwIP 2.1 (Debian's liblwip) as a system under test, in-process.
 *
 * What Debian's build of lwIP needs (liblwip-dev 2.1.3, `pkg-config lwip`):
 * - It is a shared library only (liblwip.so.0), built with the GNU Hurd
 *   port's lwipopts.h: NO_SYS 0 with LWIP_TCPIP_CORE_LOCKING, MEM_LIBC_MALLOC
 *   and MEMP_MEM_MALLOC (every pcb, segment and pbuf is a malloc), IPv4 and
 *   IPv6, LWIP_WND_SCALE with TCP_RCV_SCALE 1, TCP_WND 0xFFFF, TCP_MSS 1460,
 *   default TCP_MSL 60000 ms (TIME-WAIT = 2*MSL = 120 s, counted in
 *   slow-timer ticks), TCP_FIN_WAIT_TIMEOUT 20000 ms, TCP_TMR_INTERVAL 250 ms
 *   (tcp_tmr() runs the fast timer each call and the slow timer every second
 *   call), LWIP_NOASSERT_ON_ERROR, IP_FORWARD 1, LWIP_RAND() = rand().
 * - Single-threaded use works without the core lock: call lwip_init() and
 *   never tcpip_init(). sys_check_core_locking() only checks once a tcpip
 *   thread exists.
 * - A custom interface: netif_add(..., ip_input) with netif->output and
 *   output_ip6 that copy the finished IP packet out (no ARP: flags 0). lwIP
 *   checks and generates IP and TCP checksums itself.
 * - Name clashes: lwIP's API names tcp_init, tcp_connect, tcp_close,
 *   tcp_shutdown, tcp_abort and tcp_recv are also finfuzz's model API, and
 *   liblwip.so calls them through its PLT, so in a finfuzz binary lwIP's own
 *   internal calls would land in the model (seen: UBSan in stack/tcp_app.c).
 *   The glue therefore loads a private copy with dlmopen(LM_ID_NEWLM) and
 *   calls everything through dlsym'd pointers. lwIP's `enum tcp_state` also
 *   clashes with stack/tcp.h, so lwIP headers live only in the glue.
 * - sys_now() would be reachable through the PLT, but lwIP's TCP never calls
 *   it (only timeouts.c and the netconn API do, by disassembly), so no clock
 *   override is needed: TCP time is the count of tcp_tmr() calls, which this
 *   adapter makes every 250 ms of virtual time (TIME-WAIT = 240 slow ticks).
 * - Without a recv callback lwIP closes by itself on FIN; we install one, so
 *   closing is the program's choice (CLOSE-WAIT lasts until APP_CLOSE). Data
 *   stays unread (window closed) until APP_RECV, so close-with-unread-data
 *   behaves as lwIP's tcp_close does (a RST).
 * - A pcb is freed inside lwIP (final ACK in LAST-ACK, RST, TIME-WAIT expiry,
 *   tcp_close in SYN-SENT) without always calling the err callback, so the
 *   adapter never reads a pcb that is not on one of lwIP's pcb lists.
 * - A passive open creates a child pcb on SYN (SYN-RCVD) that lwIP announces
 *   only at accept; the adapter adopts it from tcp_active_pcbs (its states
 *   are the endpoint's) and closes the listener after the accept, so the
 *   endpoint serves one connection as the model does. Before the accept the
 *   application holds only the listener, as with lwIP's API: send, recv and
 *   shutdown fail, close and abort close the listener (lwIP then resets the
 *   orphaned child when its handshake completes).
 *
 * Same state for every input: lwIP has no reset call and keeps its ISS
 * counter, tick counters, IP id and pcb lists in library statics. The adapter
 * snapshots liblwip.so's writable data (from its program headers: the RW
 * PT_LOAD past PT_GNU_RELRO, i.e. .data and .bss) and the interface struct
 * once after lwip_init(); each close() frees every block lwIP holds (the glue
 * hooks liblwip.so's malloc/calloc/free imports in its GOT and links each
 * block on a list), then copies the snapshot back: .data/.bss (11 KB), the
 * interface, and the few blocks lwip_init() allocated (its cyclic timers,
 * linked from .bss; lwIP adds its TCP timer to that list, writing into
 * them). open() does the same unless nothing touched lwIP since that reset
 * (one reset per run, not two).
 * - Time: lwIP's TCP timer is tcp_tmr(), due every 250 ms of virtual time.
 *   Calls during which no timer can act (lwIP's pcbs show none due: no
 *   delayed ACK, retransmission, persist probe, timeout, ...) are not made
 *   but accounted for in lwIP's counters (lwg_skip_idle_ticks), so an idle clock
 *   jump of an hour costs a few calls, and every trace is byte-identical to
 *   making each call (tests/test_sut_lwip.c compares both ways). The driver
 *   is told a more cautious deadline (next_deadline), which sets where its
 *   clock stops and so the trace's clock events.
 * - Assertions: Debian's LWIP_PLATFORM_ASSERT is printf + fflush(NULL) +
 *   abort() inline (by disassembly). The glue hooks those imports too; with
 *   catch_asserts an assertion jumps back out of lwIP to the glue call that
 *   entered it, and the reset above (which asks nothing of lwIP) restores it.
 * tests/test_sut_lwip.c proves it: the same run twice in one process and in a
 * forked process gives a byte-identical trace.
 *
 * Consequences: one lwIP endpoint per process at a time (lwIP itself is a
 * singleton); not thread-safe. States are read from the pcb after every call
 * into lwIP and at every lwIP callback and outgoing packet, and reported as
 * transitions; several changes inside one lwIP call that no callback
 * separates are reported as one transition. */
#ifndef FINFUZZ_SUT_LWIP_H
#define FINFUZZ_SUT_LWIP_H

#include "sut.h"

/* What the adapter is doing while lwIP runs: picks the cause of a change. */
enum sut_lwip_activity {
    SUT_LWIP_ACT_NONE = 0,
    SUT_LWIP_ACT_CONNECT,
    SUT_LWIP_ACT_LISTEN,
    SUT_LWIP_ACT_CLOSE, /* shutdown or close */
    SUT_LWIP_ACT_ABORT,
    SUT_LWIP_ACT_SEGMENT,
    SUT_LWIP_ACT_TIMER,
    SUT_LWIP_ACT_OTHER_APP, /* send, recv: a change here is lwIP's own doing */
};

#define SUT_LWIP_RX_CHUNK 2048u /* bytes handed to data_in at a time */

struct sut_lwip {
    struct sut_callbacks cb;
    struct sut_open how;
    bool opened;
    bool app_closed; /* close/abort done: the handle is gone, as a closed fd */
    enum tcp_state reported;
    uint64_t now_usecs;
    uint64_t next_tick_usecs;
    enum sut_lwip_activity activity;
    uint8_t in_flags; /* flags of the segment being delivered (ACT_SEGMENT) */
    bool rst_out;     /* a RST left during the current call */
    unsigned decode_errors;
    bool exact_ticks; /* make every idle tcp_tmr() call (tests compare) */
    /* lwIP's assertions end the run instead of the process (fuzz target):
     * see sut_lwip_assertion(). Off: Debian's behaviour, print and abort. */
    bool catch_asserts;
    /* Optional: called right after lwIP took text or a FIN (its RCV.NXT
     * moved) from a delivered segment without the ACK bit, which RFC 9293
     * §3.10.7.4 ("fifth, check the ACK field") says to drop. */
    void (*took_text_without_ack)(void *ctx);
    void *took_ctx;
    uint8_t pkt[65536 + 64];
    uint8_t rx[SUT_LWIP_RX_CHUNK];
};

extern const struct sut_ops sut_lwip_ops;

/* The adapter's context (zeroed storage of sizeof(struct sut_lwip) works
 * too, as sut_registry.h allocates); NULL when out of memory. Free with
 * sut_lwip_destroy() (after ops->close if it was opened). */
void *sut_lwip_create(void);
void sut_lwip_destroy(void *self);

/* Outgoing packets lwIP produced that seg_decode_ip rejected (0 unless lwIP
 * or the codec is broken): a test checks it stays 0. */
unsigned sut_lwip_decode_errors(const void *self);

/* With catch_asserts: the text of the lwIP assertion that ended the last
 * run's lwIP ("Assertion "..." failed at line N in FILE"), NULL if none.
 * After an assertion lwIP is frozen for the rest of the run (no segment, no
 * state report, every application call fails) and restored at the next
 * open, so what the oracle said after it is not about lwIP. */
const char *sut_lwip_assertion(const void *self);

#endif
