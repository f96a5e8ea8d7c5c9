/* finfuzz repro: replay fuzz inputs deterministically and show what happened.
 *
 *   finfuzz repro [--pcap OUT] [--svg OUT] [--packetdrill OUT] [--target model|lwip|linux]
 *                 [--fuzz-target close_endpoint|close_pair] [--pair] [--profile P]
 *                 [--max-wait SECS] [--jobs N] [--quiet] FILE...
 *
 * Each FILE (a libFuzzer or AFL++ crash file, a corpus entry; a folder means
 * its files) is decoded and printed as a program, then run by the driver
 * with a trace printer on the event stream: one line per event, states as
 * they change, and each violation (invariant id, RFC section, message)
 * under the event that broke it. Which target the input is for: close_pair
 * with --pair or --fuzz-target close_pair, or when the file lies in a folder
 * named close_pair (corpus/close_pair/, corpus/regressions/close_pair/);
 * close_endpoint otherwise. --target picks the system under test of
 * close_endpoint from the SUT registry (sut_registry.h). --profile judges
 * with another oracle profile than the default: the program's own (rfc9293,
 * or rfc1337 when the program sets it) for the model, the target's own
 * (lwip, linux) for a live stack.
 *
 * A real-time target (linux) runs the program in real time: each input
 * waits as long as its CLOCK steps say, except where the kernel holds
 * nothing of the connection (then nothing can happen, and the wait is
 * skipped). --max-wait caps the real time one input may wait (default
 * REPRO_REAL_WAIT_MAX_SECS); an input stopped there is reported as
 * incomplete, with how much of its program was not run.
 *
 * On the linux target each run is also cross-checked: where the kernel has
 * settled, the state it holds the connection in (sock_diag) is compared
 * with the oracle's inference; differences are shown, not judged.
 *
 * --jobs N runs up to N inputs at once, each in a child process of its own
 * (for the linux target: its own network namespace), and prints their
 * outputs in input order: a corpus that waits in real time runs N times
 * faster. Without it inputs run one after another in this process.
 *
 * Exit: 0 every input conforms, 1 an invariant broke, 2 bad usage, an
 * unreadable file or an input that is not a finfuzz program (2 wins over 1). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "driver.h"
#include "input_files.h"
#include "ladder_svg.h"
#include "packetdrill.h"
#include "link.h"
#include "pcap_writer.h"
#include "sut_linux.h"
#include "sut_registry.h"
#include "trace.h"

/* Longer than Linux's TIME-WAIT (60 s) and its giving up on an orphaned,
 * unacknowledged FIN (about 102 s: 8 retransmissions from a 200 ms RTO,
 * tcp_orphan_retries's default): the longest of the kernel's close timers
 * fits in it. */
#define REPRO_REAL_WAIT_MAX_SECS 120u

struct repro_opts {
    const char *pcap_path;
    const char *svg_path;
    const char *packetdrill_path;
    const struct sut_entry *sut;
    int pair; /* 1 close_pair, 0 close_endpoint, -1 from the path */
    bool quiet;
    bool use_profile;
    unsigned n_incomplete; /* inputs that conformed without a full verdict */
    enum oracle_profile profile;
};

/* One run's sinks as one: the driver takes at most EV_TEE_MAX - 1. */
struct repro_sinks {
    struct ev_sink s[6];
    unsigned n;
};

static void sinks_push(void *ctx, uint64_t index, const struct ev *e)
{
    const struct repro_sinks *r = ctx;
    for (unsigned i = 0; i < r->n; i++)
        r->s[i].push(r->s[i].ctx, index, e);
}

/* ---- the kernel's own state against the oracle's inference (linux) ---- */

/* The Linux kernel reports no transitions: the oracle infers A's state from
 * the wire. Where the kernel has settled (just before the peer's next
 * segment goes in, and at the end of each wait), the state it holds the
 * connection in (sock_diag, as `ss` shows it) is compared with what the
 * oracle inferred from everything before. A difference is no violation
 * (the kernel may be right and the inference wrong, or the profile may name
 * the difference, as TIME-WAIT's 60 s); it is shown in the trace and
 * counted in the result. */
