/* `finfuzz check --junit FILE`: a JUnit XML report for CI dashboards, one
 * <testsuite> per capture and one <testcase> per flow, written with libxml2's
 * xmlTextWriter so that names and messages are escaped correctly. A failing
 * flow carries a <failure> listing its violations; an incomplete one is
 * <skipped> (the capture did not show enough to judge it). It streams, so
 * the suites carry no counts up front; CI tools count the test cases. */
#include <libxml/xmlwriter.h>
#include <string.h>

#include "report.h"

#define W(r) ((xmlTextWriterPtr)(r)->writer)

static void check(struct report_junit *r, int rc)
{
    if (rc < 0)
        r->failed = true;
}

bool report_junit_begin(struct report_junit *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    xmlTextWriterPtr w = xmlNewTextWriterFilename(path, 0);
    if (!w) {
        snprintf(err, errlen, "--junit %s: cannot open for writing", path);
        return false;
    }
    r->writer = w;
    xmlTextWriterSetIndent(w, 1);
    check(r, xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
    check(r, xmlTextWriterStartElement(w, BAD_CAST "testsuites"));
    check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "finfuzz check"));
    return true;
}

void report_junit_file_begin(struct report_junit *r, const char *file)
{
    r->file = file;
    check(r, xmlTextWriterStartElement(W(r), BAD_CAST "testsuite"));
    check(r, xmlTextWriterWriteAttribute(W(r), BAD_CAST "name", BAD_CAST file));
}

void report_junit_flow(struct report_junit *r, const struct report_flow *f)
{
    xmlTextWriterPtr w = W(r);
    char name[160];
    if (f->incarnation > 1)
        snprintf(name, sizeof name, "%s #%u", f->name, f->incarnation);
    else
        snprintf(name, sizeof name, "%s", f->name);
    check(r, xmlTextWriterStartElement(w, BAD_CAST "testcase"));
    check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST r->file));
    check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name));
    if (f->verdict == VERDICT_FAIL) {
        char msg[256];
        const struct oracle_violation *v0 = f->nviolations ? &f->violations[0] : NULL;
        snprintf(msg, sizeof msg, "%zu violation(s); first: %s at frame %llu", f->violations_total,
                 v0 && v0->inv ? v0->inv->id : "?", v0 ? (unsigned long long)v0->frame : 0ull);
        check(r, xmlTextWriterStartElement(w, BAD_CAST "failure"));
        check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg));
        check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "type",
                                             BAD_CAST(v0 && v0->inv ? v0->inv->id : "violation")));
        for (size_t i = 0; i < f->nviolations; i++) {
            const struct oracle_violation *v = &f->violations[i];
            check(r, xmlTextWriterWriteFormatString(
                         w, "frame %llu endpoint %s %s (%s): %s\n", (unsigned long long)v->frame,
                         v->endpoint == 0 ? "A" : "B", v->inv ? v->inv->id : "?",
                         v->inv ? v->inv->rfc : "", v->message));
        }
        check(r, xmlTextWriterEndElement(w));
    } else if (f->verdict == VERDICT_INCOMPLETE) {
        check(r, xmlTextWriterStartElement(w, BAD_CAST "skipped"));
        check(r, xmlTextWriterWriteAttribute(
                     w, BAD_CAST "message",
                     BAD_CAST "incomplete: the capture does not show enough of the close"));
        check(r, xmlTextWriterEndElement(w));
    }
    check(r, xmlTextWriterEndElement(w));
}

void report_junit_file_end(struct report_junit *r, const struct report_file_end *e)
{
    xmlTextWriterPtr w = W(r);
    if (e->nerrors) {
        /* Reading problems are failures of the file, not of a flow. */
        check(r, xmlTextWriterStartElement(w, BAD_CAST "testcase"));
        check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST r->file));
        check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "reading the capture"));
        check(r, xmlTextWriterStartElement(w, BAD_CAST "error"));
        check(r, xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST e->errors[0]));
        for (size_t i = 0; i < e->nerrors; i++)
            check(r, xmlTextWriterWriteFormatString(w, "%s\n", e->errors[i]));
        if (e->errors_dropped)
            check(r, xmlTextWriterWriteFormatString(w, "... and %zu more\n", e->errors_dropped));
        check(r, xmlTextWriterEndElement(w));
        check(r, xmlTextWriterEndElement(w));
    }
    /* <properties> would have to come first; a streamed suite ends with
     * <system-out> instead, which the schema allows after the test cases. */
    check(r, xmlTextWriterWriteFormatElement(w, BAD_CAST "system-out", "%llu packets",
                                             (unsigned long long)e->packets));
    check(r, xmlTextWriterEndElement(w)); /* testsuite */
}

bool report_junit_end(struct report_junit *r)
{
    if (!r->writer)
        return false;
    check(r, xmlTextWriterEndDocument(W(r))); /* closes every open element */
    xmlFreeTextWriter(W(r));
    r->writer = NULL;
    return !r->failed;
}
