/* pcap writer tests: an event stream written as a capture reads back with
 * libpcap, every frame decodes with checksums verified, at its virtual time.
 *
 * `test_pcap_writer --write FILE` writes the sample capture that
 * tests/e2e_pcap_writer.sh checks with tshark, and exits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "harness/pcap_writer.h"

/* ---- a textbook close, as a source would push it ---- */

static const uint8_t request[] = "GET / HTTP/1.0\r\n\r\n";
enum { REQ = sizeof request - 1, A_ISS = 1000, B_ISS = 5000 };

struct step {
    uint8_t endpoint;
    uint8_t flags;
    uint32_t seq, ack, payload_len;
    uint64_t time_usecs;
};

/* Client A (192.0.2.1:41001), server B (192.0.2.2:8080): handshake, a
 * request and a response, the response lost once and resent, A closes
 * first, B closes. The last step is 1.2 s later (a seconds rollover). */
static const struct step close_steps[] = {
    {EP_A, TCP_SYN, A_ISS, 0, 0, 0},
    {EP_B, TCP_SYN | TCP_ACK, B_ISS, A_ISS + 1, 0, 100},
    {EP_A, TCP_ACK, A_ISS + 1, B_ISS + 1, 0, 200},
    {EP_A, TCP_PSH | TCP_ACK, A_ISS + 1, B_ISS + 1, REQ, 210},
    {EP_B, TCP_ACK, B_ISS + 1, A_ISS + 1 + REQ, 0, 310},
    {EP_B, TCP_PSH | TCP_ACK, B_ISS + 1, A_ISS + 1 + REQ, 100, 320},    /* dropped */
    {EP_B, TCP_PSH | TCP_ACK, B_ISS + 1, A_ISS + 1 + REQ, 100, 200320}, /* resent */
    {EP_A, TCP_FIN | TCP_ACK, A_ISS + 1 + REQ, B_ISS + 101, 0, 200420},
    {EP_B, TCP_ACK, B_ISS + 101, A_ISS + 2 + REQ, 0, 200520},
    {EP_B, TCP_FIN | TCP_ACK, B_ISS + 101, A_ISS + 2 + REQ, 0, 300000},
    {EP_A, TCP_ACK, A_ISS + 2 + REQ, B_ISS + 102, 0, 1500000},
};
enum { CLOSE_STEPS = sizeof close_steps / sizeof close_steps[0], DROPPED_STEP = 5 };

static struct seg step_segment(const struct step *st)
{
    struct seg s = {.seq = st->seq,
                    .ack = st->ack,
                    .flags = st->flags,
                    .window = 502,
                    .payload_len = st->payload_len};
    s.sport = st->endpoint == EP_A ? 41001 : 8080;
    s.dport = st->endpoint == EP_A ? 8080 : 41001;
    if (st->endpoint == EP_A && st->payload_len > 0)
        s.payload = request; /* B's response has a NULL payload: zeros */
    if (st->flags & TCP_SYN) {
        s.opts.has_mss = true;
        s.opts.mss = 1460;
        s.opts.sack_permitted = true;
        s.opts.has_wscale = true;
        s.opts.wscale = 7;
    }
    return s;
}

/* Push the close through sink with state, clock, app and drop events mixed
 * in (which write nothing). Returns the number of segments pushed. */
