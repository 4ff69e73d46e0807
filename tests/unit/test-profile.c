/* test-profile.c - the query layer on small, hand-built recordings
 *
 * Each test writes a recording with fixture.h (stacks as "main;a;b"), loads
 * it through profile_open() and checks the computed numbers.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "profile.h"
#include "util.h"

struct env {
	char *dir, *db;
	struct fixture *fx;
	struct profile *p;
};

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));

	e->dir = fixture_tmpdir();
	e->db = xasprintf("%s/test.db", e->dir);
	e->fx = fixture_create(e->db);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	profile_free(e->p);
	fixture_rmdir(e->dir);
	free(e->dir);
	free(e->db);
	free(e);
	return 0;
}

/* Close the recording and load it with the filter (NULL = default). */
static struct profile *load(struct env *e, const struct profile_filter *f)
{
	char *err = NULL;

	if (e->fx) {
		fixture_close(e->fx);
		e->fx = NULL;
	}
	profile_free(e->p);
	e->p = NULL;
	if (profile_open(e->db, f, &e->p, &err))
		fail_msg("profile_open: %s", err);
	return e->p;
}

/* The function called name (in any module); fails the test if absent. */
static const struct profile_func *func(const struct profile *p, const char *name)
{
	int f = profile_find_func(p, name, NULL);

	if (f < 0)
		fail_msg("no function '%s'", name);
	return &p->funcs[f];
}

static int func_index(const struct profile *p, const char *name)
{
	return (int)(func(p, name) - p->funcs);
}

/* Folded output as "stack count\n" lines. */
static char *folded_text(const struct profile *p, bool weight)
{
	struct strbuf sb = STRBUF_INIT;
	struct profile_folded *f;
	size_t i, n = profile_folded(p, &f);

	strbuf_adds(&sb, "");
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s %llu\n", f[i].stack, (unsigned long long)(weight ?
			    f[i].value.weight_ns : f[i].value.count));
	profile_folded_free(f, n);
	return sb.buf;
}

/* "name:count,..." of an edge list. */
static char *edges_text(const struct profile *p, const struct profile_edge *e, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, "");
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s:%llu", i ? "," : "", p->funcs[e[i].func].name,
			    (unsigned long long)e[i].value.count);
	return sb.buf;
}

static void recursive_recording(struct fixture *fx)
{
	fixture_stack(fx, 1, 3, "main;a;b;a;b");
	fixture_stack(fx, 1, 1, "main;a");
	fixture_stack(fx, 1, 2, "main;c");
}

static void test_self_total_recursion(void **state)
{
	struct env *e = *state;
	const struct profile *p;

	recursive_recording(e->fx);
	p = load(e, NULL);
	assert_int_equal(p->totals.samples, 6);
	assert_int_equal(p->totals.weight_ns, 6000000);
	assert_int_equal(p->totals.lost, 3);
	assert_int_equal(p->totals.unwind_errors, 1);
	assert_int_equal(p->totals.duration_ns, 2000000000);

	assert_int_equal(func(p, "main")->self.count, 0);
	assert_int_equal(func(p, "main")->total.count, 6);
	/* a and b appear twice on the first stack: counted once per sample */
	assert_int_equal(func(p, "a")->self.count, 1);
	assert_int_equal(func(p, "a")->total.count, 4);
	assert_int_equal(func(p, "a")->total.weight_ns, 4000000);
	assert_int_equal(func(p, "b")->self.count, 3);
	assert_int_equal(func(p, "b")->total.count, 3);
	assert_int_equal(func(p, "c")->self.count, 2);
	assert_int_equal(func(p, "c")->total.count, 2);
	assert_float_equal(func(p, "b")->self_pct, 50.0, 1e-9);
	assert_float_equal(func(p, "a")->total_pct, 400.0 / 6, 1e-9);
	assert_float_equal(func(p, "main")->total_pct, 100.0, 1e-9);
}

static void test_percent_sums(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	double self = 0;
	uint64_t count = 0;
	size_t i, n;
	int *idx;

	recursive_recording(e->fx);
	fixture_stack(e->fx, 2, 7, "main;d;memcpy@libc");
	fixture_stack(e->fx, 2, 5, "start;x;y;z");
	p = load(e, NULL);
	n = profile_sorted_funcs(p, PROFILE_SORT_SELF, &idx);
	for (i = 0; i < n; i++) {
		self += p->funcs[idx[i]].self_pct;
		count += p->funcs[idx[i]].self.count;
		assert_true(p->funcs[idx[i]].total.count <= p->totals.samples);
		assert_true(p->funcs[idx[i]].self.count <= p->funcs[idx[i]].total.count);
	}
	free(idx);
	assert_float_equal(self, 100.0, 1e-9);
	assert_int_equal(count, p->totals.samples);
	assert_int_equal(p->totals.samples, 18);
	assert_int_equal(p->nodes[0].total.count, 18);
	assert_int_equal(p->cnodes[0].total.count, 18);
}

