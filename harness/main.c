/* finfuzz: the command. Dispatches to one subcommand per file (commands.h). */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"check", cmd_check, "check the TCP closes in pcap/pcapng captures"},
    {"repro", cmd_repro, "replay fuzz inputs and print the annotated trace"},
    {"coverage", cmd_coverage, "states and transitions a corpus reaches"},
    {"replay", cmd_replay, "replay captured flows against a live stack"},
    {"pcap2corpus", cmd_pcap2corpus, "turn captured flows into fuzz inputs"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: finfuzz COMMAND [OPTIONS] ARGS...\n"
                 "       finfuzz COMMAND --help | --help | --version\n\n"
                 "Conformance checks of the TCP connection-close state machine.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 every flow conforms, 1 a violation, 2 bad usage or input\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("finfuzz %s\n", FINFUZZ_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "finfuzz: unknown command '%s' (try finfuzz --help)\n", argv[1]);
    return EXIT_USAGE;
}
