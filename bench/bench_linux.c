/* Complete closes per second against the Linux kernel through TUN (target:
 * >= 500/s). Many connections run at once through the Linux adapter (one
 * namespace, one TUN device, packets routed by port): each one is a passive
 * open, the kernel's application closes first, the peer answers FIN+ACK, and
 * the kernel's last ACK ends it (the kernel is then in TIME-WAIT). A close
 * counts when that last ACK arrives. Prints figures only; without root it
 * says so and exits 0. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/netns.h"
#include "harness/sut_linux.h"

#ifndef PARALLEL
#define PARALLEL 64
#endif
#ifndef TOTAL
#define TOTAL 3000
#endif
#define PEER_ISS 1000u

enum step { ST_SYN_SENT = 0, ST_ACKED, ST_CLOSED_BY_APP, ST_FIN_SENT, ST_DONE };

struct conn {
    struct sut_linux sut;
    bool open;
    enum step step;
    bool synack, fin, last_ack; /* seen from the kernel, set by the callback */
    uint32_t k_iss, k_fin_seq;
    uint64_t t0_usecs;
};

static uint64_t wall_usecs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_segment(void *ctx, const struct seg_ip *ip, const struct seg *s)
{
    struct conn *c = ctx;
    (void)ip;
    if ((s->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
        c->synack = true;
        c->k_iss = s->seq;
    } else if (s->flags & TCP_FIN) {
        c->fin = true;
        c->k_fin_seq = s->seq;
    } else if (c->step == ST_FIN_SENT && (s->flags & TCP_ACK) && s->ack == PEER_ISS + 2) {
        c->last_ack = true;
    }
}

static void send_peer(struct conn *c, uint8_t flags, uint32_t seq, uint32_t ack)
{
    struct seg_ip ip = {.version = 4, .ttl = 64};
    netns_put_v4(ip.src, 0xC6336402u);
    netns_put_v4(ip.dst, 0xC6336401u);
    struct seg s = {
        .sport = 40000, .dport = 8080, .seq = seq, .ack = ack, .flags = flags, .window = 65535};
    if (flags & TCP_SYN) {
        s.opts.has_mss = true;
        s.opts.mss = 1460;
    }
    sut_linux_ops.deliver(&c->sut, &ip, &s, 0);
}

static int start(struct conn *c)
{
    memset(c, 0, sizeof *c);
    struct sut_open how = {
        .active = false, .ip_version = 4, .local_port = 8080, .peer_port = 40000};
    netns_put_v4(how.local_addr, 0xC6336401u);
    netns_put_v4(how.peer_addr, 0xC6336402u);
    struct sut_callbacks cb = {.ctx = c, .segment_out = on_segment};
    char err[200];
    if (sut_linux_ops.open(&c->sut, &how, &cb, err, sizeof err) != 0) {
        fprintf(stderr, "bench_linux: %s\n", err);
        return -1;
    }
    c->open = true;
    c->t0_usecs = wall_usecs();
    send_peer(c, TCP_SYN, PEER_ISS, 0);
    return 0;
}

/* Move c on by what the kernel sent; true when its close is complete. */
static bool step(struct conn *c)
{
    switch (c->step) {
    case ST_SYN_SENT:
        if (!c->synack)
            return false;
        c->step = ST_ACKED;
        send_peer(c, TCP_ACK, PEER_ISS + 1, c->k_iss + 1);
        return false;
    case ST_ACKED:
        /* The adapter accepts once the kernel queued the connection. */
        if (c->sut.conn_fd < 0)
            return false;
        sut_linux_ops.app(&c->sut, APP_CLOSE, 0, 0);
        c->step = ST_CLOSED_BY_APP;
        return false;
    case ST_CLOSED_BY_APP:
        if (!c->fin)
            return false;
        c->step = ST_FIN_SENT; /* the answer may come while send_peer runs */
        send_peer(c, TCP_FIN | TCP_ACK, PEER_ISS + 1, c->k_fin_seq + 1);
        return false;
    case ST_FIN_SENT:
        if (!c->last_ack)
            return false;
        c->step = ST_DONE;
        return true;
    case ST_DONE:
        break;
    }
    return true;
}

int main(void)
{
    const char *why = netns_unavailable();
    if (why) {
        printf("bench_linux: skipped: the Linux adapter %s\n", why);
        return 0;
    }
    static struct conn conns[PARALLEL];
    unsigned started = 0, done = 0, stuck = 0;
    uint64_t t_start = wall_usecs(), latency_sum = 0;
    for (unsigned i = 0; i < PARALLEL && started < TOTAL; i++, started++)
        if (start(&conns[i]) != 0)
            return 1;
    while (done + stuck < started) {
        struct pollfd pf = {.fd = netns_tun_fd(), .events = POLLIN};
        poll(&pf, 1, 1);
        for (unsigned i = 0; i < PARALLEL; i++) {
            struct conn *c = &conns[i];
            if (!c->open)
                continue;
            sut_linux_ops.advance(&c->sut, 0); /* collect without waiting */
            bool finished = step(c);
            bool too_old = wall_usecs() - c->t0_usecs > 2000000u;
            if (!finished && !too_old)
                continue;
            if (finished) {
                done++;
                latency_sum += wall_usecs() - c->t0_usecs;
            } else {
                stuck++;
            }
            sut_linux_ops.close(&c->sut);
            c->open = false;
            if (started < TOTAL) {
                if (start(c) != 0)
                    return 1;
                started++;
            }
        }
    }
    double secs = (double)(wall_usecs() - t_start) / 1e6;
    printf("linux closes: %u complete closes in %.2f s = %.0f closes/s with %d at once "
           "(mean %.2f ms each; %u timed out); vs target: %.2fx of 500/s\n",
           done, secs, done / secs, PARALLEL, done ? latency_sum / 1000.0 / done : 0.0, stuck,
           done / secs / 500.0);
    netns_leave();
    return 0;
}
