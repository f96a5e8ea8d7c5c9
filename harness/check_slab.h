/* Fixed-size slots for finfuzz check's per-flow state (check.c): cut from
 * slabs (mmap) in whole cache lines, one after the other, and reused most
 * recently freed first (still warm). No malloc or free per flow; all of it
 * is released at once at the end of a capture. Slabs start small (a fuzz
 * input or a small capture maps little) and double up to 2 MB. */
#ifndef FINFUZZ_CHECK_SLAB_H
#define FINFUZZ_CHECK_SLAB_H

#include <stddef.h>
#include <string.h>

struct slab_pool {
    size_t payload_bytes; /* what a slot holds; the rest of its last line is poisoned
                             under AddressSanitizer */
    size_t slot_bytes;    /* payload_bytes in whole lines */
    char **slabs;
    size_t nslabs, slabs_cap;
    size_t slab_used; /* in the latest slab */
    void *free;       /* freed slots, linked through their first bytes */
};

/* An empty pool of slots of payload_bytes each. */
void slab_init(struct slab_pool *p, size_t payload_bytes);
/* A slot, line-aligned, its contents unspecified; NULL if no memory could
 * be had. (Inline: every flow takes a slot and gives it back, and taking
 * a freed one, the common case, is a few instructions.) */
static inline void *slab_get(struct slab_pool *p);
/* Give slot back to p. */
static inline void slab_put(struct slab_pool *p, void *slot);

/* slab_get() when p has no freed slot: one cut from the latest slab, or a
 * new slab. */
void *slab_get_new(struct slab_pool *p);

static inline void *slab_get(struct slab_pool *p)
{
    void *slot = p->free;
    if (__builtin_expect(!slot, 0))
        return slab_get_new(p);
    memcpy(&p->free, slot, sizeof p->free);
    return slot;
}

static inline void slab_put(struct slab_pool *p, void *slot)
{
    memcpy(slot, &p->free, sizeof p->free);
    p->free = slot;
}
/* Release every slot and slab of p (it is empty again). */
void slab_free_all(struct slab_pool *p);

#endif