static void test_sort_order(void **state)
{
	static const char *const by_self[] = { "mid", "alpha", "q", "zeta", "leaf", "main", "p" };
	static const char *const by_total[] = { "main", "mid", "alpha", "q", "zeta", "p", "leaf" };
	struct env *e = *state;
	const struct profile *p;
	size_t n, i;
	int *idx;

	fixture_stack(e->fx, 1, 2, "main;zeta");
	fixture_stack(e->fx, 1, 2, "main;alpha");
	fixture_stack(e->fx, 1, 3, "main;mid");
	fixture_stack(e->fx, 1, 1, "main;mid;leaf");
	fixture_stack(e->fx, 1, 2, "main;p;q");
	p = load(e, NULL);

	/* self desc, then total desc, then name: alpha, q, zeta tie on both */
	n = profile_sorted_funcs(p, PROFILE_SORT_SELF, &idx);
	assert_int_equal(n, ARRAY_SIZE(by_self));
	for (i = 0; i < n; i++)
		assert_string_equal(p->funcs[idx[i]].name, by_self[i]);
	free(idx);

	/* total desc, then self desc (p has total 2 but self 0), then name */
	n = profile_sorted_funcs(p, PROFILE_SORT_TOTAL, &idx);
	assert_int_equal(n, ARRAY_SIZE(by_total));
	for (i = 0; i < n; i++)
		assert_string_equal(p->funcs[idx[i]].name, by_total[i]);
	free(idx);
}

/*
 * func_rank: name order (bytes, as strcmp), then module path, then index,
 * on names that share 7, 8, 9 and 16 bytes, run to 300 bytes, and come in
 * two modules: the ranking reads names 8 bytes at a time, and long shared
 * prefixes fall to its comparison.
 */
static void test_name_rank(void **state)
{
	static const char *const stems[] = { "", "abcdefg", "abcdefgh", "abcdefgh_",
					     "abcdefghijklmnop", "abcdefghijklmnop_q", "b" };
	struct env *e = *state;
	const struct profile *p;
	char name[400];
	int *by_rank, k;
	size_t i;

	for (k = 0; k < 600; k++) {
		const char *stem = stems[k % ARRAY_SIZE(stems)];
		char spec[420];

		if (k % 50 == 7) {	/* past the 256 bytes read by radix */
			memset(name, 'x', 300);
			snprintf(name + 300, sizeof(name) - 300, "%d", k % 3);
		} else {
			snprintf(name, sizeof(name), "%s%d", stem, (k * 7919) % 113);
		}
		snprintf(spec, sizeof(spec), "%s@%s", name, k % 4 == 1 ? "libc" : "prog");
		fixture_stack(e->fx, 1, 1, spec);
	}
	p = load(e, NULL);
	assert_true(p->nfuncs > 300);
	by_rank = xmalloc(p->nfuncs * sizeof(*by_rank));
	for (i = 0; i < p->nfuncs; i++)
		by_rank[i] = -1;
	for (i = 0; i < p->nfuncs; i++) {
		assert_true(p->func_rank[i] >= 0 && (size_t)p->func_rank[i] < p->nfuncs);
		assert_int_equal(by_rank[p->func_rank[i]], -1);
		by_rank[p->func_rank[i]] = (int)i;
	}
	for (i = 1; i < p->nfuncs; i++) {
		const struct profile_func *a = &p->funcs[by_rank[i - 1]];
		const struct profile_func *b = &p->funcs[by_rank[i]];
		int c = strcmp(a->name, b->name);

		if (!c)
			c = strcmp(p->modules[a->module].path, p->modules[b->module].path);
		if (c > 0 || (!c && by_rank[i - 1] > by_rank[i]))
			fail_msg("rank %zu: '%s' before '%s'", i, a->name, b->name);
	}
	free(by_rank);
}

