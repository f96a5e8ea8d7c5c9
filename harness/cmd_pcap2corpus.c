/* finfuzz pcap2corpus: turn captured TCP flows into fuzz inputs (program.h)
 * for the close_endpoint target, so that real traffic seeds the fuzzer.
 *
 * Read DESIGN.md "Fuzz input" and harness/program.h first. A program drives
 * one system under test (A in the program) with segments from its peer. Any
 * captured endpoint can play that role, so each flow gives two inputs by
 * default, one per side (--side picks one):
 *
 * - the other side's segments become SEG operations, their sequence and
 *   acknowledgment numbers written as offsets from what the system under
 *   test expects, exactly as the driver reads them: seq from the last ACK
 *   the captured side had sent (else from the peer's own next number), ack
 *   from the captured side's highest sequence number sent. Offsets too large
 *   for a byte use the format's power-of-two shift; payloads are capped at
 *   255 bytes (the format's limit), which the offsets absorb;
 * - the captured side's own behaviour becomes application calls: connect if
 *   it sent the first SYN (else listen), a send of each run of new data, a
 *   read of everything and shutdown(SHUT_WR) before its first FIN, an abort
 *   for an RST sent before any FIN;
 * - the time between segments becomes CLOCK operations (ms, 100 ms or s
 *   steps, to the millisecond).
 *
 * Flows that do not begin with a SYN in the capture are skipped (the system
 * under test must open the connection itself). A program holds at most
 * PROGRAM_MAX_OPS operations: longer flows are cut there (said in the
 * summary). Files are named FILE-FLOW[-N]-sut-A.bin / -sut-B.bin, from the
 * capture's base name and the flow's endpoints (N: incarnation > 1). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../stack/seq.h"
#include "capture.h"
#include "commands.h"
#include "flows.h"
#include "program.h"

#define MSEC 1000ull
#define SEC  1000000ull

/* One program under construction: the flow seen with side `sut` under test. */
struct side_prog {
    struct program prog;
    bool truncated; /* PROGRAM_MAX_OPS reached */
    bool time_known;
    uint64_t last_usecs;      /* capture time of the last segment */
    uint64_t clock_rem_usecs; /* time not yet written (below 1 ms) */
    bool sut_acked;           /* the side under test sent an ACK */
    uint32_t sut_last_ack;
    bool sut_sent;
    uint32_t sut_max; /* its highest seq + len sent */
    bool sut_fin;     /* its FIN was seen */
    bool peer_sent;
    uint32_t peer_nxt;            /* the peer's highest seq + len sent */
    bool unread;                  /* peer data since the last APP_RECV */
    bool sut_wscale, peer_wscale; /* window scale offered in each SYN */
    uint8_t peer_shift;           /* the peer's scale shift */
};

struct p2c_flow {
    struct side_prog side[2]; /* indexed by the endpoint under test */
};

struct p2c_run {
    const char *dir;
    char base[128]; /* the capture's base name without extension */
    bool want[2];   /* sides to write */
    unsigned written, skipped, truncated, failed;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: finfuzz pcap2corpus [--side a|b|both] FILE.pcap DIR\n\n"
                 "Turn each TCP flow of a capture into fuzz inputs for close_endpoint: one\n"
                 "input per side (by default both), in which that side is the system under\n"
                 "test and the other side's captured segments are the program. Flows that do\n"
                 "not start with a SYN in the capture are skipped.\n");
}

/* ---- building a program ---- */

static bool add_ok(struct side_prog *sp, bool ok)
{
    if (!ok)
        sp->truncated = true;
    return ok;
}

/* Advance the program's clock by the capture time since its last segment. */
static void add_clock(struct side_prog *sp, uint64_t now_usecs)
{
    if (!sp->time_known) {
        sp->time_known = true;
        sp->last_usecs = now_usecs;
        return;
    }
    uint64_t dt =
        sp->clock_rem_usecs + (now_usecs > sp->last_usecs ? now_usecs - sp->last_usecs : 0);
    sp->last_usecs = now_usecs;
    while (dt >= MSEC && !sp->truncated) {
        enum program_clock_unit unit;
        uint64_t step;
        if (dt >= SEC) {
            unit = PROG_CLOCK_S, step = SEC;
        } else if (dt >= 100 * MSEC) {
            unit = PROG_CLOCK_100MS, step = 100 * MSEC;
        } else {
            unit = PROG_CLOCK_MS, step = MSEC;
        }
        uint64_t n = dt / step;
        if (n > 63)
            n = 63;
        if (!add_ok(sp, program_clock(&sp->prog, unit, (uint8_t)n)))
            return;
        dt -= n * step;
    }
    sp->clock_rem_usecs = dt;
}

/* An offset the driver reads as off * 2^shift: the smallest even shift
 * that fits a signed byte (rounding toward zero beyond 2^7). */
static void to_offset(int64_t off, int8_t *v, uint8_t *shift)
{
    uint8_t s = 0;
    while (s < 30 && (off / (1ll << s) > 127 || off / (1ll << s) < -128))
        s += 2;
    int64_t q = off / (1ll << s);
    if (q > 127)
        q = 127;
    if (q < -128)
        q = -128;
    *v = (int8_t)q;
    *shift = s;
}

