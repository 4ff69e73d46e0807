/* test-rotate.c - rotated recordings: names (unique within a second),
 * listing order, retention by age, count and size, the latest link, range
 * selection, and the duration, size, keep and time parsers
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "rotate.h"
#include "util.h"

#define NS 1000000000ll
/* 2026-11-30T14:15:00Z */
#define T0 1796048100ll

static void touch_file(const char *path, size_t bytes)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < bytes; i++)
		fputc('x', f);
	fclose(f);
}

static char *new_file(const char *dir, int64_t t, size_t bytes)
{
	char *p = NULL;

	assert_int_equal(rotate_new_path(dir, (uint64_t)t * NS + 123, &p), 0);
	touch_file(p, bytes);
	return p;
}

static void test_names(void **state UNUSED)
{
	char *dir = fixture_tmpdir();
	char *a, *b, *c;
	int64_t start;
	int seq;

	a = new_file(dir, T0, 1);
	b = new_file(dir, T0, 1);
	c = new_file(dir, T0 + 1, 1);
	assert_non_null(strstr(a, "/hotstack-20261130T141500Z.db"));
	assert_non_null(strstr(b, "/hotstack-20261130T141500Z-2.db"));
	assert_non_null(strstr(c, "/hotstack-20261130T141501Z.db"));
	assert_int_equal(rotate_parse_name("hotstack-20261130T141500Z-2.db", &start, &seq), 0);
	assert_int_equal(start, T0);
	assert_int_equal(seq, 2);
	assert_int_equal(rotate_parse_name("hotstack-20261130T141500Z.db", &start, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(rotate_parse_name("hotstack-20261130T141500Z.db-wal", &start, &seq),
			 -EINVAL);
	assert_int_equal(rotate_parse_name("hotstack-20261130T1415Z.db", &start, &seq), -EINVAL);
	assert_int_equal(rotate_parse_name("latest", &start, &seq), -EINVAL);
	assert_int_equal(rotate_parse_name("hotstack-20261130T141500Z-1.db", &start, &seq),
			 -EINVAL);
	free(a);
	free(b);
	free(c);
	fixture_rmdir(dir);
	free(dir);
}

static void test_list_and_latest(void **state UNUSED)
{
	char *dir = fixture_tmpdir();
	struct rotate_file *f;
	char *p[4], *link, target[256];
	ssize_t n, len;
	int i;

	/* created out of order, listed by (time, seq) */
	p[0] = new_file(dir, T0 + 10, 1);
	p[1] = new_file(dir, T0, 1);
	p[2] = new_file(dir, T0, 1);
	p[3] = new_file(dir, T0 + 5, 1);
	touch_file(strcat(strcpy(target, p[3]), "-wal"), 100);
	n = rotate_list(dir, &f);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].path, p[1]);
	assert_string_equal(f[1].path, p[2]);
	assert_string_equal(f[2].path, p[3]);
	assert_string_equal(f[3].path, p[0]);
	assert_int_equal(f[2].bytes, 101);
	rotate_files_free(f, (size_t)n);
	assert_int_equal(rotate_set_latest(dir, p[3]), 0);
	assert_int_equal(rotate_set_latest(dir, p[0]), 0);
	link = xasprintf("%s/latest", dir);
	len = readlink(link, target, sizeof(target) - 1);
	assert_true(len > 0);
	target[len] = '\0';
	assert_string_equal(target, strrchr(p[0], '/') + 1);
	/* the link is not listed */
	n = rotate_list(dir, &f);
	assert_int_equal(n, 4);
	rotate_files_free(f, (size_t)n);
	free(link);
	for (i = 0; i < 4; i++)
		free(p[i]);
	fixture_rmdir(dir);
	free(dir);
	assert_int_equal(rotate_list("/nonexistent/dir", &f), -ENOENT);
}

static void test_prune(void **state UNUSED)
{
	char *dir = fixture_tmpdir();
	struct rotate_keep k;
	struct rotate_file *f;
	char *p[6];
	int i, removed;
	ssize_t n;

	for (i = 0; i < 6; i++)
		p[i] = new_file(dir, T0 + i * 600, 1000);
	/* by count, never the one being written */
	memset(&k, 0, sizeof(k));
	k.max_count = 4;
	assert_int_equal(rotate_prune(dir, &k, (uint64_t)(T0 + 3600) * NS, p[5], &removed), 0);
	assert_int_equal(removed, 2);
	n = rotate_list(dir, &f);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].path, p[2]);
	rotate_files_free(f, (size_t)n);
	/* by size: 4000 bytes over 2500 */
	memset(&k, 0, sizeof(k));
	k.max_bytes = 2500;
	assert_int_equal(rotate_prune(dir, &k, (uint64_t)(T0 + 3600) * NS, p[5], &removed), 0);
	assert_int_equal(removed, 2);
	/* by age: p[4] covers up to p[5]'s start (T0+3000); 20 min later it is
	 * older than 15 min, p[5] (being written) stays */
	memset(&k, 0, sizeof(k));
	k.max_age_ns = 900 * NS;
	assert_int_equal(rotate_prune(dir, &k, (uint64_t)(T0 + 3000 + 600) * NS, p[5], &removed),
			 0);
	assert_int_equal(removed, 0);
	assert_int_equal(rotate_prune(dir, &k, (uint64_t)(T0 + 3000 + 1200) * NS, p[5], &removed),
			 0);
	assert_int_equal(removed, 1);
	n = rotate_list(dir, &f);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].path, p[5]);
	rotate_files_free(f, (size_t)n);
	/* the current file stays even when it alone is too big */
	memset(&k, 0, sizeof(k));
	k.max_bytes = 10;
	assert_int_equal(rotate_prune(dir, &k, (uint64_t)(T0 + 4000) * NS, p[5], &removed), 0);
	assert_int_equal(removed, 0);
	for (i = 0; i < 6; i++)
		free(p[i]);
	fixture_rmdir(dir);
	free(dir);
}