static unsigned push_close(struct ev_sink sink)
{
    uint64_t index = 0;
    uint64_t dropped_index = 0;
    for (unsigned i = 0; i < CLOSE_STEPS; i++) {
        struct ev e = {.kind = EV_CLOCK, .time_usecs = close_steps[i].time_usecs};
        sink.push(sink.ctx, index++, &e);

        e.kind = EV_SEGMENT;
        e.endpoint = close_steps[i].endpoint;
        e.u.segment.seg = step_segment(&close_steps[i]);
        if (i == DROPPED_STEP)
            dropped_index = index;
        sink.push(sink.ctx, index++, &e);

        if (i == DROPPED_STEP) {
            struct ev d = {.kind = EV_DROP, .time_usecs = e.time_usecs};
            d.u.drop.index = dropped_index;
            sink.push(sink.ctx, index++, &d);
        }
        if (close_steps[i].flags & TCP_FIN) {
            struct ev st = {.kind = EV_STATE, .time_usecs = e.time_usecs, .endpoint = e.endpoint};
            st.u.state.from = TCP_ESTABLISHED;
            st.u.state.to = TCP_FIN_WAIT_1;
            st.u.state.cause = "";
            sink.push(sink.ctx, index++, &st);
            struct ev app = {.kind = EV_APP, .time_usecs = e.time_usecs, .endpoint = e.endpoint};
            app.u.app.call = APP_CLOSE;
            sink.push(sink.ctx, index++, &app);
        }
    }
    return CLOSE_STEPS;
}

/* ---- helpers ---- */

struct tmpfile {
    char path[64];
};

static void tmpfile_make(struct tmpfile *t)
{
    snprintf(t->path, sizeof t->path, "/tmp/finfuzz-pcapw-XXXXXX");
    int fd = mkstemp(t->path);
    assert_true(fd >= 0);
    close(fd);
}

static void write_close(const char *path)
{
    struct pcap_writer w;
    char err[256];
    if (pcap_writer_open(&w, path, err, sizeof err) != 0)
        fail_msg("open: %s", err);
    push_close(pcap_writer_sink(&w));
    if (pcap_writer_close(&w, err, sizeof err) != 0)
        fail_msg("close: %s", err);
    assert_int_equal(w.packets, CLOSE_STEPS);
}

static pcap_t *open_capture(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (p == NULL)
        fail_msg("pcap_open_offline: %s", err);
    assert_int_equal(pcap_datalink(p), DLT_RAW);
    return p;
}

/* ---- tests ---- */

static void test_pcap_writer_close_reads_back(void **state)
{
    (void)state;
    struct tmpfile t;
    tmpfile_make(&t);
    write_close(t.path);

    pcap_t *p = open_capture(t.path);
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned n = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        assert_true(n < CLOSE_STEPS);
        const struct step *st = &close_steps[n];
        struct seg want = step_segment(st), got;
        struct seg_ip ip;
        assert_int_equal(h->caplen, h->len);
        enum seg_err err = seg_decode_ip(data, h->caplen, 0, &ip, &got);
        if (err != SEG_OK)
            fail_msg("frame %u: %s", n + 1, seg_err_str(err));
        assert_int_equal(h->ts.tv_sec, PCAP_WRITER_BASE_EPOCH_SECS + st->time_usecs / 1000000);
        assert_int_equal(h->ts.tv_usec, st->time_usecs % 1000000);
        assert_int_equal(ip.version, 4);
        assert_int_equal(ip.ttl, 64);
        const uint8_t a[4] = {192, 0, 2, 1}, b[4] = {192, 0, 2, 2};
        assert_memory_equal(ip.src, st->endpoint == EP_A ? a : b, 4);
        assert_memory_equal(ip.dst, st->endpoint == EP_A ? b : a, 4);
        assert_int_equal(got.sport, want.sport);
        assert_int_equal(got.dport, want.dport);
        assert_int_equal(got.seq, want.seq);
        assert_int_equal(got.ack, want.ack);
        assert_int_equal(got.flags, want.flags);
        assert_int_equal(got.window, want.window);
        assert_int_equal(got.opts.has_mss, want.opts.has_mss);
        assert_int_equal(got.opts.wscale, want.opts.wscale);
        assert_int_equal(got.payload_len, want.payload_len);
        if (want.payload != NULL)
            assert_memory_equal(got.payload, want.payload, want.payload_len);
        n++;
    }
    pcap_close(p);
    assert_int_equal(n, CLOSE_STEPS);
    unlink(t.path);
}

