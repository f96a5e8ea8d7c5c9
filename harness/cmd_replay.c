/* finfuzz replay: not built yet. The owner of this command replaces this file. */
#include <stdio.h>

#include "commands.h"

int cmd_replay(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "finfuzz %s: not available in this build\n", argv[0]);
    return EXIT_USAGE;
}
