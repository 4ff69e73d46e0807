/* test-ui-query.c - the models of the Waits, Threads, Timeline and Source
 * views without a terminal: chart columns and the range a selection
 * makes, thread rows and folding, waits sections and their stacks, source
 * lines, state kept across a reload, and the keys that set every view's
 * thread and time range
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../../ui/model-compare.h"
#include "../../ui/model-query.h"
#include "../../ui/model.h"
#include "../../ui/view.h"
#include "dbenv.h"
#include "util.h"

/*
 * 20 slices of 100 ms (2 s):
 *   tid 1 "main":   main;parse:12 x4 every slice; main;slow:3 x10 in slices 5-9
 *                   blocked in main;read@libc 1 x 30 ms every slice
 *   tid 2 "worker": work;crunch:7 x6 in slices 10-19
 * waits: read (nr 0) on tid 1 every slice, an error in slice 0; a file.
 * An anomaly mark 0.5-1.0 s on slow.
 */
static void recording(struct fixture *fx)
{
	static const char *const rd[] = { "main", "read@libc" };
	struct store_anomaly a = { 0, 500000000, 1000000000, "slow", NULL, 0.0, 0.7, 9.0 };
	struct store *st = fixture_store(fx);
	int64_t s;

	assert_int_equal(store_set_meta_int(st, "waits", 1), 0);
	for (s = 0; s < 20; s++) {
		fixture_set_slice(fx, s);
		store_set_wait_slice(st, s);
		fixture_stack(fx, 1, 4, "main;parse:12");
		fixture_stackv(fx, 1, KIND_OFFCPU, 1, 30000000, rd, 2);
		if (s >= 5 && s < 10)
			fixture_stack(fx, 1, 10, "main;slow:3");
		if (s >= 10)
			fixture_stack(fx, 2, 6, "work;crunch:7");
		assert_int_equal(store_add_syscall(st, 1, 0, "read", 3, s == 0, 3000000, 2000000), 0);
		assert_int_equal(store_add_syscall_stack(st, 1, 0, 3, 1, 30000000), 0);
		assert_int_equal(store_add_io(st, 1, "/data/file", "file", 3, 300, 0, 3000000), 0);
	}
	assert_int_equal(store_add_thread(st, 1, 100, "main"), 0);
	assert_int_equal(store_add_thread(st, 2, 100, "worker"), 0);
	assert_int_equal(store_add_anomaly(st, &a), 0);
}

static struct ui_filter all_of(int tid, int64_t from, int64_t to)
{
	struct ui_filter f = { KIND_CPU, tid, from, to, false };

	return f;
}

