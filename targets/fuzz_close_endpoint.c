/* Fuzz target: one model endpoint (A) against a fuzzer-driven peer (B).
 *
 * The input is a finfuzz program (harness/program.h); the driver runs it on
 * the model stack with the oracle judging every event. A broken invariant
 * aborts with its id, so libFuzzer and AFL++ both record a crash;
 * `finfuzz repro FILE` shows the trace. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/driver.h"
#include "harness/sut_model.h"

/* Big per-input structs live here rather than on the stack; each run resets
 * only what it uses, and a zeroed driver is ready (driver.h). */
static struct driver drv;
static struct sut_model model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct sut sut = {.ops = &sut_model_ops, .self = &model};
    if (driver_run(&drv, &sut, data, size, NULL, 0) == DRIVER_VIOLATION) {
        const struct driver_violation *v = driver_violation(&drv);
        fprintf(stderr, "finfuzz: violation %s: %s\n", v->id, v->message);
        abort();
    }
    return 0;
}
