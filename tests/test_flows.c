/* Flow table tests: who is endpoint A, when a new incarnation starts (and
 * when a SYN stays in the old one), when closed flows are finished, the cap
 * on flows held at once, and that memory stays bounded by open flows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/event.h"
#include "harness/flows.h"

#define SEC 1000000ull
#define T0  (1700000000ull * SEC)

/* ---- a recording sink ---- */

#define REC_MAX 64

struct rec_finish {
    uint64_t id;
    unsigned incarnation;
    enum flow_end why;
    uint64_t first_frame, last_frame, segments;
    char name[FLOW_NAME_MAX];
};

struct rec {
    unsigned opened, live;
    size_t nfinished;
    struct rec_finish finished[REC_MAX];
    /* (flow id, endpoint) of each delivered segment, by frame */
    int64_t flow_of_frame[REC_MAX];
    int ep_of_frame[REC_MAX];
};

static void *rec_open(void *ctx, struct flow *f)
{
    struct rec *r = ctx;
    (void)f;
    r->opened++;
    r->live++;
    return r;
}

static void rec_segment(void *ctx, struct flow *f, uint8_t ep, const struct cap_segment *cs)
{
    struct rec *r = ctx;
    if (cs->frame < REC_MAX) {
        r->flow_of_frame[cs->frame] = (int64_t)f->id;
        r->ep_of_frame[cs->frame] = ep;
    }
}

static void rec_finish(void *ctx, struct flow *f, uint64_t end, enum flow_end why)
{
    struct rec *r = ctx;
    (void)end;
    r->live--;
    if (r->nfinished < REC_MAX) {
        struct rec_finish *x = &r->finished[r->nfinished++];
        x->id = f->id;
        x->incarnation = f->incarnation;
        x->why = why;
        x->first_frame = f->first_frame;
        x->last_frame = f->last_frame;
        x->segments = f->segments;
        flow_name(f, x->name);
    }
}

struct fixture {
    struct rec rec;
    struct flow_table t;
    uint64_t frame;
};

/* Every test runs twice: with segments routed by flows_segment(), and as
 * the checker routes them, by flows_segment_fast() (the caller then judging
 * the segment itself) with flows_segment_prepared() for the rest. Both must
 * give the same flows, endpoints and ends. */
static bool route_fast;

static int use_flows_segment(void **state)
{
    (void)state;
    route_fast = false;
    return 0;
}

static int use_flows_segment_fast(void **state)
{
    (void)state;
    route_fast = true;
    return 0;
}

static enum flow_warn route(struct fixture *fx, const struct cap_segment *cs)
{
    if (!route_fast)
        return flows_segment(&fx->t, cs);
    struct flow_lookup l;
    uint8_t ep;
    struct flow *f =
        flows_segment_fast(&fx->t, &cs->ip, cs->frame, cs->time_usecs, &cs->seg, &l, &ep);
    if (f) {
        rec_segment(&fx->rec, f, ep, cs);
        return FLOW_WARN_NONE;
    }
    return flows_segment_prepared(&fx->t, cs, &l);
}

static void fx_init(struct fixture *fx, uint64_t linger, size_t max_flows)
{
    memset(fx, 0, sizeof *fx);
    for (size_t i = 0; i < REC_MAX; i++)
        fx->rec.flow_of_frame[i] = -1;
    struct flow_hooks h = {&fx->rec, rec_open, rec_segment, rec_finish};
    flows_init(&fx->t, &h, linger, max_flows);
}

