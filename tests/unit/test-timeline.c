/* test-timeline.c - time ranges: the profile's range filter, the timeline
 * (slices re-bucketed into chart columns, anomaly marks) and the waits
 * summary over a range, on hand-built recordings
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "dbenv.h"
#include "profile.h"
#include "timeline.h"
#include "util.h"
#include "waitsummary.h"

/* Close the recording and open it for reading. */
static struct store *reopen(struct dbenv *e)
{
	return dbenv_store(e);
}

/*
 * slice 0: tid 1 main;a x10, tid 2 main;b x5
 * slice 1: tid 1 main;a x1
 * slice 5: tid 1 main;b x20
 * (duration 2 s: 20 slices of 100 ms)
 */
static void three_phases(struct fixture *fx)
{
	fixture_set_slice(fx, 0);
	fixture_stack(fx, 1, 10, "main;a");
	fixture_stack(fx, 2, 5, "main;b");
	fixture_set_slice(fx, 1);
	fixture_stack(fx, 1, 1, "main;a");
	fixture_set_slice(fx, 5);
	fixture_stack(fx, 1, 20, "main;b");
}

/* Total samples of function name under filter f (0 if absent). */
static uint64_t count_of(struct store *st, const struct profile_filter *f, const char *name)
{
	struct profile *p;
	char *err = NULL;
	uint64_t n = 0;
	int i;

	if (profile_load(st, f, &p, &err))
		fail_msg("profile_load: %s", err);
	if (!name) {
		n = p->totals.samples;
	} else {
		i = profile_find_func(p, name, NULL);
		n = i >= 0 ? p->funcs[i].total.count : 0;
	}
	profile_free(p);
	return n;
}

static struct profile_filter range(int tid, int64_t lo, int64_t hi)
{
	struct profile_filter f = PROFILE_FILTER_INIT;

	f.tid = tid;
	f.slice_lo = lo;
	f.slice_hi = hi;
	return f;
}

static void test_range_filter(void **state)
{
	struct dbenv *e = *state;
	struct profile_filter all = PROFILE_FILTER_INIT, f;
	struct store *st;

	three_phases(e->fx);
	st = reopen(e);
	assert_false(profile_filter_has_range(&all));
	assert_int_equal(count_of(st, &all, NULL), 36);
	assert_int_equal(count_of(st, &all, "a"), 11);
	assert_int_equal(count_of(st, &all, "b"), 25);

	f = range(0, 0, 1);		/* the first slice */
	assert_true(profile_filter_has_range(&f));
	assert_int_equal(count_of(st, &f, NULL), 15);
	assert_int_equal(count_of(st, &f, "a"), 10);
	assert_int_equal(count_of(st, &f, "b"), 5);

	f = range(0, 1, 6);		/* slices 1..5 */
	assert_int_equal(count_of(st, &f, "a"), 1);
	assert_int_equal(count_of(st, &f, "b"), 20);

	f = range(0, 5, 0);		/* open end */
	assert_int_equal(count_of(st, &f, NULL), 20);
	assert_int_equal(count_of(st, &f, "a"), 0);

	f = range(0, 2, 5);		/* nothing there */
	assert_int_equal(count_of(st, &f, NULL), 0);
	f = range(0, 3, 3);		/* empty */
	assert_int_equal(count_of(st, &f, NULL), 0);
	f = range(0, 4, 2);		/* upside down: empty too */
	assert_int_equal(count_of(st, &f, NULL), 0);
}

static void test_range_and_thread(void **state)
{
	struct dbenv *e = *state;
	struct profile_filter f;
	struct store *st;

	three_phases(e->fx);
	st = reopen(e);
	f = range(1, 0, 0);
	assert_int_equal(count_of(st, &f, NULL), 31);
	f = range(2, 0, 0);
	assert_int_equal(count_of(st, &f, NULL), 5);
	f = range(1, 0, 2);
	assert_int_equal(count_of(st, &f, "a"), 11);
	assert_int_equal(count_of(st, &f, "b"), 0);
	f = range(2, 5, 0);
	assert_int_equal(count_of(st, &f, NULL), 0);
	f = range(1, 5, 6);
	assert_int_equal(count_of(st, &f, "b"), 20);
}

struct slice_sum {
	int64_t min_slice, max_slice;
	int64_t count;
};

