/* A single-endpoint run as a packetdrill script (see packetdrill.h). */
#include "packetdrill.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PD_LISTEN_FD 3
#define PD_ACCEPT_FD 4

void pd_init(struct pd_writer *w, const char *title)
{
    memset(w, 0, sizeof *w);
    snprintf(w->title, sizeof w->title, "%s", title ? title : "");
    w->fd = PD_LISTEN_FD;
}

static struct pd_line *add(struct pd_writer *w, uint64_t index, uint64_t t, const char *fmt, ...)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        struct pd_line *l = realloc(w->lines, cap * sizeof *l);
        if (!l) {
            w->oom = true;
            return NULL;
        }
        w->lines = l;
        w->cap = cap;
    }
    struct pd_line *l = &w->lines[w->n++];
    memset(l, 0, sizeof *l);
    l->index = index;
    l->time_usecs = t;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
    return l;
}

/* Inbound options as packetdrill spells them. */
static void options_text(const struct seg_opts *o, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
#define PD_OPT(...)                                                                                \
    do {                                                                                           \
        int k = snprintf(buf + len, cap - len, "%s", len ? "," : "<");                             \
        if (k > 0 && (size_t)k < cap - len)                                                        \
            len += (size_t)k;                                                                      \
        k = snprintf(buf + len, cap - len, __VA_ARGS__);                                           \
        if (k > 0 && (size_t)k < cap - len)                                                        \
            len += (size_t)k;                                                                      \
    } while (0)
    if (o->has_mss)
        PD_OPT("mss %u", o->mss);
    if (o->sack_permitted)
        PD_OPT("sackOK");
    if (o->has_ts)
        PD_OPT("TS val %" PRIu32 " ecr %" PRIu32, o->ts_val, o->ts_ecr);
    if (o->has_wscale)
        PD_OPT("nop,wscale %u", o->wscale);
#undef PD_OPT
    if (len && len + 2 <= cap)
        strcat(buf, ">");
}