/* Client 192.0.2.<c>:<cport> talking to server 192.0.2.100:80 (or v6). */
static enum flow_warn put(struct fixture *fx, uint64_t t, int version, uint8_t c, uint16_t cport,
                          bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    struct cap_segment cs;
    memset(&cs, 0, sizeof cs);
    cs.frame = ++fx->frame;
    cs.time_usecs = t;
    cs.ip.version = (uint8_t)version;
    uint8_t client[16] = {0}, server[16] = {0};
    if (version == 4) {
        client[0] = 192, client[2] = 2, client[3] = c;
        server[0] = 192, server[2] = 2, server[3] = 100;
    } else {
        client[0] = 0x20, client[1] = 0x01, client[15] = c;
        server[0] = 0x20, server[1] = 0x01, server[15] = 100;
    }
    memcpy(cs.ip.src, from_client ? client : server, 16);
    memcpy(cs.ip.dst, from_client ? server : client, 16);
    cs.seg.sport = from_client ? cport : 80;
    cs.seg.dport = from_client ? 80 : cport;
    cs.seg.flags = flags;
    cs.seg.seq = seq;
    cs.seg.ack = ack;
    cs.seg.payload_len = len;
    return route(fx, &cs);
}

/* A whole connection: handshake, one data segment, close by the client. */
static void conn(struct fixture *fx, uint64_t t, uint8_t c, uint16_t port, uint32_t isn_c,
                 uint32_t isn_s)
{
    put(fx, t, 4, c, port, true, TCP_SYN, isn_c, 0, 0);
    put(fx, t + 1, 4, c, port, false, TCP_SYN | TCP_ACK, isn_s, isn_c + 1, 0);
    put(fx, t + 2, 4, c, port, true, TCP_ACK, isn_c + 1, isn_s + 1, 0);
    put(fx, t + 3, 4, c, port, true, TCP_ACK | TCP_FIN, isn_c + 1, isn_s + 1, 0);
    put(fx, t + 4, 4, c, port, false, TCP_ACK | TCP_FIN, isn_s + 1, isn_c + 2, 0);
    put(fx, t + 5, 4, c, port, true, TCP_ACK, isn_c + 2, isn_s + 2, 0);
}

static void fx_end(struct fixture *fx)
{
    flows_finish_all(&fx->t, fx->t.last_usecs);
    flows_free(&fx->t);
    assert_int_equal(fx->rec.live, 0);
}

/* ---- endpoint A ---- */

static void test_a_is_the_syn_sender(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 0);
    put(&fx, T0, 4, 1, 40000, true, TCP_SYN, 100, 0, 0);
    put(&fx, T0 + 1, 4, 1, 40000, false, TCP_SYN | TCP_ACK, 500, 101, 0);
    assert_int_equal(fx.rec.ep_of_frame[1], EP_A);
    assert_int_equal(fx.rec.ep_of_frame[2], EP_B);
    fx_end(&fx);
    assert_string_equal(fx.rec.finished[0].name, "192.0.2.1:40000-192.0.2.100:80");
}

static void test_a_is_the_syn_ack_receiver_when_the_syn_is_missing(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 0);
    put(&fx, T0, 6, 1, 40000, false, TCP_SYN | TCP_ACK, 500, 101, 0);
    put(&fx, T0 + 1, 6, 1, 40000, true, TCP_ACK, 101, 501, 0);
    assert_int_equal(fx.rec.ep_of_frame[1], EP_B);
    assert_int_equal(fx.rec.ep_of_frame[2], EP_A);
    fx_end(&fx);
    assert_string_equal(fx.rec.finished[0].name, "[2001::1]:40000-[2001::64]:80");
}

static void test_a_is_the_first_sender_mid_connection(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 0);
    put(&fx, T0, 4, 1, 40000, false, TCP_ACK, 500, 101, 10);
    put(&fx, T0 + 1, 4, 1, 40000, true, TCP_ACK, 101, 510, 0);
    assert_int_equal(fx.rec.ep_of_frame[1], EP_A);
    fx_end(&fx);
    assert_string_equal(fx.rec.finished[0].name, "192.0.2.100:80-192.0.2.1:40000");
}

/* ---- incarnations ---- */