static void test_callers_callees(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	struct profile_edge *edges;
	size_t n;
	char *s;

	recursive_recording(e->fx);
	p = load(e, NULL);

	n = profile_callers(p, func_index(p, "b"), &edges);
	s = edges_text(p, edges, n);
	assert_string_equal(s, "a:3");
	assert_float_equal(edges[0].pct, 100.0, 1e-9);
	free(s);
	free(edges);

	/* a is called by main (4 samples) and by b (3, on the recursive path) */
	n = profile_callers(p, func_index(p, "a"), &edges);
	s = edges_text(p, edges, n);
	assert_string_equal(s, "main:4,b:3");
	assert_float_equal(edges[1].pct, 75.0, 1e-9);
	free(s);
	free(edges);

	/* a -> b occurs twice on one stack: once per sample */
	n = profile_callees(p, func_index(p, "a"), &edges);
	s = edges_text(p, edges, n);
	assert_string_equal(s, "b:3");
	free(s);
	free(edges);

	n = profile_callees(p, func_index(p, "main"), &edges);
	s = edges_text(p, edges, n);
	assert_string_equal(s, "a:4,c:2");
	assert_int_equal(edges[0].value.weight_ns, 4000000);
	free(s);
	free(edges);

	n = profile_callers(p, func_index(p, "main"), &edges);
	assert_int_equal(n, 0);
	free(edges);
	n = profile_callees(p, func_index(p, "c"), &edges);
	assert_int_equal(n, 0);
	free(edges);
}

static void test_direct_recursion_edge(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	struct profile_edge *edges;
	size_t n;
	char *s;

	fixture_stack(e->fx, 1, 5, "main;fib;fib;fib;fib");
	fixture_stack(e->fx, 1, 1, "main;fib");
	p = load(e, NULL);
	assert_int_equal(func(p, "fib")->total.count, 6);
	assert_int_equal(func(p, "fib")->self.count, 6);
	n = profile_callers(p, func_index(p, "fib"), &edges);
	s = edges_text(p, edges, n);
	/* fib calls itself on 5 samples, counted once each despite 3 such edges */
	assert_string_equal(s, "main:6,fib:5");
	free(s);
	free(edges);
}

static void test_folded_suffixes(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	char *s;

	fixture_stack(e->fx, 1, 2, "main;work;memcpy@libc;sys_write@kernel");
	fixture_stack(e->fx, 1, 5, "main;work;helper!");
	/* the same function at different lines folds into one path */
	fixture_stack(e->fx, 1, 1, "main:10;work:20");
	fixture_stack(e->fx, 1, 2, "main:11;work:21");
	p = load(e, NULL);
	s = folded_text(p, false);
	assert_string_equal(s, "main;work 3\n"
			       "main;work;helper_[i] 5\n"
			       "main;work;memcpy;sys_write_[k] 2\n");
	free(s);
	s = folded_text(p, true);
	assert_string_equal(s, "main;work 3000000\n"
			       "main;work;helper_[i] 5000000\n"
			       "main;work;memcpy;sys_write_[k] 2000000\n");
	free(s);
	/* the inline frame has the self samples; its caller only total */
	assert_int_equal(func(p, "helper")->self.count, 5);
	assert_int_equal(func(p, "work")->self.count, 3);
	assert_int_equal(func(p, "work")->total.count, 10);
}

static void test_folded_sorted_and_clean(void **state)
{
	struct env *e = *state;
	const char *weird[] = { "main", "we;ird\tna\nme" };
	const struct profile *p;
	char *s;

	fixture_stack(e->fx, 1, 1, "main;b");
	fixture_stack(e->fx, 1, 1, "main;a!");
	fixture_stack(e->fx, 1, 1, "main;a");
	fixture_stack(e->fx, 1, 1, "main");
	fixture_stack(e->fx, 1, 1, "aaa;main");
	fixture_stackv(e->fx, 1, KIND_CPU, 4, 4, weird, 2);
	p = load(e, NULL);
	s = folded_text(p, false);
	/* bytewise order, like stackcollapse's sort */
	assert_string_equal(s, "aaa;main 1\n"
			       "main 1\n"
			       "main;a 1\n"
			       "main;a_[i] 1\n"
			       "main;b 1\n"
			       "main;we_ird_na_me 4\n");
	free(s);
}

static void test_folded_merges_same_names(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	int n;
	char *s;

	fixture_stack(e->fx, 1, 1, "main;dup");
	fixture_stack(e->fx, 1, 3, "main;dup@libc");
	p = load(e, NULL);
	/* two functions: same name, different modules */
	assert_int_equal(profile_find_func(p, "dup", &n), func_index(p, "dup"));
	assert_int_equal(n, 2);
	assert_int_equal(func(p, "dup")->total.count, 3);
	assert_string_equal(profile_func_module(p, func_index(p, "dup")), "libc.so.6");
	s = folded_text(p, false);
	assert_string_equal(s, "main;dup 4\n");
	free(s);
	assert_int_equal(profile_find_func(p, "nothing", &n), -1);
	assert_int_equal(n, 0);
}

