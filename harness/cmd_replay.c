/* finfuzz replay: replay one side of each captured TCP flow against a live
 * stack and judge what it answers (DESIGN.md "The command": the options, the
 * exit codes and the --json shape are a contract).
 *
 *   finfuzz replay --target model|lwip|linux [--json] [--pcap OUT]
 *                  [--profile P] [--side A|B] FILE.pcap
 *
 * The engine is replay.c. The target plays endpoint A of each flow (the side
 * that sent the first SYN) unless --side B. The oracle judges the target
 * only, with the profile named for it by default (model: rfc9293, lwip: lwip,
 * linux: linux). Exit 0: every replayed flow conforms; 1: the target broke
 * an invariant; 2: bad usage, an unreadable capture, or a target that could
 * not be opened at all (e.g. linux without root). */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pcap_writer.h"
#include "replay.h"
#include "sut_registry.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: finfuzz replay --target model|lwip|linux [--json] [--pcap OUT]\n"
                 "                      [--profile P] [--side A|B] FILE.pcap\n\n"
                 "Replay one side of each TCP flow in a capture against a live stack and check\n"
                 "its answers with the oracle; report where it answered differently from the\n"
                 "captured stack.\n\n"
                 "  --target T     model, lwip (in-process) or linux (the kernel through TUN in\n"
                 "                 a private network namespace; needs root)\n"
                 "  --json         one JSON object on stdout\n"
                 "  --pcap OUT     write the live exchange (both directions) as a pcap\n"
                 "  --profile P    rfc9293, rfc1337, linux or lwip (default: the target's own:\n"
                 "                 model rfc9293, lwip lwip, linux linux)\n"
                 "  --side A|B     which captured endpoint the target plays (default A, the\n"
                 "                 side that sent the first SYN)\n\n"
                 "Violation frames point into FILE.pcap for the replayed side's segments and are\n"
                 "0 for the target's own; difference frames are captured frames.\n"
                 "Exit: 0 the target conforms, 1 a violation, 2 bad usage or unreadable input.\n");
}

static json_object *violations_json(const struct oracle *o)
{
    json_object *arr = json_object_new_array();
    size_t n = 0;
    const struct oracle_violation *v = oracle_violations(o, &n);
    for (size_t i = 0; i < n; i++) {
        json_object *jv = json_object_new_object();
        json_object_object_add(jv, "invariant",
                               json_object_new_string(v[i].inv ? v[i].inv->id : "?"));
        json_object_object_add(jv, "frame", json_object_new_int64((int64_t)v[i].frame));
        json_object_object_add(jv, "endpoint",
                               json_object_new_string(v[i].endpoint == EP_A ? "A" : "B"));
        json_object_object_add(jv, "message", json_object_new_string(v[i].message));
        json_object_array_add(arr, jv);
    }
    return arr;
}

static json_object *differences_json(const struct replay_result *r)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < r->ndiffs; i++) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "frame", json_object_new_int64((int64_t)r->diffs[i].frame));
        json_object_object_add(d, "expected", json_object_new_string(r->diffs[i].expected));
        json_object_object_add(d, "got", json_object_new_string(r->diffs[i].got));
        json_object_array_add(arr, d);
    }
    return arr;
}

static void print_flow_text(const struct replay_flow *f, const struct replay_result *r)
{
    static const char *const tags[] = {"PASS", "FAIL", "INCOMPLETE"};
    printf("  %-10s %s", r->skipped ? "SKIPPED" : tags[r->verdict], f->name);
    if (f->incarnation > 1)
        printf(" #%u", f->incarnation);
    printf(" (%zu captured segments, %u from the target)", f->n, r->target_segments);
    if (r->skipped)
        printf(": %s", r->error);
    putchar('\n');
    size_t n = 0;
    const struct oracle_violation *v = oracle_violations(r->oracle, &n);
    for (size_t i = 0; i < n; i++) {
        printf("      frame %" PRIu64 ", endpoint %s: %s [%s]: %s", v[i].frame,
               v[i].endpoint == EP_A ? "A" : "B", v[i].inv ? v[i].inv->id : "?",
               v[i].inv ? v[i].inv->rfc : "", v[i].message);
        if (v[i].expected[0] || v[i].seen[0])
            printf(" (expected %s, seen %s)", v[i].expected, v[i].seen);
        putchar('\n');
    }
    for (size_t i = 0; i < r->ndiffs; i++)
        printf("      differs at frame %" PRIu64 ": captured %s, target %s\n", r->diffs[i].frame,
               r->diffs[i].expected, r->diffs[i].got);
    if (r->diffs_total > r->ndiffs)
        printf("      ... and %zu more differences\n", r->diffs_total - r->ndiffs);
}

