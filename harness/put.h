/* Appending text to a buffer without printf, for output written once per
 * flow of a large capture (flow names, verdict lines, JSON of passing
 * flows). The caller guarantees room; each returns the new end. */
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

/* The decimal digits of v, two at a time, written from the end of the
 * number backwards once its length is known (a verdict line has three or
 * four numbers, and a large capture prints one line per flow). */
static inline char *put_u64(char *p, uint64_t v)
{
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

#endif
