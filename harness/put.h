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

/* The decimal digits of v, two at a time (a verdict line has three or four
 * numbers, and a large capture prints one line per flow). */
static inline char *put_u64(char *p, uint64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[20];
    char *q = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, pairs + 2 * r, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - q);
    memcpy(p, q, n);
    return p + n;
}

#endif
