/* test-store.c - the recording writer and the checked reader
 *
 * Round trips through the writer API, the rename to .old, every bad-input
 * error of store_open(), and a recorder killed without store_close().
 * Bad files are made with the SQLite API directly.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "store.h"
#include "util.h"

struct env {
	char *dir;
	char *db;	/* dir/test.db */
};

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));

	e->dir = fixture_tmpdir();
	e->db = xasprintf("%s/test.db", e->dir);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fixture_rmdir(e->dir);
	free(e->dir);
	free(e->db);
	free(e);
	return 0;
}

static bool exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* store_open must fail with a message equal to the expected one. */
static void expect_open_error(const char *path, const char *expect)
{
	struct store *st = (struct store *)1;
	char *err = NULL;
	int ret = store_open(path, &st, &err);

	assert_true(ret < 0);
	assert_null(st);
	assert_non_null(err);
	assert_string_equal(err, expect);
	free(err);
}

static void expect_open_error_prefix(const char *path, const char *prefix)
{
	struct store *st = (struct store *)1;
	char *err = NULL;
	int ret = store_open(path, &st, &err);

	assert_true(ret < 0);
	assert_null(st);
	assert_non_null(err);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error '%s' does not start with '%s'", err, prefix);
	assert_null(strchr(err, '\n'));
	free(err);
}

/* Run SQL on a file with plain SQLite (to make foreign or damaged files). */
static void sql(const char *path, const char *text)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("sql failed: %s", msg);
	sqlite3_close(db);
}

/* One integer from a query, with plain SQLite. */
static int64_t sql_int(const char *path, const char *query)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, query, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* ---- round trip ------------------------------------------------------- */

struct rows {
	int n;
	char buf[4096];
	size_t len;
};

