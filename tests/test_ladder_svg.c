/* The SVG ladder diagram: well-formed XML (parsed with libxml2), one arrow
 * per segment, lost segments dashed with an X, the violating segment red
 * with its invariant id, and text escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "harness/ladder_svg.h"
#include "harness/oracle.h"
#include "tests/support/evtrace.h"

#define MS 1000ull

static struct ladder_svg ladder; /* large: keep it off the stack */

static char *render(const struct evtrace *t, const struct oracle_config *cfg, const char *title,
                    size_t *len)
{
    static struct oracle o;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    oracle_init(&o, cfg);
    ladder_init(&ladder, f, &o, title);
    for (size_t i = 0; i < t->n; i++) {
        oracle_push(&o, i, &t->evs[i]);
        ladder_push(&ladder, i, &t->evs[i]);
    }
    oracle_finish(&o, t->evs[t->n - 1].time_usecs);
    assert_true(ladder_finish(&ladder));
    fclose(f);
    return buf;
}

struct counts {
    unsigned arrows, dashed, red_arrows, violation_texts;
    char texts[8192];
};

static void walk(xmlNode *n, struct counts *c)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *cls = xmlGetProp(n, (const xmlChar *)"class");
        if (cls && strcmp((const char *)n->name, "line") == 0 &&
            strcmp((const char *)cls, "arrow") == 0) {
            c->arrows++;
            xmlChar *dash = xmlGetProp(n, (const xmlChar *)"stroke-dasharray");
            xmlChar *stroke = xmlGetProp(n, (const xmlChar *)"stroke");
            if (dash)
                c->dashed++;
            if (stroke && strcmp((const char *)stroke, "#c0392b") == 0)
                c->red_arrows++;
            xmlFree(dash);
            xmlFree(stroke);
        }
        if (cls && strcmp((const char *)cls, "violation") == 0)
            c->violation_texts++;
        if (strcmp((const char *)n->name, "text") == 0) {
            xmlChar *txt = xmlNodeGetContent(n);
            strncat(c->texts, (const char *)txt, sizeof c->texts - strlen(c->texts) - 2);
            strcat(c->texts, "\n");
            xmlFree(txt);
        }
        xmlFree(cls);
        walk(n->children, c);
    }
}

static struct counts parse(const char *svg, size_t len)
{
    xmlDoc *doc = xmlReadMemory(svg, (int)len, "ladder.svg", NULL, XML_PARSE_NONET);
    if (!doc)
        fail_msg("the SVG is not well-formed XML");
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "svg");
    struct counts c = {0};
    walk(root, &c);
    xmlFreeDoc(doc);
    return c;
}

static void textbook(struct evtrace *t)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_B, 30 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 31 * MS, TCP_ACK, 1002, 5002, 0);
}

static void test_ladder_textbook_well_formed(void **state)
{
    (void)state;
    struct evtrace t;
    textbook(&t);
    struct oracle_config c;
    oracle_config_default(&c);
    size_t len;
    char *svg = render(&t, &c, "textbook close <A & B>", &len);
    struct counts n = parse(svg, len);
    assert_int_equal(n.arrows, 7);
    assert_int_equal(n.dashed, 0);
    assert_int_equal(n.red_arrows, 0);
    assert_non_null(strstr(n.texts, "textbook close <A & B>")); /* escaped, read back */
    assert_non_null(strstr(svg, "&lt;A &amp; B&gt;"));
    assert_non_null(strstr(n.texts, "F. seq 1 ack 1 len 0"));
    assert_non_null(strstr(n.texts, "~TIME-WAIT"));
    assert_non_null(strstr(n.texts, "verdict: pass"));
    free(svg);
}

static void test_ladder_lost_and_violating_segments(void **state)
{
    (void)state;
    /* A's FIN is lost once, then resent; B acks one past it. */
    struct evtrace t;
    evt_init(&t);
    evt_handshake(&t, 1000, 5000);
    size_t fin = evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_drop(&t, 20 * MS, fin);
    evt_seg(&t, EP_A, 1020 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(&t, EP_B, 1021 * MS, TCP_ACK, 5001, 1003, 0);
    struct oracle_config c;
    oracle_config_default(&c);
    size_t len;
    char *svg = render(&t, &c, NULL, &len);
    struct counts n = parse(svg, len);
    assert_int_equal(n.arrows, 6);
    assert_int_equal(n.dashed, 1);
    assert_int_equal(n.red_arrows, 1);
    assert_int_equal(n.violation_texts, 1);
    assert_non_null(strstr(n.texts, "fin-ack-plus-one"));
    assert_non_null(strstr(n.texts, "(lost)"));
    assert_non_null(strstr(n.texts, "verdict: fail"));
    free(svg);
}

static void test_ladder_escape(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ladder_xml_escape(f, "a<b>&\"c'\x01");
    fclose(f);
    assert_string_equal(buf, "a&lt;b&gt;&amp;&quot;c&apos;?");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ladder_textbook_well_formed),
        cmocka_unit_test(test_ladder_lost_and_violating_segments),
        cmocka_unit_test(test_ladder_escape),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
