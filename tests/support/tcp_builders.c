/* Test builders for the model stack (see tcp_builders.h). */
#include "tcp_builders.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void tb_output(void *ctx, const struct seg *s)
{
    struct tb *t = ctx;
    if (t->print) {
        char line[160];
        printf("  %10.6f  %s  %s\n", (double)t->c.now_usecs / 1e6, t->name,
               tb_format_seg(s, line, sizeof line));
    }
    if (t->nout >= TB_OUT_MAX)
        fail_msg("more than %u segments captured", TB_OUT_MAX);
    struct tb_out *o = &t->out[t->nout++];
    o->seg = *s;
    o->time_usecs = t->c.now_usecs;
    uint32_t n = s->payload_len < TB_PAYLOAD_MAX ? s->payload_len : TB_PAYLOAD_MAX;
    if (s->payload && n)
        memcpy(o->payload, s->payload, n);
    o->seg.payload = s->payload ? o->payload : NULL;
}

static void tb_transition(void *ctx, enum tcp_state from, enum tcp_state to, enum tcp_cause cause)
{
    struct tb *t = ctx;
    if (t->print)
        printf("  %10.6f  %s  %s -> %s (%s)\n", (double)t->c.now_usecs / 1e6, t->name,
               tcp_state_name(from), tcp_state_name(to), tcp_cause_name(cause));
    if (t->ntrans >= TB_TRANS_MAX)
        fail_msg("more than %u transitions captured", TB_TRANS_MAX);
    t->trans[t->ntrans++] = (struct tb_trans){from, to, cause};
}

void tb_config(struct tcp_config *cfg)
{
    tcp_config_default(cfg);
    cfg->msl_usecs = 2000000;
    cfg->rto_initial_usecs = 1000000;
    cfg->rto_min_usecs = 1000000;
    cfg->rto_max_usecs = 60000000;
    cfg->max_retries = 8;
}

static void init_ports(struct tb *t, const struct tcp_config *cfg, uint32_t iss, uint32_t peer_iss,
                       uint16_t lport, uint16_t rport)
{
    struct tcp_config c = *cfg;
    c.isn_seed = (cfg->isn_seed & ~0xFFFFFFFFull) | iss;
    struct tcp_hooks hooks = {.ctx = t, .output = tb_output, .transition = tb_transition};
    tcp_init(&t->c, &c, lport, rport, &hooks);
    t->name = "A";
    t->now_usecs = 0;
    t->peer_iss = peer_iss;
    t->peer_nxt = peer_iss;
    t->nout = 0;
    t->ntrans = 0;
    t->print = false;
}

void tb_init(struct tb *t, const struct tcp_config *cfg, uint32_t iss, uint32_t peer_iss)
{
    init_ports(t, cfg, iss, peer_iss, TB_LPORT, TB_RPORT);
}

void tb_init_server(struct tb *t, const struct tcp_config *cfg, uint32_t iss, uint32_t peer_iss)
{
    init_ports(t, cfg, iss, peer_iss, TB_RPORT, TB_LPORT);
}

void tb_deliver(struct tb *from, unsigned i, struct tb *to)
{
    if (i >= from->nout)
        fail_msg("%s sent no segment %u", from->name, i);
    tcp_input(&to->c, to->now_usecs, &from->out[i].seg);
}

void tb_clear(struct tb *t)
{
    t->nout = 0;
    t->ntrans = 0;
}

struct seg tb_seg(const struct tb *t, uint8_t flags, uint32_t seq, uint32_t ack,
                  const uint8_t *data, uint32_t len)
{
    struct seg s;
    memset(&s, 0, sizeof s);
    s.sport = t->c.rport;
    s.dport = t->c.lport;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.window = 65535;
    s.payload = data;
    s.payload_len = len;
    return s;
}

void tb_input(struct tb *t, const struct seg *s)
{
    if (t->print) {
        char line[160];
        printf("  %10.6f  B  %s\n", (double)t->now_usecs / 1e6,
               tb_format_seg(s, line, sizeof line));
    }
    tcp_input(&t->c, t->now_usecs, s);
}

void tb_peer(struct tb *t, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    struct seg s = tb_seg(t, flags, seq, ack, NULL, len);
    tb_input(t, &s);
}

void tb_advance_to(struct tb *t, uint64_t now_usecs)
{
    t->now_usecs = now_usecs;
    tcp_advance(&t->c, now_usecs);
}

void tb_advance(struct tb *t, uint64_t usecs)
{
    tb_advance_to(t, t->now_usecs + usecs);
}

uint32_t tb_snd_nxt(const struct tb *t)
{
    return t->c.snd_nxt;
}

/* The peer's half of an active open: answer our SYN with SYN,ACK. */
static void build_established(struct tb *t)
{
    assert_int_equal(tcp_connect(&t->c, t->now_usecs), TCP_APP_OK);
    struct seg s = tb_seg(t, TCP_SYN | TCP_ACK, t->peer_iss, t->c.iss + 1, NULL, 0);
    s.opts.has_mss = true;
    s.opts.mss = 1460;
    tb_input(t, &s);
    t->peer_nxt = t->peer_iss + 1;
    assert_int_equal(t->c.state, TCP_ESTABLISHED);
}