static void test_syn_answered_by_syn_ack_starts_new_incarnation(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 0);
    conn(&fx, T0, 1, 40000, 1000, 5000);            /* frames 1-6 */
    conn(&fx, T0 + 1 * SEC, 1, 40000, 9000, 70000); /* frames 7-12 */
    fx_end(&fx);
    assert_int_equal(fx.rec.nfinished, 2);
    assert_int_equal(fx.rec.finished[0].why, FLOW_END_REUSED);
    assert_int_equal(fx.rec.finished[0].incarnation, 1);
    /* The old flow saw the new SYN and its answer, where reuse is judged. */
    assert_int_equal(fx.rec.finished[0].last_frame, 8);
    assert_int_equal(fx.rec.finished[1].incarnation, 2);
    assert_int_equal(fx.rec.finished[1].first_frame, 7);
    assert_int_equal(fx.rec.finished[1].segments, 6);
    assert_int_equal(fx.rec.flow_of_frame[9], (int64_t)fx.rec.finished[1].id);
}

static void test_syn_answered_by_ack_stays_in_old_flow(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 0);
    conn(&fx, T0, 1, 40000, 1000, 5000); /* frames 1-6 */
    /* A probe SYN from the server side into the client's TIME-WAIT draws a
     * bare ACK, as in h_timewait_probes.pcap. */
    put(&fx, T0 + SEC, 4, 1, 40000, false, TCP_SYN, 9999, 0, 0);
    put(&fx, T0 + SEC + 1, 4, 1, 40000, true, TCP_ACK, 1002, 5002, 0);
    fx_end(&fx);
    assert_int_equal(fx.rec.nfinished, 1);
    assert_int_equal(fx.rec.finished[0].segments, 8);
    assert_int_equal(fx.rec.finished[0].why, FLOW_END_EOF);
}

static void test_retransmitted_syn_is_same_flow(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 0);
    put(&fx, T0, 4, 1, 40000, true, TCP_SYN, 100, 0, 0);
    put(&fx, T0 + SEC, 4, 1, 40000, true, TCP_SYN, 100, 0, 0);
    put(&fx, T0 + SEC + 1, 4, 1, 40000, false, TCP_SYN | TCP_ACK, 500, 101, 0);
    fx_end(&fx);
    assert_int_equal(fx.rec.nfinished, 1);
    assert_int_equal(fx.rec.finished[0].segments, 3);
}

/* ---- finishing and memory ---- */

static void test_closed_flow_finishes_after_linger(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 60 * SEC, 0);
    conn(&fx, T0, 1, 40000, 1000, 5000);
    put(&fx, T0 + 10 * SEC, 4, 2, 40001, true, TCP_SYN, 1, 0, 0); /* keeps time going */
    assert_int_equal(fx.rec.nfinished, 0);
    put(&fx, T0 + 61 * SEC, 4, 2, 40001, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 1);
    assert_int_equal(fx.rec.finished[0].why, FLOW_END_LINGERED);
    /* An open flow is never finished by time alone. */
    put(&fx, T0 + 1000 * SEC, 4, 3, 40002, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 1);
    fx_end(&fx);
    assert_int_equal(fx.rec.nfinished, 3);
}

static void test_segment_in_time_wait_extends_linger(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 60 * SEC, 0);
    conn(&fx, T0, 1, 40000, 1000, 5000);
    /* retransmitted server FIN at 50 s */
    put(&fx, T0 + 50 * SEC, 4, 1, 40000, false, TCP_ACK | TCP_FIN, 5001, 1002, 0);
    put(&fx, T0 + 100 * SEC, 4, 2, 40001, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 0);
    put(&fx, T0 + 111 * SEC, 4, 2, 40001, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 1);
    fx_end(&fx);
}

static void test_rst_closes_flow(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 10 * SEC, 0);
    put(&fx, T0, 4, 1, 40000, true, TCP_SYN, 100, 0, 0);
    put(&fx, T0 + 1, 4, 1, 40000, false, TCP_RST | TCP_ACK, 0, 101, 0);
    put(&fx, T0 + 11 * SEC + 2, 4, 2, 40000, true, TCP_SYN, 100, 0, 0);
    assert_int_equal(fx.rec.nfinished, 1);
    fx_end(&fx);
}

