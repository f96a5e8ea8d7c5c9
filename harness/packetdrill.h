/* Export a single-endpoint run as a packetdrill script, so that people who
 * test the Linux stack can replay a finding with the tool they already use
 * (google/packetdrill).
 *
 * Endpoint A of the event stream (the system under test) becomes the local
 * kernel; B (the fuzzer's peer) becomes packetdrill's remote side: B's
 * segments are injected ("<" lines), A's are expected (">" lines), A's
 * application calls become system calls on the socket. Sequence numbers are
 * relative to each side's ISN, as packetdrill writes them; inbound segments
 * carry their window and options, outbound ones are checked for flags,
 * sequence, ack and length only (options as <...>). Times are the run's own
 * (deltas "+0.250"), so a script exported from a model or lwIP run states
 * when *that* stack answered: packetdrill then shows where Linux differs.
 * A segment of B that the run dropped is written as a comment (never sent).
 *
 * Usage: pd_init(), add pd_sink() to the run's ev_tee, run, then
 * pd_finish() writes the script. Memory: one short line per event. */
#ifndef FINFUZZ_PACKETDRILL_H
#define FINFUZZ_PACKETDRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct pd_line {
    uint64_t index;      /* event index (for EV_DROP), UINT64_MAX for calls */
    uint64_t time_usecs; /* when it happens */
    bool inbound;        /* a B segment: commented out if dropped */
    bool dropped;
    char text[160];
};

struct pd_writer {
    char title[160];
    bool base_known[2];
    uint32_t base[2]; /* ISN of A and B */
    bool passive;     /* A listened: accept() once the handshake completes */
    bool synack_sent, accepted;
    bool listener_closed; /* closed before accept: no accept() line */
    int fd;               /* the connection's descriptor in the script */
    struct pd_line *lines;
    size_t n, cap;
    bool oom;
};

void pd_init(struct pd_writer *w, const char *title);
struct ev_sink pd_sink(struct pd_writer *w);
/* Write the script to out and free the lines. Returns 0, or -1 if memory ran
 * out during the run (the script would be incomplete: nothing is written). */
int pd_finish(struct pd_writer *w, FILE *out);
/* Free the lines without writing anything (the output could not be opened). */
void pd_discard(struct pd_writer *w);

#endif