static void test_tid_filter(void **state)
{
	struct env *e = *state;
	struct profile_filter f = PROFILE_FILTER_INIT;
	const struct profile *p;
	char *s;

	fixture_stack(e->fx, 1, 4, "main;one");
	fixture_stack(e->fx, 2, 6, "main;two");
	fixture_set_slice(e->fx, 1);
	fixture_stack(e->fx, 2, 1, "main;two");
	f.tid = 2;
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 7);
	assert_int_equal(func(p, "two")->self.count, 7);
	assert_float_equal(func(p, "two")->self_pct, 100.0, 1e-9);
	assert_int_equal(profile_find_func(p, "one", NULL), -1);
	s = folded_text(p, false);
	assert_string_equal(s, "main;two 7\n");
	free(s);

	f.tid = 3;
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 0);
}

static void test_kind_filter(void **state)
{
	struct env *e = *state;
	struct profile_filter f = PROFILE_FILTER_INIT;
	const char *frames[] = { "main", "read", "sys_read@kernel" };
	const struct profile *p;
	char *s;

	fixture_stack(e->fx, 1, 4, "main;compute");
	fixture_stackv(e->fx, 1, KIND_OFFCPU, 2, 5000000000, frames, 3);
	p = load(e, NULL);
	assert_int_equal(p->totals.samples, 4);
	f.kind = KIND_OFFCPU;
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 2);
	assert_int_equal(p->totals.weight_ns, 5000000000);
	s = folded_text(p, true);
	assert_string_equal(s, "main;read;sys_read_[k] 5000000000\n");
	free(s);
	assert_int_equal(profile_kind_from_name("offcpu"), KIND_OFFCPU);
	assert_int_equal(profile_kind_from_name("cpu"), KIND_CPU);
	assert_int_equal(profile_kind_from_name("gpu"), -1);
	assert_string_equal(profile_kind_name(KIND_OFFCPU), "offcpu");
}

static void module_recording(struct fixture *fx)
{
	fixture_stack(fx, 1, 2, "main;a;memcpy@libc");
	fixture_stack(fx, 1, 3, "main;b");
	fixture_stack(fx, 1, 1, "main;c;RSA_sign@libcrypto");
	fixture_stack(fx, 1, 4, "main;d;write@libc;sys_write@kernel");
	fixture_stack(fx, 1, 5, "start@prog2;run@prog2");
}

static void test_module_filter(void **state)
{
	struct env *e = *state;
	struct profile_filter f = PROFILE_FILTER_INIT;
	const struct profile *p;
	char *s;

	module_recording(e->fx);
	/* exact basename */
	f.module = "libc.so.6";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 6);
	s = folded_text(p, false);
	assert_string_equal(s, "main;a;memcpy 2\nmain;d;write;sys_write_[k] 4\n");
	free(s);
	/* samples keep their whole stack: main's total is the selection */
	assert_int_equal(func(p, "main")->total.count, 6);
	assert_float_equal(func(p, "sys_write")->self_pct, 400.0 / 6, 1e-9);

	/* no exact match: substring of the basename ("libc" in libcrypto too) */
	f.module = "libc";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 7);

	/* an exact match wins over substrings: "prog" is not "prog2" */
	f.module = "prog";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 10);
	f.module = "prog2";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 5);
	f.module = "rog";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 15);
	f.module = "[kernel.kallsyms]";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 4);

	/* with a '/', the whole path */
	f.module = "/usr/lib/libcrypto.so.3";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 1);

	f.module = "nomatch";
	p = load(e, &f);
	assert_int_equal(p->totals.samples, 0);
	s = folded_text(p, false);
	assert_string_equal(s, "");
	free(s);
}

static void test_hot_frame(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	const struct profile_frame *fr;

	fixture_stack(e->fx, 1, 1, "main:3;f:10");
	fixture_stack(e->fx, 1, 5, "main:3;f:20");
	fixture_stack(e->fx, 1, 2, "main:4;g");
	p = load(e, NULL);
	fr = &p->frames[func(p, "f")->hot_frame];
	assert_string_equal(fr->file, "f.c");
	assert_int_equal(fr->line, 20);
	assert_int_equal(fr->self.count, 5);
	/* main has no self samples: the frame with most samples below it */
	fr = &p->frames[func(p, "main")->hot_frame];
	assert_int_equal(fr->line, 3);
	assert_int_equal(func(p, "g")->hot_frame >= 0, 1);
	assert_null(p->frames[func(p, "g")->hot_frame].file);
}