static void test_timeline_model(void **state)
{
	struct dbenv *e = *state;
	struct ui_filter f = all_of(0, -1, -1);
	struct mtimeline m;
	int64_t from, to;
	char *err = NULL;

	recording(e->fx);
	mtimeline_init(&m);
	if (mtimeline_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	mtimeline_layout(&m, 10);	/* two slices a column */
	assert_int_equal(m.ncols, 10);
	assert_int_equal(m.cols[0].value.count, 8);
	assert_int_equal(m.cols[3].value.count, 28);	/* slices 6, 7: 2 x (4 + 10) */
	assert_int_equal(m.cols[2].mark, 0);
	assert_int_equal(m.cols[1].mark, -1);

	/* no selection: the cursor's column alone */
	mtimeline_move(&m, 3);
	mtimeline_range(&m, &from, &to);
	assert_int_equal(from, 600000000);
	assert_int_equal(to, 800000000);
	/* a selection from column 3 to 5, made backwards */
	mtimeline_move(&m, 2);
	mtimeline_anchor(&m, true);
	mtimeline_move(&m, -2);
	mtimeline_range(&m, &from, &to);
	assert_int_equal(from, 600000000);
	assert_int_equal(to, 1200000000);
	/* clamped at the ends */
	mtimeline_move(&m, -100);
	assert_int_equal(m.cursor, 0);
	mtimeline_move(&m, 100);
	assert_int_equal(m.cursor, 9);

	/* a wider chart keeps cursor and anchor on their slices */
	mtimeline_move_to(&m, 4);		/* slice 8 */
	mtimeline_layout(&m, 40);		/* one slice a column */
	assert_int_equal(m.ncols, 20);
	assert_int_equal(m.cursor, 8);
	assert_int_equal(m.anchor, 10);
	mtimeline_anchor(&m, false);
	assert_int_equal(m.anchor, -1);

	/* the filter's range is marked on the columns it touches */
	f = all_of(0, 500000000, 700000000);
	assert_false(mtimeline_in_filter(&m, 4, &f));
	assert_true(mtimeline_in_filter(&m, 5, &f));
	assert_true(mtimeline_in_filter(&m, 6, &f));
	assert_false(mtimeline_in_filter(&m, 7, &f));
	f = all_of(0, -1, -1);
	assert_false(mtimeline_in_filter(&m, 5, &f));

	/* thread 2's chart */
	f = all_of(2, -1, -1);
	if (mtimeline_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	assert_int_equal(m.cols[9].value.count, 0);
	assert_int_equal(m.cols[10].value.count, 6);
	assert_int_equal(m.t->total.count, 60);
	mtimeline_release(&m);
}

/* The ns range becomes the slices it touches. */
static void test_range_slices(void **state UNUSED)
{
	struct ui_filter f = all_of(0, 250000000, 700000000);
	struct profile_filter pf;

	model_profile_filter(&f, &pf);
	assert_int_equal(pf.slice_lo, 2);
	assert_int_equal(pf.slice_hi, 7);
	model_range_slices(&f, 50000000, &pf);
	assert_int_equal(pf.slice_lo, 5);
	assert_int_equal(pf.slice_hi, 14);
	f = all_of(0, -1, -1);
	model_profile_filter(&f, &pf);
	assert_false(profile_filter_has_range(&pf));
	f = all_of(0, 300000000, 300000000);	/* empty: still its slice */
	model_profile_filter(&f, &pf);
	assert_int_equal(pf.slice_lo, 3);
	assert_int_equal(pf.slice_hi, 4);
}

static void test_threads_model(void **state)
{
	struct dbenv *e = *state;
	struct ui_filter f = all_of(0, -1, -1);
	struct mthreads m;
	char *err = NULL;

	recording(e->fx);
	mthreads_init(&m);
	if (mthreads_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	/* process 100, then its threads by CPU time */
	assert_int_equal(m.nrows, 3);
	assert_int_equal(m.rows[0].kind, MTHREADS_PROCESS);
	assert_int_equal(mthreads_row_tid(&m, 1), 1);
	assert_int_equal(mthreads_row_tid(&m, 2), 2);
	assert_int_equal(mthreads_row_tid(&m, 0), -1);

	/* the cursor on thread 2 stays on it when a range reverses the order */
	m.list.cursor = 2;
	f = all_of(0, 1000000000, -1);
	if (mthreads_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	assert_int_equal(mthreads_row_tid(&m, 1), 2);	/* 60 samples against 40 */
	assert_int_equal(m.list.cursor, 1);
	assert_int_equal(m.t->threads[threads_find(m.t, 2)].cpu.count, 60);

	/* folding the process hides its threads; the cursor goes to it */
	mthreads_save_cursor(&m);
	mthreads_toggle(&m, 100);
	mthreads_rows(&m);
	mthreads_restore_cursor(&m);
	assert_int_equal(m.nrows, 1);
	assert_int_equal(m.list.cursor, 0);
	assert_true(mthreads_is_collapsed(&m, 100));
	mthreads_toggle(&m, 100);
	mthreads_rows(&m);
	assert_int_equal(m.nrows, 3);
	mthreads_release(&m);
}

static void test_waits_model(void **state)
{
	struct dbenv *e = *state;
	struct ui_filter f = all_of(0, -1, -1);
	struct mwaits m;
	const char *why;
	char *err = NULL;
	int row;

	recording(e->fx);
	mwaits_init(&m);
	if (mwaits_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	/* heading, stack, heading, read, heading, file */
	assert_int_equal(m.nrows, 6);
	assert_int_equal(m.rows[0].kind, MWAITS_HEADING);
	assert_int_equal(m.rows[1].kind, MWAITS_STACK);
	assert_int_equal(m.rows[3].kind, MWAITS_SYSCALL);
	assert_int_equal(m.rows[5].kind, MWAITS_IO);
	assert_int_equal(m.list.cursor, 1);		/* the first selectable row */
	assert_int_equal(mwaits_selectable(&m, 2, 1), 3);
	assert_int_equal(mwaits_selectable(&m, 2, -1), 1);
	assert_int_equal(m.w->calls[0].count, 60);
	assert_int_equal(m.w->calls[0].errors, 1);

	/* the off-CPU stack, leaf first */
	assert_int_equal(mwaits_open(&m, &why), 0);
	assert_int_equal(m.nstack, 2);
	assert_string_equal(m.stack[0], "read");
	assert_string_equal(m.stack[1], "main");
	mwaits_close(&m);
	assert_null(m.stack);
	/* I/O rows have none */
	m.list.cursor = 5;
	assert_int_equal(mwaits_open(&m, &why), -ENOENT);
	assert_non_null(strstr(why, "no stack"));

	/* the cursor stays on the read call when a range changes the rows */
	m.list.cursor = 3;
	f = all_of(0, 0, 100000000);
	if (mwaits_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	row = m.list.cursor;
	assert_int_equal(m.rows[row].kind, MWAITS_SYSCALL);
	assert_int_equal(m.w->calls[m.rows[row].index].count, 3);
	assert_int_equal(m.w->calls[m.rows[row].index].errors, 1);
	assert_int_equal(mwaits_open(&m, &why), 0);	/* where read blocked */
	assert_string_equal(m.stack[0], "read");

	/* thread 2 never waited: empty sections say so */
	f = all_of(2, -1, -1);
	if (mwaits_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	assert_null(m.stack);
	assert_int_equal(m.rows[1].kind, MWAITS_NOTE);
	assert_int_equal(mwaits_selectable(&m, 0, 1), -1);
	mwaits_release(&m);
}

/* a wait in a library is labelled by the call and the program's function
 * that made it: the library's frames between them are one gap */
static void test_waits_label(void **state)
{
	static const char *const in_lib[] = { "main", "fetch", "__libc_read@libc",
					      "__read_nocancel@libc", "ksys_read@kernel",
					      "schedule@kernel" };
	static const char *const own[] = { "main", "spin", "do_futex" };
	struct dbenv *e = *state;
	struct ui_filter f = all_of(0, -1, -1);
	struct strbuf sb = STRBUF_INIT;
	struct mwaits m;
	char *err = NULL;
	size_t i;

	assert_int_equal(store_set_meta_int(fixture_store(e->fx), "waits", 1), 0);
	fixture_stackv(e->fx, 1, KIND_OFFCPU, 1, 50000000, in_lib, ARRAY_SIZE(in_lib));
	fixture_stackv(e->fx, 1, KIND_OFFCPU, 1, 20000000, own, ARRAY_SIZE(own));
	mwaits_init(&m);
	if (mwaits_load(&m, dbenv_store(e), &f, &err))
		fail_msg("%s", err);
	assert_int_equal(m.w->nstacks, 2);
	for (i = 0; i < 2; i++) {
		strbuf_reset(&sb);
		mwaits_stack_label(&m.w->stacks[i], " < ", "~", true, &sb);
		assert_string_equal(sb.buf, i ? "do_futex < spin < main" :
					    "__read_nocancel < ~ < fetch < main  (kernel: ksys_read)");
	}
	strbuf_release(&sb);
	mwaits_release(&m);
}

static void test_source_model(void **state)
{
	struct dbenv *e = *state;
	char *dir = xasprintf("%s/src", e->dir), *file, *rule = xasprintf("=%s", dir);
	const char *remap[2];
	struct profile *p;
	struct msource m;
	char *err = NULL;
	FILE *out;
	int i;

	recording(e->fx);
	if (profile_load(dbenv_store(e), NULL, &p, &err))
		fail_msg("%s", err);

	/* no file: the sampled lines only, and why */
	msource_init(&m, NULL, 0);
	msource_show(&m, p, profile_find_func(p, "parse", NULL));
	assert_null(m.text);
	assert_non_null(m.error);
	assert_int_equal(msource_nrows(&m), 1);
	assert_int_equal(msource_row_line(&m, 0), 12);
	assert_int_equal(msource_line(&m, 12)->self.count, 80);
	assert_int_equal(msource_hottest(&m), 12);
	msource_release(&m);

	/* the fixture records "parse.c": a rule for the whole path finds it */
	assert_int_equal(mkdir(dir, 0700), 0);
	file = xasprintf("%s/parse.c", dir);
	out = fopen(file, "w");
	assert_non_null(out);
	for (i = 1; i <= 15; i++)
		fprintf(out, "line %d\n", i);
	fclose(out);
	free(rule);
	rule = xasprintf("parse.c=%s", file);
	remap[0] = "bad rule without equals";
	remap[1] = rule;
	msource_init(&m, remap, 2);
	assert_int_equal(m.nremap, 1);
	msource_show(&m, p, profile_find_func(p, "parse", NULL));
	assert_non_null(m.text);
	assert_int_equal(msource_nrows(&m), 15);
	assert_int_equal(m.list.cursor, 11);		/* on line 12, the hottest */
	assert_int_equal(msource_row_line(&m, 11), 12);
	assert_null(msource_line(&m, 11));
	msource_release(&m);

	profile_free(p);
	free(file);
	free(rule);
	free(dir);
}

/* Whether the screen shows text (rows joined by newlines). */
static bool screen_has(const struct canvas *c, const char *text)
{
	struct strbuf all = STRBUF_INIT;
	bool found;
	int y;

	for (y = 0; y < c->rows; y++) {
		canvas_row_text(c, y, &all);
		strbuf_add(&all, "\n", 1);
	}
	found = strstr(all.buf, text) != NULL;
	strbuf_release(&all);
	return found;
}

static void keys(struct ui *ui, struct canvas *c, const char *s)
{
	for (; *s; s++) {
		ui_key(ui, (unsigned char)*s);
		ui_draw(ui, c);
	}
}

/* Threads and Timeline set every view's thread and range; Esc undoes. */
static void test_filter_keys(void **state)
{
	struct dbenv *e = *state;
	struct ui_opts opts = { .path = e->db, .kind = KIND_CPU, .ascii = true };
	struct ui_filter f = all_of(0, -1, -1);
	struct ui_model *m;
	struct canvas c;
	struct ui *ui;
	char *err = NULL;

	recording(e->fx);
	dbenv_close(e);
	m = model_new(e->db);
	if (model_load(m, &f, &err))
		fail_msg("%s", err);
	canvas_init(&c, 100, 30, false);
	ui = ui_new(&opts, m, false);
	ui_draw(ui, &c);
	assert_true(screen_has(&c, "samples 190"));

	/* Timeline: cursor to slice 5, select to slice 9, apply */
	keys(ui, &c, "6lllll llll");
	assert_true(screen_has(&c, "select                      ================^^^^"));
	keys(ui, &c, "\r");
	assert_int_equal(ui->filter.from_ns, 500000000);
	assert_int_equal(ui->filter.to_ns, 1000000000);
	assert_true(screen_has(&c, "samples 70"));	/* 5 x (4 + 10) */
	keys(ui, &c, "1");
	assert_true(screen_has(&c, "slow"));
	assert_false(screen_has(&c, "crunch"));

	/* Threads within the range: Enter on worker filters to it */
	keys(ui, &c, "5jj\r");
	assert_int_equal(ui->filter.tid, 2);
	assert_int_equal(ui->filter.from_ns, 500000000);
	assert_true(screen_has(&c, "samples 0"));
	/* Esc undoes the thread, then the range */
	keys(ui, &c, "\x1b");
	assert_int_equal(ui->filter.tid, 0);
	assert_true(screen_has(&c, "samples 70"));
	keys(ui, &c, "\x1b");
	assert_int_equal(ui->filter.from_ns, -1);
	assert_true(screen_has(&c, "samples 190"));
	/* x in the timeline clears a range in one key */
	keys(ui, &c, "6 l\rx");
	assert_int_equal(ui->filter.from_ns, -1);
	assert_int_equal(ui->filter.to_ns, -1);

	/* Waits: Enter opens the stack, q closes it without quitting */
	keys(ui, &c, "4\r");
	assert_true(screen_has(&c, "off-CPU stack"));
	keys(ui, &c, "q");
	assert_false(ui->quit);
	assert_false(screen_has(&c, "off-CPU stack"));
	ui_free(ui);
	canvas_release(&c);
	model_free(m);
}

/* Two recordings, hash 3x the work after; the comparison runs in the
 * background and puts hash first, slower. */
static void test_compare_model(void **state)
{
	struct dbenv *e = *state;
	char *after = xasprintf("%s/after.db", e->dir);
	const char *before_v[1], *after_v[1];
	struct ui_opts opts = { .kind = KIND_CPU, .ascii = true };
	struct ui_filter f = all_of(0, -1, -1);
	struct fixture *fx = fixture_create(after);
	struct ui_model *m;
	struct mcompare c;
	struct ui *ui;
	char *err = NULL;
	int64_t s;

	for (s = 0; s < 40; s++) {
		fixture_set_slice(e->fx, s);
		fixture_set_slice(fx, s);
		fixture_stack(e->fx, 1, 10, "main;hash");
		fixture_stack(e->fx, 1, 10, "main;steady");
		fixture_stack(fx, 1, 30, "main;hash");
		fixture_stack(fx, 1, 10, "main;steady");
	}
	fixture_close(fx);
	dbenv_close(e);
	before_v[0] = e->db;
	after_v[0] = after;
	opts.before = before_v;
	opts.nbefore = 1;
	opts.after = after_v;
	opts.nafter = 1;
	if (ui_model_open(&opts, &m, &err))
		fail_msg("%s", err);
	assert_string_equal(m->path, after);
	ui = ui_new(&opts, m, false);

	mcompare_init(&c);
	mcompare_start(&c, ui, &f);
	mcompare_start(&c, ui, &f);	/* the first job is abandoned */
	assert_true(mcompare_busy(&c));
	assert_int_equal(ui->background, 2);	/* one for the view, one here */
	mcompare_wait(&c, ui);
	assert_false(mcompare_busy(&c));
	assert_int_equal(ui->background, 1);
	assert_null(c.error);
	assert_non_null(c.result);
	assert_string_equal(c.result->rows[0].name, "hash");
	assert_int_equal(c.result->rows[0].verdict, DIFF_SLOWER);
	assert_true(c.result->rows[0].delta_pct > 150);
	assert_int_equal(c.result->total.verdict, DIFF_SLOWER);
	mcompare_release(&c, ui);

	/* the view: the same row first, with its glyph and verdict */
	{
		struct canvas cv;
		struct strbuf sb = STRBUF_INIT;

		canvas_init(&cv, 100, 30, false);
		ui_draw(ui, &cv);
		while (ui->background)
			ui_draw(ui, &cv);
		canvas_row_text(&cv, 4, &sb);
		assert_non_null(strstr(sb.buf, "hash"));
		assert_non_null(strstr(sb.buf, "+ slower"));
		strbuf_release(&sb);
		canvas_release(&cv);
	}
	ui_free(ui);
	model_free(m);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timeline_model, dbenv_setup, dbenv_teardown),
		cmocka_unit_test(test_range_slices),
		cmocka_unit_test_setup_teardown(test_threads_model, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_waits_model, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_waits_label, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_source_model, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_filter_keys, dbenv_setup, dbenv_teardown),
		cmocka_unit_test_setup_teardown(test_compare_model, dbenv_setup, dbenv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
