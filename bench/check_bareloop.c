/* The baseline of bench_check.sh: the least a libpcap reader can do, a
 * pcap_next_ex loop over the file, opened exactly as finfuzz check opens it
 * (check_path: fopen, a CHECK_READ_BUFFER_BYTES stdio buffer, then
 * pcap_fopen_offline with nanosecond precision), so that the ratio measures
 * what checking adds and not a difference in I/O buffering. Sums the
 * captured bytes so the loop cannot be optimised away. Prints the packet
 * count. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#define READ_BUFFER_BYTES (64u * 1024) /* = CHECK_READ_BUFFER_BYTES in harness/check.c */

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: check_bareloop FILE\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 2;
    }
    char *buf = malloc(READ_BUFFER_BYTES);
    if (buf && setvbuf(fp, buf, _IOFBF, READ_BUFFER_BYTES) != 0) {
        free(buf);
        buf = NULL;
    }
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "check_bareloop: %s\n", err);
        fclose(fp);
        free(buf);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long packets = 0, bytes = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        packets++;
        bytes += h->caplen + d[h->caplen ? h->caplen - 1 : 0];
    }
    pcap_close(p); /* closes fp */
    free(buf);
    printf("%llu packets (%llu)\n", packets, bytes);
    return 0;
}
