/* finfuzz check: judge the close of every TCP flow in pcap/pcapng captures.
 *
 * Read DESIGN.md "The command" first: the options, the exit codes and the
 * --json shape are a contract. The pieces: capture.c reads records into TCP
 * segments, flows.c groups them into connection incarnations, one oracle per
 * flow judges its event stream, and the verdicts go out as text, JSON
 * (report_json.c) and JUnit XML (report_junit.c) as soon as each flow is
 * finished, so memory is bounded by the open flows, not by the capture. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "commands.h"
#include "put.h"
#include "report.h"
#include "trace.h"

#define CHECK_ERRORS_KEPT    100 /* messages kept per file for the reports */
#define CHECK_ERRORS_PRINTED 20  /* messages printed on stderr per file */
#define CHECK_TRACED_MAX     20  /* failing flows whose trace -v prints */

/* A failing flow that -v re-reads to print its trace. */
struct traced_flow {
    struct flow_key key;
    uint8_t a_end;
    unsigned incarnation;
    uint64_t first_frame, last_frame;
    uint64_t end_usecs; /* when the flow was judged */
};

struct check_run {
    /* options */
    struct check_options opt;
    bool json, verbose;
    const char *junit_path;
    /* outputs */
    struct report_json rj;
    struct report_junit ru;
    bool junit_open;
    /* the current file */
    const char *file;
    char *errors[CHECK_ERRORS_KEPT];
    size_t nerrors, errors_dropped, errors_printed;
    struct traced_flow *traced;
    size_t ntraced;
    /* totals */
    uint64_t files, packets, passed, failed, incomplete;
    uint64_t fragments, malformed, evicted;
    bool unreadable;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: finfuzz check [OPTIONS] FILE...\n\n"
            "Check the close of every TCP flow in pcap/pcapng captures (Ethernet with\n"
            "VLAN tags, Linux cooked v1/v2, raw IP, BSD loopback; IPv4 and IPv6).\n\n"
            "options:\n"
            "  --json            print one JSON object (the shape in DESIGN.md)\n"
            "  --junit FILE      also write a JUnit XML report (one test case per flow)\n"
            "  --profile P       rfc9293 (default), rfc1337, linux or lwip\n"
            "  --msl SECONDS     maximum segment lifetime; TIME-WAIT = 2*MSL (default 120)\n"
            "  --flow FILTER     only check packets matching this BPF filter (frame\n"
            "                    numbers still count every record of the file)\n"
            "  --max-flows N     flows held at once before the least recently active is\n"
            "                    judged early (default %d; 0: no cap)\n"
            "  -v, --verbose     print the annotated trace of each failing flow\n"
            "  -h, --help        this text\n\n"
            "Frames are numbered from 1 as Wireshark numbers them (frame 0 in --json: a\n"
            "violation found only when the flow ended, e.g. a FIN never retransmitted).\n"
            "Endpoint A is the side that sent the first SYN (else the first sender seen).\n"
            "exit status: 0 every flow conforms, 1 a violation, 2 bad usage or a file that\n"
            "could not be read (completely); the other files are still checked.\n",
            CHECK_MAX_FLOWS_DEFAULT);
}

/* ---- messages about the current file ---- */

static void file_error(struct check_run *run, const char *msg)
{
    if (run->errors_printed < CHECK_ERRORS_PRINTED) {
        fprintf(stderr, "finfuzz check: %s\n", msg);
        run->errors_printed++;
        if (run->errors_printed == CHECK_ERRORS_PRINTED)
            fprintf(stderr,
                    "finfuzz check: %s: further messages for this file are only "
                    "counted\n",
                    run->file);
    }
    if (run->nerrors < CHECK_ERRORS_KEPT) {
        char *copy = strdup(msg);
        if (copy) {
            run->errors[run->nerrors++] = copy;
            return;
        }
    }
    run->errors_dropped++;
}

static void file_errors_clear(struct check_run *run)
{
    for (size_t i = 0; i < run->nerrors; i++)
        free(run->errors[i]);
    run->nerrors = run->errors_dropped = run->errors_printed = 0;
}

/* ---- flow hooks ---- */

