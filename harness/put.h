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

/* The decimal digits of v. */
static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

#endif