/* IP IDs count up per endpoint, so a resent segment is a new IP packet. */
static void test_pcap_writer_ip_id_per_endpoint(void **state)
{
    (void)state;
    struct tmpfile t;
    tmpfile_make(&t);
    write_close(t.path);
    pcap_t *p = open_capture(t.path);
    struct pcap_pkthdr *h;
    const u_char *data;
    uint16_t next[2] = {0, 0};
    for (unsigned n = 0; pcap_next_ex(p, &h, &data) == 1; n++) {
        unsigned side = close_steps[n].endpoint;
        assert_int_equal((data[4] << 8) | data[5], next[side]++);
        assert_int_equal(data[6], 0x40); /* DF */
    }
    pcap_close(p);
    unlink(t.path);
}

/* A segment with its own envelope (here IPv6) is written with it. */
static void test_pcap_writer_uses_event_ip(void **state)
{
    (void)state;
    struct tmpfile t;
    tmpfile_make(&t);
    struct pcap_writer w;
    char err[256];
    assert_int_equal(pcap_writer_open(&w, t.path, err, sizeof err), 0);
    struct ev e = {.kind = EV_SEGMENT, .time_usecs = 7, .endpoint = EP_B};
    e.u.segment.ip.version = 6;
    e.u.segment.ip.ttl = 33;
    e.u.segment.ip.src[0] = 0x20;
    e.u.segment.ip.src[1] = 0x01;
    e.u.segment.ip.src[15] = 5;
    e.u.segment.ip.dst[0] = 0x20;
    e.u.segment.ip.dst[1] = 0x01;
    e.u.segment.ip.dst[15] = 6;
    e.u.segment.seg = (struct seg){.sport = 1, .dport = 2, .flags = TCP_RST, .seq = 9};
    struct ev_sink sink = pcap_writer_sink(&w);
    sink.push(sink.ctx, 0, &e);
    assert_int_equal(pcap_writer_close(&w, err, sizeof err), 0);

    pcap_t *p = open_capture(t.path);
    struct pcap_pkthdr *h;
    const u_char *data;
    assert_int_equal(pcap_next_ex(p, &h, &data), 1);
    struct seg_ip ip;
    struct seg s;
    assert_int_equal(seg_decode_ip(data, h->caplen, 0, &ip, &s), SEG_OK);
    assert_memory_equal(&ip, &e.u.segment.ip, sizeof ip);
    assert_int_equal(s.flags, TCP_RST);
    assert_int_equal(s.seq, 9);
    assert_int_equal(h->ts.tv_usec, 7);
    assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
    pcap_close(p);
    unlink(t.path);
}

/* The same stream gives the same file, byte for byte (no wall clock). */
static void test_pcap_writer_deterministic(void **state)
{
    (void)state;
    struct tmpfile t1, t2;
    tmpfile_make(&t1);
    tmpfile_make(&t2);
    write_close(t1.path);
    write_close(t2.path);
    FILE *f1 = fopen(t1.path, "rb"), *f2 = fopen(t2.path, "rb");
    assert_non_null(f1);
    assert_non_null(f2);
    static uint8_t b1[8192], b2[8192];
    size_t n1 = fread(b1, 1, sizeof b1, f1), n2 = fread(b2, 1, sizeof b2, f2);
    fclose(f1);
    fclose(f2);
    assert_true(n1 > 24);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    /* Classic pcap, microseconds, LINKTYPE_RAW (101). */
    assert_int_equal(b1[0] | b1[1] << 8 | b1[2] << 16 | (uint32_t)b1[3] << 24, 0xa1b2c3d4u);
    assert_int_equal(b1[20], 101);
    unlink(t1.path);
    unlink(t2.path);
}

