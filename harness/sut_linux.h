/* The Linux kernel's TCP as a system under test, through a TUN device in a
 * private network namespace (harness/netns.h).
 *
 * open() enters the namespace (once per process), then listens or connects
 * with an ordinary socket on 192.0.2.1; the peer's segments are written to
 * the TUN fd as IPv4 packets from 192.0.2.2 and the kernel's answers are read
 * back from it. Each open() takes fresh ports (netns_next_port()) and maps
 * them to and from the driver's ports and addresses, so old TIME-WAIT
 * sockets of earlier runs never interfere; close() resets what is left with
 * an RST (SO_LINGER 0) and drops the packets of its ports. Several
 * instances may be open at once (netns.c routes the kernel's packets by
 * port): that is how a benchmark runs hundreds of closes per second despite
 * the kernel's ~4 ms delayed ACK.
 *
 * Real time: the driver's virtual microseconds are mapped to CLOCK_MONOTONIC
 * from the moment of open(); advance(t) waits until then, collecting what the
 * kernel sends, and now() gives the time each segment was read.
 * next_deadline() is the kernel's own next timer of the connection, read
 * with sock_diag (netns_tcp_lookup()). A long wait in which the kernel holds
 * nothing of the connection (no socket of the application, no connection,
 * TIME-WAIT, request or listener on its ports) is skipped: the kernel cannot
 * send until the peer does; waited() counts only real waiting. The kernel
 * reports no states (reports_states = false): the oracle infers them from
 * the wire. Timer-driven answers (delayed ACK, about
 * 4 ms for a lone FIN's ACK at HZ=250; RTO >= 200 ms; TIME-WAIT 60 s) come
 * when they come; the linux profile's slack covers them.
 *
 * Of struct tcp_config only rfc1337 is honoured (the namespace's
 * net.ipv4.tcp_rfc1337); Linux's timers are its own (TIME-WAIT 60 s, RTO
 * from 200 ms).
 *
 * Needs root and /dev/net/tun; without them open() fails with a clear
 * reason. The kernel is always reached over IPv4 (192.0.2.1/.2); an IPv6
 * flow of the driver is carried over IPv4 and reported back as IPv6 with the
 * driver's addresses (the close does not depend on the IP version; the MSS
 * the kernel offers is 20 bytes larger than over IPv6). */
#ifndef FINFUZZ_SUT_LINUX_H
#define FINFUZZ_SUT_LINUX_H

#include "sut.h"

struct sut_linux {
    struct sut_callbacks cb;
    struct sut_open how;
    bool opened;
    bool app_closed;
    int tun_fd;
    int listen_fd, conn_fd;
    uint16_t k_local_port, k_peer_port;          /* ports used inside the namespace */
    uint64_t virt_start_usecs, wall_start_usecs; /* virtual time virt_start is wall_start */
    uint64_t open_wall_usecs;                    /* CLOCK_MONOTONIC at open() */
    uint64_t skipped_usecs;                      /* waits skipped because the kernel held nothing */
    uint64_t now_usecs;
    unsigned foreign_packets; /* packets routed here that were not ours */
    bool reporting;           /* false while cleaning up: packets are dropped */
    uint8_t pkt[65536];
    uint8_t rx[2048];
};

extern const struct sut_ops sut_linux_ops;

/* The state the kernel holds the connection in now, read with sock_diag
 * (what `ss` shows: a pending SYN-RECEIVED request counts as SYN-RECEIVED,
 * nothing at all as CLOSED), for cross-checking the oracle's inference.
 * Returns false when it cannot tell (not open, no sock_diag). */
bool sut_linux_kernel_state(const struct sut_linux *l, enum tcp_state *out);

#endif
