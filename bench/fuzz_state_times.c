/* How fast does libFuzzer reach each close state from an empty corpus?
 *
 * A measuring variant of targets/fuzz_close_endpoint.c: the same driver run
 * per input, but instead of aborting on a violation it prints, the first
 * time the model enters each state, the seconds since the first input.
 * bench/fuzz_state_times.sh builds it with -fsanitize=fuzzer,address,undefined
 * and runs it for 60 s on an empty corpus. Not a fuzz target (no abort), so
 * it lives in bench/. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "harness/driver.h"
#include "harness/sut_model.h"

static struct {
    struct driver drv;
    struct sut_model model;
    double t0;
    unsigned long runs;
    unsigned seen;
} m;

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (m.runs++ == 0)
        m.t0 = now_secs();
    const struct sut sut = {.ops = &sut_model_ops, .self = &m.model};
    driver_run(&m.drv, &sut, data, size, NULL, 0);
    if (m.drv.new_states) {
        for (unsigned s = 0; s < TCP_STATE_COUNT; s++)
            if (m.drv.new_states & (1u << s)) {
                m.seen++;
                fprintf(stderr,
                        "finfuzz-state: %-12s first reached after %8.3f s, input %lu (%u/11)\n",
                        tcp_state_name((enum tcp_state)s), now_secs() - m.t0, m.runs, m.seen);
            }
    }
    return 0;
}
