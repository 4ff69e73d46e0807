/* model.c - the recording under the UI's filters, and the hotspot rows */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "query.h"
#include "radix.h"

struct ui_model *model_new(const char *path)
{
	struct ui_model *m = xcalloc(1, sizeof(*m));

	m->path = xstrdup(path);
	return m;
}

void model_free(struct ui_model *m)
{
	if (!m)
		return;
	profile_free(m->p);
	profile_free(m->prev);
	free(m->uself);
	free(m->path);
	free(m);
}

void model_profile_filter(const struct ui_filter *f, struct profile_filter *pf)
{
	struct profile_filter init = PROFILE_FILTER_INIT;

	*pf = init;
	pf->kind = f->kind;
	pf->tid = f->tid;
	model_range_slices(f, (int64_t)STORE_SLICE_NS, pf);
}

void model_range_slices(const struct ui_filter *f, int64_t slice_ns, struct profile_filter *pf)
{
	/* the slices the range touches: [from, to) in ns, widened to slices */
	if (slice_ns <= 0)
		slice_ns = (int64_t)STORE_SLICE_NS;
	pf->slice_lo = f->from_ns > 0 ? f->from_ns / slice_ns : 0;
	pf->slice_hi = f->to_ns > 0 ? (f->to_ns + slice_ns - 1) / slice_ns : 0;
	if (f->to_ns >= 0 && pf->slice_hi <= pf->slice_lo)
		pf->slice_hi = pf->slice_lo + 1;
}

/* The profile filter for f, with the recording's own slice length. */
static void selection_of(const struct ui_model *m, const struct ui_filter *f,
			 struct profile_filter *pf)
{
	model_profile_filter(f, pf);
	if (m->p)	/* the recording's own slice length */
		model_range_slices(f, profile_meta_int(m->p, "slice_ns", (int64_t)STORE_SLICE_NS), pf);
	/* the views walk their own lazy tree (mtree); the profile's call tree
	 * was a third of the load */
	pf->no_call_tree = true;
}

/* Make p (loaded for f) the model's profile; the one before is kept. */
static void install(struct ui_model *m, struct profile *p, const struct ui_filter *f)
{
	profile_free(m->prev);
	m->prev = m->p;
	m->prev_filter = m->filter;
	m->p = p;
	m->filter = *f;
	free(m->uself);
	m->uself = NULL;
	m->has_waits = profile_meta(p, "waits") != NULL;
}

/* Back to the selection before (Esc, a toggle) costs no load. */
static bool take_prev(struct ui_model *m, const struct ui_filter *f)
{
	struct profile *p = m->prev;

	if (!p || !model_same_selection(&m->prev_filter, f))
		return false;
	m->prev = NULL;
	install(m, p, f);
	return true;
}

/*
 * Load the selection pf of path. With base (a profile of the same file,
 * which has not changed since), only the samples are read again: the
 * tables of frames and stack nodes are taken from base (profile_reselect:
 * a thread filter 0.42 -> 0.1 s on 1M samples in 50,000 stacks).
 */
static int load_selection(const char *path, const struct profile *base,
			  const struct profile_filter *pf, struct profile **p, char **errmsg)
{
	struct store *st;
	int err;

	if (!base)
		return profile_open(path, pf, p, errmsg);
	err = query_open(path, &st, errmsg);
	if (err)
		return err;
	err = profile_reselect(base, st, pf, p, errmsg);
	query_close(st);
	return err ? query_explain(path, err, errmsg) : 0;
}

int model_load(struct ui_model *m, const struct ui_filter *f, char **errmsg)
{
	struct profile_filter pf;
	struct profile *p;
	uint64_t t0 = monotonic_ns();
	int err;

	selection_of(m, f, &pf);
	if (take_prev(m, f))
		return 0;
	if (m->reopen_quick) {	/* live: the recording grows, nothing reused */
		struct store *st;

		err = query_open(m->path, &st, errmsg);
		if (!err) {
			err = profile_load(st, &pf, &p, errmsg);
			query_close(st);
		}
	} else {
		err = load_selection(m->path, m->p, &pf, &p, errmsg);
	}
	if (err)
		return err;
	install(m, p, f);
	m->load_ns = monotonic_ns() - t0;
	return 0;
}

void model_cache_range(struct ui_model *m, struct store *st, const struct ui_filter *f,
		       uint64_t budget_ns)
{
	struct profile_filter pf;

	if (!m->p || m->reopen_quick)	/* live: a growing file, no reselect */
		return;
	selection_of(m, f, &pf);
	if (profile_filter_has_range(&pf) && pf.slice_hi > pf.slice_lo)
		profile_cache_slices(m->p, st, pf.kind, pf.slice_lo, pf.slice_hi, budget_ns);
}

