/* The table of systems under test (see sut_registry.h). */
#include "sut_registry.h"

#include <string.h>

#include "sut_linux.h"
#include "sut_lwip.h"
#include "sut_model.h"

static const struct sut_entry entries[] = {
    {"model", &sut_model_ops, sizeof(struct sut_model), "finfuzz's reference model stack"},
    {"lwip", &sut_lwip_ops, sizeof(struct sut_lwip), "lwIP 2.1 (Debian liblwip), in-process"},
    {"linux", &sut_linux_ops, sizeof(struct sut_linux),
     "the Linux kernel through TUN in a private network namespace (root)"},
};

const struct sut_entry *sut_registry(size_t *count)
{
    *count = sizeof entries / sizeof entries[0];
    return entries;
}

const struct sut_entry *sut_registry_find(const char *name)
{
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (!strcmp(entries[i].name, name))
            return &entries[i];
    return NULL;
}

const struct sut_ops *sut_find(const char *name)
{
    const struct sut_entry *e = sut_registry_find(name);
    return e ? e->ops : NULL;
}
