/* finfuzz check on crafted captures: for every invariant a capture can show,
 * one that breaks it (the verdict names the invariant, the frame and the
 * endpoint) and a near miss that must pass, written over a rotation of link
 * types, IPv4 and IPv6, pcap and pcapng, and read through the whole path
 * (capture.c -> flows.c -> oracle, as `finfuzz check` does).
 *
 * Not here: transition-legal and state-matches-wire judge states a stack
 * reports, which a capture has none of. ack-within-sent, half-close-delivery
 * and a missing RFC 5961 challenge ACK (rst-validation) turn into
 * "incomplete" in a capture, since the capture point may simply have missed
 * the data or the answer; the tests below check that instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/check.h"
#include "harness/event.h"
#include "support/pcap_craft.h"

#define MS  1000ull
#define SEC 1000000ull

/* ---- running a capture through the checker ---- */

#define GOT_MAX 4
struct got_flow {
    enum oracle_verdict verdict;
    const char *why_incomplete; /* static string from the oracle, or NULL */
    size_t nv;
    struct oracle_violation v[ORACLE_MAX_VIOLATIONS];
};
struct got {
    size_t n;
    struct got_flow f[GOT_MAX];
    unsigned messages;
};

static void got_flow(void *ctx, const struct flow *f, const struct check_verdict *o, uint64_t end,
                     enum flow_end why)
{
    struct got *g = ctx;
    (void)f, (void)end, (void)why;
    if (g->n >= GOT_MAX)
        return;
    struct got_flow *x = &g->f[g->n++];
    x->verdict = o->verdict;
    x->why_incomplete = o->incomplete_reason;
    x->nv = o->nviolations;
    memcpy(x->v, o->violations, x->nv * sizeof *o->violations);
}

static void got_message(void *ctx, const char *msg)
{
    struct got *g = ctx;
    g->messages++;
    fprintf(stderr, "message: %s\n", msg);
}

/* The link-layer/format rotation: case i uses variant i % count. */
static const struct craft_opts rotation[] = {
    {.linktype = CRAFT_LT_ETHERNET},
    {.linktype = CRAFT_LT_SLL2, .pcapng = true},
    {.linktype = CRAFT_LT_ETHERNET, .vlan_tags = 2, .big_endian = true},
    {.linktype = CRAFT_LT_RAW, .nsec = true},
    {.linktype = CRAFT_LT_SLL},
    {.linktype = CRAFT_LT_NULL, .pcapng = true, .nsec = true},
    {.linktype = CRAFT_LT_LOOP},
};
#define ROTATION (sizeof rotation / sizeof rotation[0])

/* A scenario writes one conversation; when violate is false it writes the
 * near miss. Returns the frame that should be blamed (0: none expected). */
typedef uint64_t (*scenario_fn)(struct craft_conn *k, bool violate);

struct expect {
    const char *invariant; /* NULL: the near miss passes */
    int endpoint;
    enum oracle_profile profile;
    double msl_secs; /* 0: default */
};

static unsigned case_counter;

