/* The Linux kernel behind struct sut_ops, through TUN (see sut_linux.h). */
#include "sut_linux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"

static uint64_t wall_usecs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A wait longer than this first asks the kernel whether it could still act
 * (and, while the application holds no socket, asks again this often). */
#define IDLE_CHECK_USECS 50000u
/* The kernel's timer wheel (HZ=250) fires a timer up to one jiffy late, a
 * long one up to 1/8 of its length late (coarser wheel levels). */
#define JIFFY_USECS 4000u

static uint64_t wall_of(const struct sut_linux *l, uint64_t virt_usecs)
{
    return l->wall_start_usecs + (virt_usecs - l->virt_start_usecs);
}

static uint64_t virt_now(const struct sut_linux *l)
{
    return l->virt_start_usecs + (wall_usecs() - l->wall_start_usecs);
}

/* Nothing of this connection is left in the kernel (no socket of the
 * application, no connection, TIME-WAIT, request or listener on its
 * ports): the kernel cannot send anything until the peer does, so waiting
 * would show nothing. */
static bool kernel_idle(const struct sut_linux *l)
{
    if (l->conn_fd >= 0 || l->listen_fd >= 0)
        return false;
    struct netns_tcp_sock ks;
    return netns_tcp_lookup(l->k_local_port, l->k_peer_port, &ks) == 0;
}

/* One packet of this connection from the TUN device (netns.c routes it by
 * its destination port): to the driver with the driver's ports and
 * addresses, unless the run is over. */
static void dispatch(void *ctx, const uint8_t *pkt, size_t len)
{
    struct sut_linux *l = ctx;
    struct seg_ip ip;
    struct seg s;
    if (seg_decode_ip(pkt, len, 0, &ip, &s) != SEG_OK || ip.version != 4 ||
        s.sport != l->k_local_port || s.dport != l->k_peer_port) {
        l->foreign_packets++;
        return;
    }
    if (!l->reporting || !l->cb.segment_out)
        return;
    s.sport = l->how.local_port;
    s.dport = l->how.peer_port;
    /* Back to the driver's addresses; an IPv6 flow is carried over IPv4
     * inside the namespace (TCP's close does not depend on the IP version;
     * only the MSS the kernel offers differs). */
    ip.version = l->how.ip_version;
    ip.ip_id = ip.version == 6 ? 0 : ip.ip_id;
    memcpy(ip.src, l->how.local_addr, 16);
    memcpy(ip.dst, l->how.peer_addr, 16);
    l->cb.segment_out(l->cb.ctx, &ip, &s);
}

static void try_accept(struct sut_linux *l)
{
    if (l->listen_fd < 0 || l->conn_fd >= 0)
        return;
    int fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    l->conn_fd = fd;
    close(l->listen_fd); /* one connection per run, as the model */
    l->listen_fd = -1;
}

/* Read what the kernel sent until until_wall (no waiting if already past).
 * Packets of other connections running at the same time go to them. A
 * long wait in which the kernel holds nothing of this connection is
 * skipped: the clock mapping moves on by the rest of it at once. */
static void pump(struct sut_linux *l, uint64_t until_wall, bool report)
{
    l->reporting = report;
    for (;;) {
        netns_drain();
        try_accept(l);
        uint64_t now = wall_usecs();
        if (now >= until_wall)
            break;
        uint64_t wait = until_wall - now;
        if (wait > IDLE_CHECK_USECS && report && kernel_idle(l)) {
            l->wall_start_usecs -= wait;
            l->skipped_usecs += wait;
            break;
        }
        if (wait > IDLE_CHECK_USECS && l->conn_fd < 0 && l->listen_fd < 0)
            wait = IDLE_CHECK_USECS; /* its TIME-WAIT may end meanwhile */
        struct pollfd pf[2] = {{.fd = l->tun_fd, .events = POLLIN},
                               {.fd = l->listen_fd, .events = POLLIN}};
        struct timespec ts = {.tv_sec = (time_t)(wait / 1000000u),
                              .tv_nsec = (long)(wait % 1000000u) * 1000};
        ppoll(pf, l->listen_fd >= 0 ? 2 : 1, &ts, NULL);
    }
    l->reporting = true;
}

static void catch_up(struct sut_linux *l, uint64_t now_usecs)
{
    if (now_usecs > l->now_usecs)
        l->now_usecs = now_usecs;
    pump(l, wall_of(l, l->now_usecs), true);
}

static int fail(struct sut_linux *l, char *err, unsigned errlen, const char *what)
{
    netns_unbind_port(l->k_peer_port);
    if (err && errlen)
        snprintf(err, errlen, "linux target: %s: %s", what, strerror(errno));
    return -1;
}

