/* Appending text to a buffer without printf, for output written once per
 * flow of a large capture (flow names, verdict lines, JSON of passing
 * flows): strings, decimal numbers, IPv4 addresses and ports. The caller
 * guarantees room (some write a few bytes past the text they add, said
 * below); each returns the new end. */
#ifndef FINFUZZ_PUT_H
#define FINFUZZ_PUT_H

#include <stdint.h>
#include <string.h>

static inline char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* Two-digit pairs "00".."99" for put_u64 and put_octet. */
static const char put_pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";

/* The decimal digits of v < 10^8, all eight of them (leading zeros
 * included), as one 64-bit word whose first byte in memory (little-endian)
 * is the first digit: each step splits every lane of the word in two (4 -> 2 + 2
 * -> 1 + 1) with a multiply and a shift instead of a division per digit. */
static inline uint64_t put_digits8(uint32_t v)
{
    uint64_t quads = (v / 10000) | ((uint64_t)(v % 10000) << 32);   /* 2 lanes < 10^4 */
    uint64_t top = ((quads * 10486) >> 20) & 0x0000007f0000007fULL; /* each lane / 100 */
    uint64_t pairs = top | ((quads - 100 * top) << 16);             /* 4 lanes < 100 */
    uint64_t tens = ((pairs * 103) >> 10) & 0x000f000f000f000fULL;  /* each lane / 10 */
    return tens | ((pairs - 10 * tens) << 8);                       /* 8 bytes < 10 */
}

/* The decimal digits of v. It writes up to 20 bytes from p (a uint64's most
 * digits; the caller's room must allow that) even when v has fewer: a
 * verdict line has three or four numbers, and a large capture prints one
 * line per flow, so the common v < 10^8 is written as one 8-byte word. */
static inline __attribute__((always_inline)) char *put_u64(char *p, uint64_t v)
{
    if (v < 100) { /* a flow's segments, mostly */
        memcpy(p, put_pairs + 2 * v + (v < 10), 2);
        return p + 1 + (v >= 10);
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (v < 100000000) {
        uint64_t digits = put_digits8((uint32_t)v);
        /* Leading zero digits are the low zero bytes (the last digit is
         * kept, so 0 prints "0"). */
        unsigned zeros = (unsigned)__builtin_ctzll(digits | (1ULL << 56)) / 8;
        uint64_t text = (digits + 0x3030303030303030ULL) >> (8 * zeros);
        memcpy(p, &text, 8);
        return p + 8 - zeros;
    }
#endif
    unsigned n = 1;
    for (uint64_t t = 10; v >= t; t *= 10)
        if (++n == 20)
            break; /* 10^20 does not fit: v has 20 digits */
    char *end = p + n, *q = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, put_pairs + 2 * r, 2);
    }
    if (v >= 10)
        memcpy(q - 2, put_pairs + 2 * v, 2);
    else
        q[-1] = (char)('0' + v);
    return end;
}

/* The decimal digits of a byte (an IPv4 address octet). */
static inline char *put_octet(char *p, unsigned v)
{
    if (v >= 100) {
        *p = (char)('0' + v / 100);
        memcpy(p + 1, put_pairs + 2 * (v % 100), 2);
        return p + 3;
    }
    if (v >= 10) {
        memcpy(p, put_pairs + 2 * v, 2);
        return p + 2;
    }
    *p = (char)('0' + v);
    return p + 1;
}

/* The decimal text of each octet value, its digits first (4 bytes, so
 * one load and one store put it, the bytes after the digits overwritten
 * next) and its length last. Built by the compiler. */
#define OCTET_TEXT(v)                                                                              \
    {                                                                                              \
        (char)((v) >= 100  ? '0' + (v) / 100                                                       \
               : (v) >= 10 ? '0' + (v) / 10                                                        \
                           : '0' + (v)),                                                           \
            (char)((v) >= 100  ? '0' + (v) / 10 % 10                                               \
                   : (v) >= 10 ? '0' + (v) % 10                                                    \
                               : 0),                                                               \
            (char)((v) >= 100 ? '0' + (v) % 10 : 0), (char)(1 + ((v) >= 10) + ((v) >= 100))        \
    }
#define OCTET_TEXT4(v) OCTET_TEXT(v), OCTET_TEXT((v) + 1), OCTET_TEXT((v) + 2), OCTET_TEXT((v) + 3)
#define OCTET_TEXT16(v)                                                                            \
    OCTET_TEXT4(v), OCTET_TEXT4((v) + 4), OCTET_TEXT4((v) + 8), OCTET_TEXT4((v) + 12)
#define OCTET_TEXT64(v)                                                                            \
    OCTET_TEXT16(v), OCTET_TEXT16((v) + 16), OCTET_TEXT16((v) + 32), OCTET_TEXT16((v) + 48)
static const char put_octet_text[256][4] = {OCTET_TEXT64(0), OCTET_TEXT64(64), OCTET_TEXT64(128),
                                            OCTET_TEXT64(192)};
#undef OCTET_TEXT
#undef OCTET_TEXT4
#undef OCTET_TEXT16
#undef OCTET_TEXT64

/* An IPv4 address's dotted quad at p (4 bytes of room past its end). */
static inline char *put_ipv4(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        const char *t = put_octet_text[a[i]];
        memcpy(p, t, 4);
        p += t[3];
        *p++ = '.';
    }
    return p - 1;
}

/* A port's decimal digits at p. */
static inline char *put_port(char *p, unsigned v)
{
    if (v >= 10000) {
        *p++ = (char)('0' + v / 10000);
        v %= 10000;
        memcpy(p, put_pairs + 2 * (v / 100), 2);
        memcpy(p + 2, put_pairs + 2 * (v % 100), 2);
        return p + 4;
    }
    if (v >= 1000) {
        memcpy(p, put_pairs + 2 * (v / 100), 2);
        memcpy(p + 2, put_pairs + 2 * (v % 100), 2);
        return p + 4;
    }
    return put_octet(p, v); /* three digits at most */
}

#endif