struct xcheck {
    const struct sut_linux *sut;
    const struct oracle *oracle;
    FILE *out;                          /* NULL: count only */
    struct oracle_endpoint_view before; /* A as inferred before the current event */
    unsigned points, differ;
    uint64_t first_index;
    enum tcp_state first_kernel, first_inferred;
};

static void xcheck_push(void *ctx, uint64_t index, const struct ev *e)
{
    struct xcheck *x = ctx;
    bool settled = e->kind == EV_CLOCK || (e->kind == EV_SEGMENT && e->endpoint == EP_B);
    /* B's segment is not in the kernel yet, but the oracle has taken it:
     * compare with the inference from the events before it. */
    struct oracle_endpoint_view v =
        e->kind == EV_SEGMENT ? x->before : oracle_view(x->oracle, EP_A);
    x->before = oracle_view(x->oracle, EP_A);
    enum tcp_state k;
    if (!settled || !v.state_known || !sut_linux_kernel_state(x->sut, &k))
        return;
    x->points++;
    if (k == v.state)
        return;
    if (!x->differ++) {
        x->first_index = index;
        x->first_kernel = k;
        x->first_inferred = v.state;
    }
    if (x->out)
        fprintf(x->out, "        ~~ the kernel holds A in %s here; the oracle inferred ~%s\n",
                tcp_state_name(k), tcp_state_name(v.state));
}

static bool path_says_pair(const char *path)
{
    const char *p = strstr(path, "close_pair/");
    return p && (p == path || p[-1] == '/');
}

