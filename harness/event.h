/* The event stream: everything the oracle judges, in time order.
 *
 * The model stack, the lwIP and Linux adapters, the fuzz driver and the pcap
 * reader are all sources of this one stream; the oracle, the trace printer,
 * the SVG ladder and the pcap writer are its consumers (struct ev_sink).
 * In a capture, endpoint A is the side that sent the first SYN (or the first
 * sender seen, if the capture starts mid-connection). In a fuzz run with one
 * system under test, A is the system under test and B its fuzzer-driven peer;
 * with two model endpoints (link.h), A is ep[0] and B is ep[1]. */
#ifndef FINFUZZ_EVENT_H
#define FINFUZZ_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "../stack/segment.h"
#include "../stack/tcp.h"

enum ev_kind {
    EV_SEGMENT = 0, /* a segment put on the wire by endpoint `src` */
    EV_DROP,        /* the network lost the segment of event `index` (never delivered) */
    EV_STATE,       /* a stack reported a state transition */
    EV_APP,         /* an application call on one endpoint */
    EV_CLOCK,       /* virtual time advanced to time_usecs */
};

enum ev_endpoint { EP_A = 0, EP_B = 1 };

/* Application calls, as the driver and replay issue them. */
enum ev_app_call {
    APP_CONNECT = 0, /* active open */
    APP_LISTEN,      /* passive open */
    APP_SEND,        /* queue `len` bytes */
    APP_RECV,        /* read up to `len` bytes */
    APP_SHUTDOWN,    /* shutdown(SHUT_WR): FIN after queued data */
    APP_CLOSE,       /* close(): as shutdown, RST if unread data */
    APP_ABORT,       /* abort: RST */
    APP_CALL_COUNT
};

const char *ev_app_call_name(enum ev_app_call call);

struct ev {
    enum ev_kind kind;
    uint64_t time_usecs; /* virtual (or capture) time of the event */
    uint64_t frame;      /* 1-based pcap frame number, 0 when not from a capture */
    uint8_t endpoint;    /* EP_A/EP_B: sender of a segment, owner of a state or call */
    union {
        struct {
            struct seg seg;  /* payload pointer valid only during the push */
            struct seg_ip ip;
        } segment;
        struct {
            uint64_t index; /* event index (0-based) of the dropped EV_SEGMENT */
        } drop;
        struct {
            enum tcp_state from, to;
            const char *cause; /* static string, e.g. tcp_cause_name(); may be "" */
        } state;
        struct {
            enum ev_app_call call;
            uint32_t len;   /* bytes for SEND/RECV; bytes actually done in `done` */
            uint32_t done;
        } app;
    } u;
};

/* A consumer of events. push() gets events in order; index is the 0-based
 * position of the event in the stream (the "event index" reports cite). */
struct ev_sink {
    void *ctx;
    void (*push)(void *ctx, uint64_t index, const struct ev *e);
};

/* Fan one stream out to several sinks (the oracle, a printer, a writer). */
#define EV_TEE_MAX 4
struct ev_tee {
    struct ev_sink sinks[EV_TEE_MAX];
    unsigned count;
    uint64_t next_index;
};

void ev_tee_init(struct ev_tee *t);
void ev_tee_add(struct ev_tee *t, struct ev_sink sink);
/* Assign the next index and hand e to every sink. Returns the index. */
uint64_t ev_tee_push(struct ev_tee *t, const struct ev *e);

#endif
