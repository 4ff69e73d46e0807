/* test-ui-model.c - the UI's models without a terminal: hotspot order, the
 * lazy call tree (top-down, inverted, kernel frames hidden), flame layout
 * and zoom, state kept across a reload by call path, the key grammar, and
 * the canvas's sanitizing and widths
 */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../ui/model-compare.h"
#include "../../ui/model.h"
#include "../../ui/view.h"
#include "fixture.h"
#include "profile.h"
#include "util.h"

struct env {
	char *dir, *db;
	struct ui_model *m;
	struct ui_opts opts;
};

/*
 * Thread 1: main;parse;hash 30, main;parse;lex 10, main;run;compute 50,
 *           main;run;compute;memcpy@libc 5, main;run;read@libc;sys_read@kernel 5
 * Thread 2: main;run;compute 20, main;idle 1
 * 121 samples in all.
 */
static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));
	struct fixture *fx;

	e->dir = fixture_tmpdir();
	e->db = xasprintf("%s/ui.db", e->dir);
	fx = fixture_create(e->db);
	fixture_stack(fx, 1, 30, "main;parse;hash");
	fixture_stack(fx, 1, 10, "main;parse;lex");
	fixture_stack(fx, 1, 50, "main;run;compute");
	fixture_stack(fx, 1, 5, "main;run;compute;memcpy@libc");
	fixture_stack(fx, 1, 5, "main;run;read@libc;sys_read@kernel");
	fixture_stack(fx, 2, 20, "main;run;compute");
	fixture_stack(fx, 2, 1, "main;idle");
	fixture_close(fx);
	e->opts.path = e->db;
	e->opts.kind = KIND_CPU;
	e->opts.ascii = true;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	model_free(e->m);
	fixture_rmdir(e->dir);
	free(e->dir);
	free(e->db);
	free(e);
	return 0;
}

static struct ui_model *load(struct env *e, int tid, bool hide_kernel)
{
	struct ui_filter f = { KIND_CPU, tid, -1, -1, hide_kernel };
	char *err = NULL;

	if (!e->m)
		e->m = model_new(e->db);
	if (model_load(e->m, &f, &err))
		fail_msg("model_load: %s", err);
	return e->m;
}

static const char *fname(const struct ui_model *m, int func)
{
	return m->p->funcs[func].name;
}

static void test_hotspots_order(void **state)
{
	struct ui_model *m = load(*state, 0, false);
	int *rows;
	size_t n;

	n = model_hotspots(m, MODEL_SORT_SELF, &rows);
	assert_int_equal(n, 10);	/* main parse hash lex run compute memcpy read sys_read idle */
	assert_string_equal(fname(m, rows[0]), "compute");	/* self 70 */
	assert_string_equal(fname(m, rows[1]), "hash");		/* 30 */
	assert_string_equal(fname(m, rows[2]), "lex");		/* 10 */
	free(rows);
	n = model_hotspots(m, MODEL_SORT_TOTAL, &rows);
	assert_string_equal(fname(m, rows[0]), "main");		/* 121 */
	assert_string_equal(fname(m, rows[1]), "run");		/* 80 */
	assert_string_equal(fname(m, rows[2]), "compute");	/* 75 */
	free(rows);
	n = model_hotspots(m, MODEL_SORT_NAME, &rows);
	assert_string_equal(fname(m, rows[0]), "compute");
	assert_string_equal(fname(m, rows[n - 1]), "sys_read");
	free(rows);
}

static void test_hotspots_kernel_hidden(void **state)
{
	struct ui_model *m = load(*state, 0, true);
	int *rows, f;
	size_t n, i;

	n = model_hotspots(m, MODEL_SORT_SELF, &rows);
	for (i = 0; i < n; i++)
		assert_string_not_equal(fname(m, rows[i]), "sys_read");
	free(rows);
	f = profile_find_func(m->p, "read", NULL);
	assert_true(f >= 0);
	/* sys_read's 5 samples go to read, its user caller */
	assert_int_equal(model_func_self(m, f).count, 5);
	assert_int_equal(m->p->funcs[f].self.count, 0);
}

