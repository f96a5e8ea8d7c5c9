/* The baseline of bench_check.sh: the least a libpcap reader can do, a
 * pcap_next_ex loop over the file (opened as finfuzz opens it, nanosecond
 * precision), summing the captured bytes so the loop cannot be optimised
 * away. Prints the packet count. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: check_bareloop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "check_bareloop: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long packets = 0, bytes = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        packets++;
        bytes += h->caplen + d[h->caplen ? h->caplen - 1 : 0];
    }
    pcap_close(p);
    printf("%llu packets (%llu)\n", packets, bytes);
    return 0;
}