static int sum_row(void *arg, int64_t slice, int tid UNUSED, int node UNUSED, int64_t count,
		   int64_t weight_ns UNUSED)
{
	struct slice_sum *s = arg;

	if (slice < s->min_slice)
		s->min_slice = slice;
	if (slice > s->max_slice)
		s->max_slice = slice;
	s->count += count;
	return 0;
}

/* profile_each_sample() (diff's per-slice statistics) keeps to the range. */
static void test_each_sample_in_range(void **state)
{
	struct dbenv *e = *state;
	struct profile_filter f = range(0, 1, 0);
	struct slice_sum s = { 1000, -1, 0 };
	struct profile *p;
	char *err = NULL;
	struct store *st;

	three_phases(e->fx);
	st = reopen(e);
	if (profile_load(st, &f, &p, &err))
		fail_msg("%s", err);
	assert_int_equal(profile_each_sample(st, p, sum_row, &s), 0);
	assert_int_equal(s.count, 21);
	assert_int_equal(s.min_slice, 1);
	assert_int_equal(s.max_slice, 5);
	profile_free(p);
}

static struct timeline *tl_load(struct store *st, int tid)
{
	struct profile_filter f = range(tid, 3, 4);	/* the range is ignored */
	struct timeline *t;
	char *err = NULL;

	if (timeline_load(st, &f, &t, &err))
		fail_msg("timeline_load: %s", err);
	return t;
}

static void test_timeline_slices(void **state)
{
	struct dbenv *e = *state;
	struct timeline *t;

	three_phases(e->fx);
	t = tl_load(reopen(e), 0);
	assert_int_equal(t->slice_ns, STORE_SLICE_NS);
	assert_int_equal(t->nslices, 20);	/* 2 s of 100 ms */
	assert_int_equal(t->slices[0].count, 15);
	assert_int_equal(t->slices[1].count, 1);
	assert_int_equal(t->slices[2].count, 0);
	assert_int_equal(t->slices[5].count, 20);
	assert_int_equal(t->slices[5].weight_ns, 20000000);
	assert_int_equal(t->total.count, 36);
	assert_int_equal(t->max_count, 20);
	assert_int_equal(t->nmarks, 0);
	timeline_free(t);

	t = tl_load(e->st, 2);
	assert_int_equal(t->total.count, 5);
	assert_int_equal(t->slices[0].count, 5);
	assert_int_equal(t->slices[5].count, 0);
	assert_int_equal(t->max_count, 5);
	timeline_free(t);
}

static void test_timeline_columns(void **state)
{
	struct dbenv *e = *state;
	struct timeline_column cols[64];
	struct timeline *t;
	size_t n, ncols, c;
	int64_t s;

	three_phases(e->fx);
	t = tl_load(reopen(e), 0);

	n = timeline_columns(t, 10, cols);	/* two slices a column */
	assert_int_equal(n, 10);
	assert_int_equal(cols[0].slice_lo, 0);
	assert_int_equal(cols[0].slice_hi, 2);
	assert_int_equal(cols[0].value.count, 16);
	assert_int_equal(cols[1].value.count, 0);
	assert_int_equal(cols[2].value.count, 20);
	assert_int_equal(cols[9].slice_hi, 20);

	n = timeline_columns(t, 40, cols);	/* not stretched */
	assert_int_equal(n, 20);
	assert_int_equal(cols[5].value.count, 20);
	assert_int_equal(cols[19].slice_lo, 19);

	n = timeline_columns(t, 3, cols);	/* uneven: 6, 7, 7 slices */
	assert_int_equal(n, 3);
	assert_int_equal(cols[0].slice_hi - cols[0].slice_lo, 6);
	assert_int_equal(cols[1].slice_hi - cols[1].slice_lo, 7);
	assert_int_equal(cols[0].value.count, 36);
	assert_int_equal(cols[1].value.count + cols[2].value.count, 0);
	assert_int_equal(timeline_columns(t, 0, cols), 0);

	/* every slice is in exactly the column timeline_slice_column() names */
	for (ncols = 1; ncols <= 25; ncols++) {
		uint64_t sum = 0;

		n = timeline_columns(t, ncols, cols);
		for (c = 0; c < n; c++) {
			sum += cols[c].value.count;
			if (c)
				assert_int_equal(cols[c].slice_lo, cols[c - 1].slice_hi);
		}
		assert_int_equal(sum, 36);
		assert_int_equal(cols[n - 1].slice_hi, 20);
		for (s = 0; s < 20; s++) {
			c = timeline_slice_column(t, ncols, s);
			assert_true(c < n);
			assert_true(cols[c].slice_lo <= s && s < cols[c].slice_hi);
		}
	}
	timeline_free(t);
}

