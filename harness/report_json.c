/* `finfuzz check --json`: the shape DESIGN.md fixes, written with json-c so
 * that every string is escaped correctly. It streams (one flow at a time):
 * the members of each file object come in the order file, flows, packets,
 * errors, which JSON readers do not care about. */
#include <json-c/json.h>

#include "report.h"

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

void report_json_flow(struct report_json *r, const struct report_flow *f)
{
    if (!r->first_flow)
        fputc(',', r->out);
    r->first_flow = false;
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
