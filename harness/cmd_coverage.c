/* finfuzz coverage: which states and transitions a corpus reaches.
 *
 *   finfuzz coverage [--dot OUT] [--fuzz-target close_endpoint|close_pair]
 *                    [--require-all] DIR...
 *
 * Runs every file of the folders (or files) given on the model, through the
 * same driver the fuzz targets use, and prints the states entered and the
 * transitions taken with their counts, every RFC edge (coverage.h) never
 * reached by name, and, with --dot, the state diagram as Graphviz DOT with
 * hit counts on the edges (`dot -Tsvg OUT > diagram.svg`).
 *
 * Exit: 0 done (and, with --require-all, every state and RFC edge reached),
 * 1 an input broke an invariant (listed) or --require-all was not met,
 * 2 bad usage or an unreadable input. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "coverage.h"
#include "driver.h"
#include "input_files.h"
#include "link.h"
#include "sut_model.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: finfuzz coverage [--dot OUT] [--fuzz-target close_endpoint|close_pair]\n"
                 "                        [--require-all] DIR...\n\n"
                 "Run a corpus on the model and report the states and transitions it reaches.\n\n"
                 "  --dot OUT          write the state diagram with hit counts as Graphviz DOT\n"
                 "  --fuzz-target T    the inputs' target (default close_endpoint)\n"
                 "  --require-all      exit 1 unless every state and RFC edge is reached\n\n"
                 "exit: 0 done, 1 a violation (or --require-all unmet), 2 bad usage or input\n");
}

int cmd_coverage(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dot", required_argument, NULL, 'd'},
        {"fuzz-target", required_argument, NULL, 'f'},
        {"require-all", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dot_path = NULL;
    bool pair = false, require_all = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dot_path = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "close_pair")) {
                pair = true;
            } else if (strcmp(optarg, "close_endpoint") != 0) {
                fprintf(stderr,
                        "finfuzz coverage: unknown fuzz target '%s' (close_endpoint, "
                        "close_pair)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'r':
            require_all = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_CONFORMS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "finfuzz coverage: no corpus folder (see finfuzz coverage --help)\n");
        return EXIT_USAGE;
    }
    char err[256];
    char **files;
    size_t n_files;
    if (input_expand(argv + optind, argc - optind, &files, &n_files, err, sizeof err) != 0) {
        fprintf(stderr, "finfuzz coverage: %s\n", err);
        return EXIT_USAGE;
    }
    struct driver *d = calloc(1, sizeof *d);
    struct link *net = calloc(1, sizeof *net);
    struct sut_model *model = calloc(1, sizeof *model);
    if (!d || !net || !model) {
        fprintf(stderr, "finfuzz coverage: out of memory\n");
        free(d);
        free(net);
        free(model);
        input_list_free(files, n_files);
        return EXIT_USAGE;
    }
    driver_init(d);
    const struct sut sut = {.ops = &sut_model_ops, .self = model};
    size_t rejected = 0, violations = 0, unreadable = 0;
    for (size_t i = 0; i < n_files; i++) {
        uint8_t *data;
        size_t len;
        if (input_read(files[i], &data, &len, err, sizeof err) != 0) {
            fprintf(stderr, "finfuzz coverage: %s\n", err);
            unreadable++;
            continue;
        }
        int rc = pair ? driver_run_pair(d, net, data, len, NULL, 0)
                      : driver_run(d, &sut, data, len, NULL, 0);
        free(data);
        if (rc == DRIVER_REJECTED || rc == DRIVER_SUT_ERROR) {
            fprintf(stderr, "finfuzz coverage: %s: %s\n", files[i], driver_error(d));
            rejected++;
        } else if (rc == DRIVER_VIOLATION) {
            const struct driver_violation *v = driver_violation(d);
            printf("violation in %s: %s: %s\n", files[i], v->id, v->message);
            violations++;
        }
    }
    printf("corpus: %zu files (%s), %zu not programs, %zu unreadable, %zu with a violation\n",
           n_files, pair ? "close_pair" : "close_endpoint", rejected, unreadable, violations);
    size_t missing = cov_report(&d->cov, stdout);
    size_t states_missing = 0;
    for (unsigned s = 0; s < TCP_STATE_COUNT; s++)
        states_missing += d->cov.state_hits[s] == 0;
    int status = EXIT_CONFORMS;
    if (dot_path) {
        FILE *f = fopen(dot_path, "w");
        if (!f) {
            fprintf(stderr, "finfuzz coverage: cannot write %s\n", dot_path);
            status = EXIT_USAGE;
        } else {
            cov_write_dot(&d->cov, f);
            if (fclose(f) != 0) {
                fprintf(stderr, "finfuzz coverage: cannot write %s\n", dot_path);
                status = EXIT_USAGE;
            } else {
                printf("wrote %s\n", dot_path);
            }
        }
    }
    if (status == EXIT_CONFORMS && unreadable)
        status = EXIT_USAGE;
    if (status == EXIT_CONFORMS && (violations || (require_all && (missing || states_missing))))
        status = EXIT_VIOLATION;
    free(d);
    free(net);
    free(model);
    input_list_free(files, n_files);
    return status;
}
