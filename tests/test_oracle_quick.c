/* The quick judge (harness/oracle_quick.c) against the oracle: it must take
 * a segment exactly when the oracle's fast path would, holding then what
 * the oracle holds of what it keeps (and the oracle's flags it leaves out
 * must follow from the states as it says), and, when it takes a whole
 * stream and gives a verdict, the oracle finished at the end must pass it
 * with the same end states and without judging by the end time.
 *
 * Beyond hand-made streams, thousands of generated ones (a fixed seed:
 * the same streams every run) start from ordinary conversations and are
 * twisted at random: moved sequence and ACK numbers, flags added or
 * removed, text beyond the window, window scales, long silences, segments
 * dropped or repeated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/event.h"
#include "harness/oracle.h"
#include "harness/oracle_fast.h"
#include "harness/oracle_quick.h"

#define START_USECS 5000000ull

/* A stream being built, judged as it goes by the oracle, its fast path
 * (asked on a copy) and the quick judge. */
struct stream {
    struct oracle o, copy;
    struct oracle_quick q;
    bool quick_alive; /* the quick judge took every segment so far */
    uint64_t index, now_usecs;
    uint32_t nxt[2];
    uint16_t window[2]; /* what each side advertises */
};

static void stream_init(struct stream *s, enum oracle_profile profile)
{
    struct oracle_config cfg;
    oracle_config_default(&cfg); /* as finfuzz check: both judged, no states reported */
    cfg.profile = profile;
    oracle_init(&s->o, &cfg);
    oracle_quick_init(&s->q, &s->o);
    s->quick_alive = true;
    s->index = 0;
    s->now_usecs = START_USECS;
    s->nxt[EP_A] = 0xfffff000u; /* sequence numbers wrap inside the stream */
    s->nxt[EP_B] = 77000;
    s->window[EP_A] = s->window[EP_B] = 8192;
}

static struct stream *stream_new(enum oracle_profile profile)
{
    struct stream *s = malloc(sizeof *s);
    assert_non_null(s);
    stream_init(s, profile);
    return s;
}

/* Whether st is one of the states (a bit per state) in set. */
static bool state_in(uint8_t st, unsigned set)
{
    return (set >> st) & 1u;
}
#define S(st) (1u << (st))

/* After a segment both took: what the quick judge keeps is what the oracle
 * holds, and the oracle's flags it leaves out follow from the states as
 * oracle_quick.c says they do. */
static void assert_quick_holds_the_oracles_state(const struct stream *s)
{
    const struct oracle *o = &s->o;
    const struct oracle_quick *q = &s->q;
    for (unsigned ep = 0; ep < 2; ep++) {
        const struct oracle_side *os = &o->side[ep], *op = &o->side[ep ^ 1u];
        assert_true(os->inf_known);
        uint8_t st = os->inf;
        assert_int_equal(q->inf[ep], st);
        assert_int_equal(q->snd_max[ep], os->snd_max);
        assert_int_equal(os->contig_end, os->snd_max);
        assert_int_equal(os->sent_any, st != TCP_LISTEN);
        assert_int_equal(os->syn_sent, st != TCP_LISTEN);
        assert_int_equal(os->wnd_known, !state_in(st, S(TCP_LISTEN) | S(TCP_SYN_SENT)));
        if (os->wnd_known)
            assert_int_equal(q->wnd_right[ep], os->wnd_right);
        if (os->syn_sent && op->syn_sent && os->wnd_known)
            assert_int_equal(q->wscale[ep],
                             os->wscale_offered && op->wscale_offered ? os->wscale : 0);
        if (st == TCP_SYN_SENT)
            assert_int_equal(os->isn + 1, os->snd_max);
        unsigned fin_sent = S(TCP_FIN_WAIT_1) | S(TCP_FIN_WAIT_2) | S(TCP_CLOSING) |
                            S(TCP_TIME_WAIT) | S(TCP_LAST_ACK) | S(TCP_CLOSED);
        unsigned fin_acked = S(TCP_FIN_WAIT_2) | S(TCP_TIME_WAIT) | S(TCP_CLOSED);
        assert_int_equal(os->fin_sent, state_in(st, fin_sent));
        assert_int_equal(os->fin_acked, state_in(st, fin_acked));
        assert_int_not_equal(st, TCP_CLOSING);
        /* Until its own ACK ends the peer's LAST-ACK, TIME-WAIT runs from
         * when it was entered. */
        if (st == TCP_TIME_WAIT && op->inf == TCP_LAST_ACK)
            assert_int_equal(q->tw_answer_until_usecs, os->tw_restart_usecs - START_USECS +
                                                           o->rules.time_wait_usecs +
                                                           o->cfg.timer_slack_usecs);
    }
}

