/* Read-only questions about a model endpoint, beyond those of tcp.h.
 *
 * The harness uses them to describe an application call before making it
 * (an EV_APP event must precede the segments the call causes). */
#ifndef FINFUZZ_TCP_QUERY_H
#define FINFUZZ_TCP_QUERY_H

#include <stdint.h>

#include "tcp.h"

/* Bytes tcp_send() would accept now (0 when the state forbids sending).
 * tcp_send() itself uses this, so the two cannot disagree. */
uint32_t tcp_send_space(const struct tcp_conn *c);

#endif