static int kid_named(struct mtree *t, int n, const char *name)
{
	size_t i;

	mtree_build(t, n);
	for (i = 0; i < t->nodes[n].nkids; i++)
		if (!strcmp(mtree_name(t, t->nodes[n].kids[i]), name))
			return t->nodes[n].kids[i];
	fail_msg("no kid '%s' under '%s'", name, mtree_name(t, n));
	return -1;
}

static void test_tree_topdown(void **state)
{
	struct ui_model *m = load(*state, 0, false);
	struct mtree t;
	int main_, run, parse, *rows = NULL;
	size_t cap = 0, n;

	mtree_init(&t, m->p, model_name_rank(m), false, false);
	mtree_build(&t, 0);
	assert_int_equal(t.nodes[0].total, 121);
	assert_int_equal(t.nodes[0].nkids, 1);
	main_ = kid_named(&t, 0, "main");
	assert_int_equal(t.nodes[main_].total, 121);
	run = kid_named(&t, main_, "run");
	parse = kid_named(&t, main_, "parse");
	/* kids by total: run 80, parse 40, idle 1 */
	assert_int_equal(t.nodes[main_].kids[0], run);
	assert_int_equal(t.nodes[main_].kids[1], parse);
	assert_int_equal(t.nodes[run].total, 80);
	assert_int_equal(t.nodes[kid_named(&t, run, "compute")].total, 75);
	mtree_build(&t, kid_named(&t, run, "compute"));
	assert_int_equal(t.nodes[kid_named(&t, run, "compute")].self, 70);
	/* rows: only open nodes show their kids; nothing below is built */
	n = mtree_rows(&t, &rows, &cap);
	assert_int_equal(n, 1);
	t.nodes[main_].expanded = true;
	n = mtree_rows(&t, &rows, &cap);
	assert_int_equal(n, 4);	/* main, run, parse, idle */
	assert_false(t.nodes[parse].built);
	assert_int_equal(mtree_expand_all(&t, main_, true, 1000), 5);	/* main run compute read parse */
	n = mtree_rows(&t, &rows, &cap);
	assert_int_equal(n, 10);
	mtree_expand_all(&t, main_, false, 0);
	n = mtree_rows(&t, &rows, &cap);
	assert_int_equal(n, 1);
	free(rows);
	mtree_release(&t);
}

/* opening goes down a path of only children to where it branches */
static void test_tree_open_chain(void **state)
{
	struct ui_model *m = load(*state, 0, false);
	struct mtree t;
	int main_, run, read, sys_read;

	mtree_init(&t, m->p, model_name_rank(m), false, false);
	mtree_build(&t, 0);
	main_ = kid_named(&t, 0, "main");
	mtree_open(&t, 0);		/* the root's only child, main, opens too */
	assert_true(t.nodes[0].expanded);
	assert_true(t.nodes[main_].expanded);
	run = kid_named(&t, main_, "run");	/* main branches: run stays closed */
	assert_false(t.nodes[run].expanded);
	mtree_open(&t, run);
	assert_true(t.nodes[run].expanded);
	read = kid_named(&t, run, "read");	/* run branches too */
	assert_false(t.nodes[read].expanded);
	mtree_open(&t, read);		/* read's only child is a leaf: stays as is */
	sys_read = kid_named(&t, read, "sys_read");
	assert_true(t.nodes[read].expanded);
	assert_false(t.nodes[sys_read].expanded);
	mtree_release(&t);
}

static void test_tree_kernel_hidden(void **state)
{
	struct ui_model *m = load(*state, 0, true);
	struct mtree t;
	int read;

	mtree_init(&t, m->p, model_name_rank(m), false, true);
	read = kid_named(&t, kid_named(&t, kid_named(&t, 0, "main"), "run"), "read");
	mtree_build(&t, read);
	assert_int_equal(t.nodes[read].nkids, 0);
	assert_int_equal(t.nodes[read].self, 5);
	mtree_release(&t);
}