/* ---- loads on a thread ---- */

struct model_job {
	pthread_mutex_t lock;
	char *path;
	struct profile_filter pf;
	struct ui_filter f;
	bool done, abandoned;
	int err;
	char *errmsg;
	struct profile *p;
	struct profile *base;	/* a reference, or NULL: see load_selection() */
	uint64_t t0;
};

static void job_free(struct model_job *j)
{
	profile_free(j->p);
	profile_free(j->base);
	free(j->errmsg);
	free(j->path);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static void *job_run(void *arg)
{
	struct model_job *j = arg;
	struct profile *p = NULL;
	char *msg = NULL;
	int err = load_selection(j->path, j->base, &j->pf, &p, &msg);
	bool gone;

	pthread_mutex_lock(&j->lock);
	j->err = err;
	j->errmsg = msg;
	j->p = p;
	j->done = true;
	gone = j->abandoned;
	pthread_mutex_unlock(&j->lock);
	if (gone)
		job_free(j);
	return NULL;
}

struct model_job *model_load_start(struct ui_model *m, const struct ui_filter *f)
{
	struct model_job *j = xcalloc(1, sizeof(*j));
	pthread_attr_t attr;
	pthread_t th;
	int err;

	pthread_mutex_init(&j->lock, NULL);
	j->path = xstrdup(m->path);
	j->f = *f;
	j->t0 = monotonic_ns();
	selection_of(m, f, &j->pf);
	/* the thread reads m->p while the model goes on (it may free it) */
	j->base = m->p && !m->reopen_quick ? profile_ref(m->p) : NULL;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&th, &attr, job_run, j);
	pthread_attr_destroy(&attr);
	if (err)	/* no thread: load here, the job is done at once */
		job_run(j);
	return j;
}

bool model_job_done(struct model_job *j)
{
	bool done;

	pthread_mutex_lock(&j->lock);
	done = j->done;
	pthread_mutex_unlock(&j->lock);
	return done;
}

const struct ui_filter *model_job_filter(const struct model_job *j)
{
	return &j->f;
}

int model_job_take(struct ui_model *m, struct model_job *j, char **errmsg)
{
	int err = j->err;

	if (err) {
		*errmsg = j->errmsg;
		j->errmsg = NULL;
	} else {
		install(m, j->p, &j->f);
		j->p = NULL;
		m->load_ns = monotonic_ns() - j->t0;
	}
	job_free(j);
	return err;
}

void model_job_abandon(struct model_job *j)
{
	bool done;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->abandoned = true;
	done = j->done;
	pthread_mutex_unlock(&j->lock);
	if (done)	/* else the thread frees it when it ends */
		job_free(j);
}

void model_drop_cache(struct ui_model *m)
{
	profile_free(m->prev);
	m->prev = NULL;
}

bool model_same_selection(const struct ui_filter *a, const struct ui_filter *b)
{
	return a->kind == b->kind && a->tid == b->tid && a->from_ns == b->from_ns &&
	       a->to_ns == b->to_ns;
}

void model_set_filter(struct ui_model *m, const struct ui_filter *f)
{
	m->filter = *f;
	free(m->uself);		/* self with or without kernel frames */
	m->uself = NULL;
}

bool model_frame_is_kernel(const struct profile *p, int frame)
{
	int mod = frame >= 0 ? p->frames[frame].module : -1;

	return mod >= 0 && p->modules[mod].is_kernel;
}

bool model_func_is_kernel(const struct profile *p, int func)
{
	int mod = func >= 0 ? p->funcs[func].module : -1;

	return mod >= 0 && p->modules[mod].is_kernel;
}

const int *model_name_rank(struct ui_model *m)
{
	return m->p->func_rank;
}

/* Self per function with kernel leaves given to their nearest user caller. */
static void build_uself(struct ui_model *m)
{
	const struct profile *p = m->p;
	size_t i;

	m->uself = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof(*m->uself));
	for (i = 1; i < p->nnodes; i++) {
		const struct profile_node *nd = &p->nodes[i];
		int v = (int)i;

		if (!nd->self.count)
			continue;
		while (v > 0 && model_frame_is_kernel(p, p->nodes[v].frame))
			v = p->nodes[v].parent;
		if (v <= 0)
			continue;
		m->uself[p->frames[p->nodes[v].frame].func].count += nd->self.count;
		m->uself[p->frames[p->nodes[v].frame].func].weight_ns += nd->self.weight_ns;
	}
}

struct profile_value model_func_self(struct ui_model *m, int func)
{
	if (!m->filter.hide_kernel)
		return m->p->funcs[func].self;
	if (!m->uself)
		build_uself(m);
	return m->uself[func];
}

