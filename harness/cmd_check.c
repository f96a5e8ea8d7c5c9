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
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "commands.h"
#include "flows.h"
#include "oracle.h"
#include "report.h"

#define CHECK_ERRORS_KEPT     100    /* messages kept per file for the reports */
#define CHECK_ERRORS_PRINTED  20     /* messages printed on stderr per file */
#define CHECK_TRACED_MAX      20     /* failing flows whose trace -v prints */
#define CHECK_MAX_FLOWS       200000 /* default cap on flows held at once */
#define LINUX_TIME_WAIT_USECS (60ull * 1000000u)
#define LINGER_SLACK_USECS    (1000000u)

/* The per-flow state the flow table carries: the oracle and the index of
 * the next event in the flow's stream. */
struct flow_judge {
    struct oracle oracle;
    uint64_t next_index;
    uint64_t last_usecs; /* capture time may step back: the oracle never sees it */
};

/* A failing flow that -v re-reads to print its trace. */
struct traced_flow {
    struct flow_key key;
    uint8_t a_end;
    unsigned incarnation;
    uint64_t first_frame, last_frame;
    size_t nviolations;
    struct oracle_violation violations[ORACLE_MAX_VIOLATIONS];
};

struct check_run {
    /* options */
    struct oracle_config cfg;
    bool json, verbose, progress;
    const char *junit_path;
    const char *filter;
    size_t max_flows;
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
            "Frames are numbered from 1 as Wireshark numbers them. Endpoint A is the side\n"
            "that sent the first SYN (else the first sender seen).\n"
            "exit status: 0 every flow conforms, 1 a violation, 2 bad usage or a file that\n"
            "could not be read (completely); the other files are still checked.\n",
            CHECK_MAX_FLOWS);
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

static void *judge_open(void *ctx, struct flow *f)
{
    struct check_run *run = ctx;
    (void)f;
    struct flow_judge *j = malloc(sizeof *j);
    if (!j)
        return NULL;
    oracle_init(&j->oracle, &run->cfg);
    j->next_index = 0;
    j->last_usecs = 0;
    return j;
}

static void judge_segment(void *ctx, struct flow *f, uint8_t ep, const struct cap_segment *cs)
{
    (void)ctx;
    struct flow_judge *j = f->user;
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_SEGMENT;
    e.time_usecs = cs->time_usecs < j->last_usecs ? j->last_usecs : cs->time_usecs;
    j->last_usecs = e.time_usecs;
    e.frame = cs->frame;
    e.endpoint = ep;
    e.u.segment.seg = cs->seg;
    e.u.segment.ip = cs->ip;
    oracle_push(&j->oracle, j->next_index++, &e);
}

static void print_violation(FILE *out, const char *indent, const struct oracle_violation *v)
{
    fprintf(out, "%sframe %" PRIu64 ", endpoint %s: %s [%s]: %s", indent, v->frame,
            v->endpoint == EP_A ? "A" : "B", v->inv ? v->inv->id : "?", v->inv ? v->inv->rfc : "",
            v->message);
    if (v->expected[0] || v->seen[0])
        fprintf(out, " (expected %s, seen %s)", v->expected, v->seen);
    fputc('\n', out);
}

static void remember_for_trace(struct check_run *run, const struct flow *f,
                               const struct oracle_violation *vs, size_t nv)
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
    t->nviolations = nv;
    memcpy(t->violations, vs, nv * sizeof *vs);
}

static void judge_finish(void *ctx, struct flow *f, uint64_t end_usecs, enum flow_end why)
{
    struct check_run *run = ctx;
    struct flow_judge *j = f->user;
    if (why == FLOW_END_EVICTED)
        run->evicted++;
    oracle_finish(&j->oracle, end_usecs);

    char name[FLOW_NAME_MAX];
    struct report_flow rf = {
        .name = flow_name(f, name),
        .incarnation = f->incarnation,
        .verdict = oracle_verdict(&j->oracle),
        .violations_total = oracle_violation_total(&j->oracle),
        .first_frame = f->first_frame,
        .last_frame = f->last_frame,
        .segments = f->segments,
    };
    rf.violations = oracle_violations(&j->oracle, &rf.nviolations);
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
        static const char *const tags[] = {"PASS", "FAIL", "INCOMPLETE"};
        printf("  %-10s %s", tags[rf.verdict], rf.name);
        if (rf.incarnation > 1)
            printf(" #%u", rf.incarnation);
        printf(" (frames %" PRIu64 "-%" PRIu64 ", %" PRIu64 " segments)", rf.first_frame,
               rf.last_frame, rf.segments);
        const char *why_incomplete = oracle_incomplete_reason(&j->oracle);
        if (rf.verdict == VERDICT_INCOMPLETE && why_incomplete && why_incomplete[0])
            printf(": %s", why_incomplete);
        if (why == FLOW_END_EVICTED)
            printf(" [judged early: flow table full]");
        putchar('\n');
        for (size_t i = 0; i < rf.nviolations; i++)
            print_violation(stdout, "      ", &rf.violations[i]);
        if (rf.violations_total > rf.nviolations)
            printf("      ... and %zu more violations\n", rf.violations_total - rf.nviolations);
    }
    if (run->junit_open)
        report_junit_flow(&run->ru, &rf);
    if (rf.verdict == VERDICT_FAIL)
        remember_for_trace(run, f, rf.violations, rf.nviolations);
    free(j);
    f->user = NULL;
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