static void run_case(const char *name, scenario_fn build, bool violate, const struct expect *x)
{
    unsigned i = case_counter++;
    int version = (i % 2) ? 6 : 4;
    char path[CRAFT_PATH_MAX];
    craft_path(path, name);
    struct craft c;
    assert_true(craft_open(&c, path, &rotation[i % ROTATION]));
    struct craft_conn k;
    craft_conn_init(&k, &c, version, 40000, 80, 1000000, 5000000, 0);
    uint64_t frame = build(&k, violate);
    craft_close(&c);

    struct check_options opt;
    check_options_default(&opt);
    opt.cfg.profile = x->profile;
    if (x->msl_secs > 0)
        opt.cfg.msl_usecs = (uint64_t)(x->msl_secs * 1e6);
    struct got g;
    memset(&g, 0, sizeof g);
    struct check_hooks hooks = {.ctx = &g, .flow = got_flow, .message = got_message};
    struct check_result res;
    assert_true(check_path(path, &opt, &hooks, &res));
    assert_int_equal(g.messages, 0);
    assert_true(g.n >= 1);

    bool want = violate && x->invariant; /* else: no violation, every flow passes */
    bool found = false;
    for (size_t f = 0; f < g.n; f++) {
        for (size_t v = 0; v < g.f[f].nv; v++) {
            const struct oracle_violation *ov = &g.f[f].v[v];
            if (!want)
                fail_msg("%s (near miss, IPv%d, link %u): unexpected %s at frame %llu by %c: %s",
                         name, version, rotation[i % ROTATION].linktype, ov->inv->id,
                         (unsigned long long)ov->frame, ov->endpoint ? 'B' : 'A', ov->message);
            if (!strcmp(ov->inv->id, x->invariant) && ov->frame == frame &&
                ov->endpoint == x->endpoint)
                found = true;
        }
        if (!want && g.f[f].verdict != VERDICT_PASS)
            fail_msg("%s (near miss): flow %zu verdict %s (%s)", name, f,
                     oracle_verdict_name(g.f[f].verdict),
                     g.f[f].why_incomplete ? g.f[f].why_incomplete : "");
    }
    if (want && !found) {
        for (size_t f = 0; f < g.n; f++)
            for (size_t v = 0; v < g.f[f].nv; v++)
                fprintf(stderr, "  got %s at frame %llu by %c: %s\n", g.f[f].v[v].inv->id,
                        (unsigned long long)g.f[f].v[v].frame, g.f[f].v[v].endpoint ? 'B' : 'A',
                        g.f[f].v[v].message);
        fail_msg("%s (IPv%d, link %u): expected %s at frame %llu by %c", name, version,
                 rotation[i % ROTATION].linktype, x->invariant, (unsigned long long)frame,
                 x->endpoint ? 'B' : 'A');
    }
}

static void both(const char *name, scenario_fn build, struct expect x)
{
    char a[96], b[96];
    snprintf(a, sizeof a, "%s-violating.pcap", name);
    snprintf(b, sizeof b, "%s-near-miss.pcap", name);
    run_case(a, build, true, &x);
    struct expect pass = x;
    pass.invariant = NULL;
    run_case(b, build, false, &pass);
}

static uint64_t frame_now(const struct craft_conn *k)
{
    return k->c->records;
}

/* Frames 1-5: handshake, 100 bytes A->B, their ACK. */
static void opening(struct craft_conn *k)
{
    craft_handshake(k);
    craft_send(k, 100, EP_A, TCP_ACK | TCP_PSH, 100);
    craft_send(k, 100, EP_B, TCP_ACK, 0);
}

/* A closes first: FIN, ACK, FIN, ACK; A ends in TIME-WAIT. */
static void close_a_first(struct craft_conn *k)
{
    craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
    craft_send(k, 100, EP_B, TCP_ACK, 0);
    craft_send(k, 10 * MS, EP_B, TCP_ACK | TCP_FIN, 0);
    craft_send(k, 100, EP_A, TCP_ACK, 0);
}

/* ---- scenarios ---- */

/* B acknowledges one past A's FIN (ack = FIN.seq + 2). */
static uint64_t fin_ack_plus_one(struct craft_conn *k, bool violate)
{
    opening(k);
    uint32_t fin = craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
    craft_send_at(k, 100, EP_B, TCP_ACK, k->nxt[EP_B], fin + (violate ? 2 : 1), 0);
    uint64_t blamed = frame_now(k);
    craft_send(k, 10 * MS, EP_B, TCP_ACK | TCP_FIN, 0);
    craft_send(k, 100, EP_A, TCP_ACK, 0);
    return blamed;
}