/* Push e to all three; the quick judge must take it exactly when the fast
 * path does (until it has given up), and then hold what the oracle holds.
 * Returns whether the quick judge took it. */
static bool stream_push(struct stream *s, const struct ev *e)
{
    memcpy(&s->copy, &s->o, sizeof s->copy);
    bool fast = oracle_fast_segment(&s->copy, s->index, e);
    oracle_push(&s->o, s->index++, e);
    if (!s->quick_alive)
        return false;
    /* (The checker keeps no log of a flow longer than 2^32 usecs.) */
    if ((e->time_usecs - START_USECS) >> 32) {
        s->quick_alive = false;
        return false;
    }
    struct seg_record r;
    seg_record_set(&r, e, START_USECS, 0);
    bool quick = oracle_quick_run(&s->q, &r, 1);
    assert_int_equal(quick, fast);
    if (quick)
        assert_quick_holds_the_oracles_state(s);
    s->quick_alive = quick;
    return quick;
}

/* send() with a window scale option of shift (none if negative). */
static bool send_wscale(struct stream *s, uint8_t ep, uint8_t flags, uint32_t len, int shift)
{
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_SEGMENT;
    e.time_usecs = s->now_usecs += 1000;
    e.frame = s->index + 1;
    e.endpoint = ep;
    struct seg *g = &e.u.segment.seg;
    g->flags = flags;
    g->seq = s->nxt[ep];
    g->ack = (flags & TCP_ACK) ? s->nxt[ep ^ 1] : 0;
    g->window = s->window[ep];
    g->payload_len = len;
    g->opts.has_wscale = shift >= 0;
    g->opts.wscale = shift >= 0 ? (uint8_t)shift : 0;
    s->nxt[ep] += seg_len(g);
    return stream_push(s, &e);
}

/* ep sends flags and len bytes at its next seq, acknowledging the peer's
 * next seq, one millisecond after the previous segment. */
static bool send(struct stream *s, uint8_t ep, uint8_t flags, uint32_t len)
{
    return send_wscale(s, ep, flags, len, -1);
}

/* The stream ends: when the quick judge gives a verdict, the oracle agrees.
 * Returns whether it gave one. */
static bool stream_end(struct stream *s)
{
    struct oracle_endpoint_view view[2];
    bool quick = s->quick_alive && oracle_quick_end(&s->q, view);
    oracle_finish(&s->o, s->now_usecs);
    if (quick) {
        assert_int_equal(oracle_verdict(&s->o), VERDICT_PASS);
        assert_false(oracle_end_judged(&s->o));
        for (unsigned ep = 0; ep < 2; ep++) {
            struct oracle_endpoint_view v = oracle_view(&s->o, (enum ev_endpoint)ep);
            assert_int_equal(view[ep].state, v.state);
            assert_int_equal(view[ep].state_known, v.state_known);
        }
    }
    return quick;
}

static void open_conn(struct stream *s)
{
    assert_true(send(s, EP_A, TCP_SYN, 0));
    assert_true(send(s, EP_B, TCP_SYN | TCP_ACK, 0));
    assert_true(send(s, EP_A, TCP_ACK, 0));
}

