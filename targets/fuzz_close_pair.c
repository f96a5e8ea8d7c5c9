/* Fuzz target: two model endpoints through a fuzzed network.
 *
 * The input is a finfuzz program (harness/program.h) run by
 * driver_run_pair(): application calls on both sides, drops, duplicates and
 * delays chosen per segment, then a fair ending in which both endpoints must
 * reach CLOSED and every byte sent before a FIN must have been read. Any
 * broken invariant aborts with its id. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/driver.h"
#include "harness/link.h"

/* Big per-input structs live here rather than on the stack; a zeroed
 * driver is ready (driver.h). */
static struct driver drv;
static struct link net;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (driver_run_pair(&drv, &net, data, size, NULL, 0) == DRIVER_VIOLATION) {
        const struct driver_violation *v = driver_violation(&drv);
        fprintf(stderr, "finfuzz: violation %s: %s\n", v->id, v->message);
        abort();
    }
    return 0;
}