static void segment(struct pd_writer *w, uint64_t index, const struct ev *e)
{
    const struct seg *s = &e->u.segment.seg;
    uint8_t from = e->endpoint, to = (uint8_t)(1 - from);
    if (!w->base_known[from]) {
        w->base_known[from] = true;
        w->base[from] = s->seq;
    }
    uint32_t seq = s->seq - w->base[from];
    uint32_t end = seq + s->payload_len;
    char flags[16], ack[32] = "", opts[96] = "";
    seg_flags_str(s->flags, flags);
    if (s->flags & TCP_ACK)
        snprintf(ack, sizeof ack, " ack %" PRIu32,
                 w->base_known[to] ? s->ack - w->base[to] : s->ack);
    bool inbound = from == EP_B;
    if (inbound) {
        options_text(&s->opts, opts, sizeof opts);
        struct pd_line *l =
            add(w, index, e->time_usecs, "< %s %" PRIu32 ":%" PRIu32 "(%" PRIu32 ")%s win %u%s%s",
                flags, seq, end, s->payload_len, ack, s->window, opts[0] ? " " : "", opts);
        if (l)
            l->inbound = true;
    } else {
        bool has_opts = s->opts.has_mss || s->opts.has_wscale || s->opts.sack_permitted ||
                        s->opts.has_ts || s->opts.raw_len;
        add(w, index, e->time_usecs, "> %s %" PRIu32 ":%" PRIu32 "(%" PRIu32 ")%s%s", flags, seq,
            end, s->payload_len, ack, has_opts ? " <...>" : "");
    }
    if (!inbound && (s->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
        w->synack_sent = true;
    /* The handshake is complete when the peer acknowledges A's SYN-ACK:
     * the listening application gets its connection. */
    if (inbound && w->passive && w->synack_sent && !w->accepted && !w->listener_closed &&
        (s->flags & TCP_ACK) && !(s->flags & (TCP_SYN | TCP_RST)) && s->ack - w->base[EP_A] == 1) {
        w->accepted = true;
        w->fd = PD_ACCEPT_FD;
        add(w, UINT64_MAX, e->time_usecs, "accept(%d, ..., ...) = %d", PD_LISTEN_FD, PD_ACCEPT_FD);
    }
}

static void app(struct pd_writer *w, const struct ev *e)
{
    uint64_t t = e->time_usecs;
    uint32_t len = e->u.app.len, done = e->u.app.done;
    int fd = w->fd;
    switch (e->u.app.call) {
    case APP_LISTEN:
        w->passive = true;
        add(w, UINT64_MAX, t, "socket(..., SOCK_STREAM, IPPROTO_TCP) = %d", PD_LISTEN_FD);
        add(w, UINT64_MAX, t, "setsockopt(%d, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0", PD_LISTEN_FD);
        add(w, UINT64_MAX, t, "bind(%d, ..., ...) = 0", PD_LISTEN_FD);
        add(w, UINT64_MAX, t, "listen(%d, 1) = 0", PD_LISTEN_FD);
        break;
    case APP_CONNECT:
        add(w, UINT64_MAX, t, "socket(..., SOCK_STREAM, IPPROTO_TCP) = %d", PD_LISTEN_FD);
        add(w, UINT64_MAX, t, "fcntl(%d, F_SETFL, O_RDWR|O_NONBLOCK) = 0", PD_LISTEN_FD);
        add(w, UINT64_MAX, t, "connect(%d, ..., ...) = -1 EINPROGRESS (Operation now in progress)",
            PD_LISTEN_FD);
        break;
    case APP_SEND:
        /* A call that did nothing in the run has no portable errno: noted. */
        if (done)
            add(w, UINT64_MAX, t, "write(%d, ..., %" PRIu32 ") = %" PRIu32, fd, done, done);
        else
            add(w, UINT64_MAX, t,
                "// the run's application tried to send %" PRIu32 " bytes: none taken", len);
        break;
    case APP_RECV:
        if (done)
            add(w, UINT64_MAX, t, "read(%d, ..., %" PRIu32 ") = %" PRIu32, fd, done, done);
        else
            add(w, UINT64_MAX, t, "// the run's application read nothing here");
        break;
    case APP_SHUTDOWN:
        add(w, UINT64_MAX, t, "shutdown(%d, SHUT_WR) = 0", fd);
        break;
    case APP_ABORT:
        add(w, UINT64_MAX, t, "setsockopt(%d, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0",
            fd);
        add(w, UINT64_MAX, t, "close(%d) = 0", fd);
        if (fd == PD_LISTEN_FD)
            w->listener_closed = true;
        break;
    case APP_CLOSE:
        add(w, UINT64_MAX, t, "close(%d) = 0", fd);
        if (fd == PD_LISTEN_FD)
            w->listener_closed = true;
        break;
    case APP_CALL_COUNT:
        break;
    }
}

static void push(void *ctx, uint64_t index, const struct ev *e)
{
    struct pd_writer *w = ctx;
    switch (e->kind) {
    case EV_SEGMENT:
        segment(w, index, e);
        break;
    case EV_APP:
        if (e->endpoint == EP_A)
            app(w, e);
        break;
    case EV_STATE:
        add(w, UINT64_MAX, e->time_usecs, "// A: %s -> %s (%s)", tcp_state_name(e->u.state.from),
            tcp_state_name(e->u.state.to), e->u.state.cause ? e->u.state.cause : "");
        break;
    case EV_DROP:
        for (size_t i = 0; i < w->n; i++)
            if (w->lines[i].index == e->u.drop.index)
                w->lines[i].dropped = true;
        break;
    case EV_CLOCK:
        break;
    }
}

struct ev_sink pd_sink(struct pd_writer *w)
{
    return (struct ev_sink){.ctx = w, .push = push};
}

int pd_finish(struct pd_writer *w, FILE *out)
{
    int rc = w->oom ? -1 : 0;
    if (rc == 0) {
        fprintf(out, "// finfuzz: %s\n", w->title);
        fprintf(out, "// The kernel under test is finfuzz's endpoint A; the remote side is its\n"
                     "// fuzzer-driven peer B. Times are those of the exported run.\n");
        uint64_t prev = 0;
        bool first = true;
        for (size_t i = 0; i < w->n; i++) {
            const struct pd_line *l = &w->lines[i];
            if (l->text[0] == '/') {
                fprintf(out, "%s\n", l->text);
                continue;
            }
            uint64_t d = first ? 0 : l->time_usecs - prev;
            /* A dropped B segment never reaches the kernel: not injected.
             * A dropped A segment was still sent: still expected. */
            const char *prefix = l->dropped && l->inbound ? "// dropped, never sent: " : "";
            const char *note = l->dropped && !l->inbound ? "  // lost before the peer" : "";
            if (first)
                fprintf(out, "%s0 %s%s\n", prefix, l->text, note);
            else
                fprintf(out, "%s+%" PRIu64 ".%06" PRIu64 " %s%s\n", prefix, d / 1000000,
                        d % 1000000, l->text, note);
            if (prefix[0])
                continue; /* a commented line does not move packetdrill's clock */
            prev = l->time_usecs;
            first = false;
        }
    }
    free(w->lines);
    w->lines = NULL;
    w->n = w->cap = 0;
    return rc;
}

void pd_discard(struct pd_writer *w)
{
    free(w->lines);
    w->lines = NULL;
    w->n = w->cap = 0;
}