static void test_cap_evicts_least_recently_active(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 240 * SEC, 2);
    assert_int_equal(put(&fx, T0, 4, 1, 1, true, TCP_SYN, 1, 0, 0), FLOW_WARN_NONE);
    assert_int_equal(put(&fx, T0 + 1, 4, 2, 1, true, TCP_SYN, 1, 0, 0), FLOW_WARN_NONE);
    assert_int_equal(put(&fx, T0 + 2, 4, 1, 1, true, TCP_ACK, 2, 0, 0), FLOW_WARN_NONE);
    assert_int_equal(put(&fx, T0 + 3, 4, 3, 1, true, TCP_SYN, 1, 0, 0), FLOW_WARN_FULL);
    assert_int_equal(fx.rec.nfinished, 1);
    assert_int_equal(fx.rec.finished[0].why, FLOW_END_EVICTED);
    assert_string_equal(fx.rec.finished[0].name, "192.0.2.2:1-192.0.2.100:80");
    /* The warning comes once. */
    assert_int_equal(put(&fx, T0 + 4, 4, 4, 1, true, TCP_SYN, 1, 0, 0), FLOW_WARN_NONE);
    assert_int_equal(fx.t.count, 2);
    fx_end(&fx);
}

/* A closed flow lingers from its close (or its last segment) even when a
 * SYN comes on it from an end whose first sequence number was never seen:
 * that number is not kept (flows.c keeps the closed list's time in its
 * room). */
static void test_syn_on_closed_flow_keeps_its_linger(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 10 * SEC, 0);
    /* Seen from mid-connection: no SYN, so no first sequence number. */
    put(&fx, T0, 4, 1, 40000, true, TCP_ACK, 100, 500, 0);
    put(&fx, T0 + 1, 4, 1, 40000, true, TCP_ACK | TCP_FIN, 100, 500, 0);
    put(&fx, T0 + 2, 4, 1, 40000, false, TCP_ACK | TCP_FIN, 500, 101, 0);
    put(&fx, T0 + 3, 4, 1, 40000, true, TCP_ACK, 101, 501, 0);
    put(&fx, T0 + SEC, 4, 1, 40000, true, TCP_SYN, 0xffffffffu, 0, 0);
    put(&fx, T0 + 12 * SEC, 4, 2, 40001, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 1);
    assert_int_equal(fx.rec.finished[0].why, FLOW_END_LINGERED);
    assert_int_equal(fx.rec.finished[0].segments, 5);
    fx_end(&fx);
}

/* The eviction clock goes over the open flows in creation order, and the
 * flows left at the end are finished in creation order, also when the
 * flows' memory is reused in another order (finished flows' memory goes
 * to the next new flows, the last finished first). */
static void test_creation_order_survives_reused_memory(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 10 * SEC, 3);
    conn(&fx, T0, 1, 1, 1000, 5000);
    conn(&fx, T0 + SEC, 2, 1, 1000, 5000);
    /* Both linger out; the next two flows take their memory, the last
     * finished's first. */
    put(&fx, T0 + 20 * SEC, 4, 3, 1, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 2);
    put(&fx, T0 + 21 * SEC, 4, 4, 1, true, TCP_SYN, 1, 0, 0);
    put(&fx, T0 + 22 * SEC, 4, 5, 1, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(put(&fx, T0 + 23 * SEC, 4, 6, 1, true, TCP_SYN, 1, 0, 0), FLOW_WARN_FULL);
    assert_int_equal(put(&fx, T0 + 24 * SEC, 4, 7, 1, true, TCP_SYN, 1, 0, 0), FLOW_WARN_NONE);
    fx_end(&fx);
    static const struct {
        const char *name;
        enum flow_end why;
    } want[] = {
        {"192.0.2.1:1-192.0.2.100:80", FLOW_END_LINGERED},
        {"192.0.2.2:1-192.0.2.100:80", FLOW_END_LINGERED},
        {"192.0.2.3:1-192.0.2.100:80", FLOW_END_EVICTED},
        {"192.0.2.4:1-192.0.2.100:80", FLOW_END_EVICTED},
        {"192.0.2.5:1-192.0.2.100:80", FLOW_END_EOF},
        {"192.0.2.6:1-192.0.2.100:80", FLOW_END_EOF},
        {"192.0.2.7:1-192.0.2.100:80", FLOW_END_EOF},
    };
    assert_int_equal(fx.rec.nfinished, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(fx.rec.finished[i].name, want[i].name);
        assert_int_equal(fx.rec.finished[i].why, want[i].why);
        assert_int_equal(fx.rec.finished[i].id, i);
    }
}