static void rows_add(struct rows *r, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void rows_add(struct rows *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->len += vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	r->n++;
}

static int meta_cb(void *arg, const char *key, const char *value, bool is_int,
		   int64_t iv)
{
	/* values that change from run to run: only their plausibility */
	if (!strcmp(key, "writer_pid")) {
		assert_int_equal(iv, getpid());
		value = "PID";
	} else if (!strcmp(key, "last_commit")) {
		assert_true(iv > 1700000000000000000LL);
		value = "NS";
	}
	rows_add(arg, "%s=%s%s;", key, value ? value : "NULL", is_int ? "(i)" : "");
	return 0;
}

static int process_cb(void *arg, int pid, int ppid, const char *name, const char *exe)
{
	rows_add(arg, "%d,%d,%s,%s;", pid, ppid, name ? name : "NULL", exe ? exe : "NULL");
	return 0;
}

static int thread_cb(void *arg, int tid, int pid, const char *name, int64_t samples)
{
	rows_add(arg, "%d,%d,%s,%lld;", tid, pid, name ? name : "NULL", (long long)samples);
	return 0;
}

static int module_cb(void *arg, int64_t id, const char *path, const char *build_id,
		     const char *kind, const char *soname, bool is_main)
{
	rows_add(arg, "%lld,%s,%s,%s,%s,%d;", (long long)id, path, build_id ? build_id : "NULL",
		 kind, soname ? soname : "NULL", is_main);
	return 0;
}

static int frame_cb(void *arg, int64_t id, int64_t module_id, const char *function,
		    const char *linkage, const char *file, int line, bool is_inline,
		    uint64_t offset)
{
	rows_add(arg, "%lld,%lld,%s,%s,%s,%d,%d,%llu;", (long long)id, (long long)module_id,
		 function, linkage ? linkage : "NULL", file ? file : "NULL", line, is_inline,
		 (unsigned long long)offset);
	return 0;
}

static int node_cb(void *arg, int64_t id, int64_t parent, int64_t frame, int depth)
{
	rows_add(arg, "%lld<%lld:%lld@%d;", (long long)id, (long long)parent, (long long)frame,
		 depth);
	return 0;
}

struct sums {
	int64_t count[8], weight[8];
	int rows;
};

static int sample_cb(void *arg, int64_t slice UNUSED, int tid UNUSED, int64_t node,
		     int64_t count, int64_t weight)
{
	struct sums *s = arg;

	assert_true(node >= 0 && node < 8);
	s->count[node] += count;
	s->weight[node] += weight;
	s->rows++;
	return 0;
}

static int stop_cb(void *arg, int64_t id UNUSED, const char *path UNUSED,
		   const char *build_id UNUSED, const char *kind UNUSED,
		   const char *soname UNUSED, bool is_main UNUSED)
{
	(*(int *)arg)++;
	return 42;
}

static void write_sample_recording(const char *path)
{
	struct store *st;
	bool renamed = true;
	char *err = NULL;

	assert_int_equal(store_create(path, &st, &renamed, &err), 0);
	assert_false(renamed);
	assert_null(err);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_set_meta(st, "command", "prog a b"), 0);
	assert_int_equal(store_set_meta_int(st, "duration_ns", 1500000000), 0);
	assert_int_equal(store_add_process(st, 10, 1, "prog", "/usr/bin/prog"), 0);
	assert_int_equal(store_add_thread(st, 10, 10, "prog"), 0);
	assert_int_equal(store_add_thread(st, 11, 10, "old-name"), 0);
	assert_int_equal(store_add_thread(st, 11, 10, "worker"), 0);	/* renamed */
	assert_int_equal(store_add_module(st, 1, "/usr/bin/prog", "abcd", "user", NULL, false), 0);
	assert_int_equal(store_add_module(st, 2, "[kernel.kallsyms]", NULL, "kernel", NULL, false), 0);
	assert_int_equal(store_add_frame(st, 1, 1, "main", "_Z4mainv", "main.c", 10, false, 0x10), 0);
	assert_int_equal(store_add_frame(st, 2, 1, "inl", "inl", "inl.h", 3, true, 0x20), 0);
	assert_int_equal(store_add_frame(st, 3, 2, "schedule", NULL, NULL, 0, false, 0x30), 0);
	assert_int_equal(store_add_node(st, 1, 0, 1, 1), 0);
	assert_int_equal(store_add_node(st, 2, 1, 2, 2), 0);
	assert_int_equal(store_add_node(st, 3, 1, 3, 2), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);
	/* the same cell twice adds up; other slices and kinds stay apart */
	assert_int_equal(store_add_samples(st, 0, 10, KIND_CPU, 2, 3, 3000), 0);
	assert_int_equal(store_add_samples(st, 0, 10, KIND_CPU, 2, 4, 4000), 0);
	assert_int_equal(store_add_samples(st, 1, 10, KIND_CPU, 2, 1, 1000), 0);
	assert_int_equal(store_add_samples(st, 1, 11, KIND_CPU, 3, 5, 5000), 0);
	assert_int_equal(store_add_samples(st, 1, 11, KIND_OFFCPU, 3, 7, 70000), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_close(st), 0);
}