static int linux_open(void *self, const struct sut_open *how, const struct sut_callbacks *cb,
                      char *err, unsigned errlen)
{
    struct sut_linux *l = self;
    l->listen_fd = l->conn_fd = -1;
    if (how->ip_version != 4 && how->ip_version != 6) {
        snprintf(err, errlen, "linux target: ip_version must be 4 or 6");
        return -1;
    }
    int tun = netns_enter(err, errlen);
    if (tun < 0)
        return -1;
    l->tun_fd = tun;
    /* What struct tcp_config asks for that Linux can do, as the sysctls of
     * this namespace (never the host's): RFC 1337's TIME-WAIT fix. */
    if (netns_sysctl("ipv4/tcp_rfc1337", how->cfg.rfc1337 ? "1" : "0") != 0) {
        snprintf(err, errlen, "linux target: cannot set tcp_rfc1337 in the namespace");
        return -1;
    }
    l->cb = *cb;
    l->how = *how;
    l->app_closed = false;
    l->foreign_packets = 0;
    l->k_local_port = netns_next_port();
    l->k_peer_port = (uint16_t)(l->k_local_port + 20000u);
    l->virt_start_usecs = l->now_usecs = how->now_usecs;
    l->wall_start_usecs = l->open_wall_usecs = wall_usecs();
    l->skipped_usecs = 0;
    netns_drain(); /* hand out (or drop) packets of earlier runs */
    if (netns_bind_port(l->k_peer_port, dispatch, l) != 0) {
        snprintf(err, errlen, "linux target: port %u is in use by another connection",
                 l->k_peer_port);
        return -1;
    }

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(l, err, errlen, "socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in local = {.sin_family = AF_INET,
                                .sin_port = htons(l->k_local_port),
                                .sin_addr.s_addr = htonl(NETNS_KERNEL_ADDR)};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        close(fd);
        return fail(l, err, errlen, "bind");
    }
    if (how->active) {
        struct sockaddr_in peer = {.sin_family = AF_INET,
                                   .sin_port = htons(l->k_peer_port),
                                   .sin_addr.s_addr = htonl(NETNS_PEER_ADDR)};
        if (connect(fd, (struct sockaddr *)&peer, sizeof peer) != 0 && errno != EINPROGRESS) {
            close(fd);
            return fail(l, err, errlen, "connect");
        }
        l->conn_fd = fd;
    } else {
        if (listen(fd, 4) != 0) {
            close(fd);
            return fail(l, err, errlen, "listen");
        }
        l->listen_fd = fd;
    }
    l->opened = true;
    pump(l, 0, true);
    return 0;
}

static long linux_recv(struct sut_linux *l, uint32_t len)
{
    long total = 0;
    while ((uint32_t)total < len) {
        size_t want = len - (uint32_t)total;
        if (want > sizeof l->rx)
            want = sizeof l->rx;
        ssize_t n = recv(l->conn_fd, l->rx, want, MSG_DONTWAIT);
        if (n <= 0)
            break;
        if (l->cb.data_in)
            l->cb.data_in(l->cb.ctx, l->rx, (uint32_t)n);
        total += n;
    }
    return total;
}

static long linux_send(struct sut_linux *l, uint32_t len)
{
    static const uint8_t zeros[4096];
    long total = 0;
    while ((uint32_t)total < len) {
        size_t want = len - (uint32_t)total;
        if (want > sizeof zeros)
            want = sizeof zeros;
        ssize_t n = send(l->conn_fd, zeros, want, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0)
            return total ? total : -1;
        total += n;
    }
    return total;
}

static void reset_and_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static long linux_app(void *self, enum ev_app_call call, uint32_t len, uint64_t now_usecs)
{
    struct sut_linux *l = self;
    if (!l->opened)
        return -1;
    catch_up(l, now_usecs);
    if (l->app_closed)
        return -1;
    long rc = -1;
    switch (call) {
    case APP_CONNECT:
    case APP_LISTEN:
        break; /* open() did it */
    case APP_SEND:
        rc = l->conn_fd >= 0 ? linux_send(l, len) : -1;
        break;
    case APP_RECV:
        rc = l->conn_fd >= 0 ? linux_recv(l, len) : -1;
        break;
    case APP_SHUTDOWN:
        rc = l->conn_fd >= 0 ? shutdown(l->conn_fd, SHUT_WR) : -1;
        break;
    case APP_CLOSE:
    case APP_ABORT:
        if (l->conn_fd >= 0) {
            if (call == APP_ABORT)
                reset_and_close(l->conn_fd);
            else
                close(l->conn_fd);
        }
        if (l->listen_fd >= 0)
            close(l->listen_fd);
        l->conn_fd = l->listen_fd = -1;
        l->app_closed = true;
        rc = 0;
        break;
    case APP_CALL_COUNT:
        break;
    }
    pump(l, 0, true);
    return rc;
}

