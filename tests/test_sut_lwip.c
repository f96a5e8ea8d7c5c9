/* The lwIP adapter (harness/sut_lwip.c): real lwIP 2.1 through struct
 * sut_ops, with exact segments and reported transitions, and the proof that
 * every run starts from the same lwIP state (byte-identical traces in one
 * process and across processes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <dirent.h>

#include "harness/driver.h"
#include "harness/sut_lwip.h"
#include "harness/sut_lwip_glue.h"
#include "harness/sut_lwip_known.h"
#include "harness/trace.h"

#define TRACE_MAX 65536
#define SUT_ADDR  0xC0000201u /* 192.0.2.1 */
#define PEER_ADDR 0xC0000202u /* 192.0.2.2 */
#define SUT_PORT  8080
#define PEER_PORT 40000
#define MS        1000ull

/* What the adapter reported, as text (for asserts) and as raw bytes of every
 * segment (for the determinism proof). */
struct rec {
    char text[TRACE_MAX];
    size_t text_len;
    struct seg last; /* last segment lwIP sent */
    unsigned segs;
    enum tcp_state state; /* last reported state */
    unsigned transitions;
    uint64_t now_usecs;
    uint32_t data_in;
};

static void rec_printf(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text + r->text_len, sizeof r->text - r->text_len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof r->text - r->text_len)
        r->text_len += (size_t)n;
}

static void on_segment(void *ctx, const struct seg_ip *ip, const struct seg *s)
{
    struct rec *r = ctx;
    uint8_t buf[2048];
    size_t n = seg_encode_ip(ip, s, buf, sizeof buf);
    char fl[16];
    rec_printf(r, "%llu out %s seq=%u ack=%u win=%u len=%u |", (unsigned long long)r->now_usecs,
               seg_flags_str(s->flags, fl), s->seq, s->ack, s->window, s->payload_len);
    for (size_t i = 0; i < n; i++)
        rec_printf(r, "%02x", buf[i]);
    rec_printf(r, "\n");
    r->last = *s;
    r->last.payload = NULL;
    r->segs++;
}

static void on_state(void *ctx, enum tcp_state from, enum tcp_state to, const char *cause)
{
    struct rec *r = ctx;
    rec_printf(r, "%llu state %s -> %s (%s)\n", (unsigned long long)r->now_usecs,
               tcp_state_name(from), tcp_state_name(to), cause);
    r->state = to;
    r->transitions++;
}

static void on_data(void *ctx, const uint8_t *data, uint32_t len)
{
    struct rec *r = ctx;
    (void)data;
    r->data_in += len;
}

struct env {
    struct sut_lwip *sut;
    struct rec rec;
    uint32_t peer_seq; /* the peer's next sequence number */
};

static void put_addr(uint8_t out[16], uint32_t a)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)(a >> 24);
    out[1] = (uint8_t)(a >> 16);
    out[2] = (uint8_t)(a >> 8);
    out[3] = (uint8_t)a;
}

static void env_open(struct env *e, bool active)
{
    memset(&e->rec, 0, sizeof e->rec);
    struct sut_open how = {
        .active = active, .ip_version = 4, .local_port = SUT_PORT, .peer_port = PEER_PORT};
    put_addr(how.local_addr, SUT_ADDR);
    put_addr(how.peer_addr, PEER_ADDR);
    tcp_config_default(&how.cfg);
    struct sut_callbacks cb = {
        .ctx = &e->rec, .segment_out = on_segment, .state_change = on_state, .data_in = on_data};
    char err[160] = "";
    int rc = sut_lwip_ops.open(e->sut, &how, &cb, err, sizeof err);
    if (rc != 0)
        fail_msg("open: %s", err);
}

/* The peer sends flags with seq = its next seq, ack as given, len bytes. */
static void peer_send(struct env *e, uint64_t now_usecs, uint8_t flags, uint32_t ack, uint32_t len)
{
    static const uint8_t payload[1460];
    struct seg_ip ip = {.version = 4, .ttl = 64};
    put_addr(ip.src, PEER_ADDR);
    put_addr(ip.dst, SUT_ADDR);
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
    e->rec.now_usecs = now_usecs;
    sut_lwip_ops.deliver(e->sut, &ip, &s, now_usecs);
    e->peer_seq += seg_len(&s);
}

static long app(struct env *e, uint64_t now_usecs, enum ev_app_call call, uint32_t len)
{
    e->rec.now_usecs = now_usecs;
    return sut_lwip_ops.app(e->sut, call, len, now_usecs);
}

static void advance(struct env *e, uint64_t now_usecs)
{
    /* Step through each deadline, so the trace shows when things happen. */
    for (;;) {
        uint64_t d = sut_lwip_ops.next_deadline(e->sut);
        if (d > now_usecs)
            break;
        e->rec.now_usecs = d;
        sut_lwip_ops.advance(e->sut, d);
    }
    e->rec.now_usecs = now_usecs;
    sut_lwip_ops.advance(e->sut, now_usecs);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    e->sut = sut_lwip_create();
    *state = e;
    return e->sut ? 0 : -1;
}

static int teardown(void **state)
{
    struct env *e = *state;
    sut_lwip_ops.close(e->sut);
    sut_lwip_destroy(e->sut);
    free(e);
    return 0;
}

