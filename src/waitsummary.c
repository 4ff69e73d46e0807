/* waitsummary.c - what a --waits recording says threads waited on */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "store.h"
#include "util.h"
#include "waits.h"
#include "waitsummary.h"

/* Splits a folded stack "a;b;c" into its frames. */
static char **split_folded(const char *stack, size_t *n)
{
	char **v = NULL, *copy = xstrdup(stack), *tok, *save = NULL;
	size_t cap = 0;

	*n = 0;
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		xgrow(&v, &cap, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(tok);
	}
	free(copy);
	return v;
}

static void free_frames(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_stack(const void *a, const void *b)
{
	const struct offcpu_stack *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

/* The function path of a stack node, root first, through the profile's
 * line-level tree. */
static char **node_path(const struct profile *p, int64_t node_id, size_t *n)
{
	char **v = NULL;
	size_t i, depth = 0;
	int idx = -1;

	*n = 0;
	for (i = 0; i < p->nnodes; i++)
		if (p->nodes[i].id == node_id)
			idx = (int)i;
	if (idx < 0)
		return NULL;
	depth = (size_t)p->nodes[idx].depth;
	v = xcalloc(depth ? depth : 1, sizeof(*v));
	while (idx > 0 && p->nodes[idx].frame >= 0) {
		const struct profile_frame *f = &p->frames[p->nodes[idx].frame];

		bool kernel = f->module >= 0 && p->modules[f->module].is_kernel;

		if (depth == 0)
			break;
		/* the folded form: _[k] kernel, _[i] inlined (as in export) */
		v[--depth] = f->is_inline ? xasprintf("%s_[i]", f->function) :
			     kernel	  ? xasprintf("%s_[k]", f->function) :
					    xstrdup(f->function);
		(*n)++;
		idx = p->nodes[idx].parent;
	}
	if (depth) {
		/* shift down if the path was shorter than its depth said */
		memmove(v, v + depth, *n * sizeof(*v));
	}
	return v;
}

/* The caller's index, root first, in a stack of n frames ending at leaf. */
static int stack_caller(const struct profile *p, int leaf, size_t n)
{
	int caller = profile_cnode_wait_caller(p, leaf), c, up = 0;

	if (caller < 0)
		return -1;
	for (c = leaf; c != caller; c = p->cnodes[c].parent)
		up++;
	return up < (int)n ? (int)n - 1 - up : -1;
}

struct load_ctx {
	struct waits_summary *w;
	const struct profile *p;
	size_t calls_cap, io_cap;
	/* latency histogram of the call being read */
	int64_t hist_nr;
	uint64_t *hist;
	size_t hist_cap;
};

static struct syscall_row *find_call(struct waits_summary *w, int64_t nr)
{
	size_t i;

	for (i = 0; i < w->ncalls; i++)
		if (w->calls[i].nr == nr)
			return &w->calls[i];
	return NULL;
}

static int add_call(void *arg, const int64_t *ints, const char *const *texts)
{
	struct load_ctx *c = arg;
	struct syscall_row *r;

	xgrow(&c->w->calls, &c->calls_cap, c->w->ncalls + 1, sizeof(*c->w->calls));
	r = &c->w->calls[c->w->ncalls++];
	memset(r, 0, sizeof(*r));
	r->nr = ints[0];
	r->count = (uint64_t)ints[1];
	r->errors = (uint64_t)ints[2];
	r->total_ns = (uint64_t)ints[3];
	r->max_ns = (uint64_t)ints[4];
	r->name = xstrdup(texts[0] ? texts[0] : "?");
	return 0;
}

/* Percentiles of one call from its histogram rows (bucket order). */
static void finish_hist(struct load_ctx *c)
{
	struct syscall_row *r = find_call(c->w, c->hist_nr);
	uint64_t total = 0, seen = 0;
	size_t b;

	if (!r || !c->hist_cap)
		goto out;
	for (b = 0; b < c->hist_cap; b++)
		total += c->hist[b];
	for (b = 0; b < c->hist_cap && total; b++) {
		uint64_t before = seen;

		seen += c->hist[b];
		if (!r->p50_ns && before * 2 < total && seen * 2 >= total)
			r->p50_ns = (uint64_t)waits_bucket_ns((int)b);
		if (!r->p99_ns && before * 100 < total * 99 && seen * 100 >= total * 99)
			r->p99_ns = (uint64_t)waits_bucket_ns((int)b);
	}
	/* a bucket's middle may lie above the largest value seen */
	if (r->p50_ns > r->max_ns)
		r->p50_ns = r->max_ns;
	if (r->p99_ns > r->max_ns)
		r->p99_ns = r->max_ns;
out:
	if (c->hist)
		memset(c->hist, 0, c->hist_cap * sizeof(*c->hist));
}

static int add_latency(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	struct load_ctx *c = arg;
	size_t bucket = (size_t)(ints[1] < 0 ? 0 : ints[1]);

	if (ints[0] != c->hist_nr) {
		finish_hist(c);
		c->hist_nr = ints[0];
	}
	if (bucket >= c->hist_cap) {
		size_t old = c->hist_cap;

		xgrow(&c->hist, &c->hist_cap, bucket + 1, sizeof(*c->hist));
		memset(c->hist + old, 0, (c->hist_cap - old) * sizeof(*c->hist));
	}
	c->hist[bucket] += (uint64_t)ints[2];
	return 0;
}

static int add_error(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	struct load_ctx *c = arg;
	struct syscall_row *r = find_call(c->w, ints[0]);

	if (!r)
		return 0;
	r->errs = xrealloc(r->errs, (r->nerrs + 1) * sizeof(*r->errs));
	r->errs[r->nerrs].err = (int)ints[1];
	r->errs[r->nerrs].count = (uint64_t)ints[2];
	r->nerrs++;
	return 0;
}

static int add_stack(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	struct load_ctx *c = arg;
	struct syscall_row *r = find_call(c->w, ints[0]);

	/* rows come most time first per call: keep the first */
	if (!r || r->stack || !c->p)
		return 0;
	r->stack = node_path(c->p, ints[1], &r->nstack);
	r->stack_ns = (uint64_t)ints[3];
	return 0;
}

static int add_io(void *arg, const int64_t *ints, const char *const *texts)
{
	struct load_ctx *c = arg;
	struct io_row *r;

	xgrow(&c->w->io, &c->io_cap, c->w->nio + 1, sizeof(*c->w->io));
	r = &c->w->io[c->w->nio++];
	r->calls = (uint64_t)ints[0];
	r->bytes_read = (uint64_t)ints[1];
	r->bytes_written = (uint64_t)ints[2];
	r->wait_ns = (uint64_t)ints[3];
	r->target = xstrdup(texts[0] ? texts[0] : "");
	r->kind = xstrdup(texts[1] ? texts[1] : "");
	return 0;
}

static int sum_weight(void *arg, int64_t slice UNUSED, int tid UNUSED, int64_t node UNUSED,
		      int64_t count, int64_t weight_ns)
{
	if (count >= 0 && weight_ns >= 0)
		*(uint64_t *)arg += (uint64_t)weight_ns;
	return 0;
}

static int any_row(void *arg, int64_t slice UNUSED, int tid UNUSED, int64_t node UNUSED,
		   int64_t count, int64_t weight_ns)
{
	if (count > 0 || weight_ns > 0)
		*(bool *)arg = true;
	return *(bool *)arg;	/* the first one is enough */
}

/* Whether the selection has samples of kind (rows summed, no profile). */
static bool kind_any(struct store *st, int kind, const struct profile_filter *sel)
{
	struct profile_filter f = *sel;
	bool any = false;

	f.kind = kind;
	profile_filter_each_slice_sum(st, &f, any_row, &any);
	return any;
}

/* Total weight of one kind for the selection (thread, time range): the
 * rows summed, no profile built. */
static uint64_t kind_total(struct store *st, int kind, const struct profile_filter *sel)
{
	struct profile_filter f = *sel;
	uint64_t ns = 0;

	f.kind = kind;
	if (profile_filter_each_slice_sum(st, &f, sum_weight, &ns))
		return 0;
	return ns;
}

int waits_summary_load(const char *path, int tid, struct waits_summary **out, char **errmsg)
{
	struct profile_filter f = PROFILE_FILTER_INIT;
	struct store *st;
	int ret;

	ret = store_open(path, &st, errmsg);
	if (ret)
		return ret;
	f.tid = tid;
	ret = waits_summary_load_store(st, &f, out, errmsg);
	store_free(st);
	return ret;
}

int waits_summary_load_store(struct store *st, const struct profile_filter *sel,
			     struct waits_summary **out, char **errmsg)
{
	struct profile_filter f = *sel;
	const char *path = store_path(st);
	struct waits_summary *w;
	struct load_ctx c = { 0 };
	struct profile *p = NULL;
	struct profile_folded *folded = NULL;
	int tid = sel->tid;
	char *meta;
	size_t i, n;
	int ret;

	*out = NULL;
	w = xcalloc(1, sizeof(*w));
	meta = store_get_meta(st, "waits");
	w->has_waits = meta && atoi(meta) == 1;
	free(meta);
	f.module = NULL;
	if (profile_filter_has_range(&f))
		w->range_ignored = !store_set_wait_range(st, f.slice_lo < 0 ? 0 : f.slice_lo,
							 f.slice_hi > 0 ? f.slice_hi - 1 : -1);

	f.kind = KIND_OFFCPU;
	w->cpu_ns = kind_total(st, KIND_CPU, &f);
	w->runqueue_ns = kind_total(st, KIND_RUNQUEUE, &f);
	/* not recorded with --waits and nothing blocked: no stacks to show
	 * or name, and no profile to load (0.3 s on 1M CPU samples) */
	if (w->has_waits || kind_any(st, KIND_OFFCPU, &f)) {
		ret = profile_load(st, &f, &p, errmsg);
		if (ret)
			goto fail;
		w->offcpu_ns = p->totals.weight_ns;
		w->offcpu_count = p->totals.samples;
	}

	/* off-CPU stacks by blocked time */
	n = p ? profile_folded(p, &folded) : 0;
	w->stacks = xcalloc(n ? n : 1, sizeof(*w->stacks));
	for (i = 0; i < n; i++) {
		struct offcpu_stack *s = &w->stacks[w->nstacks];

		if (!folded[i].value.weight_ns)
			continue;
		s->frames = split_folded(folded[i].stack, &s->nframes);
		s->caller = stack_caller(p, folded[i].leaf, s->nframes);
		s->ns = folded[i].value.weight_ns;
		s->count = folded[i].value.count;
		w->nstacks++;
	}
	profile_folded_free(folded, n);
	qsort(w->stacks, w->nstacks, sizeof(*w->stacks), cmp_stack);

	c.w = w;
	c.p = p;
	c.hist_nr = -1;
	ret = store_each_syscall(st, tid, add_call, &c);
	if (!ret)
		ret = store_each_syscall_latency(st, tid, add_latency, &c);
	finish_hist(&c);
	if (!ret)
		ret = store_each_syscall_error(st, tid, add_error, &c);
	if (!ret)
		ret = store_each_syscall_stack(st, tid, add_stack, &c);
	if (!ret)
		ret = store_each_io(st, tid, add_io, &c);
	free(c.hist);
	store_set_wait_range(st, -1, -1);
	if (ret) {
		*errmsg = xasprintf("reading the waits of '%s' failed", sanitized(path));
		goto fail;
	}
	profile_free(p);
	*out = w;
	return 0;
fail:
	store_set_wait_range(st, -1, -1);
	profile_free(p);
	waits_summary_free(w);
	return ret;
}

void waits_summary_free(struct waits_summary *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nstacks; i++)
		free_frames(w->stacks[i].frames, w->stacks[i].nframes);
	for (i = 0; i < w->ncalls; i++) {
		free(w->calls[i].name);
		free(w->calls[i].errs);
		free_frames(w->calls[i].stack, w->calls[i].nstack);
	}
	for (i = 0; i < w->nio; i++) {
		free(w->io[i].target);
		free(w->io[i].kind);
	}
	free(w->stacks);
	free(w->calls);
	free(w->io);
	free(w);
}

int waits_frame_is_kernel(const char *frame)
{
	size_t n = strlen(frame);

	return n > 4 && !strcmp(frame + n - 4, "_[k]");
}

void waits_stack_site(char *const *frames, size_t n, int *user, int *kernel)
{
	size_t i = n;

	*user = *kernel = -1;
	while (i > 0 && waits_frame_is_kernel(frames[i - 1]) &&
	       (!strncmp(frames[i - 1], "__schedule", 10) || !strncmp(frames[i - 1], "schedule", 8)))
		i--;
	if (i > 0 && waits_frame_is_kernel(frames[i - 1]))
		*kernel = (int)(i - 1);
	while (i > 0 && waits_frame_is_kernel(frames[i - 1]))
		i--;
	if (i > 0)
		*user = (int)(i - 1);
}
