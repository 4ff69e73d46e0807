/* test-json.c - the JSON writer: layout and string escaping; the XML escaper */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "util.h"

/* json_write_string(s) as a malloc'd string. */
static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_write_string(f, s);
	fclose(f);
	return buf;
}

static void expect_escaped(const char *in, const char *out)
{
	char *s = escaped(in);

	assert_string_equal(s, out);
	free(s);
}

static void test_escape_specials(void **state UNUSED)
{
	expect_escaped("plain", "\"plain\"");
	expect_escaped("", "\"\"");
	expect_escaped("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_escaped("/path/x", "\"/path/x\"");
}

static void test_escape_controls(void **state UNUSED)
{
	expect_escaped("a\nb", "\"a\\u000ab\"");
	expect_escaped("\t\r\x01\x1f", "\"\\u0009\\u000d\\u0001\\u001f\"");
	expect_escaped("\x1b[31m", "\"\\u001b[31m\"");
	expect_escaped("\x7f", "\"\\u007f\"");
	expect_escaped("\xc2\x85", "\"\\u0085\"");	/* C1 NEL */
}

static void test_escape_utf8(void **state UNUSED)
{
	/* valid UTF-8 passes through; invalid bytes become U+FFFD one by one */
	expect_escaped("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80",
		       "\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"");
	expect_escaped("\xff", "\"\\ufffd\"");
	expect_escaped("a\xc3", "\"a\\ufffd\"");
	expect_escaped("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	expect_escaped("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	expect_escaped("\xe2\x9c" "x", "\"\\ufffd\\ufffdx\"");
}

/* xml_write_text(s) compared with out */
static void expect_xml(const char *in, const char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xml_write_text(f, in);
	fclose(f);
	assert_string_equal(buf, out);
	free(buf);
}

static void test_xml(void **state UNUSED)
{
	expect_xml("</text><script>alert(1)</script>", "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
	expect_xml("a&b \"q\" 'a'", "a&amp;b &quot;q&quot; &apos;a&apos;");
	expect_xml("\033[31m\x9b\xc2\x9b\n", "\\x1b[31m\\x9b\\xc2\\x9b\\x0a");
	expect_xml("caf\xc3\xa9 \xe2\x86\x92", "caf\xc3\xa9 \xe2\x86\x92");
	expect_xml(NULL, "");
}

static void test_document(void **state UNUSED)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_uint(&j, "n", 18446744073709551615ull);
	json_int(&j, "neg", -5);
	json_double(&j, "pct", 33.333333, 2);
	json_double(&j, "bad", NAN, 2);
	json_bool(&j, "ok", true);
	json_string(&j, "none", NULL);
	json_array_begin(&j, "list");
	json_object_begin(&j, NULL);
	json_string(&j, "name", "a\"b");
	json_object_end(&j);
	json_int(&j, NULL, 7);
	json_array_end(&j);
	json_array_begin(&j, "empty");
	json_array_end(&j);
	json_object_begin(&j, "obj");
	json_null(&j, "x");
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
	fclose(f);
	assert_string_equal(buf,
		"{\n"
		"  \"n\": 18446744073709551615,\n"
		"  \"neg\": -5,\n"
		"  \"pct\": 33.33,\n"
		"  \"bad\": null,\n"
		"  \"ok\": true,\n"
		"  \"none\": null,\n"
		"  \"list\": [\n"
		"    {\n"
		"      \"name\": \"a\\\"b\"\n"
		"    },\n"
		"    7\n"
		"  ],\n"
		"  \"empty\": [],\n"
		"  \"obj\": {\n"
		"    \"x\": null\n"
		"  }\n"
		"}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