/* A sends a second FIN one sequence number later. */
static uint64_t fin_seq_stable(struct craft_conn *k, bool violate)
{
    opening(k);
    uint32_t fin = craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
    /* near miss: the same FIN again, as after a lost ACK (g_fin_retransmit) */
    craft_send_at(k, 210 * MS, EP_A, TCP_ACK | TCP_FIN, violate ? fin + 1 : fin, k->nxt[EP_B], 0);
    uint64_t blamed = frame_now(k);
    craft_send_at(k, 100, EP_B, TCP_ACK, k->nxt[EP_B], fin + 1, 0);
    craft_send_at(k, 10 * MS, EP_B, TCP_ACK | TCP_FIN, k->nxt[EP_B], fin + 1, 0);
    craft_send_at(k, 100, EP_A, TCP_ACK, fin + 1, k->nxt[EP_B], 0);
    return blamed;
}

/* A sends 10 bytes after its FIN (near miss: resends the 100 below it). */
static uint64_t no_data_after_fin(struct craft_conn *k, bool violate)
{
    craft_handshake(k);
    uint32_t data = craft_send(k, 100, EP_A, TCP_ACK | TCP_PSH, 100);
    uint32_t fin = craft_send(k, 100, EP_A, TCP_ACK | TCP_FIN, 0);
    if (violate)
        craft_send_at(k, 100, EP_A, TCP_ACK | TCP_PSH, fin + 1, k->nxt[EP_B], 10);
    else
        craft_send_at(k, 200 * MS, EP_A, TCP_ACK | TCP_PSH, data, k->nxt[EP_B], 100);
    uint64_t blamed = frame_now(k);
    craft_send_at(k, 100, EP_B, TCP_ACK, k->nxt[EP_B], fin + 1, 0);
    craft_send_at(k, 10 * MS, EP_B, TCP_ACK | TCP_FIN, k->nxt[EP_B], fin + 1, 0);
    craft_send_at(k, 100, EP_A, TCP_ACK, fin + 1, k->nxt[EP_B], 0);
    return blamed;
}

/* A in TIME-WAIT answers B's retransmitted FIN with an RST 10 s in, long
 * before 2*MSL (near miss: it re-ACKs it). */
static uint64_t time_wait_ended_early(struct craft_conn *k, bool violate)
{
    opening(k);
    close_a_first(k);
    uint32_t bfin = k->nxt[EP_B] - 1;
    craft_send_at(k, 10 * SEC, EP_B, TCP_ACK | TCP_FIN, bfin, k->nxt[EP_A], 0);
    if (violate)
        craft_send_at(k, 100, EP_A, TCP_RST, k->nxt[EP_A], 0, 0);
    else
        craft_send(k, 100, EP_A, TCP_ACK, 0);
    return frame_now(k);
}

/* MSL 1 s: A still re-ACKs a FIN 3 s after its TIME-WAIT began (near miss:
 * at 1.5 s). */
static uint64_t time_wait_lasted_too_long(struct craft_conn *k, bool violate)
{
    opening(k);
    close_a_first(k);
    uint32_t bfin = k->nxt[EP_B] - 1;
    craft_send_at(k, violate ? 2400 * MS : 1500 * MS, EP_B, TCP_ACK | TCP_FIN, bfin, k->nxt[EP_A],
                  0);
    craft_send(k, 100, EP_A, TCP_ACK, 0);
    return frame_now(k);
}

/* A is in TIME-WAIT; B opens again from the same port with an ISN inside
 * the old sequence space and A accepts it with a SYN-ACK (near miss: the
 * ISN lies above the old space, as RFC 6191 allows). */
static uint64_t time_wait_reuse(struct craft_conn *k, bool violate)
{
    opening(k);
    close_a_first(k);
    uint32_t isn = violate ? k->nxt[EP_B] - 50 : k->nxt[EP_B] + 100000;
    uint32_t isn_a = k->nxt[EP_A] + 70000;
    craft_send_at(k, 1 * SEC, EP_B, TCP_SYN, isn, 0, 0);
    craft_send_at(k, 100, EP_A, TCP_SYN | TCP_ACK, isn_a, isn + 1, 0);
    uint64_t blamed = frame_now(k);
    k->nxt[EP_A] = isn_a + 1;
    k->nxt[EP_B] = isn + 1;
    craft_send(k, 100, EP_B, TCP_ACK, 0);
    close_a_first(k); /* the new incarnation closes cleanly */
    return blamed;
}

