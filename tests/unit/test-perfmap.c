/* test-perfmap.c - /tmp/perf-PID.map parsing, lookup, incremental reads and
 * the refusals (symlink, FIFO, another user's file, a huge file) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "perfmap.h"
#include "util.h"

static char path[64];

static void write_map(const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state UNUSED)
{
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	return 0;
}

static int teardown(void **state UNUSED)
{
	unlink(path);
	return 0;
}

static const char *name_at(const struct perfmap *m, uint64_t pc)
{
	const struct perfmap_sym *s = perfmap_lookup(m, pc);

	return s ? s->name : NULL;
}

static void test_parse(void **state UNUSED)
{
	static const char text[] =
		"1000 10 first\n"
		"0x2000 0x20 second with spaces \n"
		"garbage line\n"
		"3000 0 empty size\n"
		"ffffffffffffffff 10 wraps\n"
		"11111111111111111 10 too many digits\n"
		"4000 10\n"
		"1000 8 replaced\n"
		"5000 10 no newline";
	struct perfmap m;
	size_t used;

	perfmap_init(&m, 1);
	used = perfmap_parse(&m, text, sizeof(text) - 1);
	assert_int_equal(used, strchr(text, '5') - text);
	assert_int_equal(m.n, 3);
	assert_string_equal(name_at(&m, 0x1004), "replaced");	/* the later line */
	assert_string_equal(name_at(&m, 0x100c), "first");
	assert_string_equal(name_at(&m, 0x201f), "second with spaces");
	assert_null(name_at(&m, 0x2020));
	assert_null(name_at(&m, 0xfff));
	assert_null(name_at(&m, 0x5000));
	perfmap_release(&m);
}

static void test_incremental(void **state UNUSED)
{
	struct perfmap m;
	uint64_t first;

	write_map("w", "1000 10 a\n2000 10 b\n");
	perfmap_init(&m, getpid());
	assert_int_equal(perfmap_update(&m), 0);
	assert_int_equal(m.n, 2);
	first = m.bytes_read;
	assert_int_equal(first, 20);
	/* unchanged: nothing read again */
	assert_int_equal(perfmap_update(&m), 0);
	assert_int_equal(m.bytes_read, first);
	/* appended, half a line: only the tail is read; the half line waits */
	write_map("a", "3000 10 c\n4000 1");
	assert_int_equal(perfmap_update(&m), 0);
	assert_int_equal(m.bytes_read, first + 16);
	assert_int_equal(m.n, 3);
	assert_string_equal(name_at(&m, 0x3000), "c");
	write_map("a", "0 d\n");
	assert_int_equal(perfmap_update(&m), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(name_at(&m, 0x4000), "d");
	/* 20 + 16 + the 6 bytes of the half line again + 4 */
	assert_int_equal(m.bytes_read, first + 16 + 6 + 4);
	perfmap_release(&m);
}

static void test_refused(void **state UNUSED)
{
	char target[sizeof(path) + sizeof(".target")];
	struct perfmap m;

	/* a symlink, even to a good map */
	snprintf(target, sizeof(target), "%s.target", path);
	unlink(target);
	{
		FILE *f = fopen(target, "w");

		assert_non_null(f);
		fputs("1000 10 forged\n", f);
		fclose(f);
	}
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(perfmap_open(getpid()), -ELOOP);
	perfmap_init(&m, getpid());
	assert_int_not_equal(perfmap_update(&m), 0);
	assert_null(name_at(&m, 0x1000));
	perfmap_release(&m);
	unlink(path);
	unlink(target);

	/* a FIFO: refused at once, no hang */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(perfmap_open(getpid()), -EINVAL);
	unlink(path);

	/* another user's file (only root can make one) */
	if (geteuid() == 0) {
		write_map("w", "1000 10 forged\n");
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(perfmap_open(getpid()), -EPERM);
		unlink(path);
	}
	assert_int_equal(perfmap_open(getpid()), -ENOENT);
}

static void test_capped(void **state UNUSED)
{
	struct perfmap m;

	write_map("w", "1000 10 kept\n");
	assert_int_equal(truncate(path, (off_t)PERFMAP_MAX_BYTES * 4), 0);
	perfmap_init(&m, getpid());
	assert_int_equal(perfmap_update(&m), 0);
	assert_true(m.capped);
	assert_true(m.bytes_read <= PERFMAP_MAX_BYTES);
	assert_string_equal(name_at(&m, 0x1000), "kept");
	perfmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
