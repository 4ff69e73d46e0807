/* test-threads.c - processes and threads with CPU and off-CPU time, over
 * the whole recording and over a time range
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dbenv.h"
#include "threads.h"
#include "util.h"

static int teardown(void **state)
{
	struct dbenv *e = *state;

	threads_free(e->priv);
	return dbenv_teardown(state);
}

static const struct threads_table *load(struct dbenv *e, int64_t lo, int64_t hi)
{
	struct profile_filter f = PROFILE_FILTER_INIT;
	struct threads_table *t;
	char *err = NULL;

	threads_free(e->priv);
	e->priv = NULL;
	f.tid = 2;		/* ignored: the view lists every thread */
	f.slice_lo = lo;
	f.slice_hi = hi;
	if (threads_load(dbenv_store(e), &f, &t, &err))
		fail_msg("threads_load: %s", err);
	e->priv = t;
	return t;
}

static const struct threads_thread *thread(const struct threads_table *t, int tid)
{
	int i = threads_find(t, tid);

	if (i < 0)
		fail_msg("no thread %d", tid);
	return &t->threads[i];
}

/*
 * tid 1 "main": cpu 10 (slice 0) + 4 (slice 3), offcpu 1 x 50 ms (slice 3)
 * tid 2 "io":   cpu 2 (slice 0), offcpu 3 x 100 ms (slice 0), runqueue 1 x 5 ms
 * tid 7:        cpu 6 in slice 3, no threads row
 */
static void threads_recording(struct fixture *fx)
{
	static const char *const wait[] = { "main", "read@libc" };
	struct store *st = fixture_store(fx);

	fixture_set_slice(fx, 0);
	fixture_stack(fx, 1, 10, "main;a");
	fixture_stack(fx, 2, 2, "main;b");
	fixture_stackv(fx, 2, KIND_OFFCPU, 3, 300000000, wait, 2);
	fixture_stackv(fx, 2, KIND_RUNQUEUE, 1, 5000000, wait, 2);
	fixture_set_slice(fx, 3);
	fixture_stack(fx, 1, 4, "main;a");
	fixture_stackv(fx, 1, KIND_OFFCPU, 1, 50000000, wait, 2);
	/* node 2 is main;a: a thread that sampled but was never named */
	assert_int_equal(store_add_samples(st, 3, 7, KIND_CPU, 2, 6, 6000000), 0);
	assert_int_equal(store_add_thread(st, 1, 100, "main"), 0);
	assert_int_equal(store_add_thread(st, 2, 100, "io"), 0);
	assert_int_equal(store_set_thread_times(st, 2, 1000, 90000000), 0);
	assert_int_equal(store_add_process(st, 200, 1, "other", "/usr/bin/other"), 0);
}

static void test_whole_recording(void **state)
{
	struct dbenv *e = *state;
	const struct threads_table *t;
	const struct threads_thread *th;

	threads_recording(e->fx);
	t = load(e, 0, 0);
	assert_int_equal(t->nthreads, 3);
	assert_int_equal(t->threads[0].tid, 1);
	assert_int_equal(t->threads[2].tid, 7);

	th = thread(t, 1);
	assert_string_equal(th->name, "main");
	assert_int_equal(th->cpu.count, 14);
	assert_int_equal(th->cpu.weight_ns, 14000000);
	assert_int_equal(th->offcpu.weight_ns, 50000000);
	assert_int_equal(th->runqueue.count, 0);

	th = thread(t, 2);
	assert_string_equal(th->name, "io");
	assert_int_equal(th->pid, 100);
	assert_int_equal(th->cpu.count, 2);
	assert_int_equal(th->offcpu.count, 3);
	assert_int_equal(th->offcpu.weight_ns, 300000000);
	assert_int_equal(th->runqueue.weight_ns, 5000000);
	assert_int_equal(th->start_ns, 1000);
	assert_int_equal(th->end_ns, 90000000);
	assert_int_equal(t->procs[th->process].pid, 100);

	th = thread(t, 7);
	assert_string_equal(th->name, "");
	assert_int_equal(th->pid, 0);
	assert_int_equal(th->process, -1);
	assert_int_equal(th->cpu.count, 6);

	assert_int_equal(t->nprocs, 2);
	assert_int_equal(t->procs[0].pid, 100);
	assert_string_equal(t->procs[0].exe, "/usr/bin/prog");
	assert_int_equal(t->procs[0].nthreads, 2);
	assert_int_equal(t->procs[0].cpu.count, 16);
	assert_int_equal(t->procs[0].offcpu.weight_ns, 350000000);
	assert_int_equal(t->procs[1].nthreads, 0);
	assert_int_equal(t->cpu.count, 22);
	assert_int_equal(t->offcpu.count, 4);
	assert_int_equal(t->runqueue.count, 1);
}

static void test_time_range(void **state)
{
	struct dbenv *e = *state;
	const struct threads_table *t;

	threads_recording(e->fx);
	t = load(e, 3, 0);
	assert_int_equal(t->nthreads, 3);	/* threads stay listed */
	assert_int_equal(thread(t, 1)->cpu.count, 4);
	assert_int_equal(thread(t, 1)->offcpu.count, 1);
	assert_int_equal(thread(t, 2)->cpu.count, 0);
	assert_int_equal(thread(t, 2)->offcpu.count, 0);
	assert_int_equal(thread(t, 7)->cpu.count, 6);
	assert_int_equal(t->cpu.count, 10);

	t = load(e, 0, 1);
	assert_int_equal(thread(t, 1)->cpu.count, 10);
	assert_int_equal(thread(t, 2)->offcpu.count, 3);
	assert_int_equal(thread(t, 7)->cpu.count, 0);
	assert_int_equal(t->procs[0].cpu.count, 12);
}

static void test_sorted(void **state)
{
	struct dbenv *e = *state;
	const struct threads_table *t;
	int *idx;
	size_t n;

	threads_recording(e->fx);
	t = load(e, 0, 0);
	n = threads_sorted(t, THREADS_SORT_CPU, &idx);
	assert_int_equal(n, 3);
	assert_int_equal(t->threads[idx[0]].tid, 1);
	assert_int_equal(t->threads[idx[1]].tid, 7);
	assert_int_equal(t->threads[idx[2]].tid, 2);
	free(idx);
	n = threads_sorted(t, THREADS_SORT_OFFCPU, &idx);
	assert_int_equal(t->threads[idx[0]].tid, 2);
	assert_int_equal(t->threads[idx[1]].tid, 1);
	assert_int_equal(t->threads[idx[2]].tid, 7);	/* tie at 0: tid */
	free(idx);
	n = threads_sorted(t, THREADS_SORT_NAME, &idx);
	assert_int_equal(t->threads[idx[0]].tid, 7);	/* "" first */
	assert_int_equal(t->threads[idx[1]].tid, 2);
	assert_int_equal(t->threads[idx[2]].tid, 1);
	free(idx);
	assert_int_equal(threads_find(t, 5), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whole_recording, dbenv_setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_range, dbenv_setup, teardown),
		cmocka_unit_test_setup_teardown(test_sorted, dbenv_setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
