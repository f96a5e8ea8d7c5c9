/* A system under test: one TCP endpoint behind a uniform interface.
 *
 * The driver talks to the model stack, lwIP and the Linux kernel (through a
 * TUN device) only through struct sut_ops, so that one fuzz program runs on
 * any of them and one oracle judges them all. A SUT reports what it sends
 * through cb.segment_out and, if it can, its state changes through
 * cb.state_change (the Linux kernel cannot: its states are inferred from the
 * wire). Time is virtual for in-process SUTs; a live kernel may answer in real
 * time, so the driver polls (advance + collect) until its deadline. */
#ifndef FINFUZZ_SUT_H
#define FINFUZZ_SUT_H

#include <stdbool.h>
#include <stdint.h>

#include "../stack/segment.h"
#include "../stack/tcp.h"
#include "event.h"

struct sut_callbacks {
    void *ctx;
    /* The SUT put s on the wire (addresses in ip). */
    void (*segment_out)(void *ctx, const struct seg_ip *ip, const struct seg *s);
    /* The SUT reported a state change; NULL-safe: SUTs that cannot report
     * states never call it. */
    void (*state_change)(void *ctx, enum tcp_state from, enum tcp_state to, const char *cause);
    /* The SUT's application received len bytes (data may be NULL). */
    void (*data_in)(void *ctx, const uint8_t *data, uint32_t len);
};

/* How to open the SUT's endpoint. */
struct sut_open {
    bool active;         /* connect (true) or listen (false) */
    uint8_t ip_version;  /* 4 or 6 */
    uint8_t local_addr[16], peer_addr[16];
    uint16_t local_port, peer_port;
    struct tcp_config cfg; /* honoured where the SUT can (model: all of it) */
    uint64_t now_usecs;
};

struct sut_ops {
    const char *name; /* "model", "lwip", "linux" */
    bool reports_states;
    bool real_time; /* true: time passes by itself (Linux); false: virtual */
    /* Create the endpoint. Returns 0, or -1 with a reason in err (errlen). */
    int (*open)(void *self, const struct sut_open *how, const struct sut_callbacks *cb, char *err,
                unsigned errlen);
    /* An application call; returns bytes done for SEND/RECV, 0 or -1 else. */
    long (*app)(void *self, enum ev_app_call call, uint32_t len, uint64_t now_usecs);
    /* Hand the SUT a segment from its peer. */
    void (*deliver)(void *self, const struct seg_ip *ip, const struct seg *s, uint64_t now_usecs);
    /* Advance time to now_usecs, firing due timers (virtual SUTs) or
     * waiting/polling for answers (real-time SUTs). */
    void (*advance)(void *self, uint64_t now_usecs);
    /* Next time the SUT wants to be advanced to, UINT64_MAX if none. */
    uint64_t (*next_deadline)(void *self);
    /* Release everything the endpoint holds (sockets, pcbs, namespaces). */
    void (*close)(void *self);
    /* Real-time SUTs only (NULL for virtual ones). now: the SUT's time
     * now, on the driver's scale (open's now_usecs plus the time passed
     * since), so that what it sends is stamped when it was read. waited:
     * the real microseconds passed since open. A SUT may skip a wait in
     * which it provably cannot act: now moves on, waited does not. */
    uint64_t (*now)(void *self);
    uint64_t (*waited)(void *self);
};

struct sut {
    const struct sut_ops *ops;
    void *self;
};

/* now_usecs, or a real-time SUT's own clock (ops->now) once it is past it:
 * a caller's clock follows the SUT's, so that what the SUT sends is stamped
 * when it was read. Virtual SUTs: now_usecs. */
static inline uint64_t sut_clock_follow(const struct sut_ops *ops, void *self, uint64_t now_usecs)
{
    if (!ops->real_time || !ops->now)
        return now_usecs;
    uint64_t t = ops->now(self);
    return t > now_usecs ? t : now_usecs;
}

#endif
