/* Machine-readable reports of `finfuzz check`: JSON (json-c) and JUnit XML
 * (libxml2's xmlTextWriter). Both stream: a flow is written as soon as it is
 * judged and nothing is kept per flow, so memory stays bounded by the open
 * flows however long the capture is. Libraries do the escaping.
 *
 * Call order: begin, then per file file_begin, flow*, file_end, then end. */
#ifndef FINFUZZ_REPORT_H
#define FINFUZZ_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "oracle.h"

/* One judged flow, as the reports show it. */
struct report_flow {
    const char *name;     /* "A:port-B:port" */
    unsigned incarnation; /* 1 for the first connection on its 4-tuple */
    enum oracle_verdict verdict;
    const struct oracle_violation *violations;
    size_t nviolations;      /* kept (at most ORACLE_MAX_VIOLATIONS) */
    size_t violations_total; /* found */
    uint64_t first_frame, last_frame, segments;
};

/* One file's totals, given at its end. errors are the "FILE: frame N: ..."
 * lines collected while reading it. */
struct report_file_end {
    uint64_t packets; /* frames in the file */
    const char *const *errors;
    size_t nerrors;
    size_t errors_dropped; /* beyond what was kept */
};

/* ---- JSON: the shape DESIGN.md fixes for `finfuzz check --json` ---- */
struct report_json {
    FILE *out;
    bool first_file, first_flow;
};

void report_json_begin(struct report_json *r, FILE *out);
void report_json_file_begin(struct report_json *r, const char *file);
void report_json_flow(struct report_json *r, const struct report_flow *f);
void report_json_file_end(struct report_json *r, const struct report_file_end *e);
/* Also writes the profile and MSL that judged, and the totals. */
void report_json_end(struct report_json *r, const char *profile, uint64_t msl_usecs);

/* ---- JUnit XML: one testsuite per file, one testcase per flow ---- */
struct report_junit {
    void *writer; /* xmlTextWriterPtr */
    const char *file;
    bool failed; /* the writer reported an error */
};

/* Opens path for writing; false (with a reason in err) if it cannot. */
bool report_junit_begin(struct report_junit *r, const char *path, char *err, size_t errlen);
void report_junit_file_begin(struct report_junit *r, const char *file);
void report_junit_flow(struct report_junit *r, const struct report_flow *f);
void report_junit_file_end(struct report_junit *r, const struct report_file_end *e);
/* Closes the file; false if anything could not be written. */
bool report_junit_end(struct report_junit *r);

#endif
