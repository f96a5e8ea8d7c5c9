/* lwIP behind struct sut_ops: finfuzz's side of the adapter. See sut_lwip.h
 * for what Debian's lwIP needs and how each input starts from the same lwIP
 * state; sut_lwip_glue.c is the side that talks to lwIP. */
#include "sut_lwip.h"

#include <stdlib.h>
#include <string.h>

#include "sut_lwip_glue.h"

/* lwIP's state numbers (lwip/tcpbase.h) to RFC 9293 states. */
static const enum tcp_state lwip_states[] = {
    [LWG_CLOSED] = TCP_CLOSED,           [LWG_LISTEN] = TCP_LISTEN,
    [LWG_SYN_SENT] = TCP_SYN_SENT,       [LWG_SYN_RCVD] = TCP_SYN_RECEIVED,
    [LWG_ESTABLISHED] = TCP_ESTABLISHED, [LWG_FIN_WAIT_1] = TCP_FIN_WAIT_1,
    [LWG_FIN_WAIT_2] = TCP_FIN_WAIT_2,   [LWG_CLOSE_WAIT] = TCP_CLOSE_WAIT,
    [LWG_CLOSING] = TCP_CLOSING,         [LWG_LAST_ACK] = TCP_LAST_ACK,
    [LWG_TIME_WAIT] = TCP_TIME_WAIT,     [LWG_GONE] = TCP_CLOSED,
};
_Static_assert(sizeof lwip_states / sizeof lwip_states[0] == LWG_GONE + 1, "one entry per state");

static const char *cause_of(const struct sut_lwip *a, enum tcp_state from, enum tcp_state to)
{
    switch (a->activity) {
    case SUT_LWIP_ACT_CONNECT:
        return tcp_cause_name(TCP_CAUSE_APP_OPEN_ACTIVE);
    case SUT_LWIP_ACT_LISTEN:
        return tcp_cause_name(TCP_CAUSE_APP_OPEN_PASSIVE);
    case SUT_LWIP_ACT_CLOSE:
        return tcp_cause_name(a->rst_out ? TCP_CAUSE_APP_CLOSE_UNREAD : TCP_CAUSE_APP_CLOSE);
    case SUT_LWIP_ACT_ABORT:
        return tcp_cause_name(TCP_CAUSE_APP_ABORT);
    case SUT_LWIP_ACT_TIMER:
        if (from == TCP_TIME_WAIT)
            return tcp_cause_name(TCP_CAUSE_TIMEOUT_TIME_WAIT);
        if (from == TCP_FIN_WAIT_2)
            return tcp_cause_name(TCP_CAUSE_TIMEOUT_FIN_WAIT_2);
        if (to == TCP_FIN_WAIT_1 || to == TCP_LAST_ACK)
            return tcp_cause_name(TCP_CAUSE_APP_CLOSE); /* a FIN lwIP deferred */
        return tcp_cause_name(TCP_CAUSE_TIMEOUT_RETRIES);
    case SUT_LWIP_ACT_SEGMENT:
        if (a->in_flags & TCP_RST)
            return tcp_cause_name(TCP_CAUSE_RCV_RST);
        if (from == TCP_SYN_SENT && to == TCP_ESTABLISHED)
            return tcp_cause_name(TCP_CAUSE_RCV_SYN_ACK);
        if (a->in_flags & TCP_SYN)
            return tcp_cause_name(TCP_CAUSE_RCV_SYN);
        if (to == TCP_TIME_WAIT && from == TCP_FIN_WAIT_1)
            return tcp_cause_name(TCP_CAUSE_RCV_FIN_ACK);
        if ((a->in_flags & TCP_FIN) &&
            (to == TCP_CLOSE_WAIT || to == TCP_CLOSING || to == TCP_TIME_WAIT))
            return tcp_cause_name(TCP_CAUSE_RCV_FIN);
        if (a->rst_out)
            return "lwip-abort-on-segment"; /* lwIP reset the connection itself */
        return tcp_cause_name(TCP_CAUSE_RCV_ACK);
    case SUT_LWIP_ACT_OTHER_APP:
    case SUT_LWIP_ACT_NONE:
        break;
    }
    return "lwip-internal";
}

