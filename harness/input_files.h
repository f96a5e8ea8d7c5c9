/* Reading fuzz inputs from files and folders (repro, coverage).
 *
 * A path is a file or a folder; a folder stands for its regular files whose
 * names do not start with '.', in name order, so runs are reproducible. */
#ifndef FINFUZZ_INPUT_FILES_H
#define FINFUZZ_INPUT_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file into a malloc'd buffer (*data, *len; free() it).
 * Returns 0, or -1 with a one-line reason in err. */
int input_read(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen);

/* Expand paths (files and folders) into a malloc'd list of file paths
 * (*out, *count; free with input_list_free). Returns 0, or -1 with a reason
 * in err naming the path that could not be opened. */
int input_expand(char *const *paths, int npaths, char ***out, size_t *count, char *err,
                 size_t errlen);
void input_list_free(char **list, size_t count);

#endif