static void test_call_tree(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	const struct profile_cnode *root, *c;
	int i;

	fixture_stack(e->fx, 1, 1, "main:1;zz");
	fixture_stack(e->fx, 1, 2, "main:2;aa");
	fixture_stack(e->fx, 1, 3, "main:1;mm;x");
	p = load(e, NULL);
	root = &p->cnodes[0];
	assert_int_equal(root->total.count, 6);
	/* main at two lines is one call tree node */
	assert_true(root->first_child > 0);
	c = &p->cnodes[root->first_child];
	assert_int_equal(c->next_sibling, -1);
	assert_string_equal(p->funcs[c->func].name, "main");
	assert_int_equal(c->total.count, 6);
	assert_int_equal(c->depth, 1);
	/* children in name order */
	i = c->first_child;
	assert_string_equal(p->funcs[p->cnodes[i].func].name, "aa");
	i = p->cnodes[i].next_sibling;
	assert_string_equal(p->funcs[p->cnodes[i].func].name, "mm");
	assert_int_equal(p->cnodes[i].total.count, 3);
	assert_int_equal(p->cnodes[i].self.count, 0);
	i = p->cnodes[i].next_sibling;
	assert_string_equal(p->funcs[p->cnodes[i].func].name, "zz");
	assert_int_equal(p->cnodes[i].next_sibling, -1);
	/* line-level nodes: two main nodes, each pointing at the same cnode */
	assert_int_equal(p->norder, 6);
	for (i = 1; i < (int)p->nnodes; i++)
		if (p->nodes[i].depth == 1)
			assert_int_equal(p->nodes[i].cnode, root->first_child);
}

static void test_empty_recording(void **state)
{
	struct env *e = *state;
	const struct profile *p;
	struct profile_folded *f;
	size_t n;
	int *idx;

	p = load(e, NULL);
	assert_int_equal(p->totals.samples, 0);
	n = profile_sorted_funcs(p, PROFILE_SORT_SELF, &idx);
	assert_int_equal(n, 0);
	free(idx);
	n = profile_folded(p, &f);
	assert_int_equal(n, 0);
	profile_folded_free(f, n);
	assert_string_equal(profile_meta(p, "command"), "prog --test");
	assert_null(profile_meta(p, "nope"));
}

/* Nodes referring to missing frames or parents still load. */
static void test_damaged_ids(void **state)
{
	struct env *e = *state;
	struct store *st = fixture_store(e->fx);
	const struct profile *p;
	char *s;

	assert_int_equal(store_add_frame(st, 500, 99, "orphan_module", NULL, NULL, 0, false, 0), 0);
	assert_int_equal(store_add_node(st, 1000, 0, 500, 1), 0);
	assert_int_equal(store_add_node(st, 1001, 1000, 777, 2), 0);	/* no frame 777 */
	assert_int_equal(store_add_node(st, 1002, 5555, 500, 2), 0);	/* no node 5555 */
	assert_int_equal(store_add_node(st, 1003, 1003, 500, 2), 0);	/* its own parent */
	assert_int_equal(store_add_samples(st, 0, 1, KIND_CPU, 1001, 2, 2), 0);
	assert_int_equal(store_add_samples(st, 0, 1, KIND_CPU, 1002, 3, 3), 0);
	assert_int_equal(store_add_samples(st, 0, 1, KIND_CPU, 1003, 4, 4), 0);
	assert_int_equal(store_add_samples(st, 0, 1, KIND_CPU, 9999, 5, 5), 0);
	p = load(e, NULL);
	s = folded_text(p, false);
	assert_string_equal(s, "orphan_module 7\norphan_module;[unknown] 2\n");
	free(s);
	assert_int_equal(p->totals.samples, 9);
	assert_string_equal(profile_func_module(p, func_index(p, "orphan_module")), "");
}