/* Re-read the file for each failing flow: nothing of a flow is kept in
 * memory beyond its verdict, so the trace comes from the capture itself.
 * Sequence numbers print relative to each side's first one seen. */
static void print_traces(struct check_run *run)
{
    for (size_t i = 0; i < run->ntraced; i++) {
        const struct traced_flow *t = &run->traced[i];
        struct cap_reader r;
        char err[320], note[320];
        if (!cap_open(&r, run->file, err, sizeof err))
            return;
        struct flow shown = {.key = t->key, .a_end = t->a_end};
        char name[FLOW_NAME_MAX];
        printf("\ntrace of %s", flow_name(&shown, name));
        if (t->incarnation > 1)
            printf(" #%u", t->incarnation);
        printf(" (%s, frames %" PRIu64 "-%" PRIu64 "):\n", run->file, t->first_frame,
               t->last_frame);
        bool base_known[2] = {false, false};
        uint32_t base[2] = {0, 0};
        uint64_t t0 = 0;
        bool have_t0 = false;
        struct cap_segment cs;
        enum cap_status st;
        while ((st = cap_next(&r, &cs, note, sizeof note)) != CAP_EOF && st != CAP_ERROR) {
            uint8_t ep;
            if (st != CAP_SEGMENT || !segment_in_flow(&cs, t, &ep))
                continue;
            if (cs.frame > t->last_frame)
                break;
            if (!have_t0) {
                t0 = cs.time_usecs;
                have_t0 = true;
            }
            if (!base_known[ep]) {
                base_known[ep] = true;
                base[ep] = cs.seg.seq;
            }
            if (!base_known[1 - ep] && (cs.seg.flags & TCP_ACK)) {
                base_known[1 - ep] = true;
                base[1 - ep] = cs.seg.ack - 1;
            }
            char flags[16];
            uint64_t rel = cs.time_usecs - t0;
            printf("  %6" PRIu64 " %4" PRIu64 ".%06" PRIu64 " %s>%s %-4s seq %u", cs.frame,
                   rel / 1000000u, rel % 1000000u, ep == EP_A ? "A" : "B", ep == EP_A ? "B" : "A",
                   seg_flags_str(cs.seg.flags, flags), cs.seg.seq - base[ep]);
            if (cs.seg.flags & TCP_ACK)
                printf(" ack %u", cs.seg.ack - base[1 - ep]);
            printf(" win %u len %u\n", cs.seg.window, cs.seg.payload_len);
            for (size_t v = 0; v < t->nviolations; v++)
                if (t->violations[v].frame == cs.frame)
                    print_violation(stdout, "         ^ ", &t->violations[v]);
        }
        for (size_t v = 0; v < t->nviolations; v++)
            if (t->violations[v].frame == 0)
                print_violation(stdout, "         at the end: ", &t->violations[v]);
        cap_close(&r);
    }
    run->ntraced = 0;
}

