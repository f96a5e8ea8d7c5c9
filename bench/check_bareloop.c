/* The baseline of bench_check.sh: the least a libpcap reader can do, a
 * pcap_next_ex loop over the file, opened exactly as finfuzz check opens it
 * (check_path: fopen, a CHECK_READ_BUFFER_BYTES stdio buffer, then
 * check_stream: stdio locking off and pcap_fopen_offline with nanosecond
 * precision), so that the ratio measures what checking adds and not a
 * difference in I/O setup. Sums the
 * captured bytes so the loop cannot be optimised away. Prints the packet
 * count.
 *
 * usage: check_bareloop [--dispatch] FILE
 * --dispatch reads with libpcap's own loop (pcap_dispatch) instead, as
 * finfuzz check does; bench_check.sh prints it for information, since that
 * loop costs libpcap less per record than pcap_next_ex. */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUFFER_BYTES (64u * 1024) /* = CHECK_READ_BUFFER_BYTES in harness/check.c */

struct bare_counts {
    unsigned long long packets, bytes;
};

static void count_record(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
    struct bare_counts *n = (struct bare_counts *)(void *)user;
    n->packets++;
    n->bytes += h->caplen + d[h->caplen ? h->caplen - 1 : 0];
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    bool dispatch = argc == 3 && strcmp(argv[1], "--dispatch") == 0;
    if (argc != 2 + dispatch) {
        fprintf(stderr, "usage: check_bareloop [--dispatch] FILE\n");
        return 2;
    }
    const char *path = argv[1 + dispatch];
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return 2;
    }
    char *buf = malloc(READ_BUFFER_BYTES);
    if (buf && setvbuf(fp, buf, _IOFBF, READ_BUFFER_BYTES) != 0) {
        free(buf);
        buf = NULL;
    }
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "check_bareloop: %s\n", err);
        fclose(fp);
        free(buf);
        return 2;
    }
    struct bare_counts n = {0, 0};
    if (dispatch) {
        while (pcap_dispatch(p, -1, count_record, (u_char *)&n) > 0)
            continue;
    } else {
        struct pcap_pkthdr *h;
        const u_char *d;
        while (pcap_next_ex(p, &h, &d) == 1)
            count_record((u_char *)&n, h, d);
    }
    pcap_close(p); /* closes fp */
    free(buf);
    printf("%llu packets (%llu)\n", n.packets, n.bytes);
    return 0;
}