static void test_timeline_marks(void **state)
{
	struct dbenv *e = *state;
	struct store_anomaly a = { 0, 450000000, 700000000, "b", "/usr/bin/prog", 0.2, 0.9, 5.0 };
	struct timeline_column cols[10];
	struct timeline *t;
	size_t c;

	three_phases(e->fx);
	assert_int_equal(store_add_anomaly(fixture_store(e->fx), &a), 0);
	t = tl_load(reopen(e), 0);
	assert_int_equal(t->nmarks, 1);
	assert_string_equal(t->marks[0].function, "b");
	assert_int_equal(t->marks[0].slice_lo, 4);
	assert_int_equal(t->marks[0].slice_hi, 7);	/* ends on the boundary of 7 */
	assert_float_equal(t->marks[0].observed, 0.9, 1e-9);
	assert_int_equal(timeline_columns(t, 10, cols), 10);
	for (c = 0; c < 10; c++)
		assert_int_equal(cols[c].mark, c == 2 || c == 3 ? 0 : -1);
	timeline_free(t);
}

/* syscalls: read in slices 0 and 5, write in slice 5 only; io in slice 0 */
static void waits_in_slices(struct fixture *fx)
{
	struct store *st = fixture_store(fx);

	three_phases(fx);
	assert_int_equal(store_set_meta_int(st, "waits", 1), 0);
	store_set_wait_slice(st, 0);
	assert_int_equal(store_add_syscall(st, 1, 0, "read", 3, 1, 3000000, 2000000), 0);
	assert_int_equal(store_add_syscall_latency(st, 1, 0, 160, 3), 0);
	assert_int_equal(store_add_io(st, 1, "/etc/passwd", "file", 3, 300, 0, 3000000), 0);
	store_set_wait_slice(st, 5);
	assert_int_equal(store_add_syscall(st, 1, 0, "read", 1, 0, 10000000, 10000000), 0);
	assert_int_equal(store_add_syscall_latency(st, 1, 0, 186, 1), 0);
	assert_int_equal(store_add_syscall(st, 2, 1, "write", 2, 0, 4000000, 3000000), 0);
}

static const struct syscall_row *call(const struct waits_summary *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->ncalls; i++)
		if (!strcmp(w->calls[i].name, name))
			return &w->calls[i];
	return NULL;
}

static struct waits_summary *waits(struct store *st, int tid, int64_t lo, int64_t hi)
{
	struct profile_filter f = range(tid, lo, hi);
	struct waits_summary *w;
	char *err = NULL;

	if (waits_summary_load_store(st, &f, &w, &err))
		fail_msg("waits_summary_load_store: %s", err);
	return w;
}

static void test_waits_range(void **state)
{
	struct dbenv *e = *state;
	struct waits_summary *w;
	struct store *st;

	waits_in_slices(e->fx);
	st = reopen(e);
	w = waits(st, 0, 0, 0);
	assert_false(w->range_ignored);
	assert_int_equal(w->ncalls, 2);
	assert_int_equal(call(w, "read")->count, 4);
	assert_int_equal(call(w, "read")->total_ns, 13000000);
	assert_int_equal(call(w, "read")->max_ns, 10000000);
	assert_int_equal(w->nio, 1);
	assert_int_equal(w->cpu_ns, 36000000);
	waits_summary_free(w);

	w = waits(st, 0, 5, 6);
	assert_false(w->range_ignored);
	assert_int_equal(call(w, "read")->count, 1);
	assert_int_equal(call(w, "read")->errors, 0);
	assert_non_null(call(w, "write"));
	assert_int_equal(w->nio, 0);
	assert_int_equal(w->cpu_ns, 20000000);
	waits_summary_free(w);

	w = waits(st, 1, 0, 1);		/* thread and range together */
	assert_int_equal(w->ncalls, 1);
	assert_int_equal(call(w, "read")->count, 3);
	assert_int_equal(call(w, "read")->errors, 1);
	assert_null(call(w, "write"));
	waits_summary_free(w);

	/* the range does not stick to the store */
	w = waits(st, 0, 0, 0);
	assert_int_equal(call(w, "read")->count, 4);
	waits_summary_free(w);
}

/* Turn the recording into a version 1 file: waits tables without slices,
 * no samples_total. */
