/* `finfuzz check --json`: the shape DESIGN.md fixes, written with json-c so
 * that every string is escaped correctly. It streams (one flow at a time):
 * the members of each file object come in the order file, flows, packets,
 * errors, which JSON readers do not care about. */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "report.h"
#include "put.h"

/* Write one json-c value and release it. */
static void put_value(FILE *out, json_object *v)
{
    fputs(
        json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        out);
    json_object_put(v);
}

void report_json_begin(struct report_json *r, FILE *out)
{
    r->out = out;
    r->first_file = true;
    r->first_flow = true;
    fputs("{\"files\":[", out);
}

void report_json_file_begin(struct report_json *r, const char *file)
{
    if (!r->first_file)
        fputc(',', r->out);
    r->first_file = false;
    r->first_flow = true;
    fputs("{\"file\":", r->out);
    put_value(r->out, json_object_new_string(file));
    fputs(",\"flows\":[", r->out);
}

static json_object *violation_json(const struct oracle_violation *v)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "invariant", json_object_new_string(v->inv ? v->inv->id : "?"));
    json_object_object_add(o, "frame", json_object_new_int64((int64_t)v->frame));
    json_object_object_add(o, "endpoint", json_object_new_string(v->endpoint == EP_A ? "A" : "B"));
    json_object_object_add(o, "message", json_object_new_string(v->message));
    /* Extra members (the contract allows adding, never renaming). */
    json_object_object_add(o, "rfc", json_object_new_string(v->inv ? v->inv->rfc : ""));
    json_object_object_add(o, "expected", json_object_new_string(v->expected));
    json_object_object_add(o, "seen", json_object_new_string(v->seen));
    return o;
}

/* True if json-c would write s between quotes as it is (printable ASCII
 * without '"' or '\\'; '/' is not escaped here): flow names always are. */
static bool json_plain(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\')
            return false;
    return true;
}

/* A flow without violations, written as json-c writes the object below
 * (same members, order and number format) but without building it: a large
 * capture reports hundreds of thousands of these. Returns false (nothing
 * written) when the fast path does not apply. */
static bool flow_json_plain(FILE *out, const struct report_flow *f)
{
    if (f->nviolations || strlen(f->name) > 256 || !json_plain(f->name) ||
        f->violations_total > INT64_MAX || f->first_frame > INT64_MAX ||
        f->last_frame > INT64_MAX || f->segments > INT64_MAX)
        return false;
    char line[256 + 256]; /* the name, then at most 197 bytes */
    char *p = put_str(line, "{\"flow\":\"");
    p = put_str(p, f->name);
    p = put_str(p, "\",\"verdict\":\"");
    p = put_str(p, oracle_verdict_name(f->verdict));
    p = put_u64(put_str(p, "\",\"violations\":[],\"violations_total\":"), f->violations_total);
    p = put_u64(put_str(p, ",\"incarnation\":"), f->incarnation);
    p = put_u64(put_str(p, ",\"first_frame\":"), f->first_frame);
    p = put_u64(put_str(p, ",\"last_frame\":"), f->last_frame);
    p = put_u64(put_str(p, ",\"segments\":"), f->segments);
    *p++ = '}';
    fwrite(line, 1, (size_t)(p - line), out);
    return true;
}

void report_json_flow(struct report_json *r, const struct report_flow *f)
{
    if (!r->first_flow)
        fputc(',', r->out);
    r->first_flow = false;
    if (flow_json_plain(r->out, f))
        return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "flow", json_object_new_string(f->name));
    json_object_object_add(o, "verdict", json_object_new_string(oracle_verdict_name(f->verdict)));
    json_object *vs = json_object_new_array();
    for (size_t i = 0; i < f->nviolations; i++)
        json_object_array_add(vs, violation_json(&f->violations[i]));
    json_object_object_add(o, "violations", vs);
    json_object_object_add(o, "violations_total",
                           json_object_new_int64((int64_t)f->violations_total));
    json_object_object_add(o, "incarnation", json_object_new_int64(f->incarnation));
    json_object_object_add(o, "first_frame", json_object_new_int64((int64_t)f->first_frame));
    json_object_object_add(o, "last_frame", json_object_new_int64((int64_t)f->last_frame));
    json_object_object_add(o, "segments", json_object_new_int64((int64_t)f->segments));
    put_value(r->out, o);
}

void report_json_file_end(struct report_json *r, const struct report_file_end *e)
{
    fprintf(r->out, "],\"packets\":%llu,\"errors\":", (unsigned long long)e->packets);
    json_object *errs = json_object_new_array();
    for (size_t i = 0; i < e->nerrors; i++)
        json_object_array_add(errs, json_object_new_string(e->errors[i]));
    if (e->errors_dropped) {
        char more[96];
        snprintf(more, sizeof more, "... and %zu more errors in this file", e->errors_dropped);
        json_object_array_add(errs, json_object_new_string(more));
    }
    put_value(r->out, errs);
    fputc('}', r->out);
}

void report_json_end(struct report_json *r, const char *profile, uint64_t msl_usecs)
{
    fputs("],\"profile\":", r->out);
    put_value(r->out, json_object_new_string(profile));
    fprintf(r->out, ",\"msl_usecs\":%llu}\n", (unsigned long long)msl_usecs);
}