/* Sparse ids take the binary-search path of the id map. */
static void test_sparse_ids(void **state)
{
	struct env *e = *state;
	struct store *st = fixture_store(e->fx);
	const struct profile *p;
	char *s;

	assert_int_equal(store_add_frame(st, 1000000001, 1, "root", NULL, NULL, 0, false, 0), 0);
	assert_int_equal(store_add_frame(st, 3000000000LL, 1, "leaf", NULL, NULL, 0, false, 0), 0);
	assert_int_equal(store_add_node(st, 5000000000LL, 0, 1000000001, 1), 0);
	assert_int_equal(store_add_node(st, 7000000000LL, 5000000000LL, 3000000000LL, 2), 0);
	assert_int_equal(store_add_samples(st, 0, 1, KIND_CPU, 7000000000LL, 2, 2), 0);
	p = load(e, NULL);
	s = folded_text(p, false);
	assert_string_equal(s, "root;leaf 2\n");
	free(s);
}

/* Huge counts from a crafted recording saturate: they never wrap into a
 * small total. */
static void test_huge_counts(void **state)
{
	struct env *e = *state;
	struct store *st = fixture_store(e->fx);
	const struct profile *p;
	int f;

	assert_int_equal(store_add_frame(st, 900, 1, "huge", NULL, NULL, 0, false, 0), 0);
	assert_int_equal(store_add_node(st, 900, 0, 900, 1), 0);
	assert_int_equal(store_add_samples(st, 0, 1, KIND_CPU, 900, INT64_MAX, INT64_MAX), 0);
	assert_int_equal(store_add_samples(st, 0, 2, KIND_CPU, 900, INT64_MAX, INT64_MAX), 0);
	assert_int_equal(store_add_samples(st, 0, 3, KIND_CPU, 900, INT64_MAX, INT64_MAX), 0);
	p = load(e, NULL);
	assert_true(p->totals.samples == UINT64_MAX);
	assert_true(p->totals.weight_ns == UINT64_MAX);
	f = func_index(p, "huge");
	assert_true(f >= 0);
	assert_true(p->funcs[f].self.count == UINT64_MAX);
}

/* A bigger random tree: the invariants hold. */
static void test_random_tree(void **state)
{
	struct env *e = *state;
	struct store *st = fixture_store(e->fx);
	const struct profile *p;
	uint64_t self = 0, sum = 0, expect = 0;
	unsigned seed = 12345;
	size_t i, n;
	struct profile_folded *f;
	int *idx;

	for (i = 1; i <= 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%zu", i % 40);
		assert_int_equal(store_add_frame(st, 100 + (int64_t)i, 1 + (int64_t)(i % 4), name,
						 NULL, NULL, 0, i % 9 == 0, 0), 0);
	}
	for (i = 1; i <= 3000; i++) {
		int64_t parent = i < 10 ? 0 : 1 + rand_r(&seed) % (int64_t)(i - 1);

		assert_int_equal(store_add_node(st, (int64_t)i, parent,
						101 + rand_r(&seed) % 300, 0), 0);
	}
	for (i = 0; i < 20000; i++) {
		int64_t c = 1 + rand_r(&seed) % 3;

		assert_int_equal(store_add_samples(st, (int64_t)i % 50, 1 + (int)(i % 3), KIND_CPU,
						   1 + rand_r(&seed) % 3000, c, c * 1000), 0);
		expect += c;
	}
	p = load(e, NULL);
	assert_int_equal(p->totals.samples, expect);
	assert_int_equal(p->totals.weight_ns, expect * 1000);
	n = profile_sorted_funcs(p, PROFILE_SORT_TOTAL, &idx);
	for (i = 0; i < n; i++) {
		const struct profile_func *fn = &p->funcs[idx[i]];

		self += fn->self.count;
		assert_true(fn->total.count <= expect);
		assert_true(fn->self.count <= fn->total.count);
		if (i)
			assert_true(p->funcs[idx[i - 1]].total.count >= fn->total.count);
	}
	free(idx);
	assert_int_equal(self, expect);
	n = profile_folded(p, &f);
	for (i = 0; i < n; i++) {
		sum += f[i].value.count;
		if (i)
			assert_true(strcmp(f[i - 1].stack, f[i].stack) < 0);
	}
	profile_folded_free(f, n);
	assert_int_equal(sum, expect);
}

/*
 * A random tree whose node ids are shuffled, so that a parent may have a
 * higher id than its child (what a crafted or merged file can hold), and
 * one with parents first: function self and total as counted by walking up
 * every sample's path, one function once per sample.
 */
struct rnode {
	int64_t id, parent;
	int fn;
};

