/* A private network namespace with a TUN device (see netns.h). The state
 * below is process-wide because a process is in one namespace at a time. */
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define NETNS_IFNAME "ffz0"

static struct {
    bool active;
    int tun_fd;
    int orig_ns_fd; /* the namespace the process came from */
    int diag_fd;    /* NETLINK_SOCK_DIAG socket of the namespace, -1 until used */
    uint32_t ports_used;
    struct netns_port {
        netns_packet_fn fn;
        void *ctx;
    } * ports; /* 65536 entries once a port is bound */
    uint64_t unclaimed;
    uint8_t pkt[65536];
} ns = {.tun_fd = -1, .orig_ns_fd = -1, .diag_fd = -1};

int netns_bind_port(uint16_t port, netns_packet_fn fn, void *ctx)
{
    if (!ns.ports && !(ns.ports = calloc(65536, sizeof *ns.ports)))
        return -1;
    if (ns.ports[port].fn)
        return -1;
    ns.ports[port].fn = fn;
    ns.ports[port].ctx = ctx;
    return 0;
}

void netns_unbind_port(uint16_t port)
{
    if (ns.ports)
        ns.ports[port].fn = NULL;
}

/* The TCP destination port of an IPv4 packet, or -1. */
static int tcp_dport(const uint8_t *pkt, size_t len)
{
    if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != 6)
        return -1;
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl + 4)
        return -1;
    return (pkt[ihl + 2] << 8) | pkt[ihl + 3];
}

unsigned netns_drain(void)
{
    unsigned n = 0;
    ssize_t got;
    while (ns.active && (got = read(ns.tun_fd, ns.pkt, sizeof ns.pkt)) > 0) {
        n++;
        int port = tcp_dport(ns.pkt, (size_t)got);
        if (port >= 0 && ns.ports && ns.ports[port].fn)
            ns.ports[port].fn(ns.ports[port].ctx, ns.pkt, (size_t)got);
        else
            ns.unclaimed++;
    }
    return n;
}

uint64_t netns_unclaimed(void)
{
    return ns.unclaimed;
}

int netns_tun_fd(void)
{
    return ns.active ? ns.tun_fd : -1;
}

uint16_t netns_next_port(void)
{
    return (uint16_t)(20000u + (ns.ports_used++ % 20000u));
}

const char *netns_unavailable(void)
{
    if (geteuid() != 0)
        return "needs root (CAP_NET_ADMIN) to create a network namespace and a TUN device";
    if (access("/dev/net/tun", R_OK | W_OK) != 0)
        return "/dev/net/tun is missing or not accessible";
    return NULL;
}

static int write_file(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, value, strlen(value));
    close(fd);
    return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int set_addr_and_up(char *err, size_t errlen)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        snprintf(err, errlen, "netns: socket: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, NETNS_IFNAME, IFNAMSIZ - 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(NETNS_KERNEL_ADDR);
    int rc = ioctl(s, SIOCSIFADDR, &ifr);
    if (rc == 0) {
        sin->sin_addr.s_addr = htonl(0xFFFFFF00u);
        rc = ioctl(s, SIOCSIFNETMASK, &ifr);
    }
    if (rc == 0)
        rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (rc != 0)
        snprintf(err, errlen, "netns: configuring %s: %s", NETNS_IFNAME, strerror(errno));
    close(s);
    return rc;
}