static void test_round_trip(void **state)
{
	struct env *e = *state;
	struct store_counts c;
	struct store *st;
	struct rows r;
	struct sums s;
	char *err = NULL, *v, *wal = xasprintf("%s-wal", e->db);
	int stops = 0;

	write_sample_recording(e->db);
	/* a closed recording is one file: no WAL left beside it */
	assert_false(exists(wal));
	free(wal);
	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_null(err);
	assert_string_equal(store_path(st), e->db);

	v = store_get_meta(st, "command");
	assert_string_equal(v, "prog a b");
	free(v);
	v = store_get_meta(st, "duration_ns");
	assert_string_equal(v, "1500000000");
	free(v);
	v = store_get_meta(st, "schema_version");
	assert_string_equal(v, "2");
	free(v);
	assert_null(store_get_meta(st, "no-such-key"));

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_meta(st, meta_cb, &r), 0);
	/* the writer keeps writer_pid and its commit log in meta */
	assert_string_equal(r.buf, "command=prog a b;commits=2(i);duration_ns=1500000000(i);"
			    "last_commit=NS(i);schema_version=2(i);"
			    "writer_pid=PID(i);");

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_process(st, process_cb, &r), 0);
	assert_string_equal(r.buf, "10,1,prog,/usr/bin/prog;");

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_thread(st, KIND_CPU, thread_cb, &r), 0);
	assert_string_equal(r.buf, "10,10,prog,8;11,10,worker,5;");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_thread(st, KIND_OFFCPU, thread_cb, &r), 0);
	assert_string_equal(r.buf, "10,10,prog,0;11,10,worker,7;");

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_module(st, module_cb, &r), 0);
	/* module 1 is process 10's exe: main, though not written as such */
	assert_string_equal(r.buf, "1,/usr/bin/prog,abcd,user,NULL,1;"
			    "2,[kernel.kallsyms],NULL,kernel,NULL,0;");

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_frame(st, frame_cb, &r), 0);
	/* a linkage name equal to the function name is not stored */
	assert_string_equal(r.buf, "1,1,main,_Z4mainv,main.c,10,0,16;2,1,inl,NULL,inl.h,3,1,32;"
			    "3,2,schedule,NULL,NULL,0,0,48;");

	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_node(st, node_cb, &r), 0);
	assert_string_equal(r.buf, "1<0:1@1;2<1:2@2;3<1:3@2;");

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample(st, KIND_CPU, 0, sample_cb, &s), 0);
	assert_int_equal(s.rows, 3);
	assert_int_equal(s.count[2], 8);
	assert_int_equal(s.weight[2], 8000);
	assert_int_equal(s.count[3], 5);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample(st, KIND_CPU, 11, sample_cb, &s), 0);
	assert_int_equal(s.count[2], 0);
	assert_int_equal(s.count[3], 5);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample(st, KIND_OFFCPU, 0, sample_cb, &s), 0);
	assert_int_equal(s.count[3], 7);
	assert_int_equal(s.weight[3], 70000);

	/* a callback's non-zero return stops the loop and comes back */
	assert_int_equal(store_each_module(st, stop_cb, &stops), 42);
	assert_int_equal(stops, 1);

	assert_int_equal(store_get_counts(st, &c), 0);
	assert_int_equal(c.processes, 1);
	assert_int_equal(c.threads, 2);
	assert_int_equal(c.modules, 2);
	assert_int_equal(c.frames, 3);
	assert_int_equal(c.nodes, 3);
	assert_int_equal(c.sample_rows, 4);
	assert_int_equal(c.samples, 20);
	store_free(st);
}

static void test_rename_old(void **state)
{
	struct env *e = *state;
	char *old = xasprintf("%s.old", e->db), *old1 = xasprintf("%s.old.1", e->db);
	struct store *st;
	bool renamed = false;
	char *err = NULL, *v, buf[8] = "";
	FILE *f;

	write_sample_recording(e->db);
	write_bytes(old, "stale", 5);	/* an existing .old is kept */
	assert_int_equal(store_create(e->db, &st, &renamed, &err), 0);
	assert_true(renamed);
	assert_string_equal(store_moved_to(st), old1);
	assert_int_equal(store_set_meta(st, "command", "second"), 0);
	assert_int_equal(store_close(st), 0);

	f = fopen(old, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 5);
	fclose(f);
	assert_string_equal(buf, "stale");
	assert_int_equal(store_open(old1, &st, &err), 0);
	v = store_get_meta(st, "command");
	assert_string_equal(v, "prog a b");
	free(v);
	store_free(st);
	assert_int_equal(store_open(e->db, &st, &err), 0);
	v = store_get_meta(st, "command");
	assert_string_equal(v, "second");
	assert_null(store_moved_to(st));
	free(v);
	store_free(st);
	unlink(old1);
	free(old);
	free(old1);
}

static void test_create_errors(void **state)
{
	struct env *e = *state;
	char *path = xasprintf("%s/no-such-dir/x.db", e->dir);
	char *expect = xasprintf("cannot create '%s': No such file or directory", path);
	struct store *st = (struct store *)1;
	bool renamed = true;
	char *err = NULL;

	assert_int_equal(store_create(path, &st, &renamed, &err), -ENOENT);
	assert_null(st);
	assert_false(renamed);
	assert_string_equal(err, expect);
	free(err);
	free(expect);
	free(path);

	/* a directory is never renamed away */
	expect = xasprintf("cannot create '%s': Is a directory", e->dir);
	assert_int_equal(store_create(e->dir, &st, &renamed, &err), -EISDIR);
	assert_string_equal(err, expect);
	assert_false(renamed);
	free(err);
	free(expect);
}

