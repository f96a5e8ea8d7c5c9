/* The Linux adapter (harness/sut_linux.c): the running kernel's TCP through
 * a TUN device in a private network namespace. A real handshake and both
 * kinds of close, with the kernel's exact answers. Skips (exit 77) without
 * root or /dev/net/tun; CI runs it as root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/netns.h"
#include "harness/sut_linux.h"

#define SUT_PORT  8080
#define PEER_PORT 40000
#define MS        1000ull
#define SEGS_MAX  64

struct rec {
    struct seg segs[SEGS_MAX];
    unsigned n;
    uint32_t data_in;
};

static void on_segment(void *ctx, const struct seg_ip *ip, const struct seg *s)
{
    struct rec *r = ctx;
    (void)ip;
    if (r->n < SEGS_MAX) {
        r->segs[r->n] = *s;
        r->segs[r->n].payload = NULL;
        r->n++;
    }
}

static void on_data(void *ctx, const uint8_t *data, uint32_t len)
{
    struct rec *r = ctx;
    (void)data;
    r->data_in += len;
}

struct env {
    struct sut_linux sut;
    struct rec rec;
    uint32_t peer_seq;
    uint64_t now;
};

static void env_open(struct env *e, bool active)
{
    memset(&e->rec, 0, sizeof e->rec);
    struct sut_open how = {
        .active = active, .ip_version = 4, .local_port = SUT_PORT, .peer_port = PEER_PORT};
    /* The driver's own addresses: the adapter maps them to the namespace's. */
    netns_put_v4(how.local_addr, 0xC6336401u); /* 198.51.100.1 */
    netns_put_v4(how.peer_addr, 0xC6336402u);
    tcp_config_default(&how.cfg);
    struct sut_callbacks cb = {.ctx = &e->rec, .segment_out = on_segment, .data_in = on_data};
    char err[200] = "";
    if (sut_linux_ops.open(&e->sut, &how, &cb, err, sizeof err) != 0)
        fail_msg("open: %s", err);
    e->now = 0;
}

static void peer_send(struct env *e, uint8_t flags, uint32_t ack, uint32_t len)
{
    static const uint8_t payload[1460];
    struct seg_ip ip = {.version = 4, .ttl = 64};
    netns_put_v4(ip.src, 0xC6336402u);
    netns_put_v4(ip.dst, 0xC6336401u);
    struct seg s = {.sport = PEER_PORT,
                    .dport = SUT_PORT,
                    .seq = e->peer_seq,
                    .ack = ack,
                    .flags = flags,
                    .window = 65535,
                    .payload_len = len,
                    .payload = len ? payload : NULL};
    if (flags & TCP_SYN) {
        s.opts.has_mss = true;
        s.opts.mss = 1460;
    }
    e->now += 1 * MS;
    sut_linux_ops.deliver(&e->sut, &ip, &s, e->now);
    e->peer_seq += seg_len(&s);
}

/* Wait up to 200 ms of real time for the kernel's next segment. */
static const struct seg *expect_segment(struct env *e, unsigned index)
{
    for (int i = 0; i < 40 && e->rec.n <= index; i++) {
        e->now += 5 * MS;
        sut_linux_ops.advance(&e->sut, e->now);
    }
    if (e->rec.n <= index)
        fail_msg("the kernel sent no segment #%u within 200 ms", index);
    return &e->rec.segs[index];
}

static void check_ports(const struct seg *s)
{
    assert_int_equal(s->sport, SUT_PORT);
    assert_int_equal(s->dport, PEER_PORT);
}

/* ================= passive open, peer closes first ================= */

static void test_linux_passive_open_and_passive_close(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, false);
    e.peer_seq = 1000;
    peer_send(&e, TCP_SYN, 0, 0);
    const struct seg *synack = expect_segment(&e, 0);
    check_ports(synack);
    assert_int_equal(synack->flags, TCP_SYN | TCP_ACK);
    assert_int_equal(synack->ack, 1001);
    uint32_t iss = synack->seq;
    peer_send(&e, TCP_ACK, iss + 1, 0);
    peer_send(&e, TCP_ACK | TCP_PSH, iss + 1, 100);
    uint32_t fin_seq = e.peer_seq;
    peer_send(&e, TCP_FIN | TCP_ACK, iss + 1, 0);
    /* The kernel ACKs data and FIN (after its ~4 ms delayed ACK). */
    const struct seg *ack = NULL;
    for (unsigned i = 1; i < 8; i++) {
        ack = expect_segment(&e, i);
        if (ack->ack == fin_seq + 1)
            break;
    }
    assert_int_equal(ack->ack, fin_seq + 1); /* fin-ack-plus-one */
    assert_true(ack->flags & TCP_ACK);
    e.now += 1 * MS;
    assert_int_equal(sut_linux_ops.app(&e.sut, APP_RECV, 1000, e.now), 100);
    assert_int_equal(e.rec.data_in, 100);
    unsigned before = e.rec.n;
    assert_int_equal(sut_linux_ops.app(&e.sut, APP_CLOSE, 0, e.now), 0);
    const struct seg *fin = expect_segment(&e, before);
    assert_int_equal(fin->flags, TCP_FIN | TCP_ACK);
    assert_int_equal(fin->seq, iss + 1);
    peer_send(&e, TCP_ACK, iss + 2, 0);
    e.now += 20 * MS;
    sut_linux_ops.advance(&e.sut, e.now);
    assert_int_equal(e.rec.n, before + 1); /* LAST-ACK -> CLOSED: silence */
    sut_linux_ops.close(&e.sut);
}

/* ================= active open, kernel closes first ================= */