static void test_tree_inverted(void **state)
{
	struct ui_model *m = load(*state, 0, false);
	struct mtree t;
	int compute, run;

	mtree_init(&t, m->p, model_name_rank(m), true, false);
	mtree_build(&t, 0);
	/* leaves: compute 70, hash 30, lex 10, memcpy 5, sys_read 5, idle 1 */
	assert_int_equal(t.nodes[0].nkids, 6);
	compute = t.nodes[0].kids[0];
	assert_string_equal(mtree_name(&t, compute), "compute");
	assert_int_equal(t.nodes[compute].total, 70);
	run = kid_named(&t, compute, "run");
	assert_int_equal(t.nodes[run].total, 70);
	assert_int_equal(t.nodes[kid_named(&t, run, "main")].total, 70);
	mtree_build(&t, kid_named(&t, run, "main"));
	assert_int_equal(t.nodes[kid_named(&t, run, "main")].self, 70);
	mtree_release(&t);
}

static void test_path_keys_survive_reload(void **state)
{
	struct env *e = *state;
	struct ui_model *m = load(e, 0, false);
	struct strbuf key = STRBUF_INIT;
	struct mtree t;
	int compute, found;
	bool exact;

	mtree_init(&t, m->p, model_name_rank(m), false, false);
	compute = kid_named(&t, kid_named(&t, kid_named(&t, 0, "main"), "run"), "compute");
	mtree_path_key(&t, compute, &key);
	mtree_release(&t);
	/* thread 2 only: other indices, same path */
	m = load(e, 2, false);
	mtree_init(&t, m->p, model_name_rank(m), false, false);
	found = mtree_find(&t, key.buf, &exact);
	assert_true(exact);
	assert_string_equal(mtree_name(&t, found), "compute");
	assert_int_equal(t.nodes[found].total, 20);
	mtree_release(&t);
	/* a path that is gone resolves to its deepest existing prefix */
	strbuf_adds(&key, "\x1e" "gone\x1f/usr/bin/prog");
	mtree_init(&t, m->p, model_name_rank(m), false, false);
	found = mtree_find(&t, key.buf, &exact);
	assert_false(exact);
	assert_string_equal(mtree_name(&t, found), "compute");
	mtree_release(&t);
	strbuf_release(&key);
}

static void test_flame_layout(void **state)
{
	struct ui_model *m = load(*state, 0, false);
	struct mflame fl = { 0 };
	struct mtree t;
	int run, b;
	size_t i;

	mtree_init(&t, m->p, model_name_rank(m), false, false);
	mflame_layout(&fl, &t, 0, 121);
	assert_int_equal(fl.boxes[0].w, 121);
	/* depth 2: idle (1 column), parse (40), run (80) in name order */
	b = mflame_at(&fl, 0, 2);
	assert_string_equal(mtree_name(&t, fl.boxes[b].node), "idle");
	assert_int_equal(fl.boxes[b].w, 1);
	b = mflame_at(&fl, 1, 2);
	assert_string_equal(mtree_name(&t, fl.boxes[b].node), "parse");
	assert_int_equal(fl.boxes[b].w, 40);
	assert_int_equal(fl.maxdepth, 4);	/* main run read sys_read */
	/* at 20 columns idle (1/121) is narrower than a column: merged */
	mflame_layout(&fl, &t, 0, 20);
	for (i = 0; i < fl.n; i++)
		if (fl.boxes[i].node >= 0)
			assert_string_not_equal(mtree_name(&t, fl.boxes[i].node), "idle");
	/* zoom into run: it fills the width, compute takes 75/80 */
	run = kid_named(&t, kid_named(&t, 0, "main"), "run");
	mflame_layout(&fl, &t, run, 80);
	assert_int_equal(fl.boxes[0].node, run);
	assert_int_equal(fl.boxes[0].w, 80);
	b = mflame_at(&fl, 0, 1);
	assert_string_equal(mtree_name(&t, fl.boxes[b].node), "compute");
	assert_int_equal(fl.boxes[b].w, 75);
	mflame_release(&fl);
	mtree_release(&t);
}

/* ---- the frame and the views through keys ---- */

