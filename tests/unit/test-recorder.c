/* test-recorder.c - the recorder's aggregation and commit rules, without
 * perf events, ptrace or root
 *
 * A recorder with no source (RECORDER_NONE) is fed synthetic sampler
 * events: samples whose stacks are kernel call chains, resolved through a
 * small kallsyms file the test writes, so every frame name is known. Its
 * clock is the test's, so when commits happen is decided here, and the
 * recording is read back through the store and the profile layer, also
 * while the recorder still has it open (what a killed recorder leaves).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "profile.h"
#include "recorder.h"
#include "store.h"
#include "util.h"

#define MS 1000000ull
#define T0 (1000 * MS)	/* the test clock at recorder_open() */

/* addresses in the fake kernel: outer() calls middle() calls inner() */
#define K_OUTER 0xffffffff81000000ull
#define K_MIDDLE 0xffffffff81001000ull
#define K_INNER 0xffffffff81002000ull
#define K_OTHER 0xffffffff81003000ull

struct env {
	char *dir;
	char *db;
	char *kallsyms;
	uint64_t clock;
	struct recorder_config cfg;
};

static uint64_t test_clock(void *arg)
{
	return ((struct env *)arg)->clock;
}

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));
	FILE *f;

	e->dir = fixture_tmpdir();
	e->db = xasprintf("%s/rec.db", e->dir);
	e->kallsyms = xasprintf("%s/kallsyms", e->dir);
	f = fopen(e->kallsyms, "w");
	assert_non_null(f);
	fprintf(f, "%llx T outer\n%llx T middle\n%llx t inner\n%llx T other\n",
		(unsigned long long)K_OUTER, (unsigned long long)K_MIDDLE,
		(unsigned long long)K_INNER, (unsigned long long)K_OTHER);
	fclose(f);
	e->clock = T0;
	e->cfg.output = e->db;
	e->cfg.method = RECORDER_NONE;
	e->cfg.clock = test_clock;
	e->cfg.clock_arg = e;
	e->cfg.kallsyms_path = e->kallsyms;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fixture_rmdir(e->dir);
	free(e->dir);
	free(e->db);
	free(e->kallsyms);
	free(e);
	return 0;
}

static struct recorder *open_recorder(struct env *e)
{
	struct recorder *r;
	bool renamed;
	char *err = NULL;

	assert_int_equal(recorder_open(&r, &e->cfg, &renamed, &err), 0);
	assert_null(err);
	return r;
}

static void feed_comm(struct recorder *r, uint32_t pid, uint32_t tid, const char *name, bool exec,
		      uint64_t time)
{
	struct sampler_event ev = { .type = SEV_COMM, .pid = pid, .tid = tid, .time = time };

	ev.comm.comm = name;
	ev.comm.exec = exec;
	recorder_feed(r, &ev);
}

/* A sample on tid at time whose stack is chain (leaf first), n frames. */
static void feed_sample(struct recorder *r, uint32_t pid, uint32_t tid, uint64_t time,
			const uint64_t *chain, int n)
{
	struct sampler_event ev = { .type = SEV_SAMPLE, .pid = pid, .tid = tid, .time = time };

	ev.sample.ip = chain[0];
	ev.sample.period = MS;
	ev.sample.nkchain = n;
	ev.sample.kchain = chain;
	recorder_feed(r, &ev);
}

static const uint64_t deep[] = { K_INNER + 0x10, K_MIDDLE + 0x20, K_OUTER + 0x30 };
static const uint64_t shallow[] = { K_OTHER + 4, K_OUTER + 0x40 };

/* The meta value of key in the recording as it is on disk now. */
static int64_t meta_int(const char *path, const char *key, int64_t dflt)
{
	struct store *st;
	char *err = NULL, *v;
	int64_t n;

	if (store_open(path, &st, &err)) {
		fail_msg("store_open: %s", err);
		return dflt;
	}
	v = store_get_meta(st, key);
	n = int_or(v, dflt);
	free(v);
	store_free(st);
	return n;
}

