/* The fuzz input format: a versioned, mutation-friendly program.
 *
 * Read DESIGN.md "Fuzz input" first. A fuzz input is bytes; the driver
 * (driver.h) decodes them into a struct program and runs it against a system
 * under test. Every byte string that starts with the version byte decodes to
 * some valid program: unknown field values are reduced modulo their range, a
 * short header is padded with zeros and a truncated last operation is
 * ignored. Only an empty input or a wrong version byte is rejected, so a
 * mutation almost never wastes a run.
 *
 * Layout, version 1 (all multi-byte numbers little-endian):
 *
 *   header, PROGRAM_HEADER_LEN bytes:
 *     [0]    PROGRAM_MAGIC_V1 (0xF1: 'F' nibble for finfuzz, version 1)
 *     [1]    flags: PROG_F_*
 *     [2]    MSL choice (low 3 bits index program_msl_usecs[])
 *     [3]    FIN-WAIT-2 timeout choice (low 2 bits)
 *     [4]    timers: bits 0-1 retry-limit choice, bit 2 RTO minimum 200 ms
 *     [5..8] ISN seed (u32) for both endpoints and the fuzzer's peer
 *
 *   then at most PROGRAM_MAX_OPS operations; the low 2 bits of the first
 *   byte say which, bit 7 says which side (EP_B if set) for APP and FAULT:
 *     SEG   (8 bytes) a segment from the peer B to the system under test A:
 *           [1] TCP flags  [2] seq offset (i8)  [3] ack offset (i8)
 *           [4] window / 257  [5] payload bytes  [6] options PROG_OPT_*
 *           [7] scale: bits 0-3 seq shift/2, bits 4-7 ack shift/2
 *           seq = (what A expects next from B) + seq_off * 2^seq_shift,
 *           ack = (what A has sent so far, snd_max) + ack_off * 2^ack_shift.
 *           The shifts are the escape to large offsets (the 2^32 wrap, far
 *           out-of-window numbers); 0 keeps offsets small.
 *     CLOCK (2 bytes) [1]: 0 advance to the SUT's next timer deadline;
 *           else n = low 6 bits (0 also means "next deadline"),
 *           unit = top 2 bits: ms, 100 ms, s, MSL/2.
 *     APP   (3 bytes) [1] call (ev_app_call, modulo APP_CALL_COUNT)
 *           [2] bytes/16 for SEND and RECV (0 means PROGRAM_APP_ALL bytes)
 *     FAULT (2 bytes) [1] bits 0-1 fate (drop, duplicate, delay, none),
 *           bits 2-7 extra delay in units of 5 ms (minus one): applies to
 *           the next segment sent by the side named in bit 7 of byte 0.
 *
 * A single-endpoint target (close_endpoint) runs APP calls on A whatever the
 * side bit says; a FAULT on A hides A's next segment from the peer (the
 * peer never saw it, e.g. a lost FIN); a FAULT on B drops or duplicates B's
 * next segment. The two-endpoint target (close_pair) ignores SEG operations
 * (the network carries only what the endpoints send). */
#ifndef FINFUZZ_PROGRAM_H
#define FINFUZZ_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

#define PROGRAM_MAGIC_V1   0xF1u
#define PROGRAM_HEADER_LEN 9u
#define PROGRAM_MAX_OPS    64u   /* further operations are ignored: keeps runs short */
#define PROGRAM_APP_ALL    8192u /* SEND/RECV byte count when the length byte is 0 */
#define PROGRAM_MAX_BYTES  (PROGRAM_HEADER_LEN + PROGRAM_MAX_OPS * 8u)

/* Header flags (byte 1). */
enum {
    PROG_F_ACTIVE = 1u << 0,   /* A opens actively (connect); else A listens */
    PROG_F_RFC1337 = 1u << 1,  /* A ignores RST in TIME-WAIT; oracle profile rfc1337 */
    PROG_F_IPV6 = 1u << 2,     /* addresses are IPv6 */
    PROG_F_A_NOREAD = 1u << 3, /* close_pair: A's application never reads */
    PROG_F_B_NOREAD = 1u << 4, /* close_pair: B's application never reads */
    PROG_F_MASK = 0x1Fu
};

/* SEG option bits (byte 6): which TCP options the peer puts in its segment. */
enum {
    PROG_OPT_MSS = 1u << 0,    /* MSS 1460 */
    PROG_OPT_WSCALE = 1u << 1, /* window scale, shift 7 */
    PROG_OPT_SACKP = 1u << 2,  /* SACK permitted */
    PROG_OPT_TS = 1u << 3,     /* timestamps (echoing A's last TSval) */
    PROG_OPT_MASK = 0x0Fu
};

enum program_op_kind {
    PROG_OP_SEG = 0, /* a segment from the fuzzer's peer */
    PROG_OP_CLOCK,   /* virtual time advances */
    PROG_OP_APP,     /* an application call */
    PROG_OP_FAULT,   /* a network fault on the next segment of one side */
    PROG_OP_KIND_COUNT
};

