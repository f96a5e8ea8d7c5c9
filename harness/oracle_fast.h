/* The oracle's fast paths for the ordinary segments of a connection: the
 * first SYN, the SYN-ACK answering it, and in-order segments with ACK from
 * the handshake's last ACK to the close's (oracle_fast.c explains when each
 * applies and why it judges as the observer does). Private to the oracle's
 * files. */
#ifndef FINFUZZ_ORACLE_FAST_H
#define FINFUZZ_ORACLE_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle.h"

/* Judge EV_SEGMENT e as oracle_observe_segment() (and then oracle_push(),
 * which marks the oracle started) would, if it is one the fast paths
 * handle; returns false, having changed nothing, otherwise. */
bool oracle_fast_segment(struct oracle *o, uint64_t index, const struct ev *e);

/* oracle_push() of EV_SEGMENT e: the times and index every event records,
 * then the fast path if it applies, otherwise oracle_observe_segment(). */
void oracle_segment(struct oracle *o, uint64_t index, const struct ev *e);

#endif