static uint8_t seg_opts_bits(const struct seg *s)
{
    return (uint8_t)((s->opts.has_mss ? PROG_OPT_MSS : 0) |
                     (s->opts.has_wscale ? PROG_OPT_WSCALE : 0) |
                     (s->opts.sack_permitted ? PROG_OPT_SACKP : 0) |
                     (s->opts.has_ts ? PROG_OPT_TS : 0));
}

/* A segment of the peer becomes a SEG operation. */
static void peer_segment(struct side_prog *sp, const struct seg *s)
{
    uint32_t base = sp->sut_acked ? sp->sut_last_ack : (sp->peer_sent ? sp->peer_nxt : s->seq);
    int8_t seq_off, ack_off = 0;
    uint8_t seq_shift, ack_shift = 0;
    to_offset((int32_t)(s->seq - base), &seq_off, &seq_shift);
    if ((s->flags & TCP_ACK) && sp->sut_sent)
        to_offset((int32_t)(s->ack - sp->sut_max), &ack_off, &ack_shift);
    /* The window in bytes as the captured side saw it (scaled when both
     * SYNs offered scaling, RFC 7323 §2.2; never on a SYN), written as the
     * format's window / 257, rounded up so that an open window stays open. */
    if ((s->flags & TCP_SYN) && s->opts.has_wscale) {
        sp->peer_wscale = true;
        sp->peer_shift = s->opts.wscale > 14 ? 14 : s->opts.wscale;
    }
    uint64_t bytes = s->window;
    if (!(s->flags & TCP_SYN) && sp->peer_wscale && sp->sut_wscale)
        bytes <<= sp->peer_shift;
    uint64_t wnd = (bytes + 256u) / 257u;
    uint8_t len = s->payload_len > 255 ? 255 : (uint8_t)s->payload_len;
    add_ok(sp, program_seg_full(&sp->prog, s->flags, seq_off, seq_shift, ack_off, ack_shift,
                                (uint8_t)(wnd > 255 ? 255 : wnd), len, seg_opts_bits(s)));
    uint32_t end = s->seq + seg_len(s);
    if (!(s->flags & TCP_RST) && (!sp->peer_sent || seq_gt(end, sp->peer_nxt)))
        sp->peer_nxt = end;
    sp->peer_sent = true;
    if (s->payload_len)
        sp->unread = true;
}

/* A segment of the side under test becomes the application calls behind it. */
static void sut_segment(struct side_prog *sp, const struct seg *s)
{
    if ((s->flags & TCP_SYN) && !(s->flags & TCP_ACK) && !sp->sut_sent && !sp->peer_sent)
        sp->prog.flags |= PROG_F_ACTIVE;
    if ((s->flags & TCP_SYN) && s->opts.has_wscale)
        sp->sut_wscale = true;
    uint32_t data_start = s->seq + ((s->flags & TCP_SYN) ? 1u : 0u);
    uint32_t data_end = data_start + s->payload_len;
    if (s->payload_len && sp->sut_sent && seq_gt(data_end, sp->sut_max) && !(s->flags & TCP_RST)) {
        uint32_t fresh = data_end - (seq_gt(sp->sut_max, data_start) ? sp->sut_max : data_start);
        while (fresh > 0 && !sp->truncated) {
            uint32_t chunk = fresh > 255u * 16u ? 255u * 16u : fresh;
            add_ok(sp, program_app(&sp->prog, EP_A, APP_SEND, (uint8_t)((chunk + 15) / 16)));
            fresh -= chunk;
        }
    }
    if ((s->flags & TCP_FIN) && !sp->sut_fin) {
        sp->sut_fin = true;
        if (sp->unread)
            add_ok(sp, program_app(&sp->prog, EP_A, APP_RECV, 0));
        sp->unread = false;
        add_ok(sp, program_app(&sp->prog, EP_A, APP_SHUTDOWN, 0));
    }
    if ((s->flags & TCP_RST) && !sp->sut_fin)
        add_ok(sp, program_app(&sp->prog, EP_A, APP_ABORT, 0));
    uint32_t end = s->seq + seg_len(s);
    if (!(s->flags & TCP_RST)) {
        if (!sp->sut_sent || seq_gt(end, sp->sut_max))
            sp->sut_max = end;
        sp->sut_sent = true;
        if (s->flags & TCP_ACK) {
            sp->sut_acked = true;
            sp->sut_last_ack = s->ack;
        }
    }
}

/* ---- flow hooks ---- */

static void *p2c_open(void *ctx, struct flow *f)
{
    (void)ctx;
    struct p2c_flow *pf = calloc(1, sizeof *pf);
    if (!pf)
        return NULL;
    for (int ep = 0; ep < 2; ep++)
        program_init(&pf->side[ep].prog, f->key.version == 6 ? PROG_F_IPV6 : 0,
                     (uint32_t)(f->id * 2 + (unsigned)ep + 1));
    return pf;
}