enum program_clock_unit {
    PROG_CLOCK_MS = 0,   /* n milliseconds */
    PROG_CLOCK_100MS,    /* n * 100 ms */
    PROG_CLOCK_S,        /* n seconds (the initial RTO is 1 s) */
    PROG_CLOCK_HALF_MSL, /* n * MSL/2: 4 of them are the TIME-WAIT duration */
};

enum program_fate {
    PROG_FATE_DROP = 0, /* lost */
    PROG_FATE_DUP,      /* delivered twice */
    PROG_FATE_DELAY,    /* delivered late (reorders, close_pair only) */
    PROG_FATE_NONE,     /* delivered normally */
};

struct program_op {
    uint8_t kind; /* enum program_op_kind */
    uint8_t side; /* EP_A or EP_B (APP and FAULT; 0 otherwise) */
    union {
        struct {
            uint8_t flags;     /* TCP_* */
            int8_t seq_off;    /* from what A expects next */
            int8_t ack_off;    /* from A's snd_max */
            uint8_t wnd;       /* window = wnd * 257 */
            uint8_t len;       /* payload bytes */
            uint8_t opts;      /* PROG_OPT_* */
            uint8_t seq_shift; /* 0..30, even */
            uint8_t ack_shift; /* 0..30, even */
        } seg;
        struct {
            uint8_t unit; /* enum program_clock_unit */
            uint8_t n;    /* 0: to the next deadline */
        } clock;
        struct {
            uint8_t call; /* enum ev_app_call */
            uint8_t len;  /* bytes = len * 16, 0 = PROGRAM_APP_ALL */
        } app;
        struct {
            uint8_t fate;  /* enum program_fate */
            uint8_t delay; /* extra delay = (delay + 1) * 5 ms, 0..63 */
        } fault;
    } u;
};

struct program {
    uint8_t flags;        /* PROG_F_* */
    uint8_t msl_choice;   /* 0..7 */
    uint8_t fw2_choice;   /* 0..3 */
    uint8_t retry_choice; /* 0..3 */
    bool rto_min_short;   /* RTO minimum 200 ms (Linux) instead of 1 s */
    uint32_t isn_seed;
    unsigned n_ops;
    struct program_op ops[PROGRAM_MAX_OPS];
};

enum program_err {
    PROGRAM_OK = 0,
    PROGRAM_ERR_EMPTY,   /* no bytes at all */
    PROGRAM_ERR_VERSION, /* first byte is not a known version */
};

/* "empty input", "unknown version byte (want 0xF1)". */
const char *program_err_str(enum program_err err);

/* Decode data into *p. Never fails on content: see the file comment. Only
 * the operations actually present are written (p->n_ops of them), so a
 * struct program may be reused without clearing. */
enum program_err program_decode(const uint8_t *data, size_t size, struct program *p);

/* Encode p canonically (unused bits zero). Returns the number of bytes
 * written, or 0 if cap is too small (PROGRAM_MAX_BYTES always suffices).
 * program_decode(program_encode(p)) gives p back for any decoded p. */
size_t program_encode(const struct program *p, uint8_t *out, size_t cap);

/* Byte length of operation kind k in the input format. */
size_t program_op_size(enum program_op_kind k);

/* Values the header choices stand for. */
uint64_t program_msl_usecs(const struct program *p);
uint64_t program_fw2_timeout_usecs(const struct program *p); /* 0: none */
unsigned program_max_retries(const struct program *p);

/* The TCP configuration a program asks for (starting from
 * tcp_config_default()). */
void program_tcp_config(const struct program *p, struct tcp_config *cfg);

/* Duration of a CLOCK operation in microseconds; 0 means "to the next
 * deadline". */
uint64_t program_clock_usecs(const struct program *p, const struct program_op *op);

/* Bytes of a SEND/RECV call. */
static inline uint32_t program_app_bytes(const struct program_op *op)
{
    return op->u.app.len ? (uint32_t)op->u.app.len * 16u : PROGRAM_APP_ALL;
}

/* One operation as one line without newline ("seg B>A F. seq=exp+0 ..."). */
int program_op_format(const struct program *p, const struct program_op *op, char *buf, size_t cap);

/* The whole program, one line for the header and one per operation. */
void program_print(const struct program *p, FILE *out);

/* Program builder for scenario scripts (corpus generator, tests). Each
 * returns false when the program is full. */
void program_init(struct program *p, uint8_t flags, uint32_t isn_seed);
bool program_seg(struct program *p, uint8_t tcp_flags, int seq_off, int ack_off, uint8_t len);
bool program_seg_full(struct program *p, uint8_t tcp_flags, int8_t seq_off, uint8_t seq_shift,
                      int8_t ack_off, uint8_t ack_shift, uint8_t wnd, uint8_t len, uint8_t opts);
bool program_clock(struct program *p, enum program_clock_unit unit, uint8_t n);
bool program_app(struct program *p, enum ev_endpoint side, enum ev_app_call call, uint8_t len16);
bool program_fault(struct program *p, enum ev_endpoint side, enum program_fate fate, uint8_t delay);

#endif