/* Crafted packets are written as given, at the given virtual time. */
static void test_pcap_writer_raw_packet(void **state)
{
    (void)state;
    struct tmpfile t;
    tmpfile_make(&t);
    struct pcap_writer w;
    char err[256];
    assert_int_equal(pcap_writer_open(&w, t.path, err, sizeof err), 0);
    static const uint8_t junk[] = {0x45, 0, 0, 0x99, 1, 2, 3}; /* not even a header */
    assert_int_equal(pcap_writer_write_packet(&w, 3000001, junk, sizeof junk), 0);
    assert_int_equal(pcap_writer_close(&w, err, sizeof err), 0);

    pcap_t *p = open_capture(t.path);
    struct pcap_pkthdr *h;
    const u_char *data;
    assert_int_equal(pcap_next_ex(p, &h, &data), 1);
    assert_int_equal(h->caplen, sizeof junk);
    assert_memory_equal(data, junk, sizeof junk);
    assert_int_equal(h->ts.tv_sec, PCAP_WRITER_BASE_EPOCH_SECS + 3);
    assert_int_equal(h->ts.tv_usec, 1);
    pcap_close(p);
    unlink(t.path);
}

static void test_pcap_writer_open_error(void **state)
{
    (void)state;
    struct pcap_writer w;
    char err[256] = "";
    assert_int_equal(pcap_writer_open(&w, "/nonexistent-dir/x.pcap", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
    assert_int_equal(pcap_writer_close(&w, NULL, 0), 0); /* closing it is harmless */
}

/* A segment that cannot be encoded is counted and reported at close. */
static void test_pcap_writer_reports_unencodable(void **state)
{
    (void)state;
    struct tmpfile t;
    tmpfile_make(&t);
    struct pcap_writer w;
    char err[256] = "";
    assert_int_equal(pcap_writer_open(&w, t.path, err, sizeof err), 0);
    struct seg_ip bad = {.version = 5};
    struct seg s = {.flags = TCP_ACK};
    assert_int_equal(pcap_writer_write_segment(&w, 0, EP_A, &bad, &s), -1);
    struct seg_ip none = {0};
    s.payload_len = 70000; /* longer than IPv4 allows */
    assert_int_equal(pcap_writer_write_segment(&w, 0, EP_A, &none, &s), -1);
    assert_int_equal(pcap_writer_close(&w, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 packet(s) not written"));
    assert_int_equal(w.packets, 0);
    unlink(t.path);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        struct pcap_writer w;
        char err[256];
        if (pcap_writer_open(&w, argv[2], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        push_close(pcap_writer_sink(&w));
        /* A second connection over IPv6, so both header kinds get checked. */
        struct seg_ip ip6 = {.version = 6, .ttl = 64};
        static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
        static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
        memcpy(ip6.src, a6, 16);
        memcpy(ip6.dst, b6, 16);
        struct seg syn = {
            .sport = 41002, .dport = 8080, .seq = 77, .flags = TCP_SYN, .window = 64800};
        syn.opts.has_mss = syn.opts.has_ts = true;
        syn.opts.mss = 1440;
        syn.opts.ts_val = 123;
        pcap_writer_write_segment(&w, 2000000, EP_A, &ip6, &syn);
        memcpy(ip6.src, b6, 16);
        memcpy(ip6.dst, a6, 16);
        struct seg rst = {.sport = 8080, .dport = 41002, .ack = 78, .flags = TCP_RST | TCP_ACK};
        pcap_writer_write_segment(&w, 2000050, EP_B, &ip6, &rst);
        if (pcap_writer_close(&w, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_writer_close_reads_back),
        cmocka_unit_test(test_pcap_writer_ip_id_per_endpoint),
        cmocka_unit_test(test_pcap_writer_uses_event_ip),
        cmocka_unit_test(test_pcap_writer_deterministic),
        cmocka_unit_test(test_pcap_writer_raw_packet),
        cmocka_unit_test(test_pcap_writer_open_error),
        cmocka_unit_test(test_pcap_writer_reports_unencodable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
