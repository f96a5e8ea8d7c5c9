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

#define CHECK_ERRORS_KEPT    100   /* messages kept per file for the reports */
#define CHECK_ERRORS_PRINTED 20    /* messages printed on stderr per file */
#define CHECK_TRACED_MAX     20    /* failing flows whose trace -v prints */
#define CHECK_LINES_BYTES    16384 /* text verdict lines collected for one fwrite */
#define CHECK_LINE_MAX       256   /* room put_flow_line may use */
/* The tag, the name, " #N", the frames and segments, their words, the
 * newline (put_u64 may use 20 bytes for each number). */
_Static_assert(13 + FLOW_NAME_MAX + 2 + 9 + 1 + 2 + 10 + 1 + 4 * 20 <= CHECK_LINE_MAX,
               "a verdict line fits CHECK_LINE_MAX");

/* A failing flow that -v re-reads to print its trace. */
struct traced_flow {
    struct flow_key key;
    uint8_t a_end;
    unsigned incarnation;
    uint64_t first_frame, last_frame;
    uint64_t end_usecs; /* when the flow was judged */
};

#define CHECK_ADDR_TEXTS 256 /* IPv4 addresses kept as text (a power of 2) */

/* An IPv4 address as text with the colon after it, kept in a slot picked by
 * the address: a capture's flows mostly share their server's address and
 * come from a few clients each, so most are formatted once, not once per
 * flow. */
struct addr_text {
    uint32_t addr; /* the key's 4 bytes, as they are in memory */
    uint8_t len;
    char text[16]; /* "255.255.255.255:" at most */
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
    /* Text verdict lines not yet handed to stdout (lines_flush), and the
     * length past which they are: 0 when stdout is a terminal. */
    size_t lines_len, lines_flush_len;
    struct addr_text addr_texts[CHECK_ADDR_TEXTS];
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
    char lines[CHECK_LINES_BYTES];
};

/* Hand the collected verdict lines to stdout. Whatever else is printed on
 * stdout or stderr while a file is checked comes after this, so the output
 * has the same bytes in the same order as with a write per line. */
static void lines_flush(struct check_run *run)
{
    if (run->lines_len) {
        fwrite_unlocked(run->lines, 1, run->lines_len, stdout);
        run->lines_len = 0;
    }
}

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
        lines_flush(run);
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

static void addr_text_set(struct addr_text *c, const uint8_t *addr)
{
    char *end = put_ipv4(c->text, addr);
    *end++ = ':';
    c->len = (uint8_t)(end - c->text);
    memcpy(&c->addr, addr, 4);
}

/* "addr:port" of an IPv4 endpoint at p, as flow_name_end() writes it; it
 * writes 16 bytes at p at least. */
static inline __attribute__((always_inline)) char *put_endpoint4(struct check_run *run, char *p,
                                                                 const uint8_t *addr, uint16_t port)
{
    uint32_t a;
    memcpy(&a, addr, 4);
    struct addr_text *c = &run->addr_texts[(a * 0x9e3779b1u) >> 24 & (CHECK_ADDR_TEXTS - 1)];
    if (a != c->addr)
        addr_text_set(c, addr);
    memcpy(p, c->text, 16);
    return put_port(p + c->len, port);
}

/* A flow's text line up to its verdict's details: "  PASS       A-B #2
 * (frames F-L, N segments)", as printf("  %-10s %s", ...) and the rest
 * would print it, formatted at p (CHECK_LINE_MAX bytes of room): a large
 * capture prints one per flow. The name has flow_name_end()'s bytes. */
static char *put_flow_line(struct check_run *run, char *p, const struct flow *f,
                           enum oracle_verdict verdict)
{
    /* Each tag padded to 10 columns, then the space before the name. */
    static const char tags[][16] = {"  PASS       ", "  FAIL       ", "  INCOMPLETE "};
    memcpy(p, tags[verdict], 16);
    p += 13;
    if (f->key.version == 4) {
        uint8_t a = f->a_end, b = (uint8_t)(1 - a);
        p = put_endpoint4(run, p, f->key.addr[a], f->key.port[a]);
        *p++ = '-';
        p = put_endpoint4(run, p, f->key.addr[b], f->key.port[b]);
    } else {
        p = flow_name_end(f, p);
    }
    if (f->incarnation > 1)
        p = put_u64(PUT_LIT(p, " #"), f->incarnation);
    p = put_u64(PUT_LIT(p, " (frames "), f->first_frame);
    *p++ = '-';
    p = put_u64(p, f->last_frame);
    p = put_u64(PUT_LIT(p, ", "), f->segments);
    return PUT_LIT(p, " segments)");
}