static void random_nodes(struct fixture *fx, struct rnode *nodes, size_t n, bool shuffle,
			 unsigned *seed)
{
	struct store *st = fixture_store(fx);
	size_t i;

	for (i = 0; i < 12; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%zu", i);
		assert_int_equal(store_add_frame(st, 200 + (int64_t)i, 1, name, NULL, NULL, 0,
						 false, 0), 0);
	}
	for (i = 0; i < n; i++) {
		nodes[i].id = (int64_t)i + 1;
		nodes[i].fn = rand_r(seed) % 12;
	}
	if (shuffle)
		for (i = n - 1; i > 0; i--) {
			size_t j = rand_r(seed) % (i + 1);
			int64_t t = nodes[i].id;

			nodes[i].id = nodes[j].id;
			nodes[j].id = t;
		}
	for (i = 0; i < n; i++) {	/* node i's parent is an earlier node */
		nodes[i].parent = i < 5 ? 0 : nodes[rand_r(seed) % i].id;
		assert_int_equal(store_add_node(st, nodes[i].id, nodes[i].parent,
						200 + nodes[i].fn, 0), 0);
	}
}

static const struct rnode *rnode_by_id(const struct rnode *nodes, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nodes[i].id == id)
			return &nodes[i];
	return NULL;
}

/* Samples rows (slice, tid, node, count) and the self and total of each
 * function they make, counted the slow way. */
struct rrow {
	int64_t slice, node;
	int tid;
	int64_t count;
};

static void expect_funcs(const struct rnode *nodes, size_t n, const struct rrow *rows,
			 size_t nrows, int64_t lo, int64_t hi, int tid, uint64_t self[12],
			 uint64_t total[12])
{
	size_t i;

	memset(self, 0, 12 * sizeof(*self));
	memset(total, 0, 12 * sizeof(*total));
	for (i = 0; i < nrows; i++) {
		const struct rnode *r = rnode_by_id(nodes, n, rows[i].node);
		bool seen[12] = { false };

		if (rows[i].slice < lo || rows[i].slice >= hi || (tid && rows[i].tid != tid))
			continue;
		self[r->fn] += rows[i].count;
		for (; r; r = r->parent ? rnode_by_id(nodes, n, r->parent) : NULL)
			if (!seen[r->fn]) {
				seen[r->fn] = true;
				total[r->fn] += rows[i].count;
			}
	}
}

static void check_funcs(const struct profile *p, const uint64_t self[12],
			const uint64_t total[12])
{
	uint64_t all = 0, frames_self = 0, top = 0;
	int i;

	for (i = 0; i < 12; i++) {
		char name[16];
		int f;

		snprintf(name, sizeof(name), "g%d", i);
		f = profile_find_func(p, name, NULL);
		all += self[i];
		if (f < 0) {
			assert_int_equal(total[i], 0);
			continue;
		}
		assert_int_equal(p->funcs[f].self.count, self[i]);
		assert_int_equal(p->funcs[f].total.count, total[i]);
	}
	assert_int_equal(p->totals.samples, all);
	/* nothing left over in arrays a freed profile passed on */
	for (i = 0; i < (int)p->nframes; i++)
		frames_self += p->frames[i].self.count;
	assert_int_equal(frames_self, all);
	for (i = 1; i < (int)p->nnodes; i++)
		if (p->nodes[i].parent == 0)
			top += p->nodes[i].total.count;
	assert_int_equal(top, all);
}

#define RNODES 400
#define RROWS 3000

static void random_rows(struct fixture *fx, const struct rnode *nodes, struct rrow *rows,
			unsigned *seed)
{
	struct store *st = fixture_store(fx);
	size_t i;

	for (i = 0; i < RROWS; i++) {
		/* slices 0..39, one left empty */
		rows[i].slice = (int64_t)(i % 40 == 17 ? 18 : i % 40);
		rows[i].tid = 1 + rand_r(seed) % 3;
		rows[i].node = nodes[rand_r(seed) % RNODES].id;
		rows[i].count = 1 + rand_r(seed) % 5;
		assert_int_equal(store_add_samples(st, rows[i].slice, rows[i].tid, KIND_CPU,
						   rows[i].node, rows[i].count,
						   rows[i].count * 10), 0);
	}
}

/* The hottest path of each function, found without the call tree, is the
 * call tree's heaviest node of that function. */