static void test_select(void **state UNUSED)
{
	struct rotate_file f[4] = {
		{ NULL, T0, 1, 0 }, { NULL, T0 + 600, 1, 0 },
		{ NULL, T0 + 1200, 1, 0 }, { NULL, T0 + 1800, 1, 0 },
	};
	size_t lo, hi;

	assert_int_equal(rotate_select(f, 4, -1, -1, &lo, &hi), 4);
	assert_int_equal(lo, 0);
	/* inside the second file */
	assert_int_equal(rotate_select(f, 4, (T0 + 700) * NS, (T0 + 800) * NS, &lo, &hi), 1);
	assert_int_equal(lo, 1);
	/* from the middle of the second to the middle of the third */
	assert_int_equal(rotate_select(f, 4, (T0 + 700) * NS, (T0 + 1300) * NS, &lo, &hi), 2);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 3);
	/* the last file covers up to now */
	assert_int_equal(rotate_select(f, 4, (T0 + 99999) * NS, -1, &lo, &hi), 1);
	assert_int_equal(lo, 3);
	/* before everything */
	assert_int_equal(rotate_select(f, 4, -1, (T0 - 10) * NS, &lo, &hi), 0);
}

static void test_parsers(void **state UNUSED)
{
	struct rotate_keep k;
	uint64_t v;

	assert_int_equal(rotate_parse_duration("10m", &v), 0);
	assert_int_equal(v, 600 * NS);
	assert_int_equal(rotate_parse_duration("2s", &v), 0);
	assert_int_equal(v, 2 * NS);
	assert_int_equal(rotate_parse_duration("1.5h", &v), 0);
	assert_int_equal(v, 5400 * NS);
	assert_int_equal(rotate_parse_duration("90", &v), 0);
	assert_int_equal(v, 90 * NS);
	assert_int_equal(rotate_parse_duration("10x", &v), -EINVAL);
	assert_int_equal(rotate_parse_duration("-1s", &v), -EINVAL);
	assert_int_equal(rotate_parse_duration("", &v), -EINVAL);
	assert_int_equal(rotate_parse_size("2G", &v), 0);
	assert_int_equal(v, 2147483648ull);
	assert_int_equal(rotate_parse_size("500M", &v), 0);
	assert_int_equal(v, 500ull << 20);
	assert_int_equal(rotate_parse_size("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(rotate_parse_size("2Q", &v), -EINVAL);
	memset(&k, 0, sizeof(k));
	assert_int_equal(rotate_parse_keep("48", &k), 0);
	assert_int_equal(k.max_count, 48);
	assert_int_equal(rotate_parse_keep("24h", &k), 0);
	assert_int_equal(k.max_age_ns, 86400 * NS);
	assert_int_equal(rotate_parse_keep("0", &k), -EINVAL);
	assert_int_equal(rotate_parse_keep("lots", &k), -EINVAL);
}

static void test_times(void **state UNUSED)
{
	uint64_t now = (uint64_t)(T0 + 30) * NS;	/* 14:15:30 UTC */
	int64_t t;

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(rotate_parse_time("-1h", now, &t), 0);
	assert_int_equal(t, (int64_t)now - 3600 * NS);
	assert_int_equal(rotate_parse_time("-30m", now, &t), 0);
	assert_int_equal(t, (int64_t)now - 1800 * NS);
	assert_int_equal(rotate_parse_time("now", now, &t), 0);
	assert_int_equal(t, (int64_t)now);
	assert_int_equal(rotate_parse_time("2026-11-30 14:00", now, &t), 0);
	assert_int_equal(t, (T0 - 900) * NS);
	assert_int_equal(rotate_parse_time("2026-11-30T14:15:00Z", now, &t), 0);
	assert_int_equal(t, T0 * NS);
	assert_int_equal(rotate_parse_time("2026-11-30 14:15:00 UTC", now, &t), 0);
	assert_int_equal(t, T0 * NS);
	assert_int_equal(rotate_parse_time("2026-11-30", now, &t), 0);
	assert_int_equal(t, (T0 - 14 * 3600 - 900) * NS);
	assert_int_equal(rotate_parse_time("today", now, &t), 0);
	assert_int_equal(t, (T0 - 14 * 3600 - 900) * NS);
	assert_int_equal(rotate_parse_time("yesterday 14:00", now, &t), 0);
	assert_int_equal(t, (T0 - 86400 - 900) * NS);
	assert_int_equal(rotate_parse_time("14:15", now, &t), 0);
	assert_int_equal(t, T0 * NS);
	assert_int_equal(rotate_parse_time("@1796048100", now, &t), 0);
	assert_int_equal(t, T0 * NS);
	/* in another zone, local times move; UTC ones do not */
	setenv("TZ", "CET-1", 1);
	tzset();
	assert_int_equal(rotate_parse_time("2026-11-30 15:15", now, &t), 0);
	assert_int_equal(t, T0 * NS);
	assert_int_equal(rotate_parse_time("2026-11-30T14:15Z", now, &t), 0);
	assert_int_equal(t, T0 * NS);
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(rotate_parse_time("", now, &t), -EINVAL);
	assert_int_equal(rotate_parse_time("-1x", now, &t), -EINVAL);
	assert_int_equal(rotate_parse_time("2026-13-45", now, &t), -EINVAL);
	assert_int_equal(rotate_parse_time("yesterday noon", now, &t), -EINVAL);
	assert_int_equal(rotate_parse_time("14:15 tomorrow", now, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_list_and_latest),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