/* ---- store_open errors ------------------------------------------------ */

static void test_open_missing(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("cannot open '%s': No such file or directory", e->db);

	expect_open_error(e->db, expect);
	free(expect);
}

static void test_open_directory(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("cannot open '%s': Is a directory", e->dir);

	expect_open_error(e->dir, expect);
	free(expect);
}

static void test_open_empty(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("'%s' is empty: not a hotstack recording (or one stopped "
				 "before its first commit)", e->db);

	write_bytes(e->db, "", 0);
	expect_open_error(e->db, expect);
	free(expect);
}

static void test_open_not_sqlite(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("'%s' is not a SQLite database: not a hotstack recording", e->db);

	write_bytes(e->db, "main;parse;hash 12\nmain;crc 3\n", 30);
	expect_open_error(e->db, expect);
	write_bytes(e->db, "SQLite", 6);	/* a prefix of the magic is not enough */
	expect_open_error(e->db, expect);
	free(expect);
}

static void test_open_corrupt(void **state)
{
	struct env *e = *state;
	char *prefix = xasprintf("'%s' is corrupt (", e->db);
	struct fixture *fx = fixture_create(e->db);
	unsigned char junk[4096];
	off_t size, at;
	int fd, i;

	/* enough nodes for the file to have many pages */
	for (i = 0; i < 3000; i++) {
		char name[64];
		const char *frames[3] = { "main", "work", name };

		snprintf(name, sizeof(name), "function_with_a_long_name_%d", i);
		fixture_stackv(fx, 1, KIND_CPU, 1, 1000, frames, 3);
	}
	fixture_close(fx);
	size = file_size(e->db);
	assert_true(size > 16 * 4096);
	at = size / 2 / 4096 * 4096;
	memset(junk, 0xa5, sizeof(junk));
	fd = open(e->db, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), at), (ssize_t)sizeof(junk));
	close(fd);
	expect_open_error_prefix(e->db, prefix);

	/* the magic and nothing else */
	write_bytes(e->db, "SQLite format 3\0\x10\0\1\1", 20);
	expect_open_error_prefix(e->db, prefix);
	free(prefix);
}

static void test_open_truncated(void **state)
{
	struct env *e = *state;
	char *prefix = xasprintf("'%s' is corrupt (", e->db);
	struct fixture *fx = fixture_create(e->db);
	int i;

	for (i = 0; i < 3000; i++) {
		char name[64];
		const char *frames[2] = { "main", name };

		snprintf(name, sizeof(name), "function_%d", i);
		fixture_stackv(fx, 1, KIND_CPU, 1, 1000, frames, 2);
	}
	fixture_close(fx);
	assert_int_equal(truncate(e->db, file_size(e->db) / 2), 0);
	expect_open_error_prefix(e->db, prefix);
	free(prefix);
}


static int count_row(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	/* syscalls rows: nr, count, errors, total_ns, max_ns */
	((int64_t *)arg)[0] += ints[1];
	((int64_t *)arg)[1] += ints[3];
	return 0;
}

static int anomaly_cb(void *arg, const struct store_anomaly *a)
{
	rows_add(arg, "%lld-%lld:%s@%s:%.2f>%.2f;", (long long)a->start_ns, (long long)a->end_ns,
		 a->function, a->module ? a->module : "NULL", a->observed, a->baseline);
	return 0;
}

static int thread_sum_cb(void *arg, int64_t slice, int tid, int64_t node, int64_t count,
			 int64_t weight)
{
	assert_int_equal(slice, -1);
	assert_int_equal(node, 0);
	rows_add(arg, "%d:%lld/%lld;", tid, (long long)count, (long long)weight);
	return 0;
}