/* Run one file; returns EXIT_CONFORMS, EXIT_VIOLATION or EXIT_USAGE. */
static int repro_one(struct repro_opts *o, const char *path, struct driver *d, struct link *net,
                     void *sut_self)
{
    uint8_t *data;
    size_t len;
    char err[256];
    if (input_read(path, &data, &len, err, sizeof err) != 0) {
        fprintf(stderr, "finfuzz repro: %s\n", err);
        return EXIT_USAGE;
    }
    bool pair = o->pair == 1 || (o->pair == -1 && path_says_pair(path));
    printf("== %s (%zu bytes): %s on %s\n", path, len, pair ? "close_pair" : "close_endpoint",
           pair ? "two model endpoints" : o->sut->name);
    struct program p;
    enum program_err pe = program_decode(data, len, &p);
    if (pe != PROGRAM_OK) {
        fprintf(stderr, "finfuzz repro: %s: not a finfuzz program: %s\n", path,
                program_err_str(pe));
        free(data);
        return EXIT_USAGE;
    }
    program_print(&p, stdout);

    struct trace_printer tp;
    trace_init(&tp, stdout, &d->oracle);
    struct repro_sinks rs = {.n = 0};
    struct ev_sink *sinks = rs.s;
    unsigned n_sinks = 0;
    if (!o->quiet) {
        sinks[n_sinks++] = trace_sink(&tp);
        printf("trace:\n");
    }
    struct pcap_writer pw;
    bool pcap_open = false;
    if (o->pcap_path) {
        if (pcap_writer_open(&pw, o->pcap_path, err, sizeof err) != 0) {
            fprintf(stderr, "finfuzz repro: %s\n", err);
            free(data);
            return EXIT_USAGE;
        }
        pcap_open = true;
        sinks[n_sinks++] = pcap_writer_sink(&pw);
    }

    struct ladder_svg *svg = NULL;
    FILE *svg_file = NULL;
    if (o->svg_path) {
        svg = calloc(1, sizeof *svg);
        svg_file = svg ? fopen(o->svg_path, "w") : NULL;
        if (!svg_file) {
            fprintf(stderr, "finfuzz repro: cannot write %s\n", o->svg_path);
            free(svg);
            if (pcap_open)
                pcap_writer_close(&pw, err, sizeof err);
            free(data);
            return EXIT_USAGE;
        }
        ladder_init(svg, svg_file, &d->oracle, path);
        sinks[n_sinks++] = ladder_sink(svg);
    }

    /* The packetdrill script is collected in memory and written at the end,
     * so a failed run leaves no half-written file. */
    struct pd_writer pd;
    if (o->packetdrill_path) {
        pd_init(&pd, path);
        sinks[n_sinks++] = pd_sink(&pd);
    }
    struct xcheck xc = {.sut = sut_self, .oracle = &d->oracle, .out = o->quiet ? NULL : stdout};
    bool cross_check = !pair && o->sut->ops == &sut_linux_ops;
    if (cross_check)
        sinks[n_sinks++] = (struct ev_sink){.ctx = &xc, .push = xcheck_push};
    rs.n = n_sinks;
    const struct ev_sink all = {.ctx = &rs, .push = sinks_push};

    int rc;
    if (pair) {
        rc = driver_run_pair(d, net, data, len, &all, 1);
    } else {
        const struct sut sut = {.ops = o->sut->ops, .self = sut_self};
        rc = driver_run(d, &sut, data, len, &all, 1);
    }
    free(data);
    bool pd_ok = true;
    if (o->packetdrill_path) {
        FILE *pf = fopen(o->packetdrill_path, "w");
        if (pf) {
            pd_ok = pd_finish(&pd, pf) == 0;
            pd_ok = fclose(pf) == 0 && pd_ok;
        } else {
            pd_discard(&pd);
            pd_ok = false;
        }
        if (pd_ok)
            printf("wrote %s\n", o->packetdrill_path);
        else
            fprintf(stderr, "finfuzz repro: cannot write %s\n", o->packetdrill_path);
    }
    if (!o->quiet && rc != DRIVER_REJECTED && rc != DRIVER_SUT_ERROR)
        trace_finish(&tp); /* violations found when the run finished */
    if (svg) {
        bool ok = ladder_finish(svg);
        ok = fclose(svg_file) == 0 && ok;
        free(svg);
        if (!ok) {
            fprintf(stderr, "finfuzz repro: cannot write %s\n", o->svg_path);
            if (pcap_open)
                pcap_writer_close(&pw, err, sizeof err);
            return EXIT_USAGE;
        }
        printf("wrote %s\n", o->svg_path);
    }
    if (pcap_open) {
        if (pcap_writer_close(&pw, err, sizeof err) != 0) {
            fprintf(stderr, "finfuzz repro: %s: %s\n", o->pcap_path, err);
            return EXIT_USAGE;
        }
        printf("wrote %s\n", o->pcap_path);
    }
    if (rc == DRIVER_REJECTED || rc == DRIVER_SUT_ERROR) {
        fprintf(stderr, "finfuzz repro: %s: %s\n", path, driver_error(d));
        return EXIT_USAGE;
    }
    if (!pd_ok)
        return EXIT_USAGE;
    if (cross_check && xc.differ)
        printf("cross-check: at %u of %u settled points the kernel's own state (sock_diag) "
               "differs from the oracle's inference; first at event %" PRIu64
               ": the kernel in %s, inferred ~%s\n",
               xc.differ, xc.points, xc.first_index, tcp_state_name(xc.first_kernel),
               tcp_state_name(xc.first_inferred));
    else if (cross_check)
        printf("cross-check: at all %u settled points the kernel's own state (sock_diag) is "
               "the oracle's inference\n",
               xc.points);
    const struct driver_violation *v = driver_violation(d);
    if (v) {
        printf("result: VIOLATION %s (%s) at event %" PRIu64 ", endpoint %c: %s\n", v->id, v->rfc,
               v->event_index, v->endpoint == EP_B ? 'B' : 'A', v->message);
        return EXIT_VIOLATION;
    }
    if (driver_cut(d)) {
        printf("result: pass (incomplete: stopped after %.3f s, the --max-wait limit of real "
               "time; the rest of the program did not run)\n",
               (double)driver_end_usecs(d) / 1e6);
        o->n_incomplete++;
        return EXIT_CONFORMS;
    }
    if (oracle_verdict(&d->oracle) == VERDICT_INCOMPLETE)
        o->n_incomplete++;
    printf("result: pass (%s, %.3f s of virtual time)\n",
           oracle_verdict_name(oracle_verdict(&d->oracle)), (double)driver_end_usecs(d) / 1e6);
    return EXIT_CONFORMS;
}