/* Passive open: LISTEN -> SYN-RECEIVED -> ESTABLISHED, exact SYN-ACK. */
static void establish_passive(struct env *e)
{
    env_open(e, false);
    assert_int_equal(e->rec.state, TCP_LISTEN);
    e->peer_seq = 1000;
    peer_send(e, 1 * MS, TCP_SYN, 0, 0);
    assert_int_equal(e->rec.state, TCP_SYN_RECEIVED);
    assert_int_equal(e->rec.last.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(e->rec.last.ack, 1001);
    assert_true(e->rec.last.opts.has_mss);
    uint32_t iss = e->rec.last.seq;
    peer_send(e, 2 * MS, TCP_ACK, iss + 1, 0);
    assert_int_equal(e->rec.state, TCP_ESTABLISHED);
}

/* ================= CLOSE-WAIT / LAST-ACK (passive close) ================= */

static void test_close_wait_rcv_fin_then_app_close(void **state)
{
    struct env *e = *state;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    uint32_t fin_seq = e->peer_seq;
    /* 10:00:00.003 B > A: F. seq 1001 ack iss+1 */
    peer_send(e, 3 * MS, TCP_FIN | TCP_ACK, iss + 1, 0);
    assert_int_equal(e->rec.state, TCP_CLOSE_WAIT);
    /* fin-ack-plus-one: A > B: . ack 1002 */
    assert_int_equal(e->rec.last.flags, TCP_ACK);
    assert_int_equal(e->rec.last.ack, fin_seq + 1);
    assert_int_equal(app(e, 4 * MS, APP_CLOSE, 0), 0);
    assert_int_equal(e->rec.state, TCP_LAST_ACK);
    assert_int_equal(e->rec.last.flags, TCP_FIN | TCP_ACK);
    assert_int_equal(e->rec.last.seq, iss + 1);
    peer_send(e, 5 * MS, TCP_ACK, iss + 2, 0);
    /* lwIP frees the pcb here: the adapter must see CLOSED without reading it. */
    assert_int_equal(e->rec.state, TCP_CLOSED);
    assert_int_equal(sut_lwip_ops.next_deadline(e->sut), UINT64_MAX);
    assert_int_equal(sut_lwip_decode_errors(e->sut), 0);
}

/* ================= FIN-WAIT / TIME-WAIT (active close) ================= */

static void test_time_wait_lasts_two_msl_in_ticks(void **state)
{
    struct env *e = *state;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    assert_int_equal(app(e, 3 * MS, APP_CLOSE, 0), 0);
    assert_int_equal(e->rec.state, TCP_FIN_WAIT_1);
    assert_int_equal(e->rec.last.flags, TCP_FIN | TCP_ACK);
    peer_send(e, 4 * MS, TCP_ACK, iss + 2, 0);
    assert_int_equal(e->rec.state, TCP_FIN_WAIT_2);
    uint32_t fin_seq = e->peer_seq;
    peer_send(e, 5 * MS, TCP_FIN | TCP_ACK, iss + 2, 0);
    assert_int_equal(e->rec.state, TCP_TIME_WAIT);
    assert_int_equal(e->rec.last.ack, fin_seq + 1);
    /* Debian's lwIP: TCP_MSL 60 s, so TIME-WAIT lasts 120 s of slow ticks. */
    advance(e, 119 * 1000 * MS);
    assert_int_equal(e->rec.state, TCP_TIME_WAIT);
    advance(e, 122 * 1000 * MS);
    assert_int_equal(e->rec.state, TCP_CLOSED);
    assert_non_null(strstr(e->rec.text, "TIME-WAIT -> CLOSED (timeout-time-wait)"));
}

static void test_active_open_and_close(void **state)
{
    struct env *e = *state;
    env_open(e, true);
    assert_int_equal(e->rec.state, TCP_SYN_SENT);
    assert_int_equal(e->rec.last.flags, TCP_SYN);
    uint32_t iss = e->rec.last.seq;
    e->peer_seq = 5000;
    peer_send(e, 1 * MS, TCP_SYN | TCP_ACK, iss + 1, 0);
    assert_int_equal(e->rec.state, TCP_ESTABLISHED);
    assert_int_equal(e->rec.last.ack, 5001);
    assert_int_equal(app(e, 2 * MS, APP_SEND, 100), 100);
    assert_int_equal(e->rec.last.payload_len, 100);
    assert_int_equal(app(e, 3 * MS, APP_SHUTDOWN, 0), 0);
    assert_int_equal(e->rec.state, TCP_FIN_WAIT_1);
    assert_int_equal(e->rec.last.seq, iss + 101); /* the FIN follows the data */
    /* FIN crossing ours, acknowledging it: FIN-WAIT-1 -> TIME-WAIT. */
    peer_send(e, 4 * MS, TCP_FIN | TCP_ACK, iss + 102, 0);
    assert_int_equal(e->rec.state, TCP_TIME_WAIT);
    assert_non_null(strstr(e->rec.text, "FIN-WAIT-1 -> TIME-WAIT (rcv-fin-ack)"));
}

static void test_established_rcv_rst_closes(void **state)
{
    struct env *e = *state;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    peer_send(e, 3 * MS, TCP_RST | TCP_ACK, iss + 1, 0);
    assert_int_equal(e->rec.state, TCP_CLOSED);
    assert_non_null(strstr(e->rec.text, "ESTABLISHED -> CLOSED (rcv-rst)"));
    /* The application's next call finds nothing to act on. */
    assert_int_equal(app(e, 4 * MS, APP_SEND, 10), -1);
}

/* lwIP answers close() with unread data by a RST (RFC 1122 4.2.2.13) and
 * frees the connection: ESTABLISHED -> CLOSED. */
static void test_close_unread_sends_rst(void **state)
{
    struct env *e = *state;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    peer_send(e, 3 * MS, TCP_ACK | TCP_PSH, iss + 1, 100);
    assert_int_equal(app(e, 4 * MS, APP_CLOSE, 0), 0);
    assert_true(e->rec.last.flags & TCP_RST);
    assert_non_null(strstr(e->rec.text, "ESTABLISHED -> CLOSED (app-close-unread-data)"));
    assert_int_equal(e->rec.state, TCP_CLOSED);
}

/* lwIP sends an RST (with ACK, ack 0) when the application aborts in
 * SYN-SENT, where RFC 9293 §3.10.4 sends nothing. Pinned as a finding
 * (corpus/regressions/third-party/lwip-abort-syn-sent-rst.bin). */
static void test_syn_sent_abort_sends_rst(void **state)
{
    struct env *e = *state;
    env_open(e, true);
    uint32_t iss = e->rec.last.seq;
    assert_int_equal(app(e, 1 * MS, APP_ABORT, 0), 0);
    assert_int_equal(e->rec.segs, 2);
    assert_int_equal(e->rec.last.flags, TCP_RST | TCP_ACK);
    assert_int_equal(e->rec.last.seq, iss + 1);
    assert_int_equal(e->rec.last.ack, 0);
    assert_int_equal(e->rec.state, TCP_CLOSED);
    /* The RST shows before the state change (lwIP unlinks, sends, frees). */
    assert_non_null(strstr(e->rec.text, "state SYN-SENT -> CLOSED (app-abort)"));
    assert_true(strstr(e->rec.text, "out R.") < strstr(e->rec.text, "SYN-SENT -> CLOSED"));
}

/* lwIP takes SYN+FIN+ACK at RCV.NXT in SYN-RECEIVED as ACK + FIN: it goes
 * to ESTABLISHED and CLOSE-WAIT and ignores the SYN bit, where RFC 9293
 * §3.10.7.4 ("fourth, check the SYN bit") returns a passive connection to
 * LISTEN. Pinned as a finding
 * (corpus/regressions/third-party/lwip-syn-received-ignores-syn.bin). */
static void test_syn_received_takes_syn_fin_ack_as_fin(void **state)
{
    struct env *e = *state;
    env_open(e, false);
    e->peer_seq = 1000;
    peer_send(e, 1 * MS, TCP_SYN, 0, 0);
    uint32_t iss = e->rec.last.seq;
    peer_send(e, 2 * MS, TCP_SYN | TCP_FIN | TCP_ACK, iss + 1, 0);
    assert_int_equal(e->rec.state, TCP_CLOSE_WAIT);
    assert_non_null(strstr(e->rec.text, "SYN-RECEIVED -> ESTABLISHED"));
    assert_int_equal(e->rec.last.flags, TCP_ACK);
    assert_int_equal(e->rec.last.ack, 1002); /* FIN at 1001: the SYN bit counted for nothing */
}

/* In SYN-RECEIVED lwIP takes the ACK of a segment far outside the receive
 * window (here a SYN-ACK 2^27 ahead) and enters ESTABLISHED, where RFC 9293
 * §3.10.7.4 ("first, check sequence number") answers with an ACK and drops
 * it. Pinned as a finding
 * (corpus/regressions/third-party/lwip-syn-received-no-seq-check.bin). */
static void test_syn_received_skips_the_sequence_check(void **state)
{
    struct env *e = *state;
    env_open(e, false);
    e->peer_seq = 1000;
    peer_send(e, 1 * MS, TCP_SYN, 0, 0);
    uint32_t iss = e->rec.last.seq;
    e->peer_seq = 1001 + (1u << 27);
    peer_send(e, 2 * MS, TCP_SYN | TCP_ACK, iss + 1, 0);
    assert_int_equal(e->rec.state, TCP_ESTABLISHED);
    assert_int_equal(e->rec.last.ack, 1001); /* its ACK still names the old RCV.NXT */
}

/* Before accept, the application holds only the listener: shutdown fails,
 * and close closes the listener, not the embryonic connection. */
static void test_syn_received_app_holds_only_the_listener(void **state)
{
    struct env *e = *state;
    env_open(e, false);
    e->peer_seq = 1000;
    peer_send(e, 1 * MS, TCP_SYN, 0, 0);
    assert_int_equal(e->rec.state, TCP_SYN_RECEIVED);
    unsigned segs = e->rec.segs;
    assert_int_equal(app(e, 2 * MS, APP_SHUTDOWN, 0), -1);
    assert_int_equal(app(e, 2 * MS, APP_SEND, 10), -1);
    assert_int_equal(e->rec.segs, segs); /* no FIN, no data */
    assert_int_equal(app(e, 3 * MS, APP_CLOSE, 0), 0);
    assert_int_equal(e->rec.state, TCP_SYN_RECEIVED);
    /* The handshake completes without a listener: lwIP resets the child. */
    peer_send(e, 4 * MS, TCP_ACK, e->rec.last.seq + 1, 0);
    assert_true(e->rec.last.flags & TCP_RST);
    assert_int_equal(e->rec.state, TCP_CLOSED);
}

static void test_recv_hands_data_to_application(void **state)
{
    struct env *e = *state;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    peer_send(e, 3 * MS, TCP_ACK | TCP_PSH, iss + 1, 300);
    assert_int_equal(app(e, 4 * MS, APP_RECV, 200), 200);
    assert_int_equal(app(e, 5 * MS, APP_RECV, 200), 100);
    assert_int_equal(e->rec.data_in, 300);
    assert_int_equal(app(e, 6 * MS, APP_CLOSE, 0), 0);
    assert_int_equal(e->rec.last.flags, TCP_FIN | TCP_ACK); /* all read: a FIN, no RST */
}

/* ================= determinism ================= */

/* A run that exercises ISS, timers, retransmission and TIME-WAIT. */
static void scripted_run(struct env *e)
{
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    app(e, 3 * MS, APP_SEND, 2000);
    advance(e, 1500 * MS); /* RTO: lwIP retransmits */
    peer_send(e, 1600 * MS, TCP_ACK, iss + 2001, 0);
    app(e, 1700 * MS, APP_CLOSE, 0);
    advance(e, 5000 * MS); /* FIN retransmitted */
    peer_send(e, 5100 * MS, TCP_FIN | TCP_ACK, iss + 2002, 0);
    advance(e, 130000 * MS);
}

/* scripted_run(), closed, its trace copied to out (TRACE_MAX bytes). Returns
 * the trace's length. */
static size_t scripted_trace(struct env *e, char *out)
{
    scripted_run(e);
    sut_lwip_ops.close(e->sut);
    memcpy(out, e->rec.text, e->rec.text_len);
    return e->rec.text_len;
}

static void test_same_run_twice_in_one_process_is_identical(void **state)
{
    struct env *e = *state;
    static char first[TRACE_MAX];
    size_t first_len = scripted_trace(e, first);
    assert_true(first_len > 1000);

    /* Disturb lwIP's statics with another run: more ticks (ISS += ticks),
     * another connection, an active open. */
    test_active_open_and_close(state);
    advance(e, 7000 * MS);
    sut_lwip_ops.close(e->sut);

    scripted_run(e);
    assert_int_equal(e->rec.text_len, first_len);
    assert_memory_equal(e->rec.text, first, first_len);
}

static void test_same_run_in_another_process_is_identical(void **state)
{
    struct env *e = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        /* The child's lwIP has been used by earlier tests of the parent (it
         * inherited that state): it still must give the same trace. */
        scripted_run(e);
        size_t off = 0;
        while (off < e->rec.text_len) {
            ssize_t n = write(fds[1], e->rec.text + off, e->rec.text_len - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    static char child[TRACE_MAX];
    size_t child_len = 0;
    ssize_t n;
    while ((n = read(fds[0], child + child_len, sizeof child - child_len)) > 0)
        child_len += (size_t)n;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    scripted_run(e);
    assert_int_equal(child_len, e->rec.text_len);
    assert_memory_equal(child, e->rec.text, child_len);
}

/* lwIP's "insane offset!" assertion (corpus/regressions/third-party/
 * lwip-assert-insane-offset.bin), caught: the run reports it, lwIP stays
 * frozen for the rest of the run, and the next run starts from exactly the
 * state a clean process has (the reset asks nothing of the broken lwIP). */
static void test_assertion_is_caught_and_the_next_run_is_clean(void **state)
{
    struct env *e = *state;
    static char first[TRACE_MAX];
    size_t first_len = scripted_trace(e, first);

    e->sut->catch_asserts = true;
    establish_passive(e);
    assert_null(sut_lwip_assertion(e->sut));
    uint32_t iss = e->rec.last.seq; /* the SYN-ACK's */
    unsigned segs = e->rec.segs;
    e->peer_seq += 0x80000000u; /* RCV.NXT + 2^31: lwIP takes it as overlapping */
    peer_send(e, 3 * MS, TCP_ACK, iss + 1, 1);
    const char *text = sut_lwip_assertion(e->sut);
    assert_non_null(text);
    assert_non_null(strstr(text, "Assertion \"insane offset!\" failed"));
    /* Frozen: nothing more from lwIP, every call refused. */
    assert_int_equal(app(e, 4 * MS, APP_SEND, 10), -1);
    assert_int_equal(sut_lwip_ops.next_deadline(e->sut), UINT64_MAX);
    advance(e, 300000 * MS);
    assert_int_equal(e->rec.segs, segs);
    assert_int_equal(e->rec.state, TCP_ESTABLISHED); /* no made-up transition */
    sut_lwip_ops.close(e->sut);
    e->sut->catch_asserts = false;

    scripted_run(e);
    assert_null(sut_lwip_assertion(e->sut));
    assert_int_equal(e->rec.text_len, first_len);
    assert_memory_equal(e->rec.text, first, first_len);
}

/* corpus/regressions/third-party/lwip-text-without-ack.bin: text in a
 * segment without the ACK bit must be dropped (RFC 9293 §3.10.7.4, "fifth,
 * check the ACK field"); lwIP 2.1.3 takes it and acknowledges it. No oracle
 * rule flags it yet; this pins lwIP's behaviour. */
static void count_took(void *ctx)
{
    (*(unsigned *)ctx)++;
}

static void test_established_takes_text_without_ack(void **state)
{
    struct env *e = *state;
    unsigned took = 0;
    e->sut->took_text_without_ack = count_took;
    e->sut->took_ctx = &took;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    uint32_t rcv_nxt = e->peer_seq;
    peer_send(e, 3 * MS, TCP_PSH, 0, 10); /* no ACK bit */
    assert_int_equal(took, 1);            /* the adapter saw lwIP take it */
    advance(e, 1000 * MS);
    assert_int_equal(e->rec.last.flags, TCP_ACK);
    assert_int_equal(e->rec.last.ack, rcv_nxt + 10);
    peer_send(e, 1100 * MS, TCP_ACK | TCP_PSH, iss + 1, 10); /* with ACK: as it should */
    assert_int_equal(took, 1);
    e->sut->took_text_without_ack = NULL;
}

/* corpus/regressions/third-party/lwip-time-wait-counts-from-close.bin:
 * lwIP stops refreshing pcb->tmr once the application closed (TF_RXCLOSED),
 * and TIME-WAIT expires when tcp_ticks - tmr > 2*MSL: time spent in
 * FIN-WAIT-1 after close() is taken off TIME-WAIT. */
static void test_time_wait_counts_from_close(void **state)
{
    struct env *e = *state;
    establish_passive(e);
    uint32_t iss = e->rec.last.seq;
    assert_int_equal(app(e, 10 * MS, APP_CLOSE, 0), 0);
    assert_int_equal(e->rec.state, TCP_FIN_WAIT_1);
    advance(e, 100000 * MS); /* the peer leaves the FIN unacknowledged 100 s */
    peer_send(e, 100000 * MS, TCP_FIN | TCP_ACK, iss + 2, 0);
    assert_int_equal(e->rec.state, TCP_TIME_WAIT);
    advance(e, 125000 * MS);
    /* 2*MSL is 120 s; lwIP freed the pcb about 20 s after entering TIME-WAIT. */
    assert_int_equal(e->rec.state, TCP_CLOSED);
}

/* The filed-finding recogniser (harness/sut_lwip_known.h) names a root
 * cause only with evidence on the wire. */
static void push_state(struct ev_sink *k, uint64_t index, enum tcp_state from, enum tcp_state to)
{
    struct ev ev = {.kind = EV_STATE, .endpoint = EP_A};
    ev.u.state.from = from;
    ev.u.state.to = to;
    k->push(k->ctx, index, &ev);
}

static void push_seg(struct ev_sink *k, uint64_t index, uint8_t ep, uint8_t flags, uint32_t seq,
                     uint32_t ack, uint16_t len)
{
    struct ev ev = {.kind = EV_SEGMENT, .endpoint = ep};
    ev.u.segment.seg.flags = flags;
    ev.u.segment.seg.seq = seq;
    ev.u.segment.seg.ack = ack;
    ev.u.segment.seg.payload_len = len;
    k->push(k->ctx, index, &ev);
}

static void push_seg_win(struct ev_sink *k, uint64_t index, uint8_t ep, uint8_t flags, uint32_t seq,
                         uint32_t ack, uint16_t len, uint16_t window)
{
    struct ev ev = {.kind = EV_SEGMENT, .endpoint = ep};
    ev.u.segment.seg.flags = flags;
    ev.u.segment.seg.seq = seq;
    ev.u.segment.seg.ack = ack;
    ev.u.segment.seg.payload_len = len;
    ev.u.segment.seg.window = window;
    k->push(k->ctx, index, &ev);
}

static void test_known_findings_need_evidence(void **state)
{
    (void)state;
    struct lwip_known k;
    struct ev_sink sink = lwip_known_sink(&k);
    struct driver_violation v = {.id = "ack-within-sent", .event_index = 5};

    /* Text with ACK, then A acknowledges it: nothing to explain. */
    lwip_known_reset(&k);
    push_seg(&sink, 0, EP_B, TCP_SYN, 100, 0, 0);
    push_seg(&sink, 1, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 2, EP_B, TCP_ACK, 101, 8, 10);
    push_seg(&sink, 3, EP_A, TCP_ACK, 8, 111, 0);
    assert_null(lwip_known_explain(&k, &v));

    /* The same text without ACK once A is ESTABLISHED, acknowledged: lwIP
     * took it. */
    lwip_known_reset(&k);
    push_state(&sink, 0, TCP_CLOSED, TCP_LISTEN);
    push_seg(&sink, 1, EP_B, TCP_SYN, 100, 0, 0);
    push_state(&sink, 2, TCP_LISTEN, TCP_SYN_RECEIVED);
    push_seg(&sink, 3, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 4, EP_B, TCP_ACK, 101, 8, 0);
    push_state(&sink, 5, TCP_SYN_RECEIVED, TCP_ESTABLISHED);
    push_seg(&sink, 6, EP_B, TCP_PSH, 101, 0, 10);
    push_seg(&sink, 7, EP_A, TCP_ACK, 8, 111, 0);
    v.event_index = 8;
    assert_string_equal(lwip_known_explain(&k, &v), "lwip-text-without-ack");
    v.event_index = 6; /* a violation before that segment is not explained */
    assert_null(lwip_known_explain(&k, &v));

    /* ... unless it was lost in the network. */
    lwip_known_reset(&k);
    push_state(&sink, 0, TCP_CLOSED, TCP_LISTEN);
    push_seg(&sink, 1, EP_B, TCP_SYN, 100, 0, 0);
    push_state(&sink, 2, TCP_LISTEN, TCP_SYN_RECEIVED);
    push_seg(&sink, 3, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 4, EP_B, TCP_ACK, 101, 8, 0);
    push_state(&sink, 5, TCP_SYN_RECEIVED, TCP_ESTABLISHED);
    push_seg(&sink, 6, EP_B, TCP_PSH, 101, 0, 10);
    struct ev drop = {.kind = EV_DROP};
    drop.u.drop.index = 6;
    sink.push(sink.ctx, 7, &drop);
    push_seg(&sink, 8, EP_A, TCP_ACK, 8, 111, 0);
    v.event_index = 9;
    assert_null(lwip_known_explain(&k, &v));

    /* ... and not in SYN-RECEIVED, where tcp_process() takes nothing from
     * a segment without ACK: an ACK covering such text has no filed cause. */
    lwip_known_reset(&k);
    push_state(&sink, 0, TCP_CLOSED, TCP_LISTEN);
    push_seg(&sink, 1, EP_B, TCP_SYN, 100, 0, 0);
    push_state(&sink, 2, TCP_LISTEN, TCP_SYN_RECEIVED);
    push_seg(&sink, 3, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 4, EP_B, TCP_PSH, 101, 0, 10);
    push_seg(&sink, 5, EP_A, TCP_ACK, 8, 111, 0);
    v.event_index = 6;
    assert_null(lwip_known_explain(&k, &v));

    /* Text acknowledging unsent data, taken once ESTABLISHED, while ACK-less
     * text sent in SYN-RECEIVED covers the same numbers
     * (lwip-text-with-unacceptable-ack-syn-received.bin): the unacceptable
     * ACK's text is what lwIP took. */
    lwip_known_reset(&k);
    push_state(&sink, 0, TCP_CLOSED, TCP_LISTEN);
    push_seg(&sink, 1, EP_B, TCP_SYN, 100, 0, 0);
    push_state(&sink, 2, TCP_LISTEN, TCP_SYN_RECEIVED);
    push_seg(&sink, 3, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 4, EP_B, TCP_PSH, 101, 0, 200);
    push_seg(&sink, 5, EP_B, TCP_ACK, 101, 8, 80);
    push_state(&sink, 6, TCP_SYN_RECEIVED, TCP_ESTABLISHED);
    push_seg(&sink, 7, EP_A, TCP_ACK, 8, 181, 0);
    push_seg(&sink, 8, EP_B, TCP_ACK, 181, 9000, 80);
    push_seg(&sink, 9, EP_A, TCP_ACK, 8, 181, 0);
    push_seg(&sink, 10, EP_B, TCP_ACK, 400, 8, 2);
    push_seg(&sink, 11, EP_A, TCP_ACK, 8, 261, 0);
    v.event_index = 11;
    assert_string_equal(lwip_known_explain(&k, &v), "lwip-text-with-unacceptable-ack");

    /* A connected; B's text 102..158 (an old ACK: acceptable), a hole at
     * 101; B's text 101..142 whose ACK acknowledges unsent data; B's FIN at
     * 101 (old by then). A, still ESTABLISHED (no FIN taken), acknowledges
     * 158: only the bad-ACK text fills the hole
     * (lwip-text-with-unacceptable-ack-old-fin.bin). Without that segment
     * nothing explains it. */
    struct driver_violation sw = {.id = "state-matches-wire", .event_index = 11};
    for (int with_bad = 1; with_bad >= 0; with_bad--) {
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 8, 0);
        push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg(&sink, 4, EP_A, TCP_ACK, 8, 101, 0);
        push_seg(&sink, 5, EP_B, TCP_PSH | TCP_ACK, 102, 8 - 60, 56);
        push_seg(&sink, 6, EP_A, TCP_ACK, 8, 101, 0);
        if (with_bad)
            push_seg(&sink, 7, EP_B, TCP_ACK, 101, 14, 41);
        push_seg(&sink, 8, EP_A, TCP_ACK, 8, 101, 0);
        push_seg(&sink, 9, EP_B, TCP_FIN | TCP_ACK, 101, 8, 0);
        push_seg(&sink, 10, EP_A, TCP_ACK, 8, 158, 0);
        if (with_bad)
            assert_string_equal(lwip_known_explain(&k, &sw), "lwip-text-with-unacceptable-ack");
        else
            assert_null(lwip_known_explain(&k, &sw));
    }

    /* More segments acknowledging unsent data (or without ACK) than the
     * first eight, junk far off, before the one whose text A acknowledges
     * (lwip-text-with-unacceptable-ack-many.bin): still proven. A segment
     * with an acceptable ACK over the same numbers explains the ACK. */
    for (int junk_noack = 0; junk_noack <= 1; junk_noack++)
        for (int near_miss = 0; near_miss <= 1; near_miss++) {
            lwip_known_reset(&k);
            push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
            push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
            push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 8, 0);
            push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
            push_seg(&sink, 4, EP_A, TCP_ACK, 8, 101, 0);
            uint64_t i = 5;
            for (unsigned j = 0; j < 12; j++, i++)
                push_seg(&sink, i, EP_B, junk_noack ? TCP_PSH : TCP_ACK, 50000 + 100 * j,
                         junk_noack ? 0 : 9000, 10);
            /* text 101..111 (its ACK beyond what A sent), and ACK-less
             * text 111..121 that only fills in after it */
            push_seg(&sink, i++, EP_B, TCP_ACK, 101, 9000, 10);
            push_seg(&sink, i++, EP_B, TCP_PSH, 111, 0, 10);
            if (near_miss)
                push_seg(&sink, i++, EP_B, TCP_ACK, 101, 8, 20);
            push_seg(&sink, i, EP_A, TCP_ACK, 8, 121, 0);
            struct driver_violation aw = {.id = "ack-within-sent", .event_index = i};
            if (near_miss)
                assert_null(lwip_known_explain(&k, &aw));
            else
                assert_string_equal(lwip_known_explain(&k, &aw), "lwip-text-with-unacceptable-ack");
        }

    /* A's active open: B's first SYN-ACK (ISN 100) acknowledges the wrong
     * number and draws A's RST; A's SYN again; B's SYN-ACK at ISN 300 with
     * text that lwIP drops (A acknowledges 301) completes the open. Then
     * text 250..460 acknowledging unsent data, acknowledged by A: taken
     * (lwip-text-with-unacceptable-ack-new-syn-ack.bin: B's ISN is 300,
     * not 100; -syn-text.bin: a SYN's text, here the SYN-ACK's, covers
     * nothing). The same text with an acceptable ACK explains nothing. */
    for (int acceptable = 0; acceptable <= 1; acceptable++) {
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 5000, 0);
        push_seg(&sink, 3, EP_A, TCP_RST, 5000, 0, 0);
        push_seg(&sink, 4, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 5, EP_B, TCP_SYN | TCP_ACK, 300, 8, 196);
        push_state(&sink, 6, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg(&sink, 7, EP_A, TCP_ACK, 8, 301, 0);
        push_seg(&sink, 8, EP_B, TCP_ACK, 250, acceptable ? 8 : 70000, 210);
        push_seg(&sink, 9, EP_A, TCP_ACK, 8, 460, 0);
        struct driver_violation ws = {.id = "state-matches-wire", .event_index = 9};
        if (acceptable)
            assert_null(lwip_known_explain(&k, &ws));
        else
            assert_string_equal(lwip_known_explain(&k, &ws), "lwip-text-with-unacceptable-ack");
    }

    /* A FIN at 155, then text 101..354 covering it: an ACK of 355 counts a
     * FIN after the text (lwIP moved it); 354 would be the text alone. */
    struct driver_violation fa = {.id = "fin-ack-plus-one", .event_index = 4};
    lwip_known_reset(&k);
    push_seg(&sink, 0, EP_B, TCP_SYN, 100, 0, 0);
    push_seg(&sink, 1, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 2, EP_B, TCP_FIN | TCP_ACK, 107, 8, 48);
    push_seg(&sink, 3, EP_B, TCP_ACK, 101, 8, 254);
    push_seg(&sink, 4, EP_A, TCP_ACK, 8, 101 + 254, 0);
    assert_null(lwip_known_explain(&k, &fa));
    push_seg(&sink, 5, EP_A, TCP_ACK, 8, 101 + 254 + 1, 0);
    fa.event_index = 5;
    assert_string_equal(lwip_known_explain(&k, &fa), "lwip-ooseq-fin-moved");

    /* The same found after more segments than the recogniser's lists of
     * the first ones hold: segments of B acknowledging unsent data
     * (each at its own sequence number, far ahead), then the FIN at 197 and
     * the text 101..202 covering it, both acknowledging unsent data too
     * (lwip-ooseq-fin-moved-many-segments.bin): ACK 203 is named, 202 (the
     * text alone) is not. */
    for (int moved = 0; moved < 2; moved++) {
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 8, 0);
        push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg(&sink, 4, EP_A, TCP_ACK, 8, 101, 0);
        /* (as many as that list holds) */
        const uint64_t n = LWIP_KNOWN_BADACK_MAX;
        for (unsigned i = 0; i < n; i++)
            push_seg(&sink, 5 + i, EP_B, TCP_ACK, 1101 + 10 * i, 8 + 3072, 5);
        push_seg(&sink, 5 + n, EP_B, TCP_FIN | TCP_ACK, 149, 8 + 3072, 48);
        push_seg(&sink, 6 + n, EP_B, TCP_ACK, 101, 8 + 3072, 101);
        push_state(&sink, 7 + n, TCP_ESTABLISHED, TCP_CLOSE_WAIT);
        push_seg(&sink, 8 + n, EP_A, TCP_ACK, 8, 101 + 101 + (moved ? 1 : 0), 0);
        fa.event_index = 8 + n;
        if (moved)
            assert_string_equal(lwip_known_explain(&k, &fa), "lwip-ooseq-fin-moved");
        else
            assert_null(lwip_known_explain(&k, &fa));
    }

    /* lwIP's FIN cut to a window it took from junk far ahead of RCV.NXT
     * (lwip-fin-on-window-split-junk-window.bin): B's window 257 on a
     * segment 2^30 ahead acknowledging unsent data, then B's text at
     * RCV.NXT with window 65535, which lwIP's SND.WL1/WL2 test refuses
     * (SEG.SEQ below the junk's, another ACK); A's FIN
     * carries 257 octets and text follows beyond it. Named; without the
     * junk segment lwIP's window is 65535 and the same wire is not. */
    for (int junk = 0; junk < 2; junk++) {
        struct driver_violation nd = {.id = "no-data-after-fin", .event_index = 9};
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg_win(&sink, 1, EP_A, TCP_SYN, 7, 0, 0, 65535);
        push_seg_win(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 8, 0, 65535);
        push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg_win(&sink, 4, EP_A, TCP_ACK, 8, 101, 0, 65535);
        if (junk)
            push_seg_win(&sink, 5, EP_B, TCP_ACK, 101 + (1u << 30), 8 + 3072, 0, 257);
        push_seg_win(&sink, 6, EP_B, TCP_ACK | TCP_PSH, 101, 8, 10, 65535);
        push_state(&sink, 7, TCP_ESTABLISHED, TCP_FIN_WAIT_1);
        push_seg_win(&sink, 8, EP_A, TCP_FIN | TCP_ACK, 8, 111, 257, 65535);
        push_seg_win(&sink, 9, EP_A, TCP_FIN | TCP_ACK | TCP_PSH, 8 + 257, 111, 63, 65535);
        if (junk)
            assert_string_equal(lwip_known_explain(&k, &nd), "lwip-fin-on-window-split");
        else
            assert_null(lwip_known_explain(&k, &nd));
    }

    /* B's ISN is that of the SYN-ACK an active open completed on, not of
     * an earlier SYN without ACK that SYN-SENT ignored
     * (lwip-text-with-unacceptable-ack-earlier-syn.bin): B's FIN segment
     * 302..502 waits behind a hole at 301 that only a segment
     * acknowledging unsent data fills; A's ACK of the FIN is named. The
     * near miss: the same hole filled with an acceptable ACK. */
    for (int bad = 0; bad < 2; bad++) {
        struct driver_violation hc = {.id = "half-close-delivery", .event_index = 10};
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 2, EP_B, TCP_SYN, 50, 0, 242);
        push_seg(&sink, 3, EP_B, TCP_SYN | TCP_ACK, 300, 8, 0);
        push_state(&sink, 4, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg(&sink, 5, EP_A, TCP_ACK, 8, 301, 0);
        push_seg(&sink, 6, EP_B, TCP_FIN | TCP_ACK, 302, 8, 200);
        push_seg(&sink, 7, EP_B, TCP_ACK | TCP_PSH, 301, bad ? 10 : 8, 1);
        push_state(&sink, 8, TCP_ESTABLISHED, TCP_CLOSE_WAIT);
        push_seg(&sink, 10, EP_A, TCP_ACK, 8, 503, 0);
        if (bad)
            assert_string_equal(lwip_known_explain(&k, &hc), "lwip-text-with-unacceptable-ack");
        else
            assert_null(lwip_known_explain(&k, &hc));
    }

    /* An ACK too old to be acceptable (below SND.UNA - MAX.SND.WND, RFC
     * 9293 §3.10.7.4 fifth check after RFC 5961 §5.2) is treated like one
     * of unsent data: its text fills the hole below B's FIN at 246
     * (lwip-text-with-unacceptable-ack-too-old.bin). The near miss: an old
     * ACK within MAX.SND.WND (acceptable: it is ignored and the text is
     * processed). */
    for (int bad = 0; bad < 2; bad++) {
        struct driver_violation hc = {.id = "half-close-delivery", .event_index = 9};
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg_win(&sink, 1, EP_A, TCP_SYN, 1000, 0, 0, 65535);
        push_seg_win(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 1001, 0, 65535);
        push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg_win(&sink, 4, EP_A, TCP_ACK, 1001, 101, 0, 65535);
        push_seg_win(&sink, 5, EP_B, TCP_FIN | TCP_ACK, 150, 1001, 96, 65535);
        push_seg_win(&sink, 6, EP_B, TCP_ACK, 21, bad ? 1001u - (1u << 28) : 1001u - 1000u, 176,
                     65535);
        push_state(&sink, 7, TCP_ESTABLISHED, TCP_CLOSE_WAIT);
        push_seg_win(&sink, 9, EP_A, TCP_ACK, 1001, 247, 0, 65535);
        if (bad)
            assert_string_equal(lwip_known_explain(&k, &hc), "lwip-text-with-unacceptable-ack");
        else
            assert_null(lwip_known_explain(&k, &hc));
    }

    /* lwIP reports CLOSE-WAIT on text acknowledging unsent data that fills
     * the hole below B's queued FIN at 440; the same text then comes again
     * with an acceptable ACK, so A's ACK of the FIN proves nothing by
     * itself (lwip-text-with-unacceptable-ack-fills-to-fin.bin). The near
     * miss: the first filling segment's ACK is acceptable. */
    for (int bad = 0; bad < 2; bad++) {
        struct driver_violation fp = {.id = "fin-ack-plus-one", .event_index = 11};
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 8, 0);
        push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg(&sink, 4, EP_A, TCP_ACK | TCP_PSH, 8, 101, 1016);
        push_seg(&sink, 5, EP_B, TCP_FIN | TCP_ACK, 200, 8, 240);
        push_seg(&sink, 6, EP_B, TCP_ACK, 101, bad ? 8u + (1u << 30) : 900u, 240);
        push_state(&sink, 7, TCP_ESTABLISHED, TCP_CLOSE_WAIT);
        push_seg(&sink, 8, EP_B, TCP_ACK, 101, 900, 240);
        push_seg(&sink, 11, EP_A, TCP_ACK, 1024, 441, 0);
        if (bad)
            assert_string_equal(lwip_known_explain(&k, &fp), "lwip-text-with-unacceptable-ack");
        else
            assert_null(lwip_known_explain(&k, &fp));
    }

    /* Copies of one segment acknowledging unsent data fill no list: B's
     * FIN at 352 with an old (acceptable) ACK waits behind a hole at
     * 101..106 that only text acknowledging unsent data fills, after eight
     * copies of another such segment (lwip-text-with-unacceptable-ack-
     * many-copies.bin): A's ACK of the FIN shows lwIP took that text. The
     * near miss: the same hole filled by text with an acceptable ACK. */
    for (int bad = 0; bad < 2; bad++) {
        lwip_known_reset(&k);
        push_state(&sink, 0, TCP_CLOSED, TCP_SYN_SENT);
        push_seg(&sink, 1, EP_A, TCP_SYN, 7, 0, 0);
        push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 100, 8, 0);
        push_state(&sink, 3, TCP_SYN_SENT, TCP_ESTABLISHED);
        push_seg(&sink, 4, EP_A, TCP_ACK, 8, 101, 0);
        for (unsigned i = 0; i < 8; i++)
            push_seg(&sink, 5 + i, EP_B, TCP_ACK, 149, 8 + 3072, 48);
        push_seg(&sink, 13, EP_B, TCP_FIN | TCP_ACK, 107, 8 - 512, 245);
        push_seg(&sink, 14, EP_B, TCP_ACK, 101, bad ? 8 + 784 : 8, 48);
        push_state(&sink, 15, TCP_ESTABLISHED, TCP_CLOSE_WAIT);
        push_seg(&sink, 16, EP_A, TCP_ACK, 8, 353, 0);
        fa.event_index = 16;
        if (bad)
            assert_string_equal(lwip_known_explain(&k, &fa), "lwip-text-with-unacceptable-ack");
        else
            assert_null(lwip_known_explain(&k, &fa));
    }

    /* SYN-RECEIVED: B's SYN+ACK at ISN+1 answered with ack ISN+2 (the SYN
     * counted) is lwIP's; a challenge ACK (ack ISN+1) is not. */
    struct driver_violation sr = {.id = "rst-validation", .event_index = 5};
    lwip_known_reset(&k);
    push_seg(&sink, 0, EP_B, TCP_SYN, 100, 0, 0);
    push_seg(&sink, 1, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 101, 8, 0);
    push_seg(&sink, 3, EP_A, TCP_ACK, 8, 101, 0);
    push_seg(&sink, 4, EP_B, TCP_ACK, 101, 8, 1);
    push_seg(&sink, 5, EP_A, TCP_ACK, 8, 102, 0); /* the byte, not the SYN */
    assert_null(lwip_known_explain(&k, &sr));
    lwip_known_reset(&k);
    push_seg(&sink, 0, EP_B, TCP_SYN, 100, 0, 0);
    push_seg(&sink, 1, EP_A, TCP_SYN | TCP_ACK, 7, 101, 0);
    push_seg(&sink, 2, EP_B, TCP_SYN | TCP_ACK, 101, 8, 0);
    push_seg(&sink, 3, EP_A, TCP_ACK, 8, 102, 0);
    assert_string_equal(lwip_known_explain(&k, &sr), "lwip-syn-received-ignores-syn");

    /* close() at 0 s, TIME-WAIT entered at 100 s and left at 120.25 s: the
     * timeout counted from close(); left at 220.25 s it would be right. */
    struct driver_violation tw = {.id = "time-wait-duration", .event_index = 2};
    struct ev app_close = {.kind = EV_APP, .endpoint = EP_A, .time_usecs = 0};
    app_close.u.app.call = APP_CLOSE;
    struct ev st = {.kind = EV_STATE, .endpoint = EP_A, .time_usecs = 100000 * MS};
    st.u.state.from = TCP_FIN_WAIT_1;
    st.u.state.to = TCP_TIME_WAIT;
    lwip_known_reset(&k);
    sink.push(sink.ctx, 0, &app_close);
    sink.push(sink.ctx, 1, &st);
    st.time_usecs = 120250 * MS;
    st.u.state.from = TCP_TIME_WAIT;
    st.u.state.to = TCP_CLOSED;
    sink.push(sink.ctx, 2, &st);
    assert_string_equal(lwip_known_explain(&k, &tw), "lwip-time-wait-counts-from-close");
    lwip_known_reset(&k);
    sink.push(sink.ctx, 0, &app_close);
    st.time_usecs = 100000 * MS;
    st.u.state.from = TCP_FIN_WAIT_1;
    st.u.state.to = TCP_TIME_WAIT;
    sink.push(sink.ctx, 1, &st);
    st.time_usecs = 220250 * MS;
    st.u.state.from = TCP_TIME_WAIT;
    st.u.state.to = TCP_CLOSED;
    sink.push(sink.ctx, 2, &st);
    assert_null(lwip_known_explain(&k, &tw));

    /* SYN+FIN without ACK to a closed A: RST ack SEQ+LEN-1 is lwIP's count. */
    struct driver_violation cs = {.id = "closed-silence", .event_index = 1};
    lwip_known_reset(&k);
    push_seg(&sink, 0, EP_B, TCP_SYN | TCP_FIN, 50, 0, 17);
    push_seg(&sink, 1, EP_A, TCP_RST | TCP_ACK, 0, 50 + 17 + 1, 0);
    assert_string_equal(lwip_known_explain(&k, &cs), "lwip-rst-ack-syn-fin");
    lwip_known_reset(&k);
    push_seg(&sink, 0, EP_B, TCP_SYN | TCP_FIN, 50, 0, 17);
    push_seg(&sink, 1, EP_A, TCP_RST | TCP_ACK, 0, 50 + 17 + 2, 0); /* the right ack */
    assert_null(lwip_known_explain(&k, &cs));

    /* Many of them: each is named, not only the first four
     * (lwip-rst-ack-syn-fin-many.bin). */
    lwip_known_reset(&k);
    for (unsigned i = 0; i < 6; i++) {
        push_seg(&sink, 2 * i, EP_B, TCP_SYN | TCP_FIN, 50 + i, 0, 17);
        push_seg(&sink, 2 * i + 1, EP_A, TCP_RST | TCP_ACK, 0, 50 + i + 17 + 1, 0);
    }
    cs.event_index = 11;
    assert_string_equal(lwip_known_explain(&k, &cs), "lwip-rst-ack-syn-fin");
}