static void test_quick_judges_ordinary_closes(void **state)
{
    (void)state;
    struct oracle_endpoint_view view[2];
    /* A closes first; B answers with its own FIN later. */
    struct stream *s = stream_new(PROFILE_LINUX);
    open_conn(s);
    assert_true(send(s, EP_A, TCP_ACK | TCP_PSH, 100));
    assert_true(send(s, EP_B, TCP_ACK, 0));
    assert_true(send(s, EP_A, TCP_ACK | TCP_FIN, 0));
    assert_true(send(s, EP_B, TCP_ACK, 0));
    assert_true(send(s, EP_B, TCP_ACK | TCP_FIN, 0));
    assert_true(send(s, EP_A, TCP_ACK, 0));
    assert_true(oracle_quick_end(&s->q, view));
    assert_int_equal(view[EP_A].state, TCP_TIME_WAIT);
    assert_int_equal(view[EP_B].state, TCP_CLOSED);
    assert_true(stream_end(s));

    /* B closes first, A sends text in CLOSE-WAIT, then its FIN. */
    stream_init(s, PROFILE_RFC9293);
    open_conn(s);
    assert_true(send(s, EP_B, TCP_ACK | TCP_FIN, 0));
    assert_true(send(s, EP_A, TCP_ACK | TCP_PSH, 300));
    assert_true(send(s, EP_B, TCP_ACK, 0));
    assert_true(send(s, EP_A, TCP_ACK | TCP_FIN, 0));
    assert_true(send(s, EP_B, TCP_ACK, 0));
    assert_true(oracle_quick_end(&s->q, view));
    assert_int_equal(view[EP_A].state, TCP_CLOSED);
    assert_int_equal(view[EP_B].state, TCP_TIME_WAIT);
    assert_true(stream_end(s));
    free(s);
}

static void test_quick_gives_up_where_the_oracle_judges_more(void **state)
{
    (void)state;
    struct oracle_endpoint_view view[2];
    /* A FIN never acknowledged: its retransmission is judged by the end. */
    struct stream *s = stream_new(PROFILE_LINUX);
    open_conn(s);
    assert_true(send(s, EP_A, TCP_ACK | TCP_FIN, 0));
    assert_false(oracle_quick_end(&s->q, view));
    assert_false(stream_end(s));
    assert_true(oracle_end_judged(&s->o));

    /* An ACK ahead of what the peer sent (a violation), then nothing more
     * is taken. */
    stream_init(s, PROFILE_LINUX);
    open_conn(s);
    s->nxt[EP_B] += 10;
    assert_false(send(s, EP_A, TCP_ACK, 0));
    s->nxt[EP_B] -= 10;
    assert_false(send(s, EP_A, TCP_ACK, 0));
    assert_false(stream_end(s));
    assert_int_equal(oracle_verdict(&s->o), VERDICT_FAIL);

    /* Text beyond the window the receiver advertised (100 bytes): in
     * ESTABLISHED, and from CLOSE-WAIT after the receiver's FIN. */
    stream_init(s, PROFILE_LINUX);
    s->window[EP_B] = 100;
    open_conn(s);
    assert_true(send(s, EP_A, TCP_ACK | TCP_PSH, 100));
    assert_false(send(s, EP_A, TCP_ACK | TCP_PSH, 1));
    stream_init(s, PROFILE_LINUX);
    s->window[EP_A] = 100;
    open_conn(s);
    assert_true(send(s, EP_A, TCP_ACK | TCP_FIN, 0));
    assert_true(send(s, EP_B, TCP_ACK | TCP_PSH, 100));
    assert_false(send(s, EP_B, TCP_ACK | TCP_PSH, 1));

    /* A window that shrinks does not move the right edge back: text up
     * to the old edge is still ordinary. */
    stream_init(s, PROFILE_LINUX);
    open_conn(s);
    s->window[EP_B] = 100;
    assert_true(send(s, EP_B, TCP_ACK, 0));
    assert_true(send(s, EP_A, TCP_ACK | TCP_PSH, 5000));

    /* An RST, and a retransmitted SYN. */
    stream_init(s, PROFILE_RFC9293);
    open_conn(s);
    assert_false(send(s, EP_B, TCP_RST | TCP_ACK, 0));
    stream_init(s, PROFILE_RFC9293);
    assert_true(send(s, EP_A, TCP_SYN, 0));
    s->nxt[EP_A]--;
    assert_false(send(s, EP_A, TCP_SYN, 0));
    free(s);
}