/* ---- several inputs at once (--jobs) ---- */

/* A child reports its input's result in its exit status: the exit code
 * (EXIT_CONFORMS, EXIT_VIOLATION, EXIT_USAGE) plus this when the input
 * conformed without a full verdict. */
#define REPRO_CHILD_INCOMPLETE 4
#define REPRO_JOBS_MAX         64

struct repro_job {
    pid_t pid;
    FILE *out; /* the child's stdout, printed when its turn comes */
    int code;  /* exit code, as repro_one's */
    bool incomplete;
    bool done;
};

/* Start path's run in a child writing to j->out. */
static void job_start(struct repro_opts *o, const char *path, struct driver *d, struct link *net,
                      void *self, struct repro_job *j)
{
    j->out = tmpfile();
    if (!j->out) {
        fprintf(stderr, "finfuzz repro: %s: no temporary file for its output\n", path);
        j->code = EXIT_USAGE;
        j->done = true;
        return;
    }
    fflush(stdout);
    fflush(stderr);
    j->pid = fork();
    if (j->pid < 0) {
        fprintf(stderr, "finfuzz repro: %s: fork failed\n", path);
        j->code = EXIT_USAGE;
        j->done = true;
        return;
    }
    if (j->pid == 0) {
        if (dup2(fileno(j->out), STDOUT_FILENO) < 0)
            _exit(EXIT_USAGE);
        unsigned before = o->n_incomplete;
        int rc = repro_one(o, path, d, net, self);
        fflush(stdout);
        _exit(rc + (o->n_incomplete > before ? REPRO_CHILD_INCOMPLETE : 0));
    }
}