/* The meta text of key (malloc'd), NULL if absent. */
static char *meta_str(const char *path, const char *key)
{
	struct store *st;
	char *err = NULL, *v;

	if (store_open(path, &st, &err)) {
		fail_msg("store_open: %s", err);
		return NULL;
	}
	v = store_get_meta(st, key);
	store_free(st);
	return v;
}

/* meta state is value. */
static void assert_state(const char *path, const char *value)
{
	char *v = meta_str(path, "state");

	assert_non_null(v);
	assert_string_equal(v, value);
	free(v);
}

struct slice_sum {
	int64_t count[8][2];	/* [slice][tid 100 or 101] */
	int64_t weight;
	int rows;
};

static int sum_sample(void *arg, int64_t slice, int tid, int64_t node UNUSED, int64_t count,
		      int64_t weight)
{
	struct slice_sum *s = arg;

	assert_in_range(slice, 0, 7);
	assert_in_range(tid, 100, 101);
	s->count[slice][tid - 100] += count;
	s->weight += weight;
	s->rows++;
	return 0;
}

/* Samples land in their 100 ms slice and thread, stacks become call paths
 * root first, threads and processes get their names, exits their times. */
static void test_aggregation(void **state)
{
	struct env *e = *state;
	struct recorder *r = open_recorder(e);
	struct sampler_event ev = { .type = SEV_FORK, .pid = 100, .tid = 101 };
	struct recorder_stats rs;
	struct profile *p;
	struct profile_folded *folded;
	struct slice_sum sum = { 0 };
	struct store *st;
	char *err = NULL;
	size_t n, i;
	bool seen_deep = false, seen_shallow = false;

	assert_int_equal(recorder_start(r), 0);
	feed_comm(r, 100, 100, "app", true, T0 + 1 * MS);
	ev.time = T0 + 2 * MS;
	ev.fork.ppid = 100;
	ev.fork.ptid = 100;
	recorder_feed(r, &ev);
	feed_comm(r, 100, 101, "worker", false, T0 + 3 * MS);
	/* slice 0: 3 deep samples on 100; slice 2: 2 shallow on 101, 1 deep on 100 */
	for (i = 0; i < 3; i++)
		feed_sample(r, 100, 100, T0 + (10 + i) * MS, deep, 3);
	feed_sample(r, 100, 101, T0 + 210 * MS, shallow, 2);
	feed_sample(r, 100, 101, T0 + 250 * MS, shallow, 2);
	feed_sample(r, 100, 100, T0 + 299 * MS, deep, 3);
	/* a lost record counts what the kernel dropped */
	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_LOST;
	ev.lost.count = 7;
	recorder_feed(r, &ev);
	/* the worker ends, then the process */
	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_EXIT;
	ev.pid = 100;
	ev.tid = 101;
	ev.time = T0 + 300 * MS;
	recorder_feed(r, &ev);
	ev.tid = 100;
	ev.time = T0 + 310 * MS;
	recorder_feed(r, &ev);

	recorder_stats(r, &rs);
	assert_int_equal(rs.samples, 6);
	assert_int_equal(rs.lost, 7);
	assert_int_equal(rs.unwind_errors, 0);
	assert_int_equal(rs.threads, 2);
	assert_int_equal(rs.processes, 1);
	assert_int_equal(rs.processes_ended, 1);
	e->clock = T0 + 400 * MS;
	assert_int_equal(recorder_finish(r, 0), 0);
	recorder_free(r);

	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_int_equal(store_each_sample(st, KIND_CPU, 0, sum_sample, &sum), 0);
	assert_int_equal(sum.count[0][0], 3);
	assert_int_equal(sum.count[2][0], 1);
	assert_int_equal(sum.count[2][1], 2);
	assert_int_equal(sum.count[1][0] + sum.count[1][1], 0);
	assert_int_equal(sum.weight, 6 * MS);
	/* one row per (slice, thread, stack) */
	assert_int_equal(sum.rows, 3);
	store_free(st);

	assert_int_equal(meta_int(e->db, "samples", -1), 6);
	assert_int_equal(meta_int(e->db, "lost", -1), 7);
	assert_int_equal(meta_int(e->db, "finished", -1), 1);
	assert_state(e->db, "finished");
	assert_int_equal(meta_int(e->db, "exit_status", -1), 0);
	assert_int_equal(meta_int(e->db, "duration_ns", -1), (int64_t)(400 * MS));

	assert_int_equal(profile_open(e->db, NULL, &p, &err), 0);
	n = profile_folded(p, &folded);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (!strcmp(folded[i].stack, "outer_[k];middle_[k];inner_[k]")) {
			assert_int_equal(folded[i].value.count, 4);
			seen_deep = true;
		} else if (!strcmp(folded[i].stack, "outer_[k];other_[k]")) {
			assert_int_equal(folded[i].value.count, 2);
			seen_shallow = true;
		} else {
			fail_msg("unexpected stack '%s'", folded[i].stack);
		}
	}
	assert_true(seen_deep && seen_shallow);
	profile_folded_free(folded, n);
	profile_free(p);
}