static void keys(struct ui *ui, struct canvas *c, const char *s)
{
	for (; *s; s++) {
		ui_draw(ui, c);
		ui_key(ui, *s == '\r' ? UI_KEY_ENTER : *s == 27 ? UI_KEY_ESC : *s);
	}
	ui_draw(ui, c);
}

static bool screen_has(const struct canvas *c, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	bool found = false;
	int y;

	for (y = 0; y < c->rows && !found; y++) {
		strbuf_reset(&sb);
		canvas_row_text(c, y, &sb);
		found = sb.buf && strstr(sb.buf, text);
	}
	strbuf_release(&sb);
	return found;
}

static void test_ui_keys(void **state)
{
	struct env *e = *state;
	struct ui_model *m = load(e, 0, false);
	struct ui_filter f;
	struct canvas c;
	struct ui *ui;

	canvas_init(&c, 100, 30, false);
	ui = ui_new(&e->opts, m, false);
	ui_draw(ui, &c);
	assert_true(screen_has(&c, "samples 121"));
	assert_true(screen_has(&c, "compute"));
	/* Enter on compute (first by self) opens it in the call tree */
	keys(ui, &c, "\r");
	assert_string_equal(ui->views[ui->current].ops->name, "Call tree");
	assert_true(screen_has(&c, "main  /usr/bin/prog  compute.c") ||
		    screen_has(&c, "compute  /usr/bin/prog"));
	/* filter to thread 2: the tree keeps the cursor on main;run;compute */
	f = ui->filter;
	f.tid = 2;
	assert_int_equal(ui_set_filter(ui, &f), 0);
	ui_draw(ui, &c);
	assert_true(screen_has(&c, "thread 2"));
	assert_true(screen_has(&c, "samples 21"));
	assert_true(screen_has(&c, "compute  /usr/bin/prog") || screen_has(&c, "compute"));
	/* Esc: the filter goes */
	keys(ui, &c, "\x1b");
	assert_true(screen_has(&c, "samples 121"));
	assert_false(screen_has(&c, "thread 2"));
	/* flame: zoom into the cursor's frame and back */
	keys(ui, &c, "3");
	assert_true(screen_has(&c, "flame"));
	keys(ui, &c, "k\r");
	assert_true(screen_has(&c, "zoom: all > main"));
	keys(ui, &c, "\x1b");
	assert_false(screen_has(&c, "zoom:"));
	/* help and q */
	keys(ui, &c, "?");
	assert_true(screen_has(&c, "Keys: Flame graph"));
	keys(ui, &c, "q");
	assert_false(ui->quit);
	keys(ui, &c, "q");
	assert_true(ui->quit);
	ui_free(ui);
	canvas_release(&c);
}

static void test_flame_zoom_survives_reload(void **state)
{
	struct env *e = *state;
	struct ui_model *m = load(e, 0, false);
	struct ui_filter f;
	struct canvas c;
	struct ui *ui;

	canvas_init(&c, 100, 30, false);
	e->opts.initial_view = '3';
	ui = ui_new(&e->opts, m, false);
	/* up to main, up to run (the widest callee), zoom */
	keys(ui, &c, "kk\r");
	assert_true(screen_has(&c, "zoom: all > main > run"));
	f = ui->filter;
	f.hide_kernel = true;
	assert_int_equal(ui_set_filter(ui, &f), 0);
	ui_draw(ui, &c);
	assert_true(screen_has(&c, "zoom: all > main > run"));
	assert_true(screen_has(&c, "kernel hidden"));
	assert_false(screen_has(&c, "sys_read"));
	ui_free(ui);
	canvas_release(&c);
}