/* Read lwIP's state now and report a change. */
static void observe(void *ctx)
{
    struct sut_lwip *a = ctx;
    if (lwg_assertion())
        return; /* lwIP is frozen after an assertion: it has no state to report */
    enum tcp_state now = lwip_states[lwg_state()];
    if (now == a->reported)
        return;
    enum tcp_state from = a->reported;
    a->reported = now;
    if (a->cb.state_change)
        a->cb.state_change(a->cb.ctx, from, now, cause_of(a, from, now));
}

static void output(void *ctx, const uint8_t *pkt, size_t len)
{
    struct sut_lwip *a = ctx;
    struct seg_ip ip;
    struct seg s;
    if (seg_decode_ip(pkt, len, 0, &ip, &s) != SEG_OK) {
        a->decode_errors++;
        return;
    }
    if (s.flags & TCP_RST)
        a->rst_out = true;
    if (a->cb.segment_out)
        a->cb.segment_out(a->cb.ctx, &ip, &s);
}

static void begin(struct sut_lwip *a, enum sut_lwip_activity act)
{
    a->activity = act;
    a->rst_out = false;
}

static void end(struct sut_lwip *a)
{
    observe(a);
    a->activity = SUT_LWIP_ACT_NONE;
}

/* Run lwIP's timer for every 250 ms tick due by now_usecs. While lwIP holds
 * no pcb its timers have nothing to do, so idle ticks are skipped (keeping
 * a long idle advance cheap); lwIP's tick counter then does not count them,
 * which is deterministic all the same. */
static void run_ticks(struct sut_lwip *a, uint64_t now_usecs)
{
    while (a->next_tick_usecs <= now_usecs) {
        if (!lwg_busy()) {
            uint64_t behind = (now_usecs - a->next_tick_usecs) / LWG_TICK_USECS + 1;
            a->next_tick_usecs += behind * LWG_TICK_USECS;
            break;
        }
        begin(a, SUT_LWIP_ACT_TIMER);
        lwg_tick();
        end(a);
        a->next_tick_usecs += LWG_TICK_USECS;
        if (!a->exact_ticks && a->next_tick_usecs <= now_usecs) {
            uint64_t due = (now_usecs - a->next_tick_usecs) / LWG_TICK_USECS + 1;
            uint32_t skipped = lwg_skip_idle_ticks(due > UINT32_MAX ? UINT32_MAX : (uint32_t)due);
            a->next_tick_usecs += (uint64_t)skipped * LWG_TICK_USECS;
        }
    }
    if (now_usecs > a->now_usecs)
        a->now_usecs = now_usecs;
}

static int lwip_open(void *self, const struct sut_open *how, const struct sut_callbacks *cb,
                     char *err, unsigned errlen)
{
    struct sut_lwip *a = self;
    if (how->ip_version != 4 && how->ip_version != 6) {
        if (errlen)
            strncpy(err, "lwip: ip_version must be 4 or 6", errlen - 1), err[errlen - 1] = 0;
        return -1;
    }
    a->cb = *cb;
    a->how = *how;
    a->reported = TCP_CLOSED;
    a->app_closed = false;
    a->activity = SUT_LWIP_ACT_NONE;
    a->now_usecs = how->now_usecs;
    a->next_tick_usecs = how->now_usecs + LWG_TICK_USECS;
    struct lwg_hooks hooks = {.ctx = a, .output = output, .observe = observe};
    lwg_catch_assertions(a->catch_asserts);
    if (lwg_begin(&hooks, how->ip_version, how->local_addr, err, errlen) != 0)
        return -1;
    a->opened = true;
    int rc;
    if (how->active) {
        begin(a, SUT_LWIP_ACT_CONNECT);
        rc = lwg_connect(how->ip_version, how->peer_addr, how->local_port, how->peer_port);
    } else {
        begin(a, SUT_LWIP_ACT_LISTEN);
        rc = lwg_listen(how->local_port);
    }
    end(a);
    if (rc != 0) {
        if (errlen)
            strncpy(err, "lwip: lwIP refused to open the endpoint", errlen - 1),
                err[errlen - 1] = 0;
        return -1;
    }
    return 0;
}

static long lwip_recv(struct sut_lwip *a, uint32_t len)
{
    long total = 0;
    while ((uint32_t)total < len) {
        uint32_t want = len - (uint32_t)total;
        if (want > SUT_LWIP_RX_CHUNK)
            want = SUT_LWIP_RX_CHUNK;
        long n = lwg_recv(want, a->rx, sizeof a->rx);
        if (n <= 0)
            break;
        if (a->cb.data_in)
            a->cb.data_in(a->cb.ctx, a->rx, (uint32_t)n);
        total += n;
    }
    return total;
}

