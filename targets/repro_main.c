/* The standalone reproducer: runs a fuzz target's LLVMFuzzerTestOneInput
 * over the files and folders named on the command line, without any fuzzing
 * engine (any compiler, any sanitizer or none).
 *
 *   build/repro/fuzz_close_endpoint corpus/close_endpoint crash-1234
 *
 * Each input runs once, in the order given (a folder's files in name order).
 * A violation aborts inside the target as under a fuzzer; otherwise the exit
 * status is 0 when every input ran, 2 when a file could not be read. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/input_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as under libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path, unsigned long *count)
{
    uint8_t *buf;
    size_t len;
    char err[256];
    if (input_read(path, &buf, &len, err, sizeof err) != 0) {
        fprintf(stderr, "repro: cannot read %s\n", err);
        return -1;
    }
    fprintf(stderr, "repro: running %s (%zu bytes)\n", path, len);
    /* A copy of exactly len bytes, so ASan sees over-reads past the input. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    (*count)++;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, unsigned long *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "repro: cannot open %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, count);
    struct dirent **names;
    int n = scandir(path, &names, NULL, NULL);
    if (n < 0) {
        fprintf(stderr, "repro: cannot list %s\n", path);
        return -1;
    }
    char **files = calloc((size_t)n + 1, sizeof *files);
    int nf = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        if (files && names[i]->d_name[0] != '.') {
            size_t sz = strlen(path) + strlen(names[i]->d_name) + 2;
            files[nf] = malloc(sz);
            if (files[nf])
                snprintf(files[nf++], sz, "%s/%s", path, names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
    if (!files)
        return -1;
    qsort(files, (size_t)nf, sizeof *files, name_cmp);
    for (int i = 0; i < nf; i++) {
        struct stat fst;
        if (stat(files[i], &fst) == 0 && S_ISREG(fst.st_mode) && run_file(files[i], count) != 0)
            rc = -1;
        free(files[i]);
    }
    free(files);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    unsigned long count = 0;
    int status = 0;
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i], &count) != 0)
            status = 2;
    fprintf(stderr, "repro: %lu inputs ran without a violation\n", count);
    return status;
}