static void print_violation(FILE *out, const char *indent, const struct oracle_violation *v)
{
    /* Frame 0: judged when the flow ended (a liveness check), not at a frame. */
    if (v->frame)
        fprintf(out, "%sframe %" PRIu64 ", ", indent, v->frame);
    else
        fprintf(out, "%sat the end of the flow, ", indent);
    fprintf(out, "endpoint %s: %s [%s]: %s", v->endpoint == EP_A ? "A" : "B",
            v->inv ? v->inv->id : "?", v->inv ? v->inv->rfc : "", v->message);
    if (v->expected[0] || v->seen[0])
        fprintf(out, " (expected %s, seen %s)", v->expected, v->seen);
    fputc('\n', out);
}

static void remember_for_trace(struct check_run *run, const struct flow *f, uint64_t end_usecs)
{
    if (!run->verbose || run->ntraced >= CHECK_TRACED_MAX)
        return;
    if (!run->traced) {
        run->traced = calloc(CHECK_TRACED_MAX, sizeof *run->traced);
        if (!run->traced)
            return;
    }
    struct traced_flow *t = &run->traced[run->ntraced++];
    t->key = f->key;
    t->a_end = f->a_end;
    t->incarnation = f->incarnation;
    t->first_frame = f->first_frame;
    t->last_frame = f->last_frame;
    t->end_usecs = end_usecs;
}

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* A flow's whole text line: "  PASS       A-B #2 (frames F-L, N segments)",
 * then ": why" for an incomplete one, the eviction note, and the newline,
 * as printf("  %-10s %s", ...) and the rest would print it, written at once
 * (a large capture prints one per flow). name_len: strlen(rf->name). */
static void print_flow_line(const struct report_flow *rf, size_t name_len, const char *why,
                            bool evicted)
{
    /* Each tag padded to 10 columns, then the space before the name. */
    static const char tags[][14] = {"  PASS       ", "  FAIL       ", "  INCOMPLETE "};
    char line[FLOW_NAME_MAX + 128];
    char *p = line;
    memcpy(p, tags[rf->verdict], 13);
    p += 13;
    memcpy(p, rf->name, name_len);
    p += name_len;
    if (rf->incarnation > 1)
        p = put_u64(PUT_LIT(p, " #"), rf->incarnation);
    p = put_u64(PUT_LIT(p, " (frames "), rf->first_frame);
    p = put_u64(PUT_LIT(p, "-"), rf->last_frame);
    p = put_u64(PUT_LIT(p, ", "), rf->segments);
    p = PUT_LIT(p, " segments)");
    fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
    if (why)
        printf(": %s", why);
    if (evicted)
        printf(" [judged early: flow table full]");
    putchar_unlocked('\n');
}

/* check.h hook: a flow was judged. */
static void report_flow(void *ctx, const struct flow *f, const struct check_verdict *v,
                        uint64_t end_usecs, enum flow_end why)
{
    struct check_run *run = ctx;

    char name[FLOW_NAME_MAX];
    size_t name_len = (size_t)(flow_name_end(f, name) - name);
    struct report_flow rf = {
        .name = name,
        .incarnation = f->incarnation,
        .verdict = v->verdict,
        .violations_total = v->violations_total,
        .first_frame = f->first_frame,
        .last_frame = f->last_frame,
        .segments = f->segments,
        .violations = v->violations,
        .nviolations = v->nviolations,
    };
    switch (rf.verdict) {
    case VERDICT_PASS:
        run->passed++;
        break;
    case VERDICT_FAIL:
        run->failed++;
        break;
    case VERDICT_INCOMPLETE:
        run->incomplete++;
        break;
    }

    if (run->json) {
        report_json_flow(&run->rj, &rf);
    } else {
        const char *why_incomplete = rf.verdict == VERDICT_INCOMPLETE ? v->incomplete_reason : NULL;
        print_flow_line(&rf, name_len, why_incomplete && why_incomplete[0] ? why_incomplete : NULL,
                        why == FLOW_END_EVICTED);
        for (size_t i = 0; i < rf.nviolations; i++)
            print_violation(stdout, "      ", &rf.violations[i]);
        if (rf.violations_total > rf.nviolations)
            printf("      ... and %zu more violations\n", rf.violations_total - rf.nviolations);
    }
    if (run->junit_open)
        report_junit_flow(&run->ru, &rf);
    if (rf.verdict == VERDICT_FAIL)
        remember_for_trace(run, f, end_usecs);
}