static void check_hottest(const struct profile *p)
{
	size_t c;
	int f;

	assert_true(p->ncnodes > 1);
	for (f = 0; f < (int)p->nfuncs; f++) {
		int best = -1, n = profile_hottest_node(p, f);

		for (c = 1; c < p->ncnodes; c++)
			if (p->cnodes[c].func == f &&
			    (best < 0 || p->cnodes[c].total.count > p->cnodes[best].total.count))
				best = (int)c;
		if (best < 0) {
			assert_int_equal(n, -1);
			continue;
		}
		assert_true(n > 0);
		/* the same functions up to the root */
		for (; best > 0 && n > 0; best = p->cnodes[best].parent, n = p->nodes[n].parent) {
			const struct profile_frame *fr = &p->frames[p->nodes[n].frame];

			assert_int_equal(fr->func, p->cnodes[best].func);
			assert_int_equal(fr->is_inline, p->cnodes[best].is_inline);
		}
		assert_int_equal(best, 0);
		assert_int_equal(n, 0);
	}
}

static void test_random_tree_shuffled_ids(void **state)
{
	struct env *e = *state;
	struct rnode *nodes = xcalloc(RNODES, sizeof(*nodes));
	struct rrow *rows = xcalloc(RROWS, sizeof(*rows));
	uint64_t self[12], total[12];
	unsigned seed = 777;
	int shuffle;

	for (shuffle = 0; shuffle < 2; shuffle++) {
		if (shuffle) {	/* a second recording */
			profile_free(e->p);
			e->p = NULL;
			free(e->db);
			e->db = xasprintf("%s/shuffled.db", e->dir);
			e->fx = fixture_create(e->db);
		}
		random_nodes(e->fx, nodes, RNODES, shuffle, &seed);
		random_rows(e->fx, nodes, rows, &seed);
		expect_funcs(nodes, RNODES, rows, RROWS, 0, INT64_MAX, 0, self, total);
		check_funcs(load(e, NULL), self, total);
		check_hottest(e->p);
	}
	free(nodes);
	free(rows);
}

/*
 * A time range from rows kept in memory (profile_cache_slices()), from the
 * store, or from both at once, with and without a thread, counts what a
 * load of the range from the store counts.
 */
static void test_range_from_cache(void **state)
{
	static const struct {
		int64_t cache_lo, cache_hi;
		uint64_t budget_ns;
		int64_t lo, hi;
		int tid;
	} cases[] = {
		{ 0, 0, 0, 5, 25, 0 },			/* nothing kept */
		{ 10, 20, 1000000000, 10, 20, 0 },	/* all kept */
		{ 10, 20, 1000000000, 5, 25, 0 },	/* kept in the middle */
		{ 15, 19, 1000000000, 12, 30, 2 },	/* the empty slice 17, a thread */
		{ 0, 40, 0, 0, 40, 3 },			/* out of time at once */
		{ 0, 40, 1000000000, 39, 40, 1 },
	};
	struct env *e = *state;
	struct rnode *nodes = xcalloc(RNODES, sizeof(*nodes));
	struct rrow *rows = xcalloc(RROWS, sizeof(*rows));
	uint64_t self[12], total[12];
	unsigned seed = 4242;
	struct profile *base;
	struct store *st;
	char *err = NULL;
	size_t i;

	random_nodes(e->fx, nodes, RNODES, false, &seed);
	random_rows(e->fx, nodes, rows, &seed);
	base = load(e, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile_filter f = PROFILE_FILTER_INIT;
		struct profile *p, *fresh;

		/* each case on a base of its own: nothing kept from the one before */
		if (store_open(e->db, &st, &err))
			fail_msg("store_open: %s", err);
		assert_int_equal(profile_reselect(e->p, st, &f, &base, &err), 0);
		if (cases[i].cache_hi)
			assert_int_equal(profile_cache_slices(base, st, KIND_CPU, cases[i].cache_lo,
							      cases[i].cache_hi,
							      cases[i].budget_ns), 0);
		f.slice_lo = cases[i].lo;
		f.slice_hi = cases[i].hi;
		f.tid = cases[i].tid;
		assert_int_equal(profile_reselect(base, st, &f, &p, &err), 0);
		assert_int_equal(profile_load(st, &f, &fresh, &err), 0);
		expect_funcs(nodes, RNODES, rows, RROWS, cases[i].lo, cases[i].hi, cases[i].tid,
			     self, total);
		check_funcs(p, self, total);
		check_funcs(fresh, self, total);
		profile_free(p);
		profile_free(fresh);
		profile_free(base);
		store_free(st);
	}
	free(nodes);
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_self_total_recursion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_percent_sums, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_rank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callers_callees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_recursion_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_suffixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_sorted_and_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_merges_same_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tid_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_recording, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_tree_shuffled_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_from_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
