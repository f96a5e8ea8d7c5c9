/* Reading fuzz inputs from files and folders (see input_files.h). */
#include "input_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int input_read(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1024, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

static int add(char ***list, size_t *count, size_t *cap, const char *a, const char *b)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **bigger = realloc(*list, ncap * sizeof **list);
        if (!bigger)
            return -1;
        *list = bigger;
        *cap = ncap;
    }
    size_t sz = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
    char *s = malloc(sz);
    if (!s)
        return -1;
    if (b)
        snprintf(s, sz, "%s/%s", a, b);
    else
        snprintf(s, sz, "%s", a);
    (*list)[(*count)++] = s;
    return 0;
}

int input_expand(char *const *paths, int npaths, char ***out, size_t *count, char *err,
                 size_t errlen)
{
    char **list = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
            input_list_free(list, n);
            return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (add(&list, &n, &cap, paths[i], NULL) != 0)
                goto oom;
            continue;
        }
        struct dirent **names;
        int m = scandir(paths[i], &names, NULL, alphasort);
        if (m < 0) {
            snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
            input_list_free(list, n);
            return -1;
        }
        int failed = 0;
        for (int k = 0; k < m; k++) {
            if (!failed && names[k]->d_name[0] != '.') {
                size_t before = n;
                if (add(&list, &n, &cap, paths[i], names[k]->d_name) != 0) {
                    failed = 1;
                } else {
                    struct stat fst;
                    if (stat(list[before], &fst) != 0 || !S_ISREG(fst.st_mode)) {
                        free(list[before]);
                        n = before;
                    }
                }
            }
            free(names[k]);
        }
        free(names);
        if (failed)
            goto oom;
    }
    *out = list;
    *count = n;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    input_list_free(list, n);
    return -1;
}

void input_list_free(char **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(list[i]);
    free(list);
}
