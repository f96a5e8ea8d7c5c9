/* The send and receive buffers: two rings of TCP_BUF_MAX bytes.
 *
 * Read RFC 9293 §3.3.1 (send and receive sequence space) first. The send
 * buffer holds the bytes [buf_snd_seq, buf_snd_seq + snd_len) of our stream:
 * sent-but-unacknowledged ones followed by not-yet-sent ones. The receive
 * buffer holds in-order bytes the application has not read. The rings are
 * never cleared: lengths say what is valid, so tcp_init stays cheap. */
#include <string.h>

#include "tcp_internal.h"

#define RING_MASK (TCP_BUF_MAX - 1u)
_Static_assert((TCP_BUF_MAX & RING_MASK) == 0, "ring size is a power of two");

uint32_t buf_snd_seq(const struct tcp_conn *c)
{
    /* Our SYN occupies ISS; the first data byte is ISS + 1. */
    return c->snd_una + (conn_syn_unacked(c) ? 1u : 0u);
}

/* The byte at sequence number seq when the application passed no data. */
static uint8_t pattern_byte(const struct tcp_conn *c, uint32_t seq)
{
    return (uint8_t)(seq - c->iss - 1u);
}

void buf_snd_append(struct tcp_conn *c, const uint8_t *data, uint32_t len)
{
    uint32_t seq = buf_snd_seq(c) + c->snd_len;
    uint32_t at = (c->snd_head + c->snd_len) & RING_MASK;
    for (uint32_t done = 0; done < len;) {
        uint32_t chunk = len - done;
        if (chunk > TCP_BUF_MAX - at)
            chunk = TCP_BUF_MAX - at;
        if (data) {
            memcpy(c->snd_buf + at, data + done, chunk);
        } else {
            for (uint32_t i = 0; i < chunk; i++)
                c->snd_buf[at + i] = pattern_byte(c, seq + done + i);
        }
        done += chunk;
        at = (at + chunk) & RING_MASK;
    }
    c->snd_len += len;
}

const uint8_t *buf_snd_peek(struct tcp_conn *c, uint32_t off, uint32_t len)
{
    uint32_t at = (c->snd_head + off) & RING_MASK;
    if (at + len <= TCP_BUF_MAX)
        return c->snd_buf + at;
    uint32_t first = TCP_BUF_MAX - at;
    memcpy(c->tx_scratch, c->snd_buf + at, first);
    memcpy(c->tx_scratch + first, c->snd_buf, len - first);
    return c->tx_scratch;
}

void buf_snd_consume(struct tcp_conn *c, uint32_t n)
{
    if (n > c->snd_len)
        n = c->snd_len;
    c->snd_head = (c->snd_head + n) & RING_MASK;
    c->snd_len -= n;
}

uint32_t buf_rcv_room(const struct tcp_conn *c)
{
    return c->cfg.rcv_buf_bytes - c->rcv_len;
}

void buf_rcv_append(struct tcp_conn *c, const uint8_t *data, uint32_t len)
{
    uint32_t at = (c->rcv_head + c->rcv_len) & RING_MASK;
    for (uint32_t done = 0; done < len;) {
        uint32_t chunk = len - done;
        if (chunk > TCP_BUF_MAX - at)
            chunk = TCP_BUF_MAX - at;
        if (data)
            memcpy(c->rcv_buf + at, data + done, chunk);
        else
            memset(c->rcv_buf + at, 0, chunk);
        done += chunk;
        at = (at + chunk) & RING_MASK;
    }
    c->rcv_len += len;
    c->rcv_wnd = buf_rcv_room(c);
}

uint32_t buf_rcv_read(struct tcp_conn *c, uint8_t *buf, uint32_t cap)
{
    uint32_t n = cap < c->rcv_len ? cap : c->rcv_len;
    for (uint32_t done = 0; done < n;) {
        uint32_t chunk = n - done;
        if (chunk > TCP_BUF_MAX - c->rcv_head)
            chunk = TCP_BUF_MAX - c->rcv_head;
        if (buf)
            memcpy(buf + done, c->rcv_buf + c->rcv_head, chunk);
        done += chunk;
        c->rcv_head = (c->rcv_head + chunk) & RING_MASK;
    }
    c->rcv_len -= n;
    c->rcv_wnd = buf_rcv_room(c);
    return n;
}