static void make_v1(const char *path)
{
	static const char sql[] =
		"DROP TABLE samples_total;"
		"CREATE TABLE s1 AS SELECT tid, nr, name, sum(count) AS count, sum(errors) AS errors,"
		" sum(total_ns) AS total_ns, max(max_ns) AS max_ns FROM syscalls GROUP BY tid, nr;"
		"DROP TABLE syscalls; ALTER TABLE s1 RENAME TO syscalls;"
		"CREATE TABLE l1 AS SELECT tid, nr, bucket, sum(count) AS count"
		" FROM syscall_latency GROUP BY tid, nr, bucket;"
		"DROP TABLE syscall_latency; ALTER TABLE l1 RENAME TO syscall_latency;"
		"CREATE TABLE e1 AS SELECT tid, nr, errno, sum(count) AS count"
		" FROM syscall_errors GROUP BY tid, nr, errno;"
		"DROP TABLE syscall_errors; ALTER TABLE e1 RENAME TO syscall_errors;"
		"CREATE TABLE k1 AS SELECT tid, nr, node_id, sum(count) AS count,"
		" sum(total_ns) AS total_ns FROM syscall_stacks GROUP BY tid, nr, node_id;"
		"DROP TABLE syscall_stacks; ALTER TABLE k1 RENAME TO syscall_stacks;"
		"CREATE TABLE i1 AS SELECT tid, target, kind, sum(calls) AS calls,"
		" sum(bytes_read) AS bytes_read, sum(bytes_written) AS bytes_written,"
		" sum(wait_ns) AS wait_ns FROM io GROUP BY tid, target;"
		"DROP TABLE io; ALTER TABLE i1 RENAME TO io;"
		"DROP TABLE anomalies; DROP TABLE IF EXISTS slice_totals;"
		"UPDATE meta SET value = 1 WHERE key = 'schema_version';"
		"PRAGMA user_version = 1;";
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("make_v1: %s", msg);
	sqlite3_close(db);
}

static void test_waits_range_v1(void **state)
{
	struct dbenv *e = *state;
	struct profile_filter f = range(0, 5, 6);
	struct waits_summary *w;
	struct timeline *t;
	struct store *st;

	waits_in_slices(e->fx);
	dbenv_close(e);
	make_v1(e->db);
	st = reopen(e);
	assert_int_equal(store_schema_version(st), 1);
	/* samples still have slices: the profile honours the range */
	assert_int_equal(count_of(st, &f, NULL), 20);
	f = range(0, 0, 0);
	assert_int_equal(count_of(st, &f, NULL), 36);
	/* the system call tables have none: whole run, and said so */
	w = waits(st, 0, 5, 6);
	assert_true(w->range_ignored);
	assert_int_equal(call(w, "read")->count, 4);
	assert_int_equal(w->cpu_ns, 20000000);
	waits_summary_free(w);
	w = waits(st, 0, 0, 0);
	assert_false(w->range_ignored);
	waits_summary_free(w);
	/* no anomalies table: no marks */
	t = tl_load(st, 0);
	assert_int_equal(t->nmarks, 0);
	assert_int_equal(t->total.count, 36);
	timeline_free(t);
}

/* A hostile slice number is not allocated for. */
static void test_timeline_huge_slice(void **state)
{
	struct dbenv *e = *state;
	struct timeline *t;

	fixture_set_slice(e->fx, 0);
	fixture_stack(e->fx, 1, 2, "main;a");
	fixture_set_slice(e->fx, INT64_C(1) << 50);
	fixture_stack(e->fx, 1, 3, "main;a");
	t = tl_load(reopen(e), 0);
	assert_int_equal(t->nslices, 20);
	assert_int_equal(t->total.count, 2);
	timeline_free(t);
}

/* Nor is a duration of centuries. */
static void test_timeline_huge_duration(void **state)
{
	struct dbenv *e = *state;
	struct timeline *t;

	fixture_stack(e->fx, 1, 2, "main;a");
	assert_int_equal(store_set_meta_int(fixture_store(e->fx), "duration_ns", INT64_MAX), 0);
	t = tl_load(reopen(e), 0);
	assert_int_equal(t->nslices, 2000000);
	assert_int_equal(t->total.count, 2);
	timeline_free(t);
}

/* ---- slice_totals: per-slice sums kept by the writer ------------------ */

