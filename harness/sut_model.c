/* The model stack behind struct sut_ops (see sut_model.h). */
#include "sut_model.h"

#include <stdio.h>
#include <string.h>

static void model_output(void *ctx, const struct seg *s)
{
    struct sut_model *m = ctx;
    m->cb.segment_out(m->cb.ctx, &m->ip, s);
}

static void model_transition(void *ctx, enum tcp_state from, enum tcp_state to,
                             enum tcp_cause cause)
{
    struct sut_model *m = ctx;
    if (m->cb.state_change)
        m->cb.state_change(m->cb.ctx, from, to, tcp_cause_name(cause));
}

static int model_open(void *self, const struct sut_open *how, const struct sut_callbacks *cb,
                      char *err, unsigned errlen)
{
    struct sut_model *m = self;
    m->cb = *cb;
    memset(&m->ip, 0, sizeof m->ip);
    m->ip.version = how->ip_version == 6 ? 6 : 4;
    m->ip.ttl = 64;
    memcpy(m->ip.src, how->local_addr, sizeof m->ip.src);
    memcpy(m->ip.dst, how->peer_addr, sizeof m->ip.dst);
    struct tcp_hooks hooks = {.ctx = m, .output = model_output, .transition = model_transition};
    tcp_init(&m->conn, &how->cfg, how->local_port, how->peer_port, &hooks);
    enum tcp_app_result r =
        how->active ? tcp_connect(&m->conn, how->now_usecs) : tcp_listen(&m->conn, how->now_usecs);
    if (r != TCP_APP_OK) {
        if (err && errlen)
            snprintf(err, errlen, "model: %s failed", how->active ? "connect" : "listen");
        return -1;
    }
    return 0;
}

static long model_app(void *self, enum ev_app_call call, uint32_t len, uint64_t now_usecs)
{
    struct sut_model *m = self;
    switch (call) {
    case APP_CONNECT:
        return tcp_connect(&m->conn, now_usecs) == TCP_APP_OK ? 0 : -1;
    case APP_LISTEN:
        return tcp_listen(&m->conn, now_usecs) == TCP_APP_OK ? 0 : -1;
    case APP_SEND:
        return (long)tcp_send(&m->conn, now_usecs, NULL, len);
    case APP_RECV: {
        uint32_t n = tcp_recv(&m->conn, now_usecs, NULL, len);
        if (n && m->cb.data_in)
            m->cb.data_in(m->cb.ctx, NULL, n);
        return (long)n;
    }
    case APP_SHUTDOWN:
        return tcp_shutdown(&m->conn, now_usecs) == TCP_APP_OK ? 0 : -1;
    case APP_CLOSE:
        return tcp_close(&m->conn, now_usecs) == TCP_APP_OK ? 0 : -1;
    case APP_ABORT:
        return tcp_abort(&m->conn, now_usecs) == TCP_APP_OK ? 0 : -1;
    default:
        return -1;
    }
}

static void model_deliver(void *self, const struct seg_ip *ip, const struct seg *s,
                          uint64_t now_usecs)
{
    struct sut_model *m = self;
    (void)ip; /* one connection: the driver only sends to A's own addresses */
    tcp_input(&m->conn, now_usecs, s);
}

static void model_advance(void *self, uint64_t now_usecs)
{
    struct sut_model *m = self;
    tcp_advance(&m->conn, now_usecs);
}

static uint64_t model_next_deadline(void *self)
{
    struct sut_model *m = self;
    return tcp_next_deadline(&m->conn);
}

static void model_close(void *self)
{
    (void)self; /* nothing is held outside struct sut_model */
}

const struct sut_ops sut_model_ops = {
    .name = "model",
    .reports_states = true,
    .real_time = false,
    .open = model_open,
    .app = model_app,
    .deliver = model_deliver,
    .advance = model_advance,
    .next_deadline = model_next_deadline,
    .close = model_close,
};
