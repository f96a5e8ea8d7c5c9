/* The park (check_park.h): parked flows' verdicts and segments. */
#include "check_park.h"

#include <stdalign.h>
#include <string.h>
#include <sys/mman.h>

#include "fast_verify.h"

#if defined(__SANITIZE_ADDRESS__)
#define PARK_POISON 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARK_POISON 1
#endif
#endif
#ifdef PARK_POISON
#include <sanitizer/asan_interface.h>
#endif

/* Stores that bypass the cache where the machine has them (x86-64: SSE2),
 * except in the sanitizer builds, whose memcpy the sanitizers check. */
#if defined(__SSE2__) && defined(__x86_64__) && !FINFUZZ_VERIFY_FAST
#define PARK_STREAM 1
#include <emmintrin.h>
#endif

#define LINE_BYTES 64u

/* An entry: its record (one line), then its segments, in whole lines. */
struct park_entry {
    struct park_chunk *chunk;
    const char *incomplete_reason;
    uint64_t base_usecs, base_frame;
    struct oracle_endpoint_view view[2];
    uint8_t verdict; /* an enum oracle_verdict */
    uint8_t count;   /* segments */
};
_Static_assert(sizeof(struct park_entry) <= LINE_BYTES, "a park record is one line");
#define SEGS_BYTES(n) (((n) * sizeof(struct seg_record) + LINE_BYTES - 1) / LINE_BYTES * LINE_BYTES)

/* Chunks are filled from the front, entry after entry. */
#define CHUNK_BYTES        (64u << 10)
#define CHUNK_HEADER_BYTES LINE_BYTES
struct park_chunk {
    struct park_chunk *next_free; /* on park.free */
    struct park_chunk *next_all;  /* on park.all */
    size_t used;                  /* bytes handed out since it was (re)filled */
    unsigned live;                /* entries not yet released */
};
_Static_assert(sizeof(struct park_chunk) <= CHUNK_HEADER_BYTES, "a chunk header is one line");
_Static_assert(LINE_BYTES + SEGS_BYTES(PARK_LOG_MAX) <= CHUNK_BYTES - CHUNK_HEADER_BYTES,
               "an entry fits a chunk");

static const struct seg_record *entry_segs(const struct park_entry *e)
{
    return (const struct seg_record *)(const void *)((const char *)e + LINE_BYTES);
}

/* Copy n bytes (whole lines) to line-aligned dst. */
static void copy_past_cache(void *dst, const void *src, size_t n)
{
#ifdef PARK_STREAM
    char *d = dst;
    const char *s = src;
    for (size_t i = 0; i < n; i += 16)
        _mm_stream_si128((__m128i *)(void *)(d + i), _mm_loadu_si128((const __m128i *)(s + i)));
#else
    memcpy(dst, src, n);
#endif
}

static void poison(void *p, size_t n, bool on)
{
#ifdef PARK_POISON
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

struct park_entry *park_put(struct park *p, const struct park_log *l, const struct check_verdict *v)
{
    size_t segs_bytes = SEGS_BYTES((size_t)l->count);
    size_t bytes = LINE_BYTES + segs_bytes;
    if (!p->filling || p->filling->used + bytes > CHUNK_BYTES) {
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
    }
    struct park_chunk *c = p->filling;
    struct park_entry *e = (struct park_entry *)(void *)((char *)c + c->used);
    c->used += bytes;
    c->live++;
    poison(e, bytes, false);

    /* Whole lines, built here and streamed out. */
    alignas(LINE_BYTES) union {
        struct park_entry e;
        char line[LINE_BYTES];
    } r;
    memset(&r, 0, sizeof r);
    r.e.chunk = c;
    r.e.incomplete_reason = v->incomplete_reason;
    r.e.base_usecs = l->base_usecs;
    r.e.base_frame = l->base_frame;
    r.e.view[0] = v->view[0];
    r.e.view[1] = v->view[1];
    r.e.verdict = (uint8_t)v->verdict;
    r.e.count = l->count;
    copy_past_cache(e, &r, LINE_BYTES);
    /* Whole lines: the last may carry some of the log's unused room, which
     * nothing reads back (park_log_of() takes count records). */
    copy_past_cache((char *)e + LINE_BYTES, l->seg, segs_bytes);
    return e;
}

struct check_verdict park_verdict(const struct park_entry *e)
{
    static const struct oracle_violation none[1]; /* a parked flow has none */
    return (struct check_verdict){
        .verdict = (enum oracle_verdict)e->verdict,
        .violations = none,
        .incomplete_reason = e->incomplete_reason,
        .view = {e->view[0], e->view[1]},
    };
}

void park_log_of(const struct park_entry *e, struct park_log *l)
{
    l->base_usecs = e->base_usecs;
    l->base_frame = e->base_frame;
    l->count = e->count;
    memcpy(l->seg, entry_segs(e), (size_t)e->count * sizeof(struct seg_record));
}

void park_drop(struct park *p, struct park_entry *e)
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