/* A fresh process (exec, not fork: nothing inherited) gives the same trace
 * as this one. The test binary re-runs itself with FINFUZZ_LWIP_TRACE_OUT. */
static const char *self_path;

static void test_same_run_in_a_fresh_process_is_identical(void **state)
{
    struct env *e = *state;
    char path[] = "/tmp/finfuzz-lwip-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "FINFUZZ_LWIP_TRACE_OUT=%s '%s' >/dev/null 2>&1", path, self_path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char other[TRACE_MAX];
    size_t other_len = fread(other, 1, sizeof other, f);
    fclose(f);
    unlink(path);
    scripted_run(e);
    assert_int_equal(other_len, e->rec.text_len);
    assert_memory_equal(other, e->rec.text, other_len);
}

/* ================= idle ticks skipped, same trace ================= */

/* The trace of one program under the driver, with or without skipping idle
 * tcp_tmr() calls. */
static char *driver_trace(const uint8_t *data, size_t size, bool exact, size_t *len)
{
    static struct driver drv;
    static struct sut_lwip lw;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    driver_init(&drv);
    drv.use_profile = true;
    drv.profile = PROFILE_LWIP;
    memset(&lw, 0, sizeof lw);
    lw.exact_ticks = exact;
    struct trace_printer tp;
    trace_init(&tp, f, &drv.oracle);
    struct ev_sink sink = trace_sink(&tp);
    struct sut s = {.ops = &sut_lwip_ops, .self = &lw};
    driver_run(&drv, &s, data, size, &sink, 1);
    fclose(f);
    return buf;
}