/* Schema version 2: totals, ranges, waits per slice, anomalies, 0600. */
static void test_version2(void **state)
{
	struct env *e = *state;
	struct store_anomaly a = { 0 };
	struct store *st;
	struct stat sb;
	struct sums s;
	struct rows r;
	int64_t w[2];
	bool renamed;
	char *err = NULL;

	write_sample_recording(e->db);
	assert_int_equal(stat(e->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_int_equal(store_schema_version(st), 2);

	/* totals: one row per (tid, node) however many slices */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample_total(st, KIND_CPU, 0, sample_cb, &s), 0);
	assert_int_equal(s.rows, 2);
	assert_int_equal(s.count[2], 8);
	assert_int_equal(s.weight[2], 8000);
	assert_int_equal(s.count[3], 5);
	/* a range keeps its slices only */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample_range(st, KIND_CPU, 0, 1, 1, sample_cb, &s), 0);
	assert_int_equal(s.count[2], 1);
	assert_int_equal(s.count[3], 5);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample_range(st, KIND_CPU, 10, -1, 0, sample_cb, &s), 0);
	assert_int_equal(s.count[2], 7);
	assert_int_equal(s.count[3], 0);
	/* per thread, whole and in a range, one kind or all */
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_thread_sum(st, KIND_CPU, -1, -1, thread_sum_cb, &r), 0);
	assert_string_equal(r.buf, "10:8/8000;11:5/5000;");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_thread_sum(st, KIND_CPU, 1, 1, thread_sum_cb, &r), 0);
	assert_string_equal(r.buf, "10:1/1000;11:5/5000;");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_thread_sum(st, KIND_SEL_WALL, -1, -1, thread_sum_cb, &r), 0);
	assert_string_equal(r.buf, "10:8/8000;11:12/75000;");
	store_free(st);

	/* waits per slice, and a range over them */
	unlink(e->db);
	assert_int_equal(store_create(e->db, &st, &renamed, &err), 0);
	assert_int_equal(store_begin(st), 0);
	store_set_wait_slice(st, 0);
	assert_int_equal(store_add_syscall(st, 10, 7, "poll", 2, 0, 200, 150), 0);
	store_set_wait_slice(st, 5);
	assert_int_equal(store_add_syscall(st, 10, 7, "poll", 3, 1, 900, 400), 0);
	a.start_ns = 1000;
	a.end_ns = 3000;
	a.function = "hot";
	a.baseline = 0.1;
	a.observed = 0.3;
	assert_int_equal(store_add_anomaly(st, &a), 0);
	a.start_ns = 500;
	a.function = "early";
	a.module = "prog";
	assert_int_equal(store_add_anomaly(st, &a), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(e->db, &st, &err), 0);
	memset(w, 0, sizeof(w));
	assert_int_equal(store_each_syscall(st, 0, count_row, w), 0);
	assert_int_equal(w[0], 5);
	assert_int_equal(w[1], 1100);
	assert_true(store_set_wait_range(st, 3, -1));
	memset(w, 0, sizeof(w));
	assert_int_equal(store_each_syscall(st, 10, count_row, w), 0);
	assert_int_equal(w[0], 3);
	assert_int_equal(w[1], 900);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_anomaly(st, anomaly_cb, &r), 0);
	assert_string_equal(r.buf, "500-3000:early@prog:0.30>0.10;1000-3000:hot@NULL:0.30>0.10;");
	store_free(st);
}

