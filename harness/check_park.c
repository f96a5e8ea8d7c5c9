/* The park (check_park.h): parked flows' verdicts and segments. */
#include "check_park.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "fast_verify.h"

#if FINFUZZ_PARK_POISON
#include <sanitizer/asan_interface.h>
#endif

/* Stores that bypass the cache where the machine has them (x86-64: SSE2),
 * except in the sanitizer builds, whose memcpy the sanitizers check. */
#if defined(__SSE2__) && defined(__x86_64__) && !FINFUZZ_VERIFY_FAST
#define PARK_STREAM 1
#include <emmintrin.h>
#endif

#define LINE_BYTES PARK_LINE_BYTES

_Static_assert(sizeof(struct park_entry) <= LINE_BYTES, "a park record is one line");
/* The words park_put() streams a record as. */
_Static_assert(offsetof(struct park_entry, chunk) == 0 &&
                   offsetof(struct park_entry, incomplete_reason) == 8 &&
                   offsetof(struct park_entry, base_usecs) == 16 &&
                   offsetof(struct park_entry, base_frame) == 24 &&
                   offsetof(struct park_entry, view) == 32 &&
                   sizeof(struct oracle_endpoint_view[2]) == 16 &&
                   offsetof(struct park_entry, verdict) == 48 &&
                   offsetof(struct park_entry, count) == 49,
               "park_put()'s words are a record's fields");
#define SEGS_BYTES(n) PARK_SEGS_BYTES(n)

/* Chunks are filled from the front, entry after entry. */
#define CHUNK_BYTES        PARK_CHUNK_BYTES
#define CHUNK_HEADER_BYTES LINE_BYTES
_Static_assert(sizeof(struct park_chunk) <= CHUNK_HEADER_BYTES, "a chunk header is one line");
_Static_assert(LINE_BYTES + SEGS_BYTES(PARK_LOG_MAX) <= CHUNK_BYTES - CHUNK_HEADER_BYTES,
               "an entry fits a chunk");

static const struct seg_record *entry_segs(const struct park_entry *e)
{
    return (const struct seg_record *)(const void *)((const char *)e + LINE_BYTES);
}

/* Copy n bytes (whole lines) from line-aligned src to line-aligned dst. */
static inline void copy_past_cache(void *dst, const void *src, size_t n)
{
#ifdef PARK_STREAM
    /* A line an iteration: its four loads, then its four stores, which
     * fill one write-combining buffer at once. */
    __m128i *d = dst;
    const __m128i *s = src, *end = (const __m128i *)(const void *)((const char *)src + n);
    for (; s != end; s += 4, d += 4) {
        __m128i a = _mm_load_si128(s), b = _mm_load_si128(s + 1);
        __m128i c = _mm_load_si128(s + 2), e = _mm_load_si128(s + 3);
        _mm_stream_si128(d, a);
        _mm_stream_si128(d + 1, b);
        _mm_stream_si128(d + 2, c);
        _mm_stream_si128(d + 3, e);
    }
#else
    memcpy(dst, src, n);
#endif
}

static void poison(void *p, size_t n, bool on)
{
#if FINFUZZ_PARK_POISON
    if (on)
        ASAN_POISON_MEMORY_REGION(p, n);
    else
        ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
    (void)p, (void)n, (void)on;
#endif
}

/* A chunk to fill: an emptied one, or a new one. */
static struct park_chunk *chunk_get(struct park *p)
{
    struct park_chunk *c = p->free;
    if (c) {
        p->free = c->next_free;
    } else {
        void *m =
            mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        c = m;
        c->next_all = p->all;
        p->all = c;
        poison((char *)c + CHUNK_HEADER_BYTES, CHUNK_BYTES - CHUNK_HEADER_BYTES, true);
    }
    c->used = CHUNK_HEADER_BYTES;
    c->live = 0;
    return c;
}

struct park_chunk *park_chunk_next(struct park *p)
{
    struct park_chunk *c = chunk_get(p);
    if (!c)
        return NULL;
    /* A chunk whose entries were all released while it filled is free. */
    struct park_chunk *full = p->filling;
    if (full && full->live == 0) {
        full->next_free = p->free;
        p->free = full;
    }
    p->filling = c;
    return c;
}

void park_entry_write(struct park_entry *e, struct park_chunk *c, const struct park_log *l,
                      const struct check_verdict *v, size_t segs_bytes)
{
    poison(e, LINE_BYTES + segs_bytes, false);

#ifdef PARK_STREAM
    /* The record, built in registers (its words as struct park_entry lays
     * them out) and streamed out as one line. */
    __m128i *d = (__m128i *)(void *)e;
    _mm_stream_si128(
        d, _mm_set_epi64x((long long)(uintptr_t)v->incomplete_reason, (long long)(uintptr_t)c));
    _mm_stream_si128(d + 1, _mm_set_epi64x((long long)l->base_frame, (long long)l->base_usecs));
    _mm_stream_si128(d + 2, _mm_loadu_si128((const __m128i *)(const void *)v->view));
    _mm_stream_si128(
        d + 3, _mm_cvtsi32_si128((int)((unsigned)(uint8_t)v->verdict | (unsigned)l->count << 8)));
#else
    e->chunk = c;
    e->incomplete_reason = v->incomplete_reason;
    e->base_usecs = l->base_usecs;
    e->base_frame = l->base_frame;
    e->view[0] = v->view[0];
    e->view[1] = v->view[1];
    e->verdict = (uint8_t)v->verdict;
    e->count = l->count;
#endif
    /* Whole lines: the last may carry some of the log's unused room, which
     * nothing reads back (park_log_of() takes count records). */
    copy_past_cache((char *)e + LINE_BYTES, l->seg, segs_bytes);
}

void park_log_of(const struct park_entry *e, struct park_log *l)
{
    l->base_usecs = e->base_usecs;
    l->base_frame = e->base_frame;
    l->count = e->count;
    memcpy(l->seg, entry_segs(e), (size_t)e->count * sizeof(struct seg_record));
}

void park_drop_slow(struct park *p, struct park_entry *e)
{
    struct park_chunk *c = e->chunk;
    poison(e, LINE_BYTES + SEGS_BYTES((size_t)e->count), true);
    if (--c->live == 0 && c != p->filling) {
        c->next_free = p->free;
        p->free = c;
    }
}

void park_log_event(const struct park_log *l, unsigned k, struct ev *e)
{
    memset(e, 0, sizeof *e);
    e->kind = EV_SEGMENT;
    park_log_fill(l, k, e);
}

void park_free(struct park *p)
{
    while (p->all) {
        struct park_chunk *c = p->all;
        p->all = c->next_all;
        poison(c, CHUNK_BYTES, false);
        munmap(c, CHUNK_BYTES);
    }
    memset(p, 0, sizeof *p);
}

size_t park_chunks(const struct park *p)
{
    size_t n = 0;
    for (const struct park_chunk *c = p->all; c; c = c->next_all)
        n++;
    return n;
}