struct thread_row {
	int64_t start[2], end[2];
	char name[2][16];
};

static int each_thread_time(void *arg, const int64_t *ints, const char *const *texts)
{
	struct thread_row *t = arg;
	int i = (int)ints[0] - 100;

	assert_in_range(i, 0, 1);
	assert_int_equal(ints[1], 100);
	t->start[i] = ints[2];
	t->end[i] = ints[3];
	snprintf(t->name[i], sizeof(t->name[i]), "%s", texts[0] ? texts[0] : "");
	return 0;
}

/* Thread names and lifetimes reach the store: a new thread starts with its
 * creator's name until it names itself. */
static void test_threads(void **state)
{
	struct env *e = *state;
	struct recorder *r = open_recorder(e);
	struct sampler_event ev = { .type = SEV_FORK, .pid = 100, .tid = 101 };
	struct thread_row t;
	struct store *st;
	char *err = NULL;

	memset(&t, 0, sizeof(t));
	feed_comm(r, 100, 100, "app", true, T0 + 1 * MS);
	ev.time = T0 + 50 * MS;
	ev.fork.ppid = 100;
	ev.fork.ptid = 100;
	recorder_feed(r, &ev);
	feed_sample(r, 100, 101, T0 + 60 * MS, shallow, 2);
	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_EXIT;
	ev.pid = 100;
	ev.tid = 101;
	ev.time = T0 + 80 * MS;
	recorder_feed(r, &ev);
	e->clock = T0 + 100 * MS;
	assert_int_equal(recorder_finish(r, -1), 0);
	recorder_free(r);

	assert_int_equal(store_open(e->db, &st, &err), 0);
	assert_int_equal(store_each_thread_time(st, each_thread_time, &t), 0);
	store_free(st);
	assert_string_equal(t.name[0], "app");
	assert_string_equal(t.name[1], "app");
	assert_int_equal(t.start[1], (int64_t)(50 * MS));
	assert_int_equal(t.end[1], (int64_t)(80 * MS));
	assert_int_equal(t.end[0], -1);
	/* no launched command: no exit status */
	assert_int_equal(meta_int(e->db, "exit_status", -1), -1);
}

/* Commits come when the last one is a commit interval old, not before;
 * what was committed is readable while the recorder still runs. */