/* ---- one file ---- */

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t linger_usecs(const struct oracle_config *cfg)
{
    uint64_t tw = 2 * cfg->msl_usecs;
    if (cfg->profile == PROFILE_LINUX && tw < LINUX_TIME_WAIT_USECS)
        tw = LINUX_TIME_WAIT_USECS;
    return tw + LINGER_SLACK_USECS;
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

    struct cap_reader r;
    char err[320], note[320];
    uint64_t packets = 0;
    if (!cap_open(&r, path, err, sizeof err)) {
        file_error(run, err);
        run->unreadable = true;
    } else if (run->filter && !cap_set_filter(&r, run->filter, err, sizeof err)) {
        file_error(run, err);
        run->unreadable = true;
        cap_close(&r);
    } else {
        struct flow_hooks hooks = {run, judge_open, judge_segment, judge_finish};
        struct flow_table table;
        flows_init(&table, &hooks, linger_usecs(&run->cfg), run->max_flows);
        struct cap_segment cs;
        enum cap_status st;
        double last_progress = now_secs();
        bool progress_shown = false;
        while ((st = cap_next(&r, &cs, note, sizeof note)) != CAP_EOF) {
            if (note[0])
                file_error(run, note);
            if (st == CAP_ERROR) {
                run->unreadable = true;
                break;
            }
            if (st == CAP_SEGMENT) {
                enum flow_warn w = flows_segment(&table, &cs);
                if (w == FLOW_WARN_FULL) {
                    snprintf(err, sizeof err,
                             "%s: frame %" PRIu64 ": more than %zu flows at once; the least "
                             "recently active are judged early (see --max-flows)",
                             path, cs.frame, run->max_flows);
                    file_error(run, err);
                } else if (w == FLOW_WARN_NOMEM) {
                    snprintf(err, sizeof err, "%s: frame %" PRIu64 ": out of memory for a new flow",
                             path, cs.frame);
                    file_error(run, err);
                }
            }
            if (run->progress && (r.counts.frames & 0xffff) == 0 &&
                now_secs() - last_progress > 0.5) {
                last_progress = now_secs();
                double p = cap_progress(&r);
                fprintf(stderr, "\r%s: %" PRIu64 " packets", path, r.counts.frames);
                if (p >= 0)
                    fprintf(stderr, " (%.0f%%)", p * 100);
                progress_shown = true;
            }
        }
        if (progress_shown)
            fprintf(stderr, "\r\033[K");
        flows_finish_all(&table, table.last_usecs);
        flows_free(&table);
        packets = r.counts.frames;
        run->fragments += r.counts.skipped[CAP_SKIP_FRAGMENT];
        run->malformed +=
            r.counts.skipped[CAP_SKIP_MALFORMED] + r.counts.skipped[CAP_SKIP_SNAP_CUT];
        cap_close(&r);
    }
    run->packets += packets;

    struct report_file_end fe = {
        .packets = packets,
        .errors = (const char *const *)run->errors,
        .nerrors = run->nerrors,
        .errors_dropped = run->errors_dropped,
    };
    if (run->json)
        report_json_file_end(&run->rj, &fe);
    else
        printf("  %" PRIu64 " packets%s\n", packets,
               run->nerrors ? " (see the messages above)" : "");
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
    oracle_config_default(&run.cfg);
    run.cfg.judge[EP_A] = run.cfg.judge[EP_B] = true;
    run.cfg.states_reported[EP_A] = run.cfg.states_reported[EP_B] = false;
    run.max_flows = CHECK_MAX_FLOWS;

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
            if (!oracle_profile_parse(optarg, &run.cfg.profile)) {
                fprintf(stderr,
                        "finfuzz check: unknown profile '%s' (rfc9293, rfc1337, linux, "
                        "lwip)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MSL:
            if (!parse_msl(optarg, &run.cfg.msl_usecs)) {
                fprintf(stderr,
                        "finfuzz check: --msl wants a positive number of seconds, not "
                        "'%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FLOW:
            run.filter = optarg;
            break;
        case OPT_MAX_FLOWS: {
            char *end;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (end == optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "finfuzz check: --max-flows wants a count, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            run.max_flows = (size_t)n;
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
    if (run.filter) {
        /* Compile once up front so a bad filter is a usage error, not a
         * per-file one. */
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
        struct bpf_program prog;
        if (!dead || pcap_compile(dead, &prog, run.filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            fprintf(stderr, "finfuzz check: bad --flow filter '%s': %s\n", run.filter,
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
    run.progress = isatty(STDERR_FILENO);
    if (run.json)
        report_json_begin(&run.rj, stdout);

    for (int i = optind; i < argc; i++)
        check_file(&run, argv[i]);

    const char *profile = oracle_profile_name(run.cfg.profile);
    if (run.json) {
        report_json_end(&run.rj, profile, run.cfg.msl_usecs);
    } else {
        printf("\n%" PRIu64 " file%s, %" PRIu64 " packets, %" PRIu64 " flows: %" PRIu64
               " passed, %" PRIu64 " failed, %" PRIu64 " incomplete (profile %s, MSL %g s)\n",
               run.files, run.files == 1 ? "" : "s", run.packets,
               run.passed + run.failed + run.incomplete, run.passed, run.failed, run.incomplete,
               profile, (double)run.cfg.msl_usecs / 1e6);
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