/* B sends an RST 10 bytes past A's RCV.NXT. A must answer with a challenge
 * ACK (RFC 5961 §3.2); B, closed by its own RST, answers that with the exact
 * RST that closes A. Without the challenge ACK (violate) the capture ends
 * owing it: a capture cannot tell a missing answer from one the capture
 * point did not see (or one rate-limited away), so that is "incomplete",
 * never a violation. */
static uint64_t rst_validation(struct craft_conn *k, bool violate)
{
    opening(k);
    craft_send_at(k, 10 * MS, EP_B, TCP_RST, k->nxt[EP_B] + 10, 0, 0);
    if (violate)
        return 0;
    craft_send(k, 100, EP_A, TCP_ACK, 0); /* challenge ACK: ack = RCV.NXT */
    craft_send_at(k, 100, EP_B, TCP_RST, k->nxt[EP_B], 0, 0);
    return 0;
}

/* A aborts with an RST whose seq lies far outside B's window, so B ignores
 * it (RFC 5961 §3.2) and sends more data; A, CLOSED, must answer that with
 * an RST taking its seq from SEG.ACK, and answers with an ACK instead (near
 * miss: the right RST, which then closes B). */
static uint64_t closed_silence(struct craft_conn *k, bool violate)
{
    opening(k);
    craft_send_at(k, 10 * MS, EP_A, TCP_ACK | TCP_RST, k->nxt[EP_A] + 1000000, k->nxt[EP_B], 0);
    craft_send(k, 200 * MS, EP_B, TCP_ACK | TCP_PSH, 50);
    if (violate)
        craft_send(k, 100, EP_A, TCP_ACK, 0);
    else
        craft_send_at(k, 100, EP_A, TCP_RST, k->nxt[EP_A], 0, 0);
    return frame_now(k);
}

/* A's FIN is never acknowledged and A retransmits it at 0.2, 0.6 and then
 * 0.7 s: the interval shrank, no backoff (near miss: 0.2, 0.6, 1.4 s). */
static uint64_t fin_retransmit_backoff(struct craft_conn *k, bool violate)
{
    opening(k);
    uint32_t fin = craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
    craft_send_at(k, 200 * MS, EP_A, TCP_ACK | TCP_FIN, fin, k->nxt[EP_B], 0);
    craft_send_at(k, 400 * MS, EP_A, TCP_ACK | TCP_FIN, fin, k->nxt[EP_B], 0);
    craft_send_at(k, violate ? 100 * MS : 800 * MS, EP_A, TCP_ACK | TCP_FIN, fin, k->nxt[EP_B], 0);
    uint64_t blamed = frame_now(k);
    craft_send_at(k, 100, EP_B, TCP_ACK, k->nxt[EP_B], fin + 1, 0);
    craft_send_at(k, 10 * MS, EP_B, TCP_ACK | TCP_FIN, k->nxt[EP_B], fin + 1, 0);
    craft_send_at(k, 100, EP_A, TCP_ACK, fin + 1, k->nxt[EP_B], 0);
    return violate ? blamed : 0;
}

/* A sends a FIN after its SYN, before any SYN-ACK (near miss: after the
 * handshake). */
static uint64_t no_fin_before_handshake(struct craft_conn *k, bool violate)
{
    if (violate) {
        craft_send(k, 100, EP_A, TCP_SYN, 0);
        craft_send(k, 100, EP_A, TCP_FIN, 0);
        return frame_now(k);
    }
    craft_handshake(k);
    close_a_first(k);
    return 0;
}