static void job_print(struct repro_job *j)
{
    if (!j->out)
        return;
    char buf[8192];
    size_t n;
    rewind(j->out);
    while ((n = fread(buf, 1, sizeof buf, j->out)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(j->out);
    j->out = NULL;
}

/* The child pid of js[from..to) ended with wait status wst; false if pid
 * is none of them. */
static bool job_ended(struct repro_job *js, size_t from, size_t to, char **files, pid_t pid,
                      int wst)
{
    for (size_t i = from; i < to; i++) {
        struct repro_job *j = &js[i];
        if (j->done || j->pid != pid)
            continue;
        int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
        if (code < 0 || code > (EXIT_USAGE | REPRO_CHILD_INCOMPLETE)) {
            fprintf(stderr, "finfuzz repro: %s: the run died (%s %d)\n", files[i],
                    WIFSIGNALED(wst) ? "signal" : "exit", WIFSIGNALED(wst) ? WTERMSIG(wst) : code);
            code = EXIT_USAGE;
        }
        j->code = code & ~REPRO_CHILD_INCOMPLETE;
        j->incomplete = (code & REPRO_CHILD_INCOMPLETE) != 0;
        j->done = true;
        return true;
    }
    return false;
}

/* Run files in up to jobs children; counts results in n_rc and
 * o->n_incomplete. Returns the worst exit code. */
static int run_jobs(struct repro_opts *o, char **files, size_t n_files, unsigned jobs,
                    struct driver *d, struct link *net, void *self, size_t n_rc[3])
{
    struct repro_job *js = calloc(n_files, sizeof *js);
    if (!js) {
        fprintf(stderr, "finfuzz repro: out of memory\n");
        return EXIT_USAGE;
    }
    size_t next = 0, printed = 0, running = 0;
    int status = EXIT_CONFORMS;
    while (printed < n_files) {
        for (; running < jobs && next < n_files; next++) {
            job_start(o, files[next], d, net, self, &js[next]);
            if (!js[next].done)
                running++;
        }
        for (; printed < next && js[printed].done; printed++) {
            struct repro_job *j = &js[printed];
            job_print(j);
            if (j->code > status)
                status = j->code;
            n_rc[j->code]++;
            o->n_incomplete += j->incomplete;
            if (printed + 1 < n_files)
                printf("\n");
        }
        if (printed == n_files || !running)
            continue;
        int wst;
        pid_t pid = waitpid(-1, &wst, 0);
        if (pid < 0) {
            perror("finfuzz repro: waitpid");
            status = EXIT_USAGE;
            break;
        }
        if (job_ended(js, printed, next, files, pid, wst))
            running--;
    }
    for (size_t i = 0; i < n_files; i++)
        if (js[i].out)
            fclose(js[i].out);
    free(js);
    return status;
}

static void usage(FILE *out)
{
    size_t n;
    const struct sut_entry *e = sut_registry(&n);
    fprintf(
        out,
        "usage: finfuzz repro [--pcap OUT] [--svg OUT] [--packetdrill OUT] [--target NAME]\n"
        "                     [--fuzz-target close_endpoint|close_pair] [--pair] [--profile P]\n"
        "                     [--max-wait SECS] [--jobs N] [--quiet] FILE|DIR...\n\n"
        "Replay fuzz inputs (crash files, corpus entries; a folder means its files),\n"
        "print the program and the annotated trace, and the violated invariant.\n\n"
        "  --pcap OUT         write the run as a pcap (one FILE only)\n"
        "  --svg OUT          write the run as an SVG ladder diagram (one FILE only)\n"
        "  --packetdrill OUT  write the run as a packetdrill script for the Linux\n"
        "                     stack (close_endpoint inputs, one FILE only)\n"
        "  --target NAME      system under test for close_endpoint inputs:");
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %s", e[i].name);
    fprintf(out,
            "\n"
            "  --fuzz-target T    which target the inputs are for (default: close_pair\n"
            "                     for files in a folder named close_pair, else\n"
            "                     close_endpoint)\n"
            "  --pair             same as --fuzz-target close_pair\n"
            "  --profile P        judge with oracle profile P (rfc9293, rfc1337, linux,\n"
            "                     lwip) instead of the program's own\n"
            "  --max-wait SECS    real-time targets (linux): stop an input once it\n"
            "                     has waited SECS of real time and report it as\n"
            "                     incomplete (default %u; 0: no limit)\n"
            "  --jobs N           run up to N inputs at once, each in a process of\n"
            "                     its own (outputs in input order; default 1)\n"
            "  --quiet            no trace, only the program and the verdict\n\n"
            "exit: 0 conforms, 1 a violation, 2 bad usage or an unreadable input\n",
            REPRO_REAL_WAIT_MAX_SECS);
}

int cmd_repro(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pcap", required_argument, NULL, 'p'},
        {"svg", required_argument, NULL, 's'},
        {"packetdrill", required_argument, NULL, 'd'},
        {"target", required_argument, NULL, 't'},
        {"fuzz-target", required_argument, NULL, 'f'},
        {"pair", no_argument, NULL, 'P'},
        {"profile", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"max-wait", required_argument, NULL, 'w'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct repro_opts o = {.sut = sut_registry_find("model"), .pair = -1};
    const char *target = "model";
    unsigned long max_wait_secs = REPRO_REAL_WAIT_MAX_SECS;
    unsigned jobs = 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o.pcap_path = optarg;
            break;
        case 's':
            o.svg_path = optarg;
            break;
        case 'd':
            o.packetdrill_path = optarg;
            break;
        case 't':
            target = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "close_pair")) {
                o.pair = 1;
            } else if (!strcmp(optarg, "close_endpoint")) {
                o.pair = 0;
            } else {
                fprintf(stderr,
                        "finfuzz repro: unknown fuzz target '%s' (close_endpoint, "
                        "close_pair)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'P':
            o.pair = 1;
            break;
        case 'q':
            o.quiet = true;
            break;
        case 'w': {
            char *end;
            unsigned long secs = strtoul(optarg, &end, 10);
            if (!*optarg || *end || secs > 86400u * 365u) {
                fprintf(stderr, "finfuzz repro: --max-wait wants whole seconds, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            max_wait_secs = secs;
            break;
        }
        case 'j': {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > REPRO_JOBS_MAX) {
                fprintf(stderr, "finfuzz repro: --jobs wants 1 to %d, got '%s'\n", REPRO_JOBS_MAX,
                        optarg);
                return EXIT_USAGE;
            }
            jobs = (unsigned)n;
            break;
        }
        case 'r':
            if (!oracle_profile_parse(optarg, &o.profile)) {
                fprintf(stderr,
                        "finfuzz repro: unknown profile '%s' (rfc9293, rfc1337, linux, "
                        "lwip)\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.use_profile = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_CONFORMS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    o.sut = sut_registry_find(target);
    if (!o.sut) {
        fprintf(stderr, "finfuzz repro: unknown target '%s' (see finfuzz repro --help)\n", target);
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "finfuzz repro: no input file (see finfuzz repro --help)\n");
        return EXIT_USAGE;
    }
    if (o.pair == 1 && o.packetdrill_path) {
        fprintf(stderr, "finfuzz repro: --packetdrill exports one endpoint's run; not for "
                        "close_pair inputs\n");
        return EXIT_USAGE;
    }
    if (o.pair == 1 && strcmp(o.sut->name, "model") != 0) {
        fprintf(stderr,
                "finfuzz repro: close_pair runs two model endpoints; --target %s "
                "applies to close_endpoint only\n",
                o.sut->name);
        return EXIT_USAGE;
    }
    char err[256];
    char **files;
    size_t n_files;
    if (input_expand(argv + optind, argc - optind, &files, &n_files, err, sizeof err) != 0) {
        fprintf(stderr, "finfuzz repro: %s\n", err);
        return EXIT_USAGE;
    }
    if (n_files == 0) {
        fprintf(stderr, "finfuzz repro: no input file found\n");
        input_list_free(files, n_files);
        return EXIT_USAGE;
    }
    if (n_files > 1 && (o.pcap_path || o.svg_path || o.packetdrill_path)) {
        fprintf(stderr, "finfuzz repro: --pcap/--svg/--packetdrill take one input file, got %zu\n",
                n_files);
        input_list_free(files, n_files);
        return EXIT_USAGE;
    }
    struct driver *d = calloc(1, sizeof *d);
    struct link *net = calloc(1, sizeof *net);
    void *self = calloc(1, o.sut->self_size ? o.sut->self_size : 1);
    int status = EXIT_CONFORMS;
    if (!d || !net || !self) {
        fprintf(stderr, "finfuzz repro: out of memory\n");
        status = EXIT_USAGE;
    } else {
        driver_init(d);
        /* A live stack is judged by its own profile unless told otherwise
         * (the profiles are named like the targets: lwip, linux). */
        enum oracle_profile own;
        if (!o.use_profile && oracle_profile_parse(o.sut->name, &own)) {
            o.use_profile = true;
            o.profile = own;
        }
        d->use_profile = o.use_profile;
        d->profile = o.profile;
        d->real_wait_max_usecs = (uint64_t)max_wait_secs * 1000000u;
        size_t n_rc[3] = {0, 0, 0}; /* by exit code: conforms, violation, usage */
        if (jobs > 1 && n_files > 1)
            status = run_jobs(&o, files, n_files, jobs, d, net, self, n_rc);
        for (size_t i = 0; (jobs == 1 || n_files == 1) && i < n_files; i++) {
            int rc = repro_one(&o, files[i], d, net, self);
            if (rc > status)
                status = rc;
            if (rc >= 0 && rc <= 2)
                n_rc[rc]++;
            if (i + 1 < n_files)
                printf("\n");
        }
        /* Over a corpus (the way to run one against a live stack), a last
         * line to read first. */
        if (n_files > 1)
            printf("\nsummary: %zu inputs on %s: %zu conform (%u of them incomplete), %zu "
                   "violate an invariant, %zu not run (unreadable, not a program, or the "
                   "target failed)\n",
                   n_files, o.sut->name, n_rc[EXIT_CONFORMS], o.n_incomplete, n_rc[EXIT_VIOLATION],
                   n_rc[EXIT_USAGE]);
    }
    free(self);
    free(net);
    free(d);
    input_list_free(files, n_files);
    return status;
}