/* One SQL count on the recording at path. */
static int64_t sql_count(const char *path, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

#define SUMS_FROM_SAMPLES "SELECT slice, tid, kind, sum(count), sum(weight_ns) FROM samples " \
			  "GROUP BY slice, tid, kind"
#define SUMS_WRITTEN "SELECT slice, tid, kind, count, weight_ns FROM slice_totals"

/* slice_totals holds exactly the samples summed per (slice, tid, kind);
 * returns how many rows it has. */
static int64_t assert_slice_totals_match(const char *path)
{
	int64_t n = sql_count(path, "SELECT count(*) FROM slice_totals");

	assert_int_equal(n, sql_count(path, "SELECT count(*) FROM (" SUMS_FROM_SAMPLES ")"));
	assert_int_equal(sql_count(path, "SELECT count(*) FROM (" SUMS_WRITTEN
				   " EXCEPT " SUMS_FROM_SAMPLES ")"), 0);
	assert_int_equal(sql_count(path, "SELECT count(*) FROM (" SUMS_FROM_SAMPLES
				   " EXCEPT " SUMS_WRITTEN ")"), 0);
	return n;
}

static struct timeline *tl_kind(struct store *st, int kind, int tid)
{
	struct profile_filter f = range(tid, 0, 0);
	struct timeline *t;
	char *err = NULL;

	f.kind = kind;
	if (timeline_load(st, &f, &t, &err))
		fail_msg("timeline_load: %s", err);
	return t;
}

static void assert_same_timeline(const struct timeline *a, const struct timeline *b)
{
	size_t i;

	assert_int_equal(a->nslices, b->nslices);
	for (i = 0; i < a->nslices; i++) {
		assert_int_equal(a->slices[i].count, b->slices[i].count);
		assert_int_equal(a->slices[i].weight_ns, b->slices[i].weight_ns);
	}
	assert_int_equal(a->total.count, b->total.count);
	assert_int_equal(a->total.weight_ns, b->total.weight_ns);
	assert_int_equal(a->max_count, b->max_count);
}

/* Sums per tid (1..3, 0 all) of what a reader gives. */
struct tid_sums {
	int64_t count[4], weight_ns[4];
};

static int add_tid_sum(void *arg, int64_t slice UNUSED, int tid, int64_t node UNUSED,
		       int64_t count, int64_t weight_ns)
{
	struct tid_sums *s = arg;

	assert_true(tid >= 1 && tid <= 3);
	s->count[tid] += count;
	s->weight_ns[tid] += weight_ns;
	s->count[0] += count;
	s->weight_ns[0] += weight_ns;
	return 0;
}

/* What the per-thread and per-slice readers give for kind and the slices
 * [lo, hi) (0, 0: all). */
static void reader_sums(struct store *st, int kind, int64_t lo, int64_t hi,
			struct tid_sums *threads, struct tid_sums *slices)
{
	struct profile_filter f = range(0, lo, hi);

	f.kind = kind;
	memset(threads, 0, sizeof(*threads));
	memset(slices, 0, sizeof(*slices));
	assert_int_equal(profile_filter_each_thread(st, &f, add_tid_sum, threads), 0);
	assert_int_equal(profile_filter_each_slice_sum(st, &f, add_tid_sum, slices), 0);
	assert_memory_equal(threads, slices, sizeof(*threads));
}

/*
 * Rows written across three transactions (the last one none: autocommit),
 * slice 1 of tid 1 in two of them; two kinds. The writer's sums equal the
 * samples summed, and the timeline read from them equals the one computed
 * from the samples rows (the table dropped, as in an older file).
 */
static void test_slice_totals(void **state)
{
	static const char *const ab[] = { "main", "b" };
	static const struct { int kind, tid; } sel[] = {
		{ KIND_CPU, 0 }, { KIND_CPU, 1 }, { KIND_CPU, 2 }, { KIND_OFFCPU, 0 },
		{ KIND_OFFCPU, 1 }, { KIND_SEL_WALL, 0 }, { KIND_SEL_WALL, 2 },
	};
	static const int64_t ranges[][2] = { { 0, 0 }, { 1, 2 }, { 1, 0 }, { 0, 6 }, { 6, 7 } };
	struct tid_sums fast_sums[ARRAY_SIZE(sel)][ARRAY_SIZE(ranges)], threads, slices;
	struct timeline *fast[ARRAY_SIZE(sel)], *t;
	struct dbenv *e = *state;
	struct store *w = fixture_store(e->fx);
	size_t i, r;

	three_phases(e->fx);
	fixture_stackv(e->fx, 1, KIND_OFFCPU, 3, 30000000, ab, 2);
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_begin(w), 0);
	fixture_set_slice(e->fx, 1);
	fixture_stack(e->fx, 1, 4, "main;c");		/* slice 1 again */
	fixture_stack(e->fx, 2, 2, "main;a");
	fixture_stackv(e->fx, 2, KIND_OFFCPU, 1, 5000000, ab, 2);
	assert_int_equal(store_commit(w), 0);
	fixture_set_slice(e->fx, 7);			/* no transaction */
	fixture_stack(e->fx, 2, 6, "main;b");
	fixture_set_slice(e->fx, 1);
	fixture_stack(e->fx, 1, 1, "main;a");
	dbenv_close(e);

	assert_int_equal(assert_slice_totals_match(e->db), 8);
	assert_int_equal(sql_count(e->db, "SELECT count FROM slice_totals "
				   "WHERE slice = 1 AND tid = 1 AND kind = 0"), 6);

	for (i = 0; i < ARRAY_SIZE(sel); i++) {
		fast[i] = tl_kind(dbenv_store(e), sel[i].kind, sel[i].tid);
		for (r = 0; r < ARRAY_SIZE(ranges); r++)
			reader_sums(e->st, sel[i].kind, ranges[r][0], ranges[r][1],
				    &fast_sums[i][r], &slices);
	}
	reader_sums(e->st, KIND_CPU, 1, 2, &threads, &slices);
	assert_int_equal(threads.count[1], 1 + 4 + 1);
	assert_int_equal(threads.count[2], 2);
	reader_sums(e->st, KIND_SEL_WALL, 1, 0, &threads, &slices);
	assert_int_equal(threads.count[0], 1 + 4 + 2 + 1 + 6 + 20 + 3 + 1);
	assert_int_equal(threads.weight_ns[1], (1 + 4 + 1 + 20) * 1000000 + 30000000);
	assert_int_equal(fast[0]->total.count, 36 + 4 + 2 + 6 + 1);
	assert_int_equal(fast[0]->slices[1].count, 1 + 4 + 2 + 1);
	assert_int_equal(fast[0]->slices[7].count, 6);
	assert_int_equal(fast[3]->total.weight_ns, 35000000);
	assert_int_equal(fast[4]->slices[5].count, 3);
	assert_int_equal(fast[5]->total.count, 49 + 4);
	assert_int_equal(fast[6]->slices[1].count, 3);

	/* the same timelines from the samples rows */
	store_free(e->st);
	e->st = NULL;
	assert_int_equal(sql_count(e->db, "SELECT count(*) FROM sqlite_master "
				   "WHERE name = 'slice_totals'"), 1);
	sql_count(e->db, "DROP TABLE slice_totals");
	assert_int_equal(sql_count(e->db, "SELECT count(*) FROM sqlite_master "
				   "WHERE name = 'slice_totals'"), 0);
	for (i = 0; i < ARRAY_SIZE(sel); i++) {
		t = tl_kind(dbenv_store(e), sel[i].kind, sel[i].tid);
		assert_same_timeline(fast[i], t);
		timeline_free(t);
		timeline_free(fast[i]);
		for (r = 0; r < ARRAY_SIZE(ranges); r++) {
			reader_sums(e->st, sel[i].kind, ranges[r][0], ranges[r][1], &threads,
				    &slices);
			assert_memory_equal(&threads, &fast_sums[i][r], sizeof(threads));
		}
	}
}

/* More (slice, tid, kind) sums than the writer keeps pending in one
 * transaction: written early, still exact. */
static void test_slice_totals_many(void **state)
{
	struct dbenv *e = *state;
	struct store *w = fixture_store(e->fx);
	int64_t i;

	fixture_stack(e->fx, 1, 1, "main;a");
	for (i = 0; i < 70000; i++)
		assert_int_equal(store_add_samples(w, i % 35000, 1 + (int)(i / 35000) % 2,
						   KIND_CPU, 1, 1 + i % 3, 1000), 0);
	for (i = 0; i < 70000; i += 7)
		assert_int_equal(store_add_samples(w, i, 3, KIND_OFFCPU, 2, 2, 2000), 0);
	dbenv_close(e);
	assert_int_equal(assert_slice_totals_match(e->db), 70000 + 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_range_filter, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_range_and_thread, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_each_sample_in_range, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_timeline_slices, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_timeline_columns, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_timeline_marks, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_waits_range, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_waits_range_v1, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_timeline_huge_slice, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_timeline_huge_duration, dbenv_setup,
						dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_slice_totals, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_slice_totals_many, dbenv_setup, dbenv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