/* B advertises a 1000-byte window; A sends 1500 bytes (near miss: 1000). */
static uint64_t window_respected(struct craft_conn *k, bool violate)
{
    k->window[EP_B] = 1000;
    craft_handshake(k);
    craft_send(k, 100, EP_A, TCP_ACK | TCP_PSH, 600);
    craft_send(k, 100, EP_A, TCP_ACK | TCP_PSH, violate ? 900 : 400);
    uint64_t blamed = frame_now(k);
    craft_send(k, 100, EP_B, TCP_ACK, 0);
    close_a_first(k);
    return blamed;
}

/* A acknowledges B's 900 bytes, then sends an ACK 400 bytes lower (near
 * miss: the same ACK again). */
static uint64_t ack_monotonic(struct craft_conn *k, bool violate)
{
    opening(k);
    craft_send(k, 100, EP_B, TCP_ACK | TCP_PSH, 900);
    craft_send(k, 100, EP_A, TCP_ACK, 0);
    craft_send_at(k, 100, EP_A, TCP_ACK, k->nxt[EP_A], k->nxt[EP_B] - (violate ? 400 : 0), 0);
    uint64_t blamed = frame_now(k);
    close_a_first(k);
    return blamed;
}

/* Profile rfc1337: B's RST at A's RCV.NXT reaches A in TIME-WAIT; B's FIN
 * then draws an RST from A (assassinated) instead of its ACK. */
static uint64_t rst_in_time_wait(struct craft_conn *k, bool violate)
{
    opening(k);
    close_a_first(k);
    uint32_t bfin = k->nxt[EP_B] - 1;
    craft_send_at(k, 300 * MS, EP_B, TCP_RST, k->nxt[EP_B], 0, 0);
    craft_send_at(k, 1200 * MS, EP_B, TCP_ACK | TCP_FIN, bfin, k->nxt[EP_A], 0);
    if (violate)
        craft_send_at(k, 100, EP_A, TCP_RST, k->nxt[EP_A], 0, 0);
    else
        craft_send(k, 100, EP_A, TCP_ACK, 0);
    return frame_now(k);
}

/* ---- tests ---- */

static void test_fin_ack_plus_one(void **state)
{
    (void)state;
    both("fin-ack-plus-one", fin_ack_plus_one,
         (struct expect){"fin-ack-plus-one", EP_B, PROFILE_RFC9293, 0});
}

static void test_fin_seq_stable(void **state)
{
    (void)state;
    both("fin-seq-stable", fin_seq_stable,
         (struct expect){"fin-seq-stable", EP_A, PROFILE_RFC9293, 0});
}

static void test_no_data_after_fin(void **state)
{
    (void)state;
    both("no-data-after-fin", no_data_after_fin,
         (struct expect){"no-data-after-fin", EP_A, PROFILE_RFC9293, 0});
}

static void test_time_wait_ended_early(void **state)
{
    (void)state;
    both("time-wait-early", time_wait_ended_early,
         (struct expect){"time-wait-duration", EP_A, PROFILE_RFC9293, 0});
}

static void test_time_wait_lasted_too_long(void **state)
{
    (void)state;
    both("time-wait-long", time_wait_lasted_too_long,
         (struct expect){"time-wait-duration", EP_A, PROFILE_RFC9293, 1.0});
}

static void test_time_wait_reuse(void **state)
{
    (void)state;
    both("time-wait-reuse", time_wait_reuse,
         (struct expect){"time-wait-reuse", EP_A, PROFILE_RFC9293, 0});
}