void tb_build(struct tb *t, enum tcp_state st)
{
    switch (st) {
    case TCP_CLOSED:
        break;
    case TCP_LISTEN:
        assert_int_equal(tcp_listen(&t->c, t->now_usecs), TCP_APP_OK);
        break;
    case TCP_SYN_RECEIVED: {
        tb_build(t, TCP_LISTEN);
        struct seg s = tb_seg(t, TCP_SYN, t->peer_iss, 0, NULL, 0);
        s.opts.has_mss = true;
        s.opts.mss = 1460;
        tb_input(t, &s);
        t->peer_nxt = t->peer_iss + 1;
        break;
    }
    case TCP_SYN_SENT:
        assert_int_equal(tcp_connect(&t->c, t->now_usecs), TCP_APP_OK);
        break;
    case TCP_ESTABLISHED:
        build_established(t);
        break;
    case TCP_FIN_WAIT_1:
        build_established(t);
        assert_int_equal(tcp_close(&t->c, t->now_usecs), TCP_APP_OK);
        break;
    case TCP_FIN_WAIT_2:
        tb_build(t, TCP_FIN_WAIT_1);
        tb_peer(t, TCP_ACK, t->peer_nxt, t->c.snd_nxt, 0);
        break;
    case TCP_CLOSING:
        tb_build(t, TCP_FIN_WAIT_1);
        tb_peer(t, TCP_FIN | TCP_ACK, t->peer_nxt, t->c.fin_seq, 0);
        t->peer_nxt++;
        break;
    case TCP_TIME_WAIT:
        tb_build(t, TCP_FIN_WAIT_2);
        tb_peer(t, TCP_FIN | TCP_ACK, t->peer_nxt, t->c.snd_nxt, 0);
        t->peer_nxt++;
        break;
    case TCP_CLOSE_WAIT:
        build_established(t);
        tb_peer(t, TCP_FIN | TCP_ACK, t->peer_nxt, t->c.snd_nxt, 0);
        t->peer_nxt++;
        break;
    case TCP_LAST_ACK:
        tb_build(t, TCP_CLOSE_WAIT);
        assert_int_equal(tcp_close(&t->c, t->now_usecs), TCP_APP_OK);
        break;
    case TCP_STATE_COUNT:
        fail_msg("no such state");
    }
    assert_string_equal(tcp_state_name(t->c.state), tcp_state_name(st));
    tb_clear(t);
}

char *tb_format_seg(const struct seg *s, char *buf, size_t cap)
{
    char flags[16];
    int n = snprintf(buf, cap, "%u > %u: Flags [%s], seq %u", s->sport, s->dport,
                     seg_flags_str(s->flags, flags), s->seq);
    if (s->flags & TCP_ACK)
        n += snprintf(buf + n, cap - (size_t)n, ", ack %u", s->ack);
    n += snprintf(buf + n, cap - (size_t)n, ", win %u", s->window);
    if (s->opts.has_mss)
        n += snprintf(buf + n, cap - (size_t)n, ", options [mss %u]", s->opts.mss);
    snprintf(buf + n, cap - (size_t)n, ", length %u", s->payload_len);
    return buf;
}

void tb_expect_seg(const struct tb *t, unsigned i, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint32_t len)
{
    char got[160], want[160];
    if (i >= t->nout)
        fail_msg("segment %u expected, only %u sent", i, t->nout);
    const struct seg *s = &t->out[i].seg;
    struct seg w = *s;
    w.flags = flags;
    w.seq = seq;
    w.ack = ack;
    w.payload_len = len;
    w.sport = t->c.lport;
    w.dport = t->c.rport;
    if (s->flags != flags || s->seq != seq || ((flags & TCP_ACK) && s->ack != ack) ||
        s->payload_len != len || s->sport != w.sport || s->dport != w.dport)
        fail_msg("segment %u:\n  got  %s\n  want %s", i, tb_format_seg(s, got, sizeof got),
                 tb_format_seg(&w, want, sizeof want));
}

void tb_expect_count(const struct tb *t, unsigned n)
{
    if (t->nout != n) {
        char line[160];
        for (unsigned i = 0; i < t->nout; i++)
            print_message("  sent[%u] %s\n", i, tb_format_seg(&t->out[i].seg, line, sizeof line));
        fail_msg("%u segments sent, %u expected", t->nout, n);
    }
}

void tb_expect_trans(const struct tb *t, unsigned i, enum tcp_state from, enum tcp_state to,
                     enum tcp_cause cause)
{
    if (i >= t->ntrans)
        fail_msg("transition %u (%s -> %s) expected, only %u seen", i, tcp_state_name(from),
                 tcp_state_name(to), t->ntrans);
    const struct tb_trans *x = &t->trans[i];
    if (x->from != from || x->to != to || x->cause != cause)
        fail_msg("transition %u: got %s -> %s (%s), want %s -> %s (%s)", i, tcp_state_name(x->from),
                 tcp_state_name(x->to), tcp_cause_name(x->cause), tcp_state_name(from),
                 tcp_state_name(to), tcp_cause_name(cause));
}

void tb_expect_ntrans(const struct tb *t, unsigned n)
{
    if (t->ntrans != n)
        fail_msg("%u transitions seen, %u expected", t->ntrans, n);
}
