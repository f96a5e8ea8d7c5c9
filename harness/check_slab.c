/* Slots from slabs (check_slab.h). */
#include "check_slab.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_POISON 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_POISON 1
#endif
#endif
#ifdef SLAB_POISON
#include <sanitizer/asan_interface.h>
#endif

#define SLAB_FIRST_BYTES (64u << 10)
#define SLAB_MAX_SHIFT   5

void slab_init(struct slab_pool *p, size_t payload_bytes)
{
    memset(p, 0, sizeof *p);
    if (payload_bytes < sizeof(void *))
        payload_bytes = sizeof(void *); /* room for the free link */
    p->payload_bytes = payload_bytes;
    p->slot_bytes = (payload_bytes + 63) / 64 * 64;
}

/* The bytes of slab i (at least one slot, however large a slot is). */
static size_t slab_bytes(const struct slab_pool *p, size_t i)
{
    size_t bytes = (size_t)SLAB_FIRST_BYTES << (i < SLAB_MAX_SHIFT ? i : SLAB_MAX_SHIFT);
    return bytes < p->slot_bytes ? p->slot_bytes : bytes;
}

void *slab_get_new(struct slab_pool *p)
{
    if (!p->nslabs || p->slab_used + p->slot_bytes > slab_bytes(p, p->nslabs - 1)) {
        if (p->nslabs == p->slabs_cap) {
            size_t cap = p->slabs_cap ? 2 * p->slabs_cap : 16;
            char **b = realloc(p->slabs, cap * sizeof *b);
            if (!b)
                return NULL;
            p->slabs = b;
            p->slabs_cap = cap;
        }
        void *m = mmap(NULL, slab_bytes(p, p->nslabs), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        p->slabs[p->nslabs++] = m;
        p->slab_used = 0;
    }
    char *slot = p->slabs[p->nslabs - 1] + p->slab_used;
    p->slab_used += p->slot_bytes;
#ifdef SLAB_POISON
    ASAN_POISON_MEMORY_REGION(slot + p->payload_bytes, p->slot_bytes - p->payload_bytes);
#endif
    return slot;
}

void slab_free_all(struct slab_pool *p)
{
    for (size_t i = 0; i < p->nslabs; i++) {
#ifdef SLAB_POISON
        ASAN_UNPOISON_MEMORY_REGION(p->slabs[i], slab_bytes(p, i));
#endif
        munmap(p->slabs[i], slab_bytes(p, i));
    }
    free(p->slabs);
    slab_init(p, p->payload_bytes);
}