int cmd_replay(int argc, char **argv)
{
    const char *target = NULL, *pcap_out = NULL, *profile_name = NULL;
    bool json = false;
    uint8_t side = EP_A;
    static const struct option longopts[] = {{"target", required_argument, NULL, 't'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"pcap", required_argument, NULL, 'p'},
                                             {"profile", required_argument, NULL, 'P'},
                                             {"side", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "t:jp:P:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            target = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'p':
            pcap_out = optarg;
            break;
        case 'P':
            profile_name = optarg;
            break;
        case 's':
            if (!strcmp(optarg, "A") || !strcmp(optarg, "a")) {
                side = EP_A;
            } else if (!strcmp(optarg, "B") || !strcmp(optarg, "b")) {
                side = EP_B;
            } else {
                fprintf(stderr, "finfuzz replay: --side must be A or B\n");
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_CONFORMS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!target || optind != argc - 1) {
        fprintf(stderr, "finfuzz replay: %s\n",
                !target ? "--target is required" : "exactly one capture file is required");
        usage(stderr);
        return EXIT_USAGE;
    }
    const struct sut_entry *entry = sut_registry_find(target);
    if (!entry) {
        fprintf(stderr, "finfuzz replay: unknown target '%s' (model, lwip, linux)\n", target);
        return EXIT_USAGE;
    }
    struct replay_options opt = {.ops = entry->ops, .target_ep = side};
    oracle_config_default(&opt.cfg);
    if (profile_name) {
        if (!oracle_profile_parse(profile_name, &opt.cfg.profile)) {
            fprintf(stderr,
                    "finfuzz replay: unknown profile '%s' (rfc9293, rfc1337, linux, lwip)\n",
                    profile_name);
            return EXIT_USAGE;
        }
    } else if (!strcmp(entry->name, "lwip")) {
        opt.cfg.profile = PROFILE_LWIP;
    } else if (!strcmp(entry->name, "linux")) {
        opt.cfg.profile = PROFILE_LINUX;
    }
    if (!strcmp(entry->name, "lwip")) {
        opt.cfg.msl_usecs = 60ull * 1000 * 1000; /* Debian's TCP_MSL */
        /* lwIP's timers tick every 500 ms (TCP_SLOW_INTERVAL) and TIME-WAIT
         * ends on the first tick after 240 of them: up to one tick late. */
        opt.cfg.timer_slack_usecs = 500ull * 1000 + 10000;
    }
    /* Virtual targets get time for every timer (lwIP's TIME-WAIT is 120 s);
     * the kernel gets what its delayed ACKs and first retransmission need. */
    opt.tail_usecs = entry->ops->real_time ? 600ull * 1000 : 2 * opt.cfg.msl_usecs + 10000000ull;

    struct replay_capture cap;
    char err[512];
    if (!replay_load(argv[optind], &cap, err, sizeof err)) {
        fprintf(stderr, "finfuzz replay: %s\n", err);
        return EXIT_USAGE;
    }
    struct pcap_writer writer;
    struct ev_sink writer_sink;
    if (pcap_out) {
        if (pcap_writer_open(&writer, pcap_out, err, sizeof err) != 0) {
            fprintf(stderr, "finfuzz replay: %s\n", err);
            replay_capture_free(&cap);
            return EXIT_USAGE;
        }
        writer_sink = pcap_writer_sink(&writer);
        opt.extra = &writer_sink;
        opt.n_extra = 1;
    }
    opt.self = calloc(1, entry->self_size);
    if (!opt.self) {
        fprintf(stderr, "finfuzz replay: out of memory\n");
        replay_capture_free(&cap);
        return EXIT_USAGE;
    }

    int rc = EXIT_CONFORMS;
    json_object *root = NULL, *flows = NULL;
    if (json) {
        root = json_object_new_object();
        json_object_object_add(root, "target", json_object_new_string(entry->name));
        flows = json_object_new_array();
        json_object_object_add(root, "flows", flows);
    } else {
        printf("%s: %zu flows replayed against %s (profile %s, target plays %s)\n", argv[optind],
               cap.n, entry->name, oracle_profile_name(opt.cfg.profile), side == EP_A ? "A" : "B");
    }
    /* Virtual targets (model, lwIP) run one flow after another; a real-time
     * target (linux) runs every flow at once on the capture's clock. */
    struct replay_result *results = calloc(cap.n ? cap.n : 1, sizeof *results);
    bool oom = !results;
    if (!oom && entry->ops->real_time) {
        oom = replay_all(&opt, entry->self_size, &cap, results) != 0;
    } else {
        for (size_t i = 0; !oom && i < cap.n; i++)
            oom = replay_flow(&opt, &cap, &cap.flows[i], &results[i]) != 0;
    }
    if (oom) {
        fprintf(stderr, "finfuzz replay: out of memory\n");
        rc = EXIT_USAGE;
    }
    size_t opened = 0, cannot_run = 0;
    for (size_t i = 0; !oom && i < cap.n; i++) {
        struct replay_result *res = &results[i];
        if (!res->skipped)
            opened++;
        else if (strstr(res->error, "needs root") || strstr(res->error, "cannot load") ||
                 strstr(res->error, "/dev/net/tun"))
            cannot_run++;
        if (res->skipped && !json)
            fprintf(stderr, "finfuzz replay: %s: %s\n", cap.flows[i].name, res->error);
        if (!res->skipped && res->verdict == VERDICT_FAIL && rc == EXIT_CONFORMS)
            rc = EXIT_VIOLATION;
        if (json) {
            json_object *jf = json_object_new_object();
            json_object_object_add(jf, "flow", json_object_new_string(cap.flows[i].name));
            json_object_object_add(jf, "verdict",
                                   json_object_new_string(oracle_verdict_name(res->verdict)));
            json_object_object_add(jf, "violations", violations_json(res->oracle));
            json_object_object_add(jf, "differences", differences_json(res));
            json_object_object_add(jf, "running_at_open",
                                   json_object_new_int64((int64_t)res->running_at_open));
            json_object_array_add(flows, jf);
        } else {
            print_flow_text(&cap.flows[i], res);
        }
    }
    for (size_t i = 0; results && i < cap.n; i++)
        replay_result_free(&results[i]);
    free(results);
    if (opened == 0 && cannot_run > 0) /* the target cannot run here at all */
        rc = EXIT_USAGE;
    if (json) {
        fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN), stdout);
        fputc('\n', stdout);
        json_object_put(root);
    }
    if (pcap_out && pcap_writer_close(&writer, err, sizeof err) != 0) {
        fprintf(stderr, "finfuzz replay: %s\n", err);
        rc = EXIT_USAGE;
    }
    free(opt.self);
    replay_capture_free(&cap);
    return rc;
}
