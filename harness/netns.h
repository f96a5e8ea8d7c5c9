/* A private network namespace with one TUN device, for testing the Linux
 * kernel's TCP from user space (as packetdrill does).
 *
 * netns_enter() moves the calling process (finfuzz is single-threaded) into
 * a new network namespace made with unshare(CLONE_NEWNET), creates a TUN
 * device (IFF_TUN | IFF_NO_PI) in it, gives it NETNS_KERNEL_ADDR/24, turns
 * IPv6 off on it and brings it up. Sockets the process opens afterwards live
 * in that namespace, and the TUN fd carries the only route anywhere: no
 * packet can leave it. The namespace has no name and no bind mount, so it
 * vanishes when its last socket and the TUN fd are closed (netns_leave(), or
 * the process's exit, however it ends: nothing is left behind by a signal).
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and /dev/net/tun.
 *
 * One namespace per process (a process is in one namespace at a time), so
 * this state is a process-wide singleton: the second netns_enter() returns
 * the same device. */
#ifndef FINFUZZ_NETNS_H
#define FINFUZZ_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Documentation addresses (RFC 5737): the kernel's side and its peer. */
#define NETNS_KERNEL_ADDR 0xC0000201u /* 192.0.2.1 */
#define NETNS_PEER_ADDR   0xC0000202u /* 192.0.2.2 (any 192.0.2.x but .1 works) */

/* Why netns_enter() cannot run here, or NULL when it can (root and
 * /dev/net/tun present). Tests skip with this message. */
const char *netns_unavailable(void);

/* Enter the namespace and create the device (once). Returns the TUN fd
 * (non-blocking), or -1 with a reason in err. */
int netns_enter(char *err, size_t errlen);

/* Set a sysctl under /proc/sys/net/ inside the namespace, e.g.
 * ("ipv4/tcp_rfc1337", "1"). Returns 0 or -1. Refuses before netns_enter(),
 * so it can never touch the host's settings. */
int netns_sysctl(const char *name, const char *value);

/* Close the TUN device and return the process to its original namespace;
 * the private namespace disappears once no socket of it remains. */
void netns_leave(void);

/* A fresh port number for each connection (20000..39999, cycling), so that
 * a new run never meets an old run's TIME-WAIT socket. */
uint16_t netns_next_port(void);

/* Packets the kernel sends through the device go to whoever bound their TCP
 * destination port (the peer's port of one connection), so that many
 * connections can run at once over the one device. */
typedef void (*netns_packet_fn)(void *ctx, const uint8_t *pkt, size_t len);
/* Returns 0, or -1 if the port is taken or no memory. */
int netns_bind_port(uint16_t port, netns_packet_fn fn, void *ctx);
void netns_unbind_port(uint16_t port);
/* Read every packet waiting on the device and hand each to its port's
 * owner; others (to unbound ports, not IPv4/TCP) are counted and dropped.
 * Returns the number of packets read. */
unsigned netns_drain(void);
/* Packets drained that nobody had bound. */
uint64_t netns_unclaimed(void);
/* The TUN fd (for poll), -1 outside the namespace. */
int netns_tun_fd(void);

/* What the kernel holds for one connection of the namespace, from its
 * sock_diag interface (what `ss -tio` shows). */
struct netns_tcp_sock {
    uint8_t state;          /* the kernel's TCP_* state (TCP_ESTABLISHED = 1, ...) */
    uint8_t timer;          /* 0 none, 1 retransmission (or loss probe), 2 keep-alive
                               (also the orphan FIN-WAIT-2 timer), 3 TIME-WAIT,
                               4 zero-window probe */
    uint32_t expires_msecs; /* until that timer fires (0 when due or none) */
};

/* An IPv4 address (host order, e.g. NETNS_KERNEL_ADDR) into the 16-byte
 * address field of struct seg_ip. */
void netns_put_v4(uint8_t out[16], uint32_t addr);

/* Look up the socket the kernel would hand a segment from the peer's
 * port to the kernel's port (a connection, a TIME-WAIT socket, a pending
 * SYN-RECEIVED request or else a listener). Returns 1 and fills *out, 0 if
 * the kernel holds nothing for it, -1 on error (outside the namespace, no
 * sock_diag). */
int netns_tcp_lookup(uint16_t kernel_port, uint16_t peer_port, struct netns_tcp_sock *out);

/* Whether the process is inside the private namespace now. */
bool netns_active(void);

#endif
