/* Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * Every comparison of sequence or acknowledgment numbers in finfuzz goes
 * through these helpers, so that a close straddling the 2^32 wrap behaves
 * exactly like one that does not. */
#ifndef FINFUZZ_SEQ_H
#define FINFUZZ_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a < b in sequence space (the distance is taken as a signed 32-bit value). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* lo <= x < hi, for a window [lo, hi) that may wrap. An empty window
 * (lo == hi) contains nothing. */
static inline bool seq_in_window(uint32_t x, uint32_t lo, uint32_t hi)
{
    return (uint32_t)(x - lo) < (uint32_t)(hi - lo);
}

/* lo <= x <= hi, inclusive on both ends (the RFC's "=<" tests). */
static inline bool seq_between(uint32_t lo, uint32_t x, uint32_t hi)
{
    return (uint32_t)(x - lo) <= (uint32_t)(hi - lo);
}

static inline uint32_t seq_max(uint32_t a, uint32_t b) { return seq_gt(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return seq_lt(a, b) ? a : b; }

#endif