static void test_tree_state_survives_reload(void **state)
{
	struct env *e = *state;
	struct ui_model *m = load(e, 0, false);
	struct ui_filter f;
	struct canvas c;
	struct ui *ui;

	canvas_init(&c, 100, 30, false);
	e->opts.initial_view = '2';
	ui = ui_new(&e->opts, m, false);
	/* open main and run, cursor on compute */
	keys(ui, &c, "\r");
	keys(ui, &c, "j\r");
	keys(ui, &c, "j");
	assert_true(screen_has(&c, "compute  /usr/bin/prog"));	/* status line */
	/* only the view on screen reloads on a filter change */
	f = ui->filter;
	f.tid = 2;
	assert_int_equal(ui_set_filter(ui, &f), 0);
	assert_false(ui->views[ui->current].stale);
	assert_true(ui->views[0].stale);	/* Hotspots, not shown */
	ui_draw(ui, &c);
	/* thread 2: main, run still open, cursor still on compute (20) */
	assert_true(screen_has(&c, "compute  /usr/bin/prog"));
	assert_true(screen_has(&c, "total 20"));
	/* the stale view reloads when shown, on the new selection */
	keys(ui, &c, "1");
	assert_false(ui->views[0].stale);
	assert_true(screen_has(&c, "samples 21"));
	ui_free(ui);
	canvas_release(&c);
}

/* Draw until the loads in flight are done (at most ~10 s). */
static void settle(struct ui *ui, struct canvas *c)
{
	int i;

	for (i = 0; i < 10000 && ui->background; i++) {
		usleep(1000);
		ui_draw(ui, c);
	}
	assert_int_equal(ui->background, 0);
}

static void test_async_load(void **state)
{
	struct env *e = *state;
	struct ui_model *m = load(e, 0, false);
	struct ui_filter f;
	struct canvas c;
	struct ui *ui;

	canvas_init(&c, 100, 30, false);
	ui = ui_new(&e->opts, m, false);
	ui->async = true;
	f = ui->filter;
	f.tid = 2;
	assert_int_equal(ui_set_filter(ui, &f), 0);
	/* on its way: the old filters still in force, the new ones targeted */
	assert_int_equal(ui_filter_target(ui)->tid, 2);
	settle(ui, &c);
	assert_int_equal(ui->filter.tid, 2);
	assert_int_equal(ui->nundo, 1);
	assert_true(screen_has(&c, "samples 21"));
	/* Esc while a load is in flight cancels it, nothing else */
	f.tid = 1;
	assert_int_equal(ui_set_filter(ui, &f), 0);
	keys(ui, &c, "\x1b");
	assert_int_equal(ui->background, 0);
	assert_int_equal(ui->filter.tid, 2);
	assert_int_equal(ui->nundo, 1);
	/* Esc again undoes the thread filter (from the kept previous
	 * selection, in place) */
	keys(ui, &c, "\x1b");
	settle(ui, &c);
	assert_int_equal(ui->filter.tid, 0);
	assert_int_equal(ui->nundo, 0);
	assert_true(screen_has(&c, "samples 121"));
	/* a newer filter replaces a load in flight */
	f.tid = 1;
	ui_set_filter(ui, &f);
	f.tid = 2;
	ui_set_filter(ui, &f);
	settle(ui, &c);
	assert_int_equal(ui->filter.tid, 2);
	assert_int_equal(ui->nundo, 1);
	ui_free(ui);
	canvas_release(&c);
}