/* Every file of folder `dir` run with and without skipping idle ticks gives
 * the same trace. Returns the files compared (0 if there is no folder). */
static unsigned compare_skipping_in(const char *dir_path)
{
    DIR *dir = opendir(dir_path);
    if (!dir)
        return 0;
    unsigned compared = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir_path, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t data[4096];
        size_t n = fread(data, 1, sizeof data, f);
        fclose(f);
        size_t l_exact = 0, l_skip = 0;
        char *exact = driver_trace(data, n, true, &l_exact);
        char *skipped = driver_trace(data, n, false, &l_skip);
        if (l_exact != l_skip || memcmp(exact, skipped, l_exact) != 0)
            fail_msg("%s: skipping idle ticks changed the trace", path);
        free(exact);
        free(skipped);
        compared++;
    }
    closedir(dir);
    return compared;
}

/* Skipping idle ticks (sut_lwip_glue.c) must not change anything lwIP does:
 * every seed program gives the same trace both ways (checked on 1612
 * campaign inputs when it was written, and on 4128 when skipping learnt
 * persist timers and queued data). tests/data/lwip_idle_ticks holds
 * campaign inputs that skip while a persist timer runs (its probes backing
 * off) and while data waits behind unacknowledged data: both must happen
 * here, or the test would not test those bounds. */