static void test_rst_validation(void **state)
{
    (void)state;
    /* The challenge ACK and the exact RST after it: a pass. */
    run_case("rst-validation-challenge.pcap", rst_validation, false,
             &(struct expect){NULL, EP_A, PROFILE_RFC9293, 0});
    /* No challenge ACK in the capture: incomplete, not a violation. */
    char path[CRAFT_PATH_MAX];
    craft_path(path, "rst-validation-no-answer.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &rotation[2]));
    struct craft_conn k;
    craft_conn_init(&k, &c, 6, 40000, 80, 1000, 5000, 0);
    rst_validation(&k, true);
    craft_close(&c);
    struct check_options opt;
    check_options_default(&opt);
    struct got g;
    memset(&g, 0, sizeof g);
    struct check_hooks hooks = {.ctx = &g, .flow = got_flow, .message = got_message};
    struct check_result res;
    assert_true(check_path(path, &opt, &hooks, &res));
    assert_int_equal(g.n, 1);
    assert_int_equal(g.f[0].nv, 0);
    assert_int_equal(g.f[0].verdict, VERDICT_INCOMPLETE);
}

static void test_closed_silence(void **state)
{
    (void)state;
    both("closed-silence", closed_silence,
         (struct expect){"closed-silence", EP_A, PROFILE_RFC9293, 0});
}

static void test_fin_retransmit_backoff(void **state)
{
    (void)state;
    both("fin-retransmit", fin_retransmit_backoff,
         (struct expect){"fin-retransmit", EP_A, PROFILE_RFC9293, 0});
}

static void test_no_fin_before_handshake(void **state)
{
    (void)state;
    both("no-fin-before-handshake", no_fin_before_handshake,
         (struct expect){"no-fin-before-handshake", EP_A, PROFILE_RFC9293, 0});
}

static void test_window_respected(void **state)
{
    (void)state;
    both("window-respected", window_respected,
         (struct expect){"window-respected", EP_A, PROFILE_RFC9293, 0});
}

static void test_ack_monotonic(void **state)
{
    (void)state;
    both("ack-monotonic", ack_monotonic,
         (struct expect){"ack-monotonic", EP_A, PROFILE_RFC9293, 0});
}

static void test_rst_in_time_wait(void **state)
{
    (void)state;
    both("rst-in-time-wait", rst_in_time_wait,
         (struct expect){"rst-in-time-wait", EP_A, PROFILE_RFC1337, 0});
    /* The same capture conforms to rfc9293, where an RST may end TIME-WAIT. */
    run_case("rst-in-time-wait-rfc9293.pcap", rst_in_time_wait, true,
             &(struct expect){NULL, EP_A, PROFILE_RFC9293, 0});
}

/* A capture whose ACK covers data it never showed is incomplete, not a
 * violation of ack-within-sent: the capture point may have missed it. */
static void test_ack_beyond_capture_is_incomplete(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "gap.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &rotation[1]));
    struct craft_conn k;
    craft_conn_init(&k, &c, 6, 40000, 80, 1000, 5000, 0);
    opening(&k);
    k.nxt[EP_A] += 500; /* 500 bytes A sent that the capture missed */
    craft_send(&k, 100, EP_B, TCP_ACK, 0);
    close_a_first(&k);
    craft_close(&c);
    struct check_options opt;
    check_options_default(&opt);
    struct got g;
    memset(&g, 0, sizeof g);
    struct check_hooks hooks = {.ctx = &g, .flow = got_flow, .message = got_message};
    struct check_result res;
    assert_true(check_path(path, &opt, &hooks, &res));
    assert_int_equal(g.n, 1);
    assert_int_equal(g.f[0].verdict, VERDICT_INCOMPLETE);
    assert_int_equal(g.f[0].nv, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fin_ack_plus_one),
        cmocka_unit_test(test_fin_seq_stable),
        cmocka_unit_test(test_no_data_after_fin),
        cmocka_unit_test(test_time_wait_ended_early),
        cmocka_unit_test(test_time_wait_lasted_too_long),
        cmocka_unit_test(test_time_wait_reuse),
        cmocka_unit_test(test_rst_validation),
        cmocka_unit_test(test_closed_silence),
        cmocka_unit_test(test_fin_retransmit_backoff),
        cmocka_unit_test(test_no_fin_before_handshake),
        cmocka_unit_test(test_window_respected),
        cmocka_unit_test(test_ack_monotonic),
        cmocka_unit_test(test_rst_in_time_wait),
        cmocka_unit_test(test_ack_beyond_capture_is_incomplete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