/* The flows left at the end are finished in creation order also when
 * their ids are far apart (most flows made between them have ended): the
 * sort by id then goes by bytes of the ids, not by slots of the ids'
 * span, as it does when they are dense (the test above). */
static void test_end_order_with_sparse_ids(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 10 * SEC, 0);
    put(&fx, T0, 4, 1, 1, true, TCP_SYN, 1, 0, 0); /* id 0, open to the end */
    for (uint8_t c = 2; c <= 9; c++)               /* ids 1..8, which close */
        conn(&fx, T0 + c * SEC, c, 1, 1000, 5000);
    put(&fx, T0 + 10 * SEC, 4, 10, 1, true, TCP_SYN, 1, 0, 0); /* id 9 */
    /* Ids 1..8 linger out; id 10 takes the memory of the last of them. */
    put(&fx, T0 + 30 * SEC, 4, 11, 1, true, TCP_SYN, 1, 0, 0);
    assert_int_equal(fx.rec.nfinished, 8);
    fx_end(&fx);
    static const uint64_t want_ids[] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 10};
    static const uint8_t want_clients[] = {2, 3, 4, 5, 6, 7, 8, 9, 1, 10, 11};
    assert_int_equal(fx.rec.nfinished, sizeof want_ids / sizeof want_ids[0]);
    for (size_t i = 0; i < sizeof want_ids / sizeof want_ids[0]; i++) {
        char want[FLOW_NAME_MAX];
        snprintf(want, sizeof want, "192.0.2.%u:1-192.0.2.100:80", want_clients[i]);
        assert_int_equal(fx.rec.finished[i].id, want_ids[i]);
        assert_string_equal(fx.rec.finished[i].name, want);
        assert_int_equal(fx.rec.finished[i].why, i < 8 ? FLOW_END_LINGERED : FLOW_END_EOF);
    }
}

/* Flow names: every octet value and port length, as printf writes them
 * (flows.c formats IPv4 names itself). */
static void test_ipv4_names_as_printf_writes_them(void **state)
{
    (void)state;
    static const unsigned ports[] = {0, 7, 10, 99, 100, 443, 999, 1000, 8080, 9999, 10000, 65535};
    for (unsigned v = 0; v < 256; v += 17) {
        struct fixture fx;
        fx_init(&fx, 10 * SEC, 0);
        size_t n = sizeof ports / sizeof ports[0];
        for (size_t i = 0; i < n; i++) {
            struct cap_segment cs;
            memset(&cs, 0, sizeof cs);
            cs.frame = ++fx.frame;
            cs.time_usecs = T0 + i;
            cs.ip.version = 4;
            uint8_t src[4] = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v / 10), (uint8_t)i};
            uint8_t dst[4] = {(uint8_t)(v % 100), 100, (uint8_t)(v ^ 0x5a), 9};
            memcpy(cs.ip.src, src, 4);
            memcpy(cs.ip.dst, dst, 4);
            cs.seg.sport = (uint16_t)ports[i];
            cs.seg.dport = (uint16_t)ports[n - 1 - i];
            cs.seg.flags = TCP_SYN;
            assert_int_equal(flows_segment(&fx.t, &cs), FLOW_WARN_NONE);
        }
        fx_end(&fx);
        assert_int_equal(fx.rec.nfinished, n);
        for (size_t i = 0; i < n; i++) {
            char want[FLOW_NAME_MAX];
            snprintf(want, sizeof want, "%u.%u.%u.%u:%u-%u.%u.%u.%u:%u", v, 255 - v, v / 10,
                     (unsigned)i, ports[i], v % 100, 100u, v ^ 0x5a, 9u, ports[n - 1 - i]);
            assert_string_equal(fx.rec.finished[i].name, want);
        }
    }
}

