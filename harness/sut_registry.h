/* The systems under test finfuzz knows, by name ("model", "lwip", "linux").
 *
 * `finfuzz repro --target NAME` and the replay command look a SUT up here.
 * Each entry says how big its `self` storage is, so a caller can allocate
 * it (calloc(1, self_size)) without knowing the adapter's struct. To add a
 * SUT, add one line to the table in sut_registry.c. */
#ifndef FINFUZZ_SUT_REGISTRY_H
#define FINFUZZ_SUT_REGISTRY_H

#include <stddef.h>

#include "sut.h"

struct sut_entry {
    const char *name; /* "model", "lwip", "linux" */
    const struct sut_ops *ops;
    size_t self_size;    /* bytes of the adapter's self struct */
    const char *summary; /* one line for --help */
};

/* All entries, in a stable order. */
const struct sut_entry *sut_registry(size_t *count);

/* The entry called name, or NULL if finfuzz has no such SUT. */
const struct sut_entry *sut_registry_find(const char *name);

/* Just the ops of name, or NULL. */
const struct sut_ops *sut_find(const char *name);

#endif