static long lwip_app(void *self, enum ev_app_call call, uint32_t len, uint64_t now_usecs)
{
    struct sut_lwip *a = self;
    if (!a->opened)
        return -1;
    run_ticks(a, now_usecs);
    if (a->app_closed)
        return -1; /* the application gave its handle back */
    long rc = -1;
    switch (call) {
    case APP_CONNECT:
    case APP_LISTEN:
        rc = -1; /* open() already opened the endpoint */
        break;
    case APP_SEND:
        begin(a, SUT_LWIP_ACT_OTHER_APP);
        rc = lwg_send(len);
        break;
    case APP_RECV:
        begin(a, SUT_LWIP_ACT_OTHER_APP);
        rc = lwip_recv(a, len);
        break;
    case APP_SHUTDOWN:
        begin(a, SUT_LWIP_ACT_CLOSE);
        rc = lwg_shutdown();
        break;
    case APP_CLOSE:
        begin(a, SUT_LWIP_ACT_CLOSE);
        rc = lwg_close();
        a->app_closed = true;
        break;
    case APP_ABORT:
        begin(a, SUT_LWIP_ACT_ABORT);
        rc = lwg_abort();
        a->app_closed = true;
        break;
    case APP_CALL_COUNT:
        break;
    }
    end(a);
    return rc;
}

static void lwip_deliver(void *self, const struct seg_ip *ip, const struct seg *s,
                         uint64_t now_usecs)
{
    struct sut_lwip *a = self;
    if (!a->opened)
        return;
    run_ticks(a, now_usecs);
    size_t n = seg_encode_ip(ip, s, a->pkt, sizeof a->pkt);
    if (n == 0)
        return;
    begin(a, SUT_LWIP_ACT_SEGMENT);
    a->in_flags = s->flags;
    const void *pcb_before = NULL, *pcb_after = NULL;
    uint32_t rcv_before = 0, rcv_after = 0;
    bool probe = a->took_text_without_ack && !(s->flags & (TCP_ACK | TCP_SYN | TCP_RST)) &&
                 (s->payload_len > 0 || (s->flags & TCP_FIN)) &&
                 lwg_conn_rcv_nxt(&pcb_before, &rcv_before);
    lwg_input(a->pkt, n);
    if (probe && lwg_conn_rcv_nxt(&pcb_after, &rcv_after) && pcb_after == pcb_before &&
        rcv_after != rcv_before)
        a->took_text_without_ack(a->took_ctx);
    end(a);
}

static void lwip_advance(void *self, uint64_t now_usecs)
{
    struct sut_lwip *a = self;
    if (a->opened)
        run_ticks(a, now_usecs);
}

static uint64_t lwip_next_deadline(void *self)
{
    struct sut_lwip *a = self;
    if (!a->opened || !lwg_busy())
        return UINT64_MAX;
    /* Not every 250 ms tick: only the first one at which lwIP may act, so
     * that a driver stepping from deadline to deadline sees each segment at
     * its time without waking 480 times through a TIME-WAIT. */
    uint32_t ticks = lwg_ticks_until_event();
    if (ticks == UINT32_MAX)
        return UINT64_MAX;
    return a->next_tick_usecs + (uint64_t)(ticks - 1) * LWG_TICK_USECS;
}

static void lwip_close(void *self)
{
    struct sut_lwip *a = self;
    if (!a->opened)
        return;
    lwg_reset(); /* silent: frees every pcb, restores lwIP's initial state */
    a->opened = false;
}

const struct sut_ops sut_lwip_ops = {
    .name = "lwip",
    .reports_states = true,
    .real_time = false,
    .open = lwip_open,
    .app = lwip_app,
    .deliver = lwip_deliver,
    .advance = lwip_advance,
    .next_deadline = lwip_next_deadline,
    .close = lwip_close,
};

void *sut_lwip_create(void)
{
    return calloc(1, sizeof(struct sut_lwip));
}

void sut_lwip_destroy(void *self)
{
    free(self);
}

unsigned sut_lwip_decode_errors(const void *self)
{
    const struct sut_lwip *a = self;
    return a->decode_errors;
}

const char *sut_lwip_assertion(const void *self)
{
    (void)self; /* lwIP is a process-wide singleton */
    return lwg_assertion();
}
