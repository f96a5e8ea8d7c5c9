/* Inputs per second of the close_endpoint fuzz target's work (one core).
 *
 *   fuzz_speed CORPUS_DIR SECONDS
 *
 * Runs exactly what targets/fuzz_close_endpoint.c runs per input (decode,
 * the driver on the model, the oracle) over mutants of the seeds, made with
 * a fixed-seed generator the way a fuzzer mutates (byte flips, random bytes,
 * splices, appended operations; never shorter than the seed, since a fuzzer's
 * corpus grows towards the 64-operation cap), but does not abort on a violation: it counts them,
 * so the figure is not cut short. bench/bench_fuzz.sh builds it plain and
 * with ASan+UBSan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/driver.h"
#include "harness/input_files.h"
#include "harness/sut_model.h"

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_speed CORPUS_DIR SECONDS\n");
        return 2;
    }
    double seconds = atof(argv[2]);
    char err[256], **files;
    size_t n_files;
    if (input_expand(argv + 1, 1, &files, &n_files, err, sizeof err) != 0 || n_files == 0) {
        fprintf(stderr, "fuzz_speed: %s\n", n_files ? err : "no seeds");
        return 2;
    }
    uint8_t **seeds = calloc(n_files, sizeof *seeds);
    size_t *lens = calloc(n_files, sizeof *lens);
    for (size_t i = 0; seeds && lens && i < n_files; i++)
        if (input_read(files[i], &seeds[i], &lens[i], err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_speed: %s\n", err);
            return 2;
        }
    struct driver *d = calloc(1, sizeof *d);
    struct sut_model *m = calloc(1, sizeof *m);
    if (!d || !m)
        return 2;
    driver_init(d);
    const struct sut sut = {.ops = &sut_model_ops, .self = m};
    uint8_t buf[PROGRAM_MAX_BYTES + 64];
    uint32_t rng = 2463534242u;
    unsigned long runs = 0, violations = 0, rejected = 0;
    double t0 = now_secs(), t = t0;
    while (t - t0 < seconds) {
        for (int batch = 0; batch < 1024; batch++) {
            size_t k = runs % n_files;
            size_t len = lens[k] < sizeof buf ? lens[k] : sizeof buf;
            memcpy(buf, seeds[k], len);
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            unsigned nmut = 1 + (rng & 3);
            for (unsigned j = 0; j < nmut && len > 1; j++) {
                rng ^= rng << 13;
                rng ^= rng >> 17;
                rng ^= rng << 5;
                size_t at = 1 + (rng >> 8) % (len - 1); /* keep the version byte */
                switch (rng & 3) {
                case 0:
                    buf[at] ^= (uint8_t)(1u << ((rng >> 4) & 7));
                    break;
                case 1:
                    buf[at] = (uint8_t)(rng >> 16);
                    break;
                case 2: { /* append a copy of a stretch of the input: more operations */
                    size_t take = len - at;
                    if (len + take > sizeof buf)
                        take = sizeof buf - len;
                    memmove(buf + len, buf + at, take);
                    len += take;
                    break;
                }
                default: { /* splice the tail of another seed */
                    size_t o = (rng >> 12) % n_files;
                    size_t take = lens[o] > at ? lens[o] - at : 0;
                    if (at + take > sizeof buf)
                        take = sizeof buf - at;
                    memcpy(buf + at, seeds[o] + at, take);
                    len = at + take > len ? at + take : len;
                    break;
                }
                }
            }
            int rc = driver_run(d, &sut, buf, len, NULL, 0);
            violations += rc == DRIVER_VIOLATION;
            rejected += rc == DRIVER_REJECTED;
            runs++;
        }
        t = now_secs();
    }
    double rate = (double)runs / (t - t0);
    printf(
        "close_endpoint: %lu inputs in %.2f s = %.0f inputs/s (%lu with a violation, %lu "
        "rejected; %llu states entered)\n",
        runs, t - t0, rate, violations, rejected,
        (unsigned long long)(d->cov.state_hits[TCP_FIN_WAIT_1] + d->cov.state_hits[TCP_CLOSING]));
    for (size_t i = 0; i < n_files; i++)
        free(seeds[i]);
    free(seeds);
    free(lens);
    free(d);
    free(m);
    input_list_free(files, n_files);
    return 0;
}