int netns_enter(char *err, size_t errlen)
{
    if (ns.active)
        return ns.tun_fd;
    const char *why = netns_unavailable();
    if (why) {
        snprintf(err, errlen, "linux target: %s", why);
        return -1;
    }
    ns.orig_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (ns.orig_ns_fd < 0 || unshare(CLONE_NEWNET) != 0) {
        snprintf(err, errlen, "netns: unshare(CLONE_NEWNET): %s", strerror(errno));
        if (ns.orig_ns_fd >= 0)
            close(ns.orig_ns_fd);
        ns.orig_ns_fd = -1;
        return -1;
    }
    ns.active = true;
    ns.tun_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (ns.tun_fd < 0) {
        snprintf(err, errlen, "netns: open /dev/net/tun: %s", strerror(errno));
        netns_leave();
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, NETNS_IFNAME, IFNAMSIZ - 1);
    if (ioctl(ns.tun_fd, TUNSETIFF, &ifr) != 0) {
        snprintf(err, errlen, "netns: TUNSETIFF: %s", strerror(errno));
        netns_leave();
        return -1;
    }
    /* No IPv6 on the device: no router solicitations or MLD reports. */
    write_file("/proc/sys/net/ipv6/conf/" NETNS_IFNAME "/disable_ipv6", "1");
    if (set_addr_and_up(err, errlen) != 0) {
        netns_leave();
        return -1;
    }
    return ns.tun_fd;
}

int netns_sysctl(const char *name, const char *value)
{
    if (!ns.active || strstr(name, ".."))
        return -1;
    char path[256];
    snprintf(path, sizeof path, "/proc/sys/net/%s", name);
    return write_file(path, value);
}

void netns_put_v4(uint8_t out[16], uint32_t addr)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)(addr >> 24);
    out[1] = (uint8_t)(addr >> 16);
    out[2] = (uint8_t)(addr >> 8);
    out[3] = (uint8_t)addr;
}

int netns_tcp_lookup(uint16_t kernel_port, uint16_t peer_port, struct netns_tcp_sock *out)
{
    if (!ns.active)
        return -1;
    /* Opened inside the namespace, so it sees the namespace's sockets. */
    if (ns.diag_fd < 0)
        ns.diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (ns.diag_fd < 0)
        return -1;
    /* One exact lookup (no NLM_F_DUMP): the kernel searches its
     * established table (TIME-WAIT and request sockets included), then its
     * listeners, as for an arriving segment. */
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } rq;
    memset(&rq, 0, sizeof rq);
    rq.nlh.nlmsg_len = sizeof rq;
    rq.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    rq.nlh.nlmsg_flags = NLM_F_REQUEST;
    rq.req.sdiag_family = AF_INET;
    rq.req.sdiag_protocol = IPPROTO_TCP;
    rq.req.idiag_states = ~0u;
    rq.req.id.idiag_sport = htons(kernel_port);
    rq.req.id.idiag_dport = htons(peer_port);
    rq.req.id.idiag_src[0] = htonl(NETNS_KERNEL_ADDR);
    rq.req.id.idiag_dst[0] = htonl(NETNS_PEER_ADDR);
    rq.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    rq.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(ns.diag_fd, &rq, sizeof rq, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
        return -1;
    union {
        struct nlmsghdr nlh;
        uint8_t bytes[8192];
    } rx;
    ssize_t n = recv(ns.diag_fd, &rx, sizeof rx, 0);
    if (n < (ssize_t)sizeof rx.nlh || rx.nlh.nlmsg_len > (size_t)n)
        return -1;
    if (rx.nlh.nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(&rx.nlh);
        if (rx.nlh.nlmsg_len < NLMSG_LENGTH(sizeof *e))
            return -1;
        return e->error == -ENOENT ? 0 : -1;
    }
    if (rx.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        rx.nlh.nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
        return -1;
    const struct inet_diag_msg *m = NLMSG_DATA(&rx.nlh);
    out->state = m->idiag_state;
    out->timer = m->idiag_timer;
    out->expires_msecs = m->idiag_expires;
    return 1;
}

void netns_leave(void)
{
    if (!ns.active)
        return;
    if (ns.diag_fd >= 0)
        close(ns.diag_fd);
    ns.diag_fd = -1;
    if (ns.tun_fd >= 0)
        close(ns.tun_fd);
    ns.tun_fd = -1;
    free(ns.ports);
    ns.ports = NULL;
    if (ns.orig_ns_fd >= 0) {
        if (setns(ns.orig_ns_fd, CLONE_NEWNET) != 0)
            perror("netns: setns back to the original namespace");
        close(ns.orig_ns_fd);
    }
    ns.orig_ns_fd = -1;
    ns.active = false;
}

bool netns_active(void)
{
    return ns.active;
}