static void p2c_segment(void *ctx, struct flow *f, uint8_t ep, const struct cap_segment *cs)
{
    struct p2c_run *run = ctx;
    struct p2c_flow *pf = f->user;
    for (uint8_t sut = 0; sut < 2; sut++) {
        struct side_prog *sp = &pf->side[sut];
        if (!run->want[sut] || sp->truncated)
            continue;
        add_clock(sp, cs->time_usecs);
        if (ep == sut)
            sut_segment(sp, &cs->seg);
        else
            peer_segment(sp, &cs->seg);
    }
}

static void file_safe(char *s)
{
    for (; *s; s++)
        if (*s == ':' || *s == '[' || *s == ']' || *s == '/')
            *s = '_';
}

static void p2c_finish(void *ctx, struct flow *f, uint64_t end_usecs, enum flow_end why)
{
    struct p2c_run *run = ctx;
    struct p2c_flow *pf = f->user;
    (void)end_usecs, (void)why;
    if (!f->saw_syn) {
        run->skipped++;
    } else {
        char name[FLOW_NAME_MAX];
        flow_name(f, name);
        file_safe(name);
        for (uint8_t sut = 0; sut < 2; sut++) {
            if (!run->want[sut])
                continue;
            struct side_prog *sp = &pf->side[sut];
            uint8_t bytes[PROGRAM_MAX_BYTES];
            size_t n = program_encode(&sp->prog, bytes, sizeof bytes);
            char path[1024], inc[16] = "";
            if (f->incarnation > 1)
                snprintf(inc, sizeof inc, "-%u", f->incarnation);
            snprintf(path, sizeof path, "%s/%s-%s%s-sut-%c.bin", run->dir, run->base, name, inc,
                     sut == EP_A ? 'A' : 'B');
            FILE *out = n ? fopen(path, "wb") : NULL;
            if (!out || fwrite(bytes, 1, n, out) != n || fclose(out) != 0) {
                fprintf(stderr, "finfuzz pcap2corpus: %s: %s\n", path,
                        n ? strerror(errno) : "could not encode");
                run->failed++;
                continue;
            }
            run->written++;
            if (sp->truncated)
                run->truncated++;
        }
    }
    free(pf);
    f->user = NULL;
}

/* ---- the command ---- */

int cmd_pcap2corpus(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"side", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct p2c_run run;
    memset(&run, 0, sizeof run);
    run.want[EP_A] = run.want[EP_B] = true;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!strcmp(optarg, "a") || !strcmp(optarg, "A")) {
                run.want[EP_B] = false;
            } else if (!strcmp(optarg, "b") || !strcmp(optarg, "B")) {
                run.want[EP_A] = false;
            } else if (strcmp(optarg, "both") != 0) {
                fprintf(stderr, "finfuzz pcap2corpus: --side wants a, b or both, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_CONFORMS;
        default:
            fprintf(stderr, "finfuzz pcap2corpus: bad usage (try finfuzz pcap2corpus --help)\n");
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "finfuzz pcap2corpus: want FILE.pcap DIR (try --help)\n");
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    run.dir = argv[optind + 1];
    if (mkdir(run.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "finfuzz pcap2corpus: %s: %s\n", run.dir, strerror(errno));
        return EXIT_USAGE;
    }
    const char *slash = strrchr(path, '/');
    snprintf(run.base, sizeof run.base, "%s", slash ? slash + 1 : path);
    char *dot = strrchr(run.base, '.');
    if (dot && dot != run.base)
        *dot = '\0';
    file_safe(run.base);

    struct cap_reader r;
    char err[320], note[320];
    if (!cap_open(&r, path, err, sizeof err)) {
        fprintf(stderr, "finfuzz pcap2corpus: %s\n", err);
        return EXIT_USAGE;
    }
    struct flow_hooks hooks = {&run, p2c_open, p2c_segment, p2c_finish};
    struct flow_table t;
    /* Keep flows until the end: a program is written when its flow ends. */
    flows_init(&t, &hooks, UINT64_MAX / 4, 0);
    struct cap_segment cs;
    enum cap_status st;
    int rc = EXIT_CONFORMS;
    while ((st = cap_next(&r, &cs, note, sizeof note)) != CAP_EOF) {
        if (note[0])
            fprintf(stderr, "finfuzz pcap2corpus: %s\n", note);
        if (st == CAP_ERROR) {
            rc = EXIT_USAGE;
            break;
        }
        if (st == CAP_SEGMENT && flows_segment(&t, &cs) == FLOW_WARN_NOMEM)
            rc = EXIT_USAGE;
    }
    flows_finish_all(&t, t.last_usecs);
    flows_free(&t);
    cap_close(&r);
    printf("%s: wrote %u inputs to %s", path, run.written, run.dir);
    if (run.skipped)
        printf("; %u flows skipped (no SYN in the capture)", run.skipped);
    if (run.truncated)
        printf("; %u inputs cut at %u operations", run.truncated, PROGRAM_MAX_OPS);
    printf("\n");
    if (run.failed)
        rc = EXIT_USAGE;
    return rc;
}