static void test_skipping_idle_ticks_keeps_every_trace(void **state)
{
    (void)state;
    struct lwg_skip_stats before = lwg_skip_stats();
    unsigned seeds = compare_skipping_in("corpus/close_endpoint");
    if (seeds == 0)
        skip();
    assert_true(seeds > 10);
    assert_int_equal(compare_skipping_in("tests/data/lwip_idle_ticks"), 3);
    struct lwg_skip_stats after = lwg_skip_stats();
    assert_true(after.calls > before.calls);
    assert_true(after.persist_calls > before.persist_calls);
    assert_true(after.queued_calls > before.queued_calls);
}

int main(int argc, char **argv)
{
    (void)argc;
    self_path = argv[0];
    const char *out = getenv("FINFUZZ_LWIP_TRACE_OUT");
    if (out) { /* child mode of the fresh-process test */
        struct env e = {.sut = sut_lwip_create()};
        scripted_run(&e);
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(e.rec.text, 1, e.rec.text_len, f) != e.rec.text_len)
            return 1;
        fclose(f);
        sut_lwip_ops.close(e.sut);
        sut_lwip_destroy(e.sut);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_close_wait_rcv_fin_then_app_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_lasts_two_msl_in_ticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_active_open_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_established_rcv_rst_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_unread_sends_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recv_hands_data_to_application, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_sent_abort_sends_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_received_takes_syn_fin_ack_as_fin, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_syn_received_skips_the_sequence_check, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_syn_received_app_holds_only_the_listener, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_run_twice_in_one_process_is_identical, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_run_in_another_process_is_identical, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_run_in_a_fresh_process_is_identical, setup,
                                        teardown),
        cmocka_unit_test(test_skipping_idle_ticks_keeps_every_trace),
        cmocka_unit_test_setup_teardown(test_assertion_is_caught_and_the_next_run_is_clean, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_established_takes_text_without_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_counts_from_close, setup, teardown),
        cmocka_unit_test(test_known_findings_need_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