/* ---- -v: the annotated trace of a failing flow ---- */

static bool segment_in_flow(const struct cap_segment *cs, const struct traced_flow *t, uint8_t *ep)
{
    if (cs->frame < t->first_frame || cs->frame > t->last_frame || cs->ip.version != t->key.version)
        return false;
    size_t alen = t->key.version == 4 ? 4 : 16;
    for (uint8_t end = 0; end < 2; end++) {
        if (cs->seg.sport == t->key.port[end] && cs->seg.dport == t->key.port[1 - end] &&
            memcmp(cs->ip.src, t->key.addr[end], alen) == 0 &&
            memcmp(cs->ip.dst, t->key.addr[1 - end], alen) == 0) {
            *ep = end == t->a_end ? EP_A : EP_B;
            return true;
        }
    }
    return false;
}

/* Re-read the file for each failing flow and replay its segments through a
 * fresh oracle and the trace printer (trace.h): nothing of a flow is kept in
 * memory beyond its verdict, and the oracle is deterministic, so the replay
 * shows the same violations, now with each endpoint's inferred state. */
static void print_traces(struct check_run *run)
{
    for (size_t i = 0; i < run->ntraced; i++) {
        const struct traced_flow *t = &run->traced[i];
        struct cap_reader r;
        char err[320], note[320];
        if (!cap_open(&r, run->file, err, sizeof err))
            return;
        if (run->opt.filter && !cap_set_filter(&r, run->opt.filter, err, sizeof err)) {
            cap_close(&r);
            return;
        }
        struct flow shown = {.key = t->key, .a_end = t->a_end};
        char name[FLOW_NAME_MAX];
        printf("\ntrace of %s", flow_name(&shown, name));
        if (t->incarnation > 1)
            printf(" #%u", t->incarnation);
        printf(" (%s, frames %" PRIu64 "-%" PRIu64 "):\n", run->file, t->first_frame,
               t->last_frame);
        struct oracle *o = malloc(sizeof *o);
        if (!o) {
            cap_close(&r);
            return;
        }
        oracle_init(o, &run->opt.cfg);
        struct trace_printer tp;
        trace_init(&tp, stdout, o);
        uint64_t index = 0, last_usecs = 0;
        struct cap_segment cs;
        enum cap_status st;
        while ((st = cap_next(&r, &cs, note, sizeof note)) != CAP_EOF && st != CAP_ERROR) {
            uint8_t ep;
            if (st != CAP_SEGMENT || !segment_in_flow(&cs, t, &ep))
                continue;
            struct ev e;
            check_segment_event(&cs, ep, &last_usecs, &e);
            oracle_push(o, index, &e);
            trace_push(&tp, index, &e);
            index++;
            if (cs.frame >= t->last_frame)
                break;
        }
        oracle_finish(o, t->end_usecs);
        trace_finish(&tp);
        free(o);
        cap_close(&r);
    }
    run->ntraced = 0;
}

/* ---- one file ---- */

/* check.h hook: a message about the current file. */
static void file_message(void *ctx, const char *msg)
{
    file_error(ctx, msg);
}

static void check_file(struct check_run *run, const char *path)
{
    run->file = path;
    run->files++;
    file_errors_clear(run);
    if (run->json)
        report_json_file_begin(&run->rj, path);
    else
        printf("%s:\n", path);
    if (run->junit_open)
        report_junit_file_begin(&run->ru, path);

    struct check_hooks hooks = {.ctx = run, .flow = report_flow, .message = file_message};
    struct check_result res;
    if (!check_path(path, &run->opt, &hooks, &res))
        run->unreadable = true;
    run->packets += res.packets;
    run->fragments += res.fragments;
    run->malformed += res.malformed;
    run->evicted += res.evicted;

    struct report_file_end fe = {
        .packets = res.packets,
        .errors = (const char *const *)run->errors,
        .nerrors = run->nerrors,
        .errors_dropped = run->errors_dropped,
    };
    if (run->json)
        report_json_file_end(&run->rj, &fe);
    else
        printf("  %" PRIu64 " packets%s\n", res.packets,
               run->nerrors ? " (see the messages on stderr)" : "");
    if (run->junit_open)
        report_junit_file_end(&run->ru, &fe);
    if (run->verbose && !run->json)
        print_traces(run);
    run->ntraced = 0;
    file_errors_clear(run);
}