static void test_commit_rule(void **state)
{
	struct env *e = *state;
	struct recorder *r;
	struct recorder_stats rs;

	e->cfg.commit_ns = 250 * MS;
	r = open_recorder(e);
	/* a follower sees a recording in progress from the start */
	assert_state(e->db, "recording");
	feed_sample(r, 100, 100, T0 + 10 * MS, deep, 3);
	e->clock = T0 + 249 * MS;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 0);
	assert_int_equal(meta_int(e->db, "samples", -1), -1);

	e->clock = T0 + 250 * MS;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 1);
	assert_int_equal(rs.last_commit_ns, T0 + 250 * MS);
	assert_int_equal(meta_int(e->db, "samples", -1), 1);

	/* the interval counts from the last commit */
	feed_sample(r, 100, 100, T0 + 260 * MS, deep, 3);
	feed_sample(r, 100, 100, T0 + 270 * MS, deep, 3);
	e->clock = T0 + 400 * MS;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 1);
	assert_int_equal(meta_int(e->db, "samples", -1), 1);
	e->clock = T0 + 500 * MS;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 2);
	assert_int_equal(meta_int(e->db, "samples", -1), 3);
	/* an explicit commit resets the interval */
	feed_sample(r, 100, 100, T0 + 510 * MS, deep, 3);
	e->clock = T0 + 600 * MS;
	assert_int_equal(recorder_commit(r), 0);
	e->clock = T0 + 800 * MS;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 3);
	assert_int_equal(meta_int(e->db, "samples", -1), 4);
	/* not finished: what a killed recorder leaves */
	assert_int_equal(meta_int(e->db, "finished", 0), 0);
	assert_state(e->db, "recording");
	recorder_free(r);
	assert_int_equal(meta_int(e->db, "samples", -1), 4);
}

/* Without a commit interval given, commits come at least every
 * RECORDER_COMMIT_NS, so a killed recording loses at most that. */
static void test_commit_default(void **state)
{
	struct env *e = *state;
	struct recorder *r = open_recorder(e);
	struct recorder_stats rs;

	feed_sample(r, 100, 100, T0 + 10 * MS, deep, 3);
	e->clock = T0 + RECORDER_COMMIT_NS - 1;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 0);
	e->clock = T0 + RECORDER_COMMIT_NS;
	assert_int_equal(recorder_poll(r, 0), 0);
	recorder_stats(r, &rs);
	assert_int_equal(rs.commits, 1);
	assert_int_equal(meta_int(e->db, "samples", -1), 1);
	recorder_free(r);
}

/* A recording whose command never ran is removed, and the file it
 * replaced comes back. */
static void test_discard(void **state)
{
	struct env *e = *state;
	char *old = xasprintf("%s.old", e->db), *wal = xasprintf("%s-wal", e->db);
	struct recorder *r;
	struct stat sb;
	bool renamed = false;
	char *err = NULL;
	FILE *f = fopen(e->db, "w");

	char *oldwal = xasprintf("%s.old-wal", e->db);

	assert_non_null(f);
	fputs("precious\n", f);
	fclose(f);
	/* its -wal goes aside with it and comes back with it */
	f = fopen(wal, "w");
	assert_non_null(f);
	fputs("w\n", f);
	fclose(f);
	assert_int_equal(recorder_open(&r, &e->cfg, &renamed, &err), 0);
	assert_true(renamed);
	assert_int_equal(stat(old, &sb), 0);
	recorder_discard(r);
	assert_int_equal(stat(e->db, &sb), 0);
	assert_int_equal(sb.st_size, 9);
	assert_int_not_equal(stat(old, &sb), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 2);
	assert_int_not_equal(stat(oldwal, &sb), 0);
	unlink(wal);
	free(oldwal);
	free(old);
	free(wal);
}

/* An output that cannot be created fails with one line, nothing left. */
static void test_open_fails(void **state)
{
	struct env *e = *state;
	struct recorder *r = (struct recorder *)1;
	bool renamed;
	char *err = NULL, *bad = xasprintf("%s/no/such/dir/x.db", e->dir);

	e->cfg.output = bad;
	assert_int_not_equal(recorder_open(&r, &e->cfg, &renamed, &err), 0);
	assert_null(r);
	assert_non_null(err);
	assert_null(strchr(err, '\n'));
	free(err);
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aggregation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