/* A version 1 file: no totals, no slices on waits, no anomalies table. */
static void test_version1_still_read(void **state)
{
	struct env *e = *state;
	struct store *st;
	struct sums s;
	struct rows r;
	char *err = NULL;

	write_sample_recording(e->db);
	sql(e->db, "DROP TABLE samples_total; DROP TABLE anomalies; DROP TABLE syscalls;"
		   "CREATE TABLE syscalls(tid INTEGER NOT NULL, nr INTEGER NOT NULL, name TEXT,"
		   " count INTEGER NOT NULL, errors INTEGER NOT NULL, total_ns INTEGER NOT NULL,"
		   " max_ns INTEGER NOT NULL, PRIMARY KEY(tid, nr)) WITHOUT ROWID;"
		   "DROP TABLE io;"
		   "ALTER TABLE modules DROP COLUMN soname; ALTER TABLE modules DROP COLUMN main;"
		   "ALTER TABLE frames DROP COLUMN linkage_name;"
		   "PRAGMA user_version = 1; UPDATE meta SET value = 1 WHERE key = 'schema_version'");
	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_int_equal(store_schema_version(st), 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample_total(st, KIND_CPU, 0, sample_cb, &s), 0);
	assert_int_equal(s.count[2], 8);
	assert_int_equal(s.count[3], 5);
	assert_false(store_set_wait_range(st, 1, 2));
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_anomaly(st, anomaly_cb, &r), 0);
	assert_int_equal(r.len, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_each_module(st, module_cb, &r), 0);
	assert_string_equal(r.buf, "1,/usr/bin/prog,abcd,user,NULL,1;"
			    "2,[kernel.kallsyms],NULL,kernel,NULL,0;");
	store_free(st);
}

static void test_open_newer_schema(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("'%s' has schema version 3; this hotstack reads up to 2: "
				 "upgrade hotstack", e->db);

	write_sample_recording(e->db);
	sql(e->db, "PRAGMA user_version = 3");
	expect_open_error(e->db, expect);

	/* the meta copy of the version counts too */
	unlink(e->db);
	write_sample_recording(e->db);
	sql(e->db, "UPDATE meta SET value = 3 WHERE key = 'schema_version'");
	expect_open_error(e->db, expect);
	free(expect);
}

static void test_open_foreign_sqlite(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("'%s' is a SQLite database but not a hotstack recording", e->db);

	sql(e->db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
	expect_open_error(e->db, expect);
	/* the right application_id without a meta table is not enough */
	unlink(e->db);
	sql(e->db, "PRAGMA application_id = 1213420626; CREATE TABLE t(x)");
	expect_open_error(e->db, expect);
	free(expect);
}

static void test_open_missing_table(void **state)
{
	struct env *e = *state;
	char *expect = xasprintf("'%s' is corrupt (table 'samples' is missing)", e->db);

	write_sample_recording(e->db);
	sql(e->db, "DROP TABLE samples");
	expect_open_error(e->db, expect);
	free(expect);
}

/* ---- a recorder killed without store_close() -------------------------- */

static void killed_writer(const char *path)
{
	struct store *st;
	bool renamed;
	char *err;
	int i;

	if (store_create(path, &st, &renamed, &err))
		_exit(3);
	store_begin(st);
	store_set_meta(st, "command", "killed");
	store_add_module(st, 1, "/usr/bin/prog", NULL, "user", NULL, false);
	store_add_frame(st, 1, 1, "main", NULL, NULL, 0, false, 0);
	store_add_node(st, 1, 0, 1, 1);
	for (i = 0; i < 100; i++)
		store_add_samples(st, i, 1, KIND_CPU, 1, 2, 2000);
	if (store_commit(st))
		_exit(4);
	/* this transaction never commits */
	store_begin(st);
	store_add_samples(st, 1000, 1, KIND_CPU, 1, 1000, 1000000);
	store_set_meta(st, "uncommitted", "yes");
	kill(getpid(), SIGKILL);
	_exit(5);
}

static int64_t total_count(struct store *st)
{
	struct sums s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_sample(st, KIND_CPU, 0, sample_cb, &s), 0);
	return s.count[1];
}

/* ---- stack_nodes_packed ---------------------------------------------- */

/* Node n of the packed tests: a parent before it, a frame id of 1 to 3
 * bytes, a depth. */
#define PK_NODES 230000
#define PK_FRAME(i) ((i) % 3 == 0 ? (i) * 100 : (i) % 3 == 1 ? 5 : (i) % 300)
#define PK_PARENT(i) ((i) <= 2 ? 0 : (i) % 5 == 0 ? (i) - 1 : (i) / 2)

struct node_list {
	int64_t n, bad;		/* nodes seen, and the first not as written (0: none) */
	int64_t frame_of_5;	/* what node 5's frame came back as */
};

