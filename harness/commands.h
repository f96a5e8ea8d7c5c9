/* The finfuzz subcommands. Each lives in its own harness/cmd_*.c and gets
 * argv with argv[0] set to the subcommand's name. Exit codes (DESIGN.md):
 * 0 conforms, 1 a violation, 2 bad usage or unreadable input. */
#ifndef FINFUZZ_COMMANDS_H
#define FINFUZZ_COMMANDS_H

#define FINFUZZ_VERSION "0.1.0"

enum { EXIT_CONFORMS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2 };

int cmd_check(int argc, char **argv);       /* harness/cmd_check.c */
int cmd_repro(int argc, char **argv);       /* harness/cmd_repro.c */
int cmd_coverage(int argc, char **argv);    /* harness/cmd_coverage.c */
int cmd_replay(int argc, char **argv);      /* harness/cmd_replay.c */
int cmd_pcap2corpus(int argc, char **argv); /* harness/cmd_pcap2corpus.c */

#endif
