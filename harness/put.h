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

#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
#endif

/* The decimal digits of a, the byte sep, and the decimal digits of b, as
 * put_u64 writes each (a flow's first and last frame numbers). It writes
 * up to 41 bytes from p. Both below 10^8, the common case, take one pass
 * of 16-bit vector arithmetic (SSE2) for the sixteen digits, instead of
 * two of put_digits8's. */
static inline __attribute__((always_inline)) char *put_u64_pair(char *p, uint64_t a, char sep,
                                                                uint64_t b)
{
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (a < 100000000 && b < 100000000) {
        uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
        /* Four 16-bit lanes below 10^4: each number's upper and lower four
         * digits. */
        uint32_t ah = a32 / 10000, bh = b32 / 10000;
        __m128i x = _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)(ah | (a32 - ah * 10000) << 16)),
                                       _mm_cvtsi32_si128((int)(bh | (b32 - bh * 10000) << 16)));
        /* Each lane / 100 ((x * 5243) >> 19 is exact below 43699) and
         * % 100, interleaved: eight lanes below 100. */
        __m128i hundreds = _mm_srli_epi16(_mm_mulhi_epu16(x, _mm_set1_epi16(5243)), 3);
        __m128i y = _mm_unpacklo_epi16(
            hundreds, _mm_sub_epi16(x, _mm_mullo_epi16(hundreds, _mm_set1_epi16(100))));
        /* Each of those / 10 ((y * 6554) >> 16 is exact below 16389) into
         * its low byte, % 10 into its high byte: the sixteen digits in
         * order, a's eight then b's. */
        __m128i tens = _mm_mulhi_epu16(y, _mm_set1_epi16(6554));
        __m128i digits = _mm_or_si128(
            tens, _mm_slli_epi16(_mm_sub_epi16(y, _mm_mullo_epi16(tens, _mm_set1_epi16(10))), 8));
        /* Leading zero digits (all but the last of each number's eight
         * may be dropped). */
        unsigned nonzero =
            ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(digits, _mm_setzero_si128()));
        unsigned za = (unsigned)__builtin_ctz(nonzero | 0x80u);
        unsigned zb = (unsigned)__builtin_ctz((nonzero >> 8) | 0x80u);
        __m128i text = _mm_add_epi8(digits, _mm_set1_epi8('0'));
        uint64_t ta = (uint64_t)_mm_cvtsi128_si64(text) >> (8 * za);
        uint64_t tb = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(text, text)) >> (8 * zb);
        memcpy(p, &ta, 8);
        p += 8 - za;
        *p++ = sep;
        memcpy(p, &tb, 8);
        return p + 8 - zb;
    }
#endif
    p = put_u64(p, a);
    *p++ = sep;
    return put_u64(p, b);
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