const char *model_sort_name(enum model_sort s)
{
	static const char *const names[] = { "self", "total", "name" };

	return s < MODEL_SORT_COUNT ? names[s] : "?";
}

/* A function's sort keys: first and second descending (stored inverted,
 * for an ascending sort), then name order (rank). */
struct sort_row {
	uint64_t first, second, rank;
	int func;
};

size_t model_hotspots(struct ui_model *m, enum model_sort sort, int **out)
{
	const struct profile *p = m->p;
	struct sort_row *rows = xmalloc((p->nfuncs ? p->nfuncs : 1) * sizeof(*rows));
	const int *rank = model_name_rank(m);
	int *idx;
	size_t i, n = 0;

	if (m->filter.hide_kernel && !m->uself)
		build_uself(m);
	for (i = 0; i < p->nfuncs; i++) {
		const struct profile_func *f = &p->funcs[i];
		uint64_t self, total = f->total.count;
		struct sort_row *r;

		if (!total)
			continue;
		if (m->filter.hide_kernel && model_func_is_kernel(p, (int)i))
			continue;
		self = model_func_self(m, (int)i).count;
		r = &rows[n++];
		r->first = ~(sort == MODEL_SORT_SELF ? self : sort == MODEL_SORT_TOTAL ? total : 0);
		r->second = ~(sort == MODEL_SORT_SELF ? total : sort == MODEL_SORT_TOTAL ? self : 0);
		r->rank = (uint64_t)rank[i];
		r->func = (int)i;
	}
	/* stable: the least significant key first */
	radix_sort(rows, n, sizeof(*rows), offsetof(struct sort_row, rank));
	radix_sort(rows, n, sizeof(*rows), offsetof(struct sort_row, second));
	radix_sort(rows, n, sizeof(*rows), offsetof(struct sort_row, first));
	idx = xmalloc((n ? n : 1) * sizeof(*idx));
	for (i = 0; i < n; i++)
		idx[i] = rows[i].func;
	free(rows);
	*out = idx;
	return n;
}

void model_func_key(const struct profile *p, int func, struct strbuf *sb)
{
	const struct profile_func *f = &p->funcs[func];

	strbuf_adds(sb, f->name);
	strbuf_add(sb, "\x1f", 1);
	strbuf_adds(sb, f->module >= 0 ? p->modules[f->module].path : "");
}

int model_func_by_key(const struct profile *p, const char *key)
{
	const char *us = key ? strchr(key, '\x1f') : NULL;
	size_t i, nlen;

	if (!us)
		return -1;
	nlen = (size_t)(us - key);
	for (i = 0; i < p->nfuncs; i++) {
		const struct profile_func *f = &p->funcs[i];
		const char *mod = f->module >= 0 ? p->modules[f->module].path : "";

		if (strlen(f->name) == nlen && !memcmp(f->name, key, nlen) && !strcmp(mod, us + 1))
			return (int)i;
	}
	return -1;
}

/* Compare mode: both sides given, every recording readable. */
static int model_check_sides(const struct ui_opts *o, char **errmsg)
{
	size_t i;
	int s;

	if (!o->nbefore || !o->nafter) {
		*errmsg = xstrdup("a comparison wants recordings before and after: "
				  "hotstack ui BEFORE.db AFTER.db");
		return -EINVAL;
	}
	for (s = 0; s < 2; s++)
		for (i = 0; i < (s ? o->nafter : o->nbefore); i++) {
			int err = query_check(s ? o->after[i] : o->before[i], errmsg);

			if (err)
				return err;
		}
	return 0;
}

int ui_model_open(const struct ui_opts *o, struct ui_model **out, char **errmsg)
{
	struct ui_filter f = { .kind = o->kind, .tid = 0, .from_ns = -1, .to_ns = -1 };
	struct ui_model *m;
	int err;

	*out = NULL;
	if (o->nbefore || o->nafter) {
		/* the comparison (view-compare.c) computes diff itself; the frame
		 * shows the first after recording. Every file is checked now,
		 * before the screen is taken over. */
		err = model_check_sides(o, errmsg);
		if (err)
			return err;
	}
	m = model_new(o->nafter ? o->after[0] : o->path);
	err = model_load(m, &f, errmsg);
	/* a recording of off-CPU samples only (e.g. imported): show those */
	if (!err && o->kind == KIND_CPU && !m->p->totals.samples && !m->has_waits) {
		char *msg = NULL;

		f.kind = KIND_OFFCPU;
		if (model_load(m, &f, &msg) || !m->p->totals.samples) {
			f.kind = KIND_CPU;
			free(msg);
			msg = NULL;
			err = model_load(m, &f, errmsg);
		}
	}
	if (err) {
		model_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void ui_model_free(struct ui_model *m)
{
	model_free(m);
}