/* The rest of a flow's text after its line (collected, not yet ended):
 * ": why" for an incomplete one (why_incomplete, or NULL), the eviction
 * note and its violations, printed after the lines are flushed. */
static __attribute__((noinline)) void print_flow_details(struct check_run *run,
                                                         const char *why_incomplete,
                                                         const struct check_verdict *v,
                                                         enum flow_end why)
{
    lines_flush(run);
    if (why_incomplete)
        printf(": %s", why_incomplete);
    if (why == FLOW_END_EVICTED)
        printf(" [judged early: flow table full]");
    putchar_unlocked('\n');
    for (size_t i = 0; i < v->nviolations; i++)
        print_violation(stdout, "      ", &v->violations[i]);
    if (v->violations_total > v->nviolations)
        printf("      ... and %zu more violations\n", v->violations_total - v->nviolations);
}

/* A flow's text: its line, then ": why" for an incomplete one, the eviction
 * note and its violations. A line alone goes to run->lines; anything more
 * is printed after the lines are flushed. */
static void print_flow_text(struct check_run *run, const struct flow *f,
                            const struct check_verdict *v, enum flow_end why)
{
    char *p = put_flow_line(run, run->lines + run->lines_len, f, v->verdict);
    const char *why_incomplete = v->verdict == VERDICT_INCOMPLETE ? v->incomplete_reason : NULL;
    bool has_why = why_incomplete && why_incomplete[0];
    if (!has_why && why != FLOW_END_EVICTED && !v->nviolations && !v->violations_total) {
        *p++ = '\n';
        run->lines_len = (size_t)(p - run->lines);
        if (run->lines_len > run->lines_flush_len)
            lines_flush(run);
        return;
    }
    run->lines_len = (size_t)(p - run->lines);
    print_flow_details(run, has_why ? why_incomplete : NULL, v, why);
}

/* A flow's verdict to the JSON and JUnit reports (kept out of
 * report_flow(), whose text way, the default, then needs a smaller frame). */
static __attribute__((noinline)) void
report_flow_structured(struct check_run *run, const struct flow *f, const struct check_verdict *v)
{
    char name[FLOW_NAME_MAX];
    struct report_flow rf = {
        .name = flow_name(f, name),
        .incarnation = f->incarnation,
        .verdict = v->verdict,
        .violations_total = v->violations_total,
        .first_frame = f->first_frame,
        .last_frame = f->last_frame,
        .segments = f->segments,
        .violations = v->violations,
        .nviolations = v->nviolations,
    };
    if (run->json)
        report_json_flow(&run->rj, &rf);
    if (run->junit_open)
        report_junit_flow(&run->ru, &rf);
}

/* check.h hook: a flow was judged. */
static void report_flow(void *ctx, const struct flow *f, const struct check_verdict *v,
                        uint64_t end_usecs, enum flow_end why)
{
    struct check_run *run = ctx;

    switch (v->verdict) {
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
    if (!run->json)
        print_flow_text(run, f, v, why);
    if (run->json || run->junit_open)
        report_flow_structured(run, f, v);
    if (v->verdict == VERDICT_FAIL)
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
    lines_flush(run);
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
    /* A terminal shows each line as its flow is judged. */
    run.lines_flush_len = isatty(STDOUT_FILENO) ? 0 : CHECK_LINES_BYTES - CHECK_LINE_MAX;
    static const uint8_t zero_addr[4];
    for (size_t i = 0; i < CHECK_ADDR_TEXTS; i++)
        addr_text_set(&run.addr_texts[i], zero_addr); /* any slot may hold 0.0.0.0 */
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