static void test_quick_takes_the_time_wait_ack_until_2msl(void **state)
{
    (void)state;
    struct oracle_endpoint_view view[2];
    static const enum oracle_profile profiles[] = {PROFILE_LINUX, PROFILE_RFC9293};
    for (unsigned k = 0; k < 4; k++) {
        bool late = k & 1u;
        struct stream *s = stream_new(profiles[k >> 1]);
        open_conn(s);
        assert_true(send(s, EP_A, TCP_ACK | TCP_FIN, 0));
        /* B's FIN acknowledges A's: A in TIME-WAIT from here. */
        assert_true(send(s, EP_B, TCP_ACK | TCP_FIN, 0));
        uint64_t tw_start_usecs = s->now_usecs;
        /* B in LAST-ACK may send bare ACKs; they move nothing. */
        assert_true(send(s, EP_B, TCP_ACK, 0));
        assert_true(send(s, EP_B, TCP_ACK, 0));
        /* A's ACK at 2*MSL (and the slack) after it entered TIME-WAIT, or
         * one microsecond later. */
        s->now_usecs = tw_start_usecs + s->o.rules.time_wait_usecs + s->o.cfg.timer_slack_usecs -
                       1000 + (late ? 1 : 0);
        assert_int_equal(send(s, EP_A, TCP_ACK, 0), !late);
        if (late) {
            assert_false(stream_end(s));
            free(s);
            continue;
        }
        assert_true(oracle_quick_end(&s->q, view));
        assert_int_equal(view[EP_A].state, TCP_TIME_WAIT);
        assert_int_equal(view[EP_B].state, TCP_CLOSED);
        /* Nothing more is taken: B is CLOSED. */
        struct stream *t = malloc(sizeof *t);
        assert_non_null(t);
        memcpy(t, s, sizeof *t);
        assert_false(send(t, EP_A, TCP_ACK, 0));
        memcpy(t, s, sizeof *t);
        assert_false(send(t, EP_B, TCP_ACK, 0));
        free(t);
        assert_true(stream_end(s));
        free(s);
    }
}

static void test_quick_scales_windows_when_both_offer(void **state)
{
    (void)state;
    for (unsigned k = 0; k < 4; k++) {
        bool a_offers = k & 1u, b_offers = k & 2u;
        struct stream *s = stream_new(PROFILE_LINUX);
        s->window[EP_B] = 100;
        assert_true(send_wscale(s, EP_A, TCP_SYN, 0, a_offers ? 7 : -1));
        assert_true(send_wscale(s, EP_B, TCP_SYN | TCP_ACK, 0, b_offers ? 2 : -1));
        assert_true(send(s, EP_A, TCP_ACK, 0));
        /* B's window of 100 is 400 bytes when both offered a scale. */
        assert_true(send(s, EP_B, TCP_ACK, 0));
        assert_int_equal(send(s, EP_A, TCP_ACK | TCP_PSH, 400), a_offers && b_offers);
        free(s);
    }
}

/* ---- generated streams ---- */

static uint64_t rng_next(uint64_t *r)
{
    *r = *r * 6364136223846793005ull + 1442695040888963407ull;
    return *r >> 33;
}

