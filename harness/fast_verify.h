/* Whether the checker's fast paths check themselves.
 *
 * `finfuzz check` takes shortcuts for the records and segments that make up
 * almost all of a capture (capture.c: plain Ethernet/IPv4/TCP decoding;
 * oracle_fast.c: the handshake, in-order data and ACKs, and the close). Each
 * shortcut must give exactly what the general path gives. In sanitizer builds
 * (`make test`, every fuzz target) FINFUZZ_VERIFY_FAST is 1: every shortcut
 * taken is redone the general way and compared, and a difference aborts, so
 * the tests and the pcap_check fuzz target prove them on every input they
 * run. Release builds skip the comparison. */
#ifndef FINFUZZ_FAST_VERIFY_H
#define FINFUZZ_FAST_VERIFY_H

#if defined(__SANITIZE_ADDRESS__) || defined(FINFUZZ_FORCE_VERIFY_FAST)
#define FINFUZZ_VERIFY_FAST 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define FINFUZZ_VERIFY_FAST 1
#endif
#endif
#ifndef FINFUZZ_VERIFY_FAST
#define FINFUZZ_VERIFY_FAST 0
#endif

#endif