static void linux_deliver(void *self, const struct seg_ip *ip, const struct seg *s,
                          uint64_t now_usecs)
{
    struct sut_linux *l = self;
    (void)ip;
    if (!l->opened)
        return;
    catch_up(l, now_usecs);
    struct seg k = *s;
    k.sport = l->k_peer_port;
    k.dport = l->k_local_port;
    struct seg_ip kip = {.version = 4, .ttl = 64, .ip_id = ip ? ip->ip_id : 0};
    netns_put_v4(kip.src, NETNS_PEER_ADDR);
    netns_put_v4(kip.dst, NETNS_KERNEL_ADDR);
    size_t n = seg_encode_ip(&kip, &k, l->pkt, sizeof l->pkt);
    if (n == 0 || write(l->tun_fd, l->pkt, n) != (ssize_t)n)
        return;
    pump(l, 0, true); /* the kernel answers while write() runs, mostly */
}

static void linux_advance(void *self, uint64_t now_usecs)
{
    struct sut_linux *l = self;
    if (l->opened)
        catch_up(l, now_usecs);
}

/* The kernel's next timer of this connection as sock_diag shows it
 * (retransmission, zero-window probe, keep-alive or FIN-WAIT-2, TIME-WAIT),
 * plus how late the timer wheel may fire it; none when no socket is left or
 * it has no timer running. Its delayed-ACK timer is not shown (at most
 * ~40 ms, answered by the waits after each segment). */
static uint64_t linux_next_deadline(void *self)
{
    struct sut_linux *l = self;
    struct netns_tcp_sock ks;
    if (!l->opened || netns_tcp_lookup(l->k_local_port, l->k_peer_port, &ks) != 1 || ks.timer == 0)
        return UINT64_MAX;
    uint64_t in_usecs = (uint64_t)ks.expires_msecs * 1000u;
    return virt_now(l) + in_usecs + in_usecs / 8u + JIFFY_USECS;
}

static uint64_t linux_now(void *self)
{
    const struct sut_linux *l = self;
    return l->opened ? virt_now(l) : l->now_usecs;
}

static uint64_t linux_waited(void *self)
{
    const struct sut_linux *l = self;
    return l->opened ? wall_usecs() - l->open_wall_usecs : 0;
}

static void linux_close(void *self)
{
    struct sut_linux *l = self;
    if (!l->opened)
        return;
    if (l->conn_fd >= 0)
        reset_and_close(l->conn_fd); /* an RST ends whatever is left */
    if (l->listen_fd >= 0)
        close(l->listen_fd);
    l->conn_fd = l->listen_fd = -1;
    pump(l, 0, false);
    netns_unbind_port(l->k_peer_port);
    l->opened = false;
}

bool sut_linux_kernel_state(const struct sut_linux *l, enum tcp_state *out)
{
    /* The kernel's TCP_* numbering (include/net/tcp_states.h), index 0
     * unused; TCP_CLOSE is CLOSED, TCP_NEW_SYN_RECV a request socket. */
    static const enum tcp_state of_kernel[] = {
        TCP_CLOSED,     TCP_ESTABLISHED, TCP_SYN_SENT,     TCP_SYN_RECEIVED, TCP_FIN_WAIT_1,
        TCP_FIN_WAIT_2, TCP_TIME_WAIT,   TCP_CLOSED,       TCP_CLOSE_WAIT,   TCP_LAST_ACK,
        TCP_LISTEN,     TCP_CLOSING,     TCP_SYN_RECEIVED,
    };
    if (!l->opened)
        return false;
    struct netns_tcp_sock ks;
    int found = netns_tcp_lookup(l->k_local_port, l->k_peer_port, &ks);
    if (found < 0 || (found && (ks.state == 0 || ks.state >= sizeof of_kernel / sizeof *of_kernel)))
        return false;
    *out = found ? of_kernel[ks.state] : TCP_CLOSED;
    return true;
}

const struct sut_ops sut_linux_ops = {
    .name = "linux",
    .reports_states = false,
    .real_time = true,
    .open = linux_open,
    .app = linux_app,
    .deliver = linux_deliver,
    .advance = linux_advance,
    .next_deadline = linux_next_deadline,
    .close = linux_close,
    .now = linux_now,
    .waited = linux_waited,
};