static void test_memory_bounded_by_open_flows(void **state)
{
    (void)state;
    struct fixture fx;
    fx_init(&fx, 2 * SEC, 0);
    /* 20000 connections, one every 10 ms: with 2 s of linger about 200 are
     * held at any time, never all of them. */
    size_t max_held = 0;
    for (unsigned i = 0; i < 20000; i++) {
        fx.frame = 0; /* frame numbers do not matter here */
        conn(&fx, T0 + i * 10000ull, (uint8_t)(1 + i % 200), (uint16_t)(1024 + i), i * 7, i * 13);
        if (fx.t.count > max_held)
            max_held = fx.t.count;
    }
    assert_true(max_held < 300);
    assert_int_equal(fx.rec.opened, 20000);
    fx_end(&fx);
}

/* ---- the checker's fast routing ---- */

/* flows_segment_fast() takes the ordinary segments of a known flow (IPv4
 * and IPv6) and the first segment of a new flow while the table has room,
 * and leaves bare SYNs of a known flow, a pending SYN's answer and a new
 * flow that must finish another first to flows_segment_prepared(): if it
 * took nothing, the checker would still be right but slow. Both directions
 * of a connection have one key. */
static void test_fast_routing_takes_ordinary_segments(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        struct fixture fx;
        fx_init(&fx, 10 * SEC, 0);
        struct cap_segment cs;
        memset(&cs, 0, sizeof cs);
        cs.ip.version = (uint8_t)version;
        uint8_t client[16] = {0}, server[16] = {0};
        client[0] = server[0] = version == 4 ? 192 : 0x20;
        client[15 - (version == 4 ? 12 : 0)] = 7;
        server[15 - (version == 4 ? 12 : 0)] = 100;
        struct flow_lookup l, back;
        uint8_t ep = 9;
        /* A bare SYN of a new flow: taken, the flow created, sent by A. */
        memcpy(cs.ip.src, client, 16);
        memcpy(cs.ip.dst, server, 16);
        cs.seg.sport = 40000, cs.seg.dport = 80;
        cs.frame = 1, cs.time_usecs = T0, cs.seg.flags = TCP_SYN, cs.seg.seq = 100;
        struct flow *syn_f =
            flows_segment_fast(&fx.t, &cs.ip, cs.frame, cs.time_usecs, &cs.seg, &l, &ep);
        assert_non_null(syn_f);
        assert_int_equal(ep, EP_A);
        assert_int_equal(fx.rec.opened, 1);
        assert_int_equal(syn_f->segments, 1);
        assert_int_equal(syn_f->first_frame, 1);
        assert_true(syn_f->saw_syn);
        /* The same SYN again (a retransmission): a bare SYN of a known
         * flow, not taken. */
        cs.frame = 2, cs.time_usecs = T0 + 1;
        assert_null(flows_segment_fast(&fx.t, &cs.ip, cs.frame, cs.time_usecs, &cs.seg, &l, &ep));
        assert_int_equal(flows_segment_prepared(&fx.t, &cs, &l), FLOW_WARN_NONE);
        /* Its SYN-ACK, from the other side: taken, sent by B. */
        memcpy(cs.ip.src, server, 16);
        memcpy(cs.ip.dst, client, 16);
        cs.seg.sport = 80, cs.seg.dport = 40000;
        cs.frame = 3, cs.time_usecs = T0 + 2, cs.seg.flags = TCP_SYN | TCP_ACK;
        cs.seg.seq = 500, cs.seg.ack = 101;
        struct flow *f =
            flows_segment_fast(&fx.t, &cs.ip, cs.frame, cs.time_usecs, &cs.seg, &back, &ep);
        assert_ptr_equal(f, syn_f);
        assert_int_equal(ep, EP_B);
        assert_int_equal(f->segments, 3);
        assert_int_equal(f->last_frame, 3);
        assert_int_equal(f->last_usecs, T0 + 2);
        /* The ACK from A: taken too, the same flow. */
        memcpy(cs.ip.src, client, 16);
        memcpy(cs.ip.dst, server, 16);
        cs.seg.sport = 40000, cs.seg.dport = 80;
        cs.frame = 4, cs.time_usecs = T0 + 3, cs.seg.flags = TCP_ACK;
        cs.seg.seq = 101, cs.seg.ack = 501;
        assert_ptr_equal(
            flows_segment_fast(&fx.t, &cs.ip, cs.frame, cs.time_usecs, &cs.seg, &l, &ep), f);
        assert_int_equal(ep, EP_A);
        assert_int_equal(f->segments, 4);
        /* One key for both directions. */
        flows_lookup_of(&cs.ip, 40000, 80, &l);
        uint8_t swapped_src[16];
        memcpy(swapped_src, cs.ip.src, 16);
        memcpy(cs.ip.src, cs.ip.dst, 16);
        memcpy(cs.ip.dst, swapped_src, 16);
        flows_lookup_of(&cs.ip, 80, 40000, &back);
        assert_int_equal(l.hash, back.hash);
        assert_true(l.kw[0] == back.kw[0] && l.kw[1] == back.kw[1]);
        assert_int_equal(l.src_end, 1 - back.src_end);
        fx_end(&fx);
        assert_int_equal(fx.rec.nfinished, 1);
        assert_int_equal(fx.rec.finished[0].segments, 4);
    }
    /* A table at its cap: a new flow must finish another first, with a
     * warning, which flows_segment_prepared() gives. */
    struct fixture fx;
    fx_init(&fx, 10 * SEC, 1);
    struct flow_lookup l;
    uint8_t ep;
    assert_int_equal(put(&fx, T0, 4, 7, 40000, true, TCP_SYN, 100, 0, 0), FLOW_WARN_NONE);
    struct cap_segment cs;
    memset(&cs, 0, sizeof cs);
    cs.ip.version = 4;
    cs.ip.src[0] = cs.ip.dst[0] = 192, cs.ip.src[3] = 8, cs.ip.dst[3] = 100;
    cs.seg.sport = 40001, cs.seg.dport = 80, cs.seg.flags = TCP_SYN, cs.seg.seq = 7;
    cs.frame = 99, cs.time_usecs = T0 + 1;
    assert_null(flows_segment_fast(&fx.t, &cs.ip, cs.frame, cs.time_usecs, &cs.seg, &l, &ep));
    assert_int_equal(flows_segment_prepared(&fx.t, &cs, &l), FLOW_WARN_FULL);
    assert_int_equal(fx.rec.opened, 2);
    assert_int_equal(fx.t.count, 1);
    fx_end(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_routing_takes_ordinary_segments),
        cmocka_unit_test(test_ipv4_names_as_printf_writes_them),
        {"test_a_is_the_syn_sender", test_a_is_the_syn_sender, use_flows_segment, NULL, NULL},
        {"test_a_is_the_syn_sender (fast)", test_a_is_the_syn_sender, use_flows_segment_fast, NULL,
         NULL},
        {"test_a_is_the_syn_ack_receiver_when_the_syn_is_missing",
         test_a_is_the_syn_ack_receiver_when_the_syn_is_missing, use_flows_segment, NULL, NULL},
        {"test_a_is_the_syn_ack_receiver_when_the_syn_is_missing (fast)",
         test_a_is_the_syn_ack_receiver_when_the_syn_is_missing, use_flows_segment_fast, NULL,
         NULL},
        {"test_a_is_the_first_sender_mid_connection", test_a_is_the_first_sender_mid_connection,
         use_flows_segment, NULL, NULL},
        {"test_a_is_the_first_sender_mid_connection (fast)",
         test_a_is_the_first_sender_mid_connection, use_flows_segment_fast, NULL, NULL},
        {"test_syn_answered_by_syn_ack_starts_new_incarnation",
         test_syn_answered_by_syn_ack_starts_new_incarnation, use_flows_segment, NULL, NULL},
        {"test_syn_answered_by_syn_ack_starts_new_incarnation (fast)",
         test_syn_answered_by_syn_ack_starts_new_incarnation, use_flows_segment_fast, NULL, NULL},
        {"test_syn_answered_by_ack_stays_in_old_flow", test_syn_answered_by_ack_stays_in_old_flow,
         use_flows_segment, NULL, NULL},
        {"test_syn_answered_by_ack_stays_in_old_flow (fast)",
         test_syn_answered_by_ack_stays_in_old_flow, use_flows_segment_fast, NULL, NULL},
        {"test_retransmitted_syn_is_same_flow", test_retransmitted_syn_is_same_flow,
         use_flows_segment, NULL, NULL},
        {"test_retransmitted_syn_is_same_flow (fast)", test_retransmitted_syn_is_same_flow,
         use_flows_segment_fast, NULL, NULL},
        {"test_closed_flow_finishes_after_linger", test_closed_flow_finishes_after_linger,
         use_flows_segment, NULL, NULL},
        {"test_closed_flow_finishes_after_linger (fast)", test_closed_flow_finishes_after_linger,
         use_flows_segment_fast, NULL, NULL},
        {"test_segment_in_time_wait_extends_linger", test_segment_in_time_wait_extends_linger,
         use_flows_segment, NULL, NULL},
        {"test_segment_in_time_wait_extends_linger (fast)",
         test_segment_in_time_wait_extends_linger, use_flows_segment_fast, NULL, NULL},
        {"test_rst_closes_flow", test_rst_closes_flow, use_flows_segment, NULL, NULL},
        {"test_rst_closes_flow (fast)", test_rst_closes_flow, use_flows_segment_fast, NULL, NULL},
        {"test_cap_evicts_least_recently_active", test_cap_evicts_least_recently_active,
         use_flows_segment, NULL, NULL},
        {"test_cap_evicts_least_recently_active (fast)", test_cap_evicts_least_recently_active,
         use_flows_segment_fast, NULL, NULL},
        {"test_syn_on_closed_flow_keeps_its_linger", test_syn_on_closed_flow_keeps_its_linger,
         use_flows_segment, NULL, NULL},
        {"test_syn_on_closed_flow_keeps_its_linger (fast)",
         test_syn_on_closed_flow_keeps_its_linger, use_flows_segment_fast, NULL, NULL},
        {"test_creation_order_survives_reused_memory", test_creation_order_survives_reused_memory,
         use_flows_segment, NULL, NULL},
        {"test_creation_order_survives_reused_memory (fast)",
         test_creation_order_survives_reused_memory, use_flows_segment_fast, NULL, NULL},
        {"test_end_order_with_sparse_ids", test_end_order_with_sparse_ids, use_flows_segment, NULL,
         NULL},
        {"test_end_order_with_sparse_ids (fast)", test_end_order_with_sparse_ids,
         use_flows_segment_fast, NULL, NULL},
        {"test_memory_bounded_by_open_flows", test_memory_bounded_by_open_flows, use_flows_segment,
         NULL, NULL},
        {"test_memory_bounded_by_open_flows (fast)", test_memory_bounded_by_open_flows,
         use_flows_segment_fast, NULL, NULL},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