/* ---- options ---- */

static bool parse_msl(const char *s, uint64_t *usecs)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 1e6 || !isfinite(v))
        return false;
    *usecs = (uint64_t)(v * 1e6 + 0.5);
    return *usecs > 0;
}

int cmd_check(int argc, char **argv)
{
    enum { OPT_JSON = 1000, OPT_JUNIT, OPT_PROFILE, OPT_MSL, OPT_FLOW, OPT_MAX_FLOWS };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"msl", required_argument, NULL, OPT_MSL},
        {"flow", required_argument, NULL, OPT_FLOW},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct check_run run;
    memset(&run, 0, sizeof run);
    check_options_default(&run.opt);

    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            run.json = true;
            break;
        case OPT_JUNIT:
            run.junit_path = optarg;
            break;
        case OPT_PROFILE:
            if (!oracle_profile_parse(optarg, &run.opt.cfg.profile)) {
                fprintf(stderr,
                        "finfuzz check: unknown profile '%s' (rfc9293, rfc1337, linux, "
                        "lwip)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MSL:
            if (!parse_msl(optarg, &run.opt.cfg.msl_usecs)) {
                fprintf(stderr,
                        "finfuzz check: --msl wants a positive number of seconds, not "
                        "'%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FLOW:
            run.opt.filter = optarg;
            break;
        case OPT_MAX_FLOWS: {
            char *end;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (end == optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "finfuzz check: --max-flows wants a count, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            run.opt.max_flows = (size_t)n;
            break;
        }
        case 'v':
            run.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_CONFORMS;
        default:
            fprintf(stderr, "finfuzz check: bad usage (try finfuzz check --help)\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "finfuzz check: no capture given (try finfuzz check --help)\n");
        return EXIT_USAGE;
    }
    if (run.opt.filter) {
        /* Compile once up front so a bad filter is a usage error, not a
         * per-file one. */
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
        struct bpf_program prog;
        if (!dead || pcap_compile(dead, &prog, run.opt.filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            fprintf(stderr, "finfuzz check: bad --flow filter '%s': %s\n", run.opt.filter,
                    dead ? pcap_geterr(dead) : "libpcap unavailable");
            if (dead)
                pcap_close(dead);
            return EXIT_USAGE;
        }
        pcap_freecode(&prog);
        pcap_close(dead);
    }
    if (run.junit_path) {
        char err[320];
        if (!report_junit_begin(&run.ru, run.junit_path, err, sizeof err)) {
            fprintf(stderr, "finfuzz check: %s\n", err);
            return EXIT_USAGE;
        }
        run.junit_open = true;
    }
    run.opt.progress = isatty(STDERR_FILENO);
    if (run.json)
        report_json_begin(&run.rj, stdout);

    for (int i = optind; i < argc; i++)
        check_file(&run, argv[i]);

    const char *profile = oracle_profile_name(run.opt.cfg.profile);
    if (run.json) {
        report_json_end(&run.rj, profile, run.opt.cfg.msl_usecs);
    } else {
        printf("\nfiles %" PRIu64 ", packets %" PRIu64 ", flows %" PRIu64 ": %" PRIu64
               " passed, %" PRIu64 " failed, %" PRIu64 " incomplete (profile %s, MSL %g s)\n",
               run.files, run.packets, run.passed + run.failed + run.incomplete, run.passed,
               run.failed, run.incomplete, profile, (double)run.opt.cfg.msl_usecs / 1e6);
        if (run.fragments || run.malformed || run.evicted)
            printf("skipped: %" PRIu64 " IP fragments, %" PRIu64
                   " malformed or cut packets; %" PRIu64 " flows judged early (table full)\n",
                   run.fragments, run.malformed, run.evicted);
    }
    if (run.junit_open && !report_junit_end(&run.ru)) {
        fprintf(stderr, "finfuzz check: --junit %s: write failed\n", run.junit_path);
        run.unreadable = true;
    }
    free(run.traced);
    fflush(stdout);
    if (run.unreadable)
        return EXIT_USAGE;
    return run.failed ? EXIT_VIOLATION : EXIT_CONFORMS;
}
