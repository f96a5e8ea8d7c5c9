/* Event traces written by hand, for tests of the oracle, the trace printer
 * and the ladder diagram.
 *
 *   struct evtrace t;
 *   evt_init(&t);
 *   evt_seg(&t, EP_A, 0, TCP_SYN, 1000, 0, 0);          // A > B  S  seq 1000
 *   evt_seg(&t, EP_B, 1000, TCP_SYN | TCP_ACK, 5000, 1001, 0);
 *   size_t fin = evt_seg(&t, EP_A, 3000, TCP_FIN | TCP_ACK, 1001, 5001, 0);
 *   evt_run(&t, &oracle);                               // push all, finish
 *
 * Each builder returns the new event's index. Segments get window 65535 and
 * ports 40000 -> 8080 (A) / 8080 -> 40000 (B); evt_last() returns the newest
 * event so a test can change anything else (options, window, frame). */
#ifndef FINFUZZ_TEST_EVTRACE_H
#define FINFUZZ_TEST_EVTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/event.h"
#include "harness/oracle.h"

#define EVT_MAX 256

struct evtrace {
    struct ev evs[EVT_MAX];
    size_t n;
};

void evt_init(struct evtrace *t);
struct ev *evt_last(struct evtrace *t);

size_t evt_seg(struct evtrace *t, unsigned ep, uint64_t time_usecs, uint8_t flags, uint32_t seq,
               uint32_t ack, uint32_t len);
size_t evt_drop(struct evtrace *t, uint64_t time_usecs, size_t dropped_index);
size_t evt_state(struct evtrace *t, unsigned ep, uint64_t time_usecs, enum tcp_state from,
                 enum tcp_state to, enum tcp_cause cause);
size_t evt_app(struct evtrace *t, unsigned ep, uint64_t time_usecs, enum ev_app_call call,
               uint32_t len, uint32_t done);
size_t evt_clock(struct evtrace *t, uint64_t time_usecs);

/* The three-way handshake at times 0, 1 ms and 2 ms: A's ISN isn_a, B's isn_b. */
void evt_handshake(struct evtrace *t, uint32_t isn_a, uint32_t isn_b);

/* Push every event to the sink, in order (index = position). */
void evt_push_all(const struct evtrace *t, struct ev_sink sink);
/* Push every event to o and call oracle_finish at end_usecs (0: the time of
 * the last event). */
void evt_run_until(const struct evtrace *t, struct oracle *o, uint64_t end_usecs);
void evt_run(const struct evtrace *t, struct oracle *o);

/* Count of violations of invariant `id` recorded by o; and whether one of
 * them is at event `index`. */
size_t evt_count(const struct oracle *o, const char *id);
int evt_has(const struct oracle *o, const char *id, size_t index);
/* Print o's violations to stderr (a failing test shows why). */
void evt_dump(const struct oracle *o);

#endif