static void test_open_keys(void **state)
{
	struct ui_model *m = load(*state, 0, false);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	char *keys[2];
	struct mtree t;
	int run, parse;

	mtree_init(&t, m->p, model_name_rank(m), false, false);
	run = kid_named(&t, kid_named(&t, 0, "main"), "run");
	parse = kid_named(&t, kid_named(&t, 0, "main"), "parse");
	mtree_path_key(&t, run, &a);
	mtree_path_key(&t, parse, &b);
	mtree_release(&t);
	keys[0] = a.buf;	/* run is open, but main (its parent) is not */
	keys[1] = b.buf;
	mtree_init(&t, m->p, model_name_rank(m), false, false);
	assert_int_equal(mtree_open_keys(&t, keys, 2), 0);
	mtree_release(&t);
	strbuf_reset(&a);
	strbuf_adds(&a, "\x1emain\x1f/usr/bin/prog");
	keys[0] = a.buf;	/* (the call above sorted keys[]) */
	keys[1] = b.buf;
	mtree_init(&t, m->p, model_name_rank(m), false, false);
	assert_int_equal(mtree_open_keys(&t, keys, 2), 2);	/* main, then parse below it */
	assert_true(t.nodes[kid_named(&t, kid_named(&t, 0, "main"), "parse")].expanded);
	assert_false(t.nodes[kid_named(&t, kid_named(&t, 0, "main"), "run")].expanded);
	mtree_release(&t);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* ---- canvas ---- */

/* The comparison's call tree: diff's call paths merged by prefix, children
 * in diff's order, sums below, expansion and cursor kept by path. */
static void assert_path(const struct mctree *t, int node, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	mctree_path(t, node, &sb);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_compare_tree(void **state UNUSED)
{
	struct diff_row rows[4];
	struct diff_result r;
	struct mctree t;
	int main_node, node;
	size_t i;

	memset(rows, 0, sizeof(rows));
	memset(&r, 0, sizeof(r));
	/* diff's order: the change first, whatever its name sorts as */
	rows[0].name = "_start;main;work;hash";
	rows[0].before = 1.0, rows[0].after = 3.0, rows[0].verdict = DIFF_SLOWER;
	rows[1].name = "_start;main;idle";
	rows[1].before = 2.0, rows[1].after = 2.0, rows[1].verdict = DIFF_SAME;
	rows[2].name = "_start;main;work";
	rows[2].before = 0.5, rows[2].after = 0.5, rows[2].verdict = DIFF_SAME;
	rows[3].name = "start_thread;a_loop";
	rows[3].before = 4.0, rows[3].after = 1.0, rows[3].verdict = DIFF_FASTER;
	r.stacks = rows;
	r.nstacks = 4;

	mctree_init(&t);
	mctree_build(&t, &r);
	/* opened down to diff's first path, the cursor on it */
	node = mctree_cursor(&t);
	assert_true(node > 0);
	assert_path(&t, node, "_start;main;work;hash");
	assert_ptr_equal(mctree_row(&t, &r, node), &rows[0]);
	/* rows: _start, main, work, hash, work's (self), idle, start_thread
	 * (closed) */
	assert_int_equal(t.nrows, 7);
	assert_string_equal(t.nodes[t.rows[0]].name, "_start");
	assert_string_equal(t.nodes[t.rows[2]].name, "work");
	assert_string_equal(t.nodes[t.rows[4]].name, "(self)");
	assert_ptr_equal(mctree_row(&t, &r, t.rows[4]), &rows[2]);
	assert_int_equal(t.nodes[t.rows[2]].self, t.rows[4]);
	assert_string_equal(t.nodes[t.rows[5]].name, "idle");
	assert_string_equal(t.nodes[t.rows[6]].name, "start_thread");
	assert_false(t.nodes[t.rows[6]].expanded);
	/* sums: main has 3 paths, its own row none */
	main_node = t.rows[1];
	assert_int_equal(t.nodes[main_node].npaths, 3);
	assert_true(t.nodes[main_node].before > 3.49 && t.nodes[main_node].before < 3.51);
	assert_true(t.nodes[main_node].after > 5.49 && t.nodes[main_node].after < 5.51);
	assert_null(mctree_row(&t, &r, main_node));
	assert_true(mctree_change(&t, main_node) > 57.1 && mctree_change(&t, main_node) < 57.2);
	/* work is a compared path with a callee: a sum; its row is (self)'s */
	assert_null(mctree_row(&t, &r, t.rows[2]));
	assert_int_equal(t.nodes[t.rows[2]].first, 0);
	assert_int_equal(t.nodes[t.rows[2]].row, 2);

	/* close all below _start, open all below start_thread */
	mctree_expand_all(&t, t.rows[0], false);
	assert_int_equal(t.nrows, 2);
	mctree_expand_all(&t, t.rows[1], true);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(t.nodes[t.rows[2]].name, "a_loop");
	t.list.cursor = 2;

	/* a recomputation (new order): what was open and the cursor stay */
	rows[0].name = "start_thread;a_loop";
	rows[3].name = "_start;main;work;hash";
	mctree_build(&t, &r);
	assert_string_equal(t.nodes[t.rows[0]].name, "start_thread");
	assert_true(t.nodes[t.rows[0]].expanded);
	node = mctree_cursor(&t);
	assert_path(&t, node, "start_thread;a_loop");
	assert_int_equal(t.nrows, 3);	/* start_thread, a_loop, _start (closed) */
	for (i = 0; i < t.nrows; i++)
		assert_true(t.rows[i] > 0);
	mctree_build(&t, NULL);
	assert_int_equal(t.nrows, 0);
	mctree_release(&t);
}

static void test_canvas_sanitizes(void **state UNUSED)
{
	struct strbuf sb = STRBUF_INIT;
	struct canvas c;

	canvas_init(&c, 40, 2, true);
	canvas_text(&c, 0, 0, 40, UI_ROLE_NORMAL, "a\x1b[31mred\xc2\x9b" "b");
	canvas_row_text(&c, 0, &sb);
	assert_string_equal(sb.buf, "a\\x1b[31mred\\xc2\\x9bb");
	canvas_release(&c);
	/* ASCII: every non-ASCII byte escaped */
	canvas_init(&c, 40, 2, false);
	strbuf_reset(&sb);
	canvas_text(&c, 0, 0, 40, UI_ROLE_NORMAL, "caf\xc3\xa9");
	canvas_row_text(&c, 0, &sb);
	assert_string_equal(sb.buf, "caf\\xc3\\xa9");
	/* elided in the middle, ASCII ellipsis */
	strbuf_reset(&sb);
	canvas_text_elided(&c, 0, 1, 11, UI_ROLE_NORMAL, "std::vector<int>::push_back",
			   CANVAS_ELIDE_MIDDLE);
	canvas_row_text(&c, 1, &sb);
	assert_string_equal(sb.buf, "std::~_back");
	canvas_release(&c);
	strbuf_release(&sb);
}

static void test_canvas_wide(void **state UNUSED)
{
	struct strbuf sb = STRBUF_INIT;
	struct canvas c;

	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		skip();
	canvas_init(&c, 10, 1, true);
	/* two wide characters take four columns */
	assert_int_equal(canvas_width(&c, "\xe6\xbc\xa2\xe5\xad\x97"), 4);
	assert_int_equal(canvas_text(&c, 0, 0, 3, UI_ROLE_NORMAL, "\xe6\xbc\xa2\xe5\xad\x97"), 2);
	/* overwriting half of a wide character blanks the other half */
	canvas_text(&c, 1, 0, 1, UI_ROLE_NORMAL, "x");
	canvas_row_text(&c, 0, &sb);
	assert_string_equal(sb.buf, " x");
	canvas_release(&c);
	strbuf_release(&sb);
	setlocale(LC_CTYPE, "C");
}

/* the search finds names as people type them: a substring in any case,
 * or demangle_match()'s rule (no parameter list, ">>" for "> >") */
static void test_search_match(void **state UNUSED)
{
	static const char name[] = "crunch::Hasher<std::vector<int, std::allocator<int> > >::"
				   "mix(std::vector<unsigned long, std::allocator<unsigned long> > "
				   "const&)";

	assert_true(ui_match(name, "hasher"));
	assert_true(ui_match(name, "MIX(std::vector"));
	assert_true(ui_match(name, "crunch::Hasher<std::vector<int, std::allocator<int>>>::mix"));
	assert_true(ui_match(name, "crunch::Hasher<std::vector<int, std::allocator<int> > >::mix("
				   "std::vector<unsigned long> const&)"));
	assert_false(ui_match(name, "crunch::Hasher<std::vector<long, std::allocator<long>>>::mix"));
	assert_false(ui_match(name, "mixer"));
	assert_false(ui_match(name, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hotspots_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotspots_kernel_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_topdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_open_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_kernel_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_inverted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_keys_survive_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flame_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flame_zoom_survives_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_state_survives_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_load, setup, teardown),
		cmocka_unit_test(test_compare_tree),
		cmocka_unit_test(test_canvas_sanitizes),
		cmocka_unit_test(test_canvas_wide),
		cmocka_unit_test(test_search_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
