/* The oracle's fast path for in-order segments of an established
 * connection (oracle_fast.c explains when it applies and why it judges as
 * the observer does). Private to the oracle's files. */
#ifndef FINFUZZ_ORACLE_FAST_H
#define FINFUZZ_ORACLE_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle.h"

/* Judge EV_SEGMENT e as oracle_observe_segment() would, if it is one the
 * fast path handles; returns false, having changed nothing, otherwise. */
bool oracle_fast_segment(struct oracle *o, uint64_t index, const struct ev *e);

/* oracle_push() of EV_SEGMENT e: the times and index every event records,
 * then the fast path if it applies, otherwise oracle_observe_segment(). */
void oracle_segment(struct oracle *o, uint64_t index, const struct ev *e);

#endif