static unsigned rng_below(uint64_t *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

/* One step of an ordinary conversation: who sends what. */
struct step {
    uint8_t ep, flags;
    uint16_t len;
};

/* An ordinary conversation of one of a few shapes, into steps[]; returns
 * how many. */
static unsigned script(uint64_t *r, struct step *steps)
{
    unsigned n = 0;
    steps[n++] = (struct step){EP_A, TCP_SYN, 0};
    steps[n++] = (struct step){EP_B, TCP_SYN | TCP_ACK, 0};
    steps[n++] = (struct step){EP_A, TCP_ACK, 0};
    unsigned rounds = rng_below(r, 4);
    for (unsigned k = 0; k < rounds; k++) {
        uint8_t who = (uint8_t)rng_below(r, 2);
        steps[n++] = (struct step){who, TCP_ACK | TCP_PSH, (uint16_t)(1 + rng_below(r, 2000))};
        steps[n++] = (struct step){(uint8_t)(who ^ 1), TCP_ACK, 0};
    }
    uint8_t first = (uint8_t)rng_below(r, 2), second = first ^ 1;
    switch (rng_below(r, 4)) {
    case 0: /* four-way */
        steps[n++] = (struct step){first, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){second, TCP_ACK, 0};
        steps[n++] = (struct step){second, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){first, TCP_ACK, 0};
        break;
    case 1: /* the FIN answered at once with a FIN */
        steps[n++] = (struct step){first, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){second, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){first, TCP_ACK, 0};
        break;
    case 2: /* half-close: text after the peer's FIN */
        steps[n++] = (struct step){first, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){second, TCP_ACK | TCP_PSH, 500};
        steps[n++] = (struct step){first, TCP_ACK, 0};
        steps[n++] = (struct step){second, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){first, TCP_ACK, 0};
        break;
    default: /* both FINs cross */
        steps[n++] = (struct step){first, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){second, TCP_ACK | TCP_FIN, 0};
        steps[n++] = (struct step){second, TCP_ACK, 0};
        steps[n++] = (struct step){first, TCP_ACK, 0};
        break;
    }
    /* Sometimes a late ACK from TIME-WAIT. */
    if (rng_below(r, 3) == 0)
        steps[n++] = (struct step){first, TCP_ACK, 0};
    return n;
}

/* The flags a twist may set instead. */
static const uint8_t other_flags[] = {
    0, TCP_ACK, TCP_SYN, TCP_SYN | TCP_ACK, TCP_FIN, TCP_ACK | TCP_FIN, TCP_RST, TCP_RST | TCP_ACK,
};

/* Run one generated stream under profile; returns whether the quick judge
 * gave its verdict. */
static bool generated_stream(struct stream *s, uint64_t *r, enum oracle_profile profile)
{
    struct step steps[32];
    unsigned n = script(r, steps);
    stream_init(s, profile);
    /* Windows the text often outgrows, in a third of the streams. */
    for (unsigned ep = 0; ep < 2; ep++)
        s->window[ep] = rng_below(r, 3) == 0 ? 1500 : 4096;
    unsigned twist_per_1000 = rng_below(r, 4) == 0 ? 0 : 1 + rng_below(r, 120);
    for (unsigned k = 0; k < n; k++) {
        struct step st = steps[k];
        bool twist = rng_below(r, 1000) < twist_per_1000;
        unsigned how = twist ? rng_below(r, 10) : 99;
        if (how == 0)
            continue; /* dropped: never seen */
        struct ev e;
        memset(&e, 0, sizeof e);
        e.kind = EV_SEGMENT;
        e.time_usecs = s->now_usecs += how == 1 ? 1000000ull * (1 + rng_below(r, 300)) : 700;
        e.frame = s->index + 1;
        e.endpoint = st.ep;
        struct seg *g = &e.u.segment.seg;
        g->flags = how == 2 ? other_flags[rng_below(r, 8)] : st.flags;
        g->seq = s->nxt[st.ep] + (how == 3 ? (uint32_t)rng_below(r, 5) - 2u : 0);
        g->ack = (g->flags & TCP_ACK)
                     ? s->nxt[st.ep ^ 1] + (how == 4 ? (uint32_t)rng_below(r, 5) - 2u : 0)
                     : 0;
        g->window = how == 5 ? (uint16_t)rng_below(r, 600) : s->window[st.ep];
        g->payload_len = how == 6 ? rng_below(r, 3) * 700 : st.len;
        if ((g->flags & TCP_SYN) && rng_below(r, 2)) {
            g->opts.has_wscale = true;
            g->opts.wscale = (uint8_t)rng_below(r, 17);
        }
        if (how != 7) /* 7: sent again later, as if lost */
            s->nxt[st.ep] += seg_len(g);
        stream_push(s, &e);
        if (how == 8) { /* repeated at once */
            e.time_usecs = s->now_usecs += 10;
            e.frame = s->index + 1;
            stream_push(s, &e);
        }
    }
    return stream_end(s);
}

static void test_quick_agrees_on_generated_streams(void **state)
{
    (void)state;
    static const enum oracle_profile profiles[] = {PROFILE_LINUX, PROFILE_RFC9293, PROFILE_RFC1337,
                                                   PROFILE_LWIP};
    struct stream *s = stream_new(PROFILE_LINUX);
    uint64_t r = 20261128;
    unsigned judged = 0, given_up = 0;
    for (unsigned i = 0; i < 20000; i++) {
        if (generated_stream(s, &r, profiles[i % 4]))
            judged++;
        else
            given_up++;
    }
    /* Both outcomes are common, so the comparisons above had work. */
    assert_true(judged > 5000);
    assert_true(given_up > 2000);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_judges_ordinary_closes),
        cmocka_unit_test(test_quick_gives_up_where_the_oracle_judges_more),
        cmocka_unit_test(test_quick_takes_the_time_wait_ack_until_2msl),
        cmocka_unit_test(test_quick_scales_windows_when_both_offer),
        cmocka_unit_test(test_quick_agrees_on_generated_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