static int node_check_cb(void *arg, int64_t id, int64_t parent_id, int64_t frame_id, int depth)
{
	struct node_list *l = arg;

	l->n++;
	if (id == 5)
		l->frame_of_5 = frame_id;
	if (!l->bad && (id != l->n || parent_id != PK_PARENT(id) ||
			(id != 5 && frame_id != PK_FRAME(id)) || depth != (int)(id % 7)))
		l->bad = id;
	return 0;
}

static void check_nodes(const char *db, int64_t frame_of_5)
{
	struct node_list l = { 0, 0, 0 };
	struct store *st;
	char *err = NULL;

	assert_int_equal(store_open(db, &st, &err), 0);
	assert_int_equal(store_each_node(st, node_check_cb, &l), 0);
	store_free(st);
	assert_int_equal(l.n, PK_NODES);
	assert_int_equal(l.bad, 0);
	assert_int_equal(l.frame_of_5, frame_of_5);
}

/*
 * The writer keeps a packed copy of stack_nodes, a chunk per transaction
 * (and per megabyte); readers take the nodes from it, and from the table
 * when the copy is damaged, incomplete or was dropped because a node came
 * out of sequence.
 */
static void test_packed_nodes(void **state)
{
	/* stack_nodes_packed's columns from the saved copy, damaged */
	static const char *const damaged[] = {
		"first_id, count, CASE first_id WHEN 1 THEN substr(nodes, 1, 20) ELSE nodes END",
		"first_id, count + (first_id = 11), nodes",
		"first_id, count, CASE first_id WHEN 1 THEN x'0a0501' || substr(nodes, 4) "
		"ELSE nodes END",
		"*",	/* not damaged */
	};
	struct env *e = *state;
	struct store *st;
	bool renamed;
	char *err = NULL;
	int64_t i;

	assert_int_equal(store_create(e->db, &st, &renamed, &err), 0);
	assert_int_equal(store_begin(st), 0);
	for (i = 1; i <= PK_NODES; i++) {
		assert_int_equal(store_add_node(st, i, PK_PARENT(i), PK_FRAME(i), (int)(i % 7)), 0);
		if (i == 10 || i == 11) {	/* chunks of 10, 1, then the rest */
			assert_int_equal(store_commit(st), 0);
			assert_int_equal(store_begin(st), 0);
		}
	}
	assert_int_equal(store_close(st), 0);
	/* 230,000 nodes of 4 to 6 bytes: the last transaction in two chunks */
	assert_int_equal(sql_int(e->db, "SELECT count(*) FROM stack_nodes_packed"), 4);
	assert_int_equal(sql_int(e->db, "SELECT sum(count) FROM stack_nodes_packed"), PK_NODES);
	check_nodes(e->db, PK_FRAME(5));

	/* a table that disagrees with the copy shows which one is read */
	sql(e->db, "UPDATE stack_nodes SET frame_id = 424242 WHERE id = 5");
	check_nodes(e->db, PK_FRAME(5));

	/* the copy short of a chunk, cut, lying about its count, with a
	 * parent after its child in a chunk otherwise well formed: the table */
	sql(e->db, "CREATE TABLE saved AS SELECT * FROM stack_nodes_packed");
	sql(e->db, "DELETE FROM stack_nodes_packed WHERE first_id = 11");
	check_nodes(e->db, 424242);
	for (i = 0; i < (int64_t)ARRAY_SIZE(damaged); i++) {
		char *q = xasprintf("DELETE FROM stack_nodes_packed; INSERT INTO "
				    "stack_nodes_packed SELECT %s FROM saved", damaged[i]);

		sql(e->db, q);
		free(q);
		/* the last one is the copy restored: read again */
		check_nodes(e->db, i + 1 < (int64_t)ARRAY_SIZE(damaged) ? 424242 : PK_FRAME(5));
	}
	/* a table of that name with other columns: the table */
	sql(e->db, "DROP TABLE stack_nodes_packed; CREATE TABLE stack_nodes_packed(x)");
	check_nodes(e->db, 424242);

	/* a node replaced: no copy from then on, in the same transaction */
	unlink(e->db);
	assert_int_equal(store_create(e->db, &st, &renamed, &err), 0);
	assert_int_equal(store_begin(st), 0);
	for (i = 1; i <= PK_NODES; i++)
		assert_int_equal(store_add_node(st, i, PK_PARENT(i), PK_FRAME(i), (int)(i % 7)), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_add_node(st, 5, PK_PARENT(5), 31337, 5 % 7), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(sql_int(e->db, "SELECT count(*) FROM stack_nodes_packed"), 0);
	check_nodes(e->db, 31337);
}

static void test_killed_writer(void **state)
{
	struct env *e = *state;
	char *wal = xasprintf("%s-wal", e->db), *err = NULL, *v;
	struct store *st;
	off_t db_size, wal_size;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		killed_writer(e->db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* the committed rows live in the WAL only */
	assert_true(exists(wal));
	db_size = file_size(e->db);
	wal_size = file_size(wal);
	assert_true(wal_size > 0);

	assert_int_equal(store_open(e->db, &st, &err), 0);
	v = store_get_meta(st, "command");
	assert_string_equal(v, "killed");
	free(v);
	assert_null(store_get_meta(st, "uncommitted"));
	assert_null(store_get_meta(st, "duration_ns"));
	assert_int_equal(total_count(st), 200);
	store_free(st);
	/* reading did not checkpoint or change the recording */
	assert_int_equal(file_size(e->db), db_size);
	assert_int_equal(file_size(wal), wal_size);

	/* a new recording on top moves the database and its WAL to .old */
	{
		char *old = xasprintf("%s.old", e->db);
		bool renamed = false;

		assert_int_equal(store_create(e->db, &st, &renamed, &err), 0);
		assert_true(renamed);
		assert_int_equal(store_close(st), 0);
		assert_int_equal(store_open(old, &st, &err), 0);
		assert_int_equal(total_count(st), 200);
		store_free(st);
		assert_int_equal(store_open(e->db, &st, &err), 0);
		assert_int_equal(total_count(st), 0);
		store_free(st);
		free(old);
	}
	free(wal);
}

/*
 * A killed recording whose -shm cannot be created (a read-only directory;
 * here a symlink into a missing directory) is read from a private copy in
 * $TMPDIR, removed again by store_free().
 */
static void test_killed_writer_no_shm(void **state)
{
	struct env *e = *state;
	char *shm = xasprintf("%s-shm", e->db), *tmp = xasprintf("%s/tmp", e->dir);
	char *old_tmpdir = getenv("TMPDIR") ? xstrdup(getenv("TMPDIR")) : NULL;
	char *err = NULL, *v;
	struct store *st;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		killed_writer(e->db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(shm);
	assert_int_equal(symlink("/nonexistent-hotstack-dir/x", shm), 0);
	assert_int_equal(mkdir(tmp, 0755), 0);
	setenv("TMPDIR", tmp, 1);

	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_string_equal(store_path(st), e->db);
	v = store_get_meta(st, "command");
	assert_string_equal(v, "killed");
	free(v);
	assert_int_equal(total_count(st), 200);
	store_free(st);
	/* the copy is gone: only the (empty) tmp dir itself can be removed */
	assert_int_equal(rmdir(tmp), 0);

	if (old_tmpdir)
		setenv("TMPDIR", old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(old_tmpdir);
	free(shm);
	free(tmp);
}

/* A WAL without its database is never replayed into a new recording. */
static void test_orphan_wal(void **state)
{
	struct env *e = *state;
	char *wal = xasprintf("%s-wal", e->db), *err = NULL;
	struct store *st;
	bool renamed = true;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		killed_writer(e->db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(exists(wal));
	assert_int_equal(unlink(e->db), 0);
	assert_int_equal(store_create(e->db, &st, &renamed, &err), 0);
	assert_false(renamed);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_int_equal(total_count(st), 0);
	store_free(st);
	free(wal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_not_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version1_still_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_foreign_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer_no_shm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_wal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
