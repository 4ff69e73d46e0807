/* test-util.c - sanitize(), parse_long(), parse_seconds(), strbuf, varints and
 * radix_sort() */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "radix.h"
#include "util.h"

static void expect_sanitized(const char *in, const char *out)
{
	char buf[256];

	assert_ptr_equal(sanitize(buf, sizeof(buf), in), buf);
	assert_string_equal(buf, out);
}

static void test_sanitize_controls(void **state UNUSED)
{
	expect_sanitized("plain text", "plain text");
	expect_sanitized("", "");
	expect_sanitized("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd");
	expect_sanitized("\x7f", "\\x7f");
	expect_sanitized("\x01\x1f", "\\x01\\x1f");
}

static void test_sanitize_escape_sequences(void **state UNUSED)
{
	/* a terminal never sees ESC: colours, titles and cursor moves are inert */
	expect_sanitized("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	expect_sanitized("\x1b]0;title\x07", "\\x1b]0;title\\x07");
	/* C1 CSI, encoded as UTF-8 (U+009B) or as a raw byte */
	expect_sanitized("\xc2\x9b" "2J", "\\xc2\\x9b2J");
	expect_sanitized("\x9b" "2J", "\\x9b2J");
}

static void test_sanitize_utf8(void **state UNUSED)
{
	/* valid UTF-8 of every length stays as it is */
	expect_sanitized("h\xc3\xa9llo", "h\xc3\xa9llo");
	expect_sanitized("\xe2\x9c\x93 ok", "\xe2\x9c\x93 ok");
	expect_sanitized("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	expect_sanitized("std::vector<int>::~vector()", "std::vector<int>::~vector()");
	/* invalid: stray continuation, truncated sequence, overlong, surrogate,
	 * beyond U+10FFFF, 0xff */
	expect_sanitized("\x80", "\\x80");
	expect_sanitized("a\xc3", "a\\xc3");
	expect_sanitized("\xe2\x9c" "x", "\\xe2\\x9cx");
	expect_sanitized("\xc0\xaf", "\\xc0\\xaf");
	expect_sanitized("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	expect_sanitized("\xed\xa0\x80", "\\xed\\xa0\\x80");
	expect_sanitized("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	expect_sanitized("\xff", "\\xff");
}

static void test_sanitize_truncation(void **state UNUSED)
{
	char buf[8];

	/* never splits an escape or a UTF-8 sequence, always terminates */
	sanitize(buf, sizeof(buf), "abcdefghij");
	assert_string_equal(buf, "abcdefg");
	sanitize(buf, sizeof(buf), "abcde\n");
	assert_string_equal(buf, "abcde");
	sanitize(buf, sizeof(buf), "abcdef\xe2\x9c\x93");
	assert_string_equal(buf, "abcdef");
	sanitize(buf, 1, "abc");
	assert_string_equal(buf, "");
	sanitize(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "");
	assert_string_equal(sanitized("x\ty"), "x\\x09y");
}

static void test_parse_long(void **state UNUSED)
{
	long v = -1;

	assert_int_equal(parse_long("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_long("-7", -10, 10, &v), 0);
	assert_int_equal(v, -7);
	/* bounds are inclusive */
	assert_int_equal(parse_long("0", 0, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_long("5", 0, 5, &v), 0);
	assert_int_equal(v, 5);
	v = 99;
	assert_int_equal(parse_long("6", 0, 5, &v), -ERANGE);
	assert_int_equal(parse_long("-1", 0, 5, &v), -ERANGE);
	assert_int_equal(parse_long("99999999999999999999", LONG_MIN, LONG_MAX, &v), -ERANGE);
	assert_int_equal(v, 99);	/* untouched on error */
	assert_int_equal(parse_long("", 0, 5, &v), -EINVAL);
	assert_int_equal(parse_long(NULL, 0, 5, &v), -EINVAL);
	assert_int_equal(parse_long("12abc", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_long("1.5", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_long("3 ", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_long("abc", 0, 100, &v), -EINVAL);
	assert_int_equal(v, 99);
}

static void test_parse_pid_list(void **state UNUSED)
{
	pid_t *pids = NULL;
	int n = 0;
	char *bad;

	assert_int_equal(parse_pid_list("12,34", &pids, &n, &bad), 0);
	assert_null(bad);
	assert_int_equal(n, 2);
	assert_int_equal(pids[0], 12);
	assert_int_equal(pids[1], 34);
	/* a second -p appends */
	assert_int_equal(parse_pid_list("56", &pids, &n, &bad), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[2], 56);
	assert_int_equal(parse_pid_list("7,x8,9", &pids, &n, &bad), -EINVAL);
	assert_string_equal(bad, "x8");
	free(bad);
	assert_int_equal(parse_pid_list("0", &pids, &n, &bad), -EINVAL);
	assert_string_equal(bad, "0");
	free(bad);
	assert_int_equal(parse_pid_list(",,", &pids, &n, &bad), -EINVAL);
	assert_string_equal(bad, "");
	free(bad);
	free(pids);
}

static void test_parse_seconds(void **state UNUSED)
{
	double v = -1;

	assert_int_equal(parse_seconds("10", &v), 0);
	assert_float_equal(v, 10.0, 1e-12);
	assert_int_equal(parse_seconds("2.5", &v), 0);
	assert_float_equal(v, 2.5, 1e-12);
	assert_int_equal(parse_seconds("0.1s", &v), 0);
	assert_float_equal(v, 0.1, 1e-12);
	v = 7;
	assert_int_equal(parse_seconds("0", &v), -EINVAL);
	assert_int_equal(parse_seconds("-1", &v), -EINVAL);
	assert_int_equal(parse_seconds("", &v), -EINVAL);
	assert_int_equal(parse_seconds(NULL, &v), -EINVAL);
	assert_int_equal(parse_seconds("abc", &v), -EINVAL);
	assert_int_equal(parse_seconds("5ss", &v), -EINVAL);
	assert_int_equal(parse_seconds("5m", &v), -EINVAL);
	assert_int_equal(parse_seconds("nan", &v), -EINVAL);
	assert_int_equal(parse_seconds("inf", &v), -EINVAL);
	assert_int_equal(parse_seconds("1e8", &v), -EINVAL);
	assert_float_equal(v, 7.0, 1e-12);
}

/* two names in one message: each keeps its own text */
static void test_sanitized_twice(void **state UNUSED)
{
	char out[64];

	snprintf(out, sizeof(out), "%s %s %s %s", sanitized("a"), sanitized("b\n"),
		 sanitized("c"), sanitized("d"));
	assert_string_equal(out, "a b\\x0a c d");
}

static void test_strbuf(void **state UNUSED)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, "abc");
	strbuf_add(&sb, "defgh", 2);
	assert_string_equal(sb.buf, "abcde");
	assert_int_equal(sb.len, 5);
	strbuf_addf(&sb, "-%d-%s", 42, "x");
	assert_string_equal(sb.buf, "abcde-42-x");
	/* growth across many reallocations keeps the content */
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%03zu", i % 1000);
	assert_int_equal(sb.len, 10 + 3000);
	assert_true(sb.cap > sb.len);
	assert_memory_equal(sb.buf + 10, "000001002", 9);
	assert_string_equal(sb.buf + sb.len - 3, "999");
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.cap, 0);
	strbuf_reset(&sb);	/* on a released buffer: no crash */
}

static void test_xgrow(void **state UNUSED)
{
	int *a = NULL;
	size_t cap = 0, i;

	for (i = 0; i < 1000; i++) {
		xgrow(&a, &cap, i + 1, sizeof(*a));
		a[i] = (int)i;
	}
	assert_true(cap >= 1000);
	for (i = 0; i < 1000; i++)
		assert_int_equal(a[i], i);
	free(a);
}

/* Varints: the bytes protobuf writes, read back; a truncated or overlong
 * one is refused without reading past its end. */
static void test_varint(void **state UNUSED)
{
	static const uint64_t values[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX,
					   (uint64_t)INT64_MAX, UINT64_MAX };
	uint8_t buf[VARINT_MAX + 1], over[VARINT_MAX + 1];
	const uint8_t *q;
	uint64_t v;
	size_t i, n;

	n = varint_put(buf, 300);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], 0xac);
	assert_int_equal(buf[1], 0x02);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		n = varint_put(buf, values[i]);
		assert_true(n >= 1 && n <= VARINT_MAX);
		q = buf;
		assert_true(varint_get(&q, buf + n, &v));
		assert_true(v == values[i]);
		assert_ptr_equal(q, buf + n);
		/* one byte short */
		q = buf;
		assert_false(varint_get(&q, buf + n - 1, &v));
		assert_ptr_equal(q, buf);
	}
	memset(over, 0x80, sizeof(over));
	over[VARINT_MAX] = 0x01;
	q = over;
	assert_false(varint_get(&q, over + sizeof(over), &v));
}

/* A record: key, then where it came from (stability), then filler so the
 * record is not 16 bytes. */
struct rrec {
	uint64_t key;
	uint32_t seq;
	char pad[12];
};

static int cmp_rrec(const void *a, const void *b)
{
	const struct rrec *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* radix_sort() orders as qsort() by (key, original place) does: sorted and
 * stable, for sizes around its insertion-sort cutoff and large, keys
 * small (most bytes the same, passes skipped) and spread over 64 bits. */
static void test_radix_sort(void **state UNUSED)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 31, 32, 33, 100, 1000, 20000 };
	static const uint64_t masks[] = { 0, 0x7, 0xff00, 0xffffffffffffffffull,
					  0xff000000000000ffull };
	uint64_t x = 88172645463325252ull;	/* xorshift64 */
	size_t si, mi, i;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (mi = 0; mi < sizeof(masks) / sizeof(masks[0]); mi++) {
			size_t n = sizes[si];
			struct rrec *a = xcalloc(n + 1, sizeof(*a)), *b = xcalloc(n + 1, sizeof(*b));

			for (i = 0; i < n; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				a[i].key = x & masks[mi];
				a[i].seq = (uint32_t)i;
				memset(a[i].pad, (int)(i & 0x7f), sizeof(a[i].pad));
			}
			memcpy(b, a, n * sizeof(*a));
			radix_sort(a, n, sizeof(*a), offsetof(struct rrec, key));
			qsort(b, n, sizeof(*b), cmp_rrec);
			for (i = 0; i < n; i++) {
				if (a[i].key != b[i].key || a[i].seq != b[i].seq ||
				    a[i].pad[11] != (char)(a[i].seq & 0x7f))
					fail_msg("n %zu mask %zu: record %zu differs", n, mi, i);
			}
			free(a);
			free(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pid_list),
		cmocka_unit_test(test_sanitize_controls),
		cmocka_unit_test(test_sanitize_escape_sequences),
		cmocka_unit_test(test_sanitize_utf8),
		cmocka_unit_test(test_sanitize_truncation),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_sanitized_twice),
		cmocka_unit_test(test_xgrow),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_radix_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