static void test_linux_active_open_and_active_close(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, true);
    const struct seg *syn = expect_segment(&e, 0);
    check_ports(syn);
    assert_int_equal(syn->flags, TCP_SYN);
    uint32_t iss = syn->seq;
    e.peer_seq = 7000;
    peer_send(&e, TCP_SYN | TCP_ACK, iss + 1, 0);
    const struct seg *ack = expect_segment(&e, 1);
    assert_int_equal(ack->flags, TCP_ACK);
    assert_int_equal(ack->ack, 7001);
    e.now += 1 * MS;
    assert_int_equal(sut_linux_ops.app(&e.sut, APP_CLOSE, 0, e.now), 0);
    const struct seg *fin = expect_segment(&e, 2);
    assert_int_equal(fin->flags, TCP_FIN | TCP_ACK);
    assert_int_equal(fin->seq, iss + 1);
    uint32_t peer_fin = e.peer_seq;
    peer_send(&e, TCP_FIN | TCP_ACK, iss + 2, 0); /* FIN-WAIT-1 -> TIME-WAIT */
    const struct seg *last = expect_segment(&e, 3);
    assert_int_equal(last->flags, TCP_ACK);
    assert_int_equal(last->ack, peer_fin + 1);
    assert_int_equal(last->seq, iss + 2);
    sut_linux_ops.close(&e.sut);
}

/* An RST in ESTABLISHED is exact: the kernel stays silent afterwards. */
static void test_linux_established_rcv_rst(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, false);
    e.peer_seq = 3000;
    peer_send(&e, TCP_SYN, 0, 0);
    uint32_t iss = expect_segment(&e, 0)->seq;
    peer_send(&e, TCP_ACK, iss + 1, 0);
    peer_send(&e, TCP_RST | TCP_ACK, iss + 1, 0);
    e.now += 1 * MS;
    assert_int_equal(sut_linux_ops.app(&e.sut, APP_SEND, 10, e.now), -1); /* ECONNRESET */
    e.now += 20 * MS;
    sut_linux_ops.advance(&e.sut, e.now);
    assert_int_equal(e.rec.n, 1);
    sut_linux_ops.close(&e.sut);
}

/* ================= the kernel's own state and timers ================= */

static enum tcp_state kernel_state(const struct env *e)
{
    enum tcp_state st;
    assert_true(sut_linux_kernel_state(&e->sut, &st));
    return st;
}

/* How far ahead of now the adapter puts the kernel's next timer. */
static uint64_t next_timer_in(struct env *e)
{
    uint64_t dl = sut_linux_ops.next_deadline(&e->sut);
    if (dl == UINT64_MAX)
        return UINT64_MAX;
    uint64_t now = sut_linux_ops.now(&e->sut);
    return dl > now ? dl - now : 0;
}

/* An active close read through sock_diag: the states `ss` would show, and
 * the timers the driver's "to the next timer" waits for. */
static void test_linux_kernel_state_and_timers(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, true);
    uint32_t iss = expect_segment(&e, 0)->seq;
    assert_int_equal(kernel_state(&e), TCP_SYN_SENT);
    uint64_t syn_rto = next_timer_in(&e); /* the SYN's 1 s RTO (RFC 6298 §2.1) */
    assert_true(syn_rto > 600 * MS && syn_rto < 1300 * MS);
    e.peer_seq = 5000;
    peer_send(&e, TCP_SYN | TCP_ACK, iss + 1, 0);
    expect_segment(&e, 1);
    assert_int_equal(kernel_state(&e), TCP_ESTABLISHED);
    assert_true(next_timer_in(&e) == UINT64_MAX); /* nothing in flight, no keep-alive */
    e.now += 1 * MS;
    sut_linux_ops.app(&e.sut, APP_CLOSE, 0, e.now);
    expect_segment(&e, 2);
    assert_int_equal(kernel_state(&e), TCP_FIN_WAIT_1);
    uint64_t fin_rto = next_timer_in(&e); /* 200 ms minimum RTO on Linux */
    assert_true(fin_rto > 50 * MS && fin_rto < 400 * MS);
    peer_send(&e, TCP_FIN | TCP_ACK, iss + 2, 0);
    expect_segment(&e, 3);
    assert_int_equal(kernel_state(&e), TCP_TIME_WAIT);
    uint64_t tw = next_timer_in(&e); /* TIME-WAIT: 60 s, fixed in Linux */
    assert_true(tw > 55000 * MS && tw < 70000 * MS);
    sut_linux_ops.close(&e.sut);
}

/* A wait in which the kernel holds nothing of the connection (the
 * listener closed, nothing ever connected) is skipped: 100 s take no time,
 * and the adapter's clock moves on by them without counting them waited. */
static void test_linux_idle_wait_skipped(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, false);
    assert_int_equal(kernel_state(&e), TCP_LISTEN);
    e.now += 1 * MS;
    sut_linux_ops.app(&e.sut, APP_CLOSE, 0, e.now);
    assert_int_equal(kernel_state(&e), TCP_CLOSED);
    e.now += 100000 * MS;
    sut_linux_ops.advance(&e.sut, e.now);
    assert_true(sut_linux_ops.now(&e.sut) >= e.now);
    assert_true(sut_linux_ops.waited(&e.sut) < 5000 * MS);
    assert_true(e.sut.skipped_usecs > 95000 * MS);
    assert_int_equal(e.rec.n, 0);
    sut_linux_ops.close(&e.sut);
}

int main(void)
{
    const char *why = netns_unavailable();
    if (why) {
        printf("skip: the Linux adapter %s\n", why);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_passive_open_and_passive_close),
        cmocka_unit_test(test_linux_active_open_and_active_close),
        cmocka_unit_test(test_linux_established_rcv_rst),
        cmocka_unit_test(test_linux_kernel_state_and_timers),
        cmocka_unit_test(test_linux_idle_wait_skipped),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    netns_leave();
    return rc;
}
