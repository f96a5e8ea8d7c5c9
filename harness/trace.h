/* The trace printer: one line per event, like tcpdump, with the state of
 * each endpoint after it and the oracle's violations under the event that
 * broke them. This is what a person reads when a fuzzer finds something.
 *
 * Line forms (time in seconds since the first event, µs precision; seq and
 * ack relative to each side's ISN as tcpdump prints them):
 *
 *    7   0.150318  A > B  F.    seq 121 ack 901 win 502 len 0     A FIN-WAIT-1   B ~CLOSE-WAIT
 *    8   0.150400  B: ESTABLISHED -> CLOSE-WAIT (rcv-fin)
 *          ^^ VIOLATION fin-ack-plus-one (RFC 9293 §3.10.7.4) by B: ...; expected ack 122, seen ack
 * 121
 *
 * A state written plainly was reported by the stack; "~STATE" was inferred
 * from the wire by the oracle's observer; "?" is not known yet.
 *
 * Usage: push every event to the oracle first, then to the printer (an
 * ev_tee with the oracle's sink before trace_sink() does this), then call
 * trace_finish() after oracle_finish(). The printer only reads the oracle. */
#ifndef FINFUZZ_TRACE_H
#define FINFUZZ_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "oracle.h"

struct trace_printer {
    FILE *out;
    const struct oracle *oracle; /* may be NULL: no states inferred, no violations */
    bool base_known[2];
    uint32_t base[2]; /* ISN of each side (relative numbers) */
    bool t0_known;
    uint64_t t0_usecs;
    size_t violations_printed;
    bool header_printed;
};

void trace_init(struct trace_printer *p, FILE *out, const struct oracle *oracle);
/* Print one event (and any violation the oracle recorded so far but has not
 * been printed). */
void trace_push(struct trace_printer *p, uint64_t index, const struct ev *e);
/* An ev_sink that calls trace_push. */
struct ev_sink trace_sink(struct trace_printer *p);
/* Print violations recorded at the end and one verdict line. */
void trace_finish(struct trace_printer *p);

#endif
