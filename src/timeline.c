/* timeline.c - samples over time, and anomaly marks, for the UI's timeline */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "util.h"

/* A hostile file could claim slice 10^15 or a duration of centuries: past
 * this many slices (55 hours of 100 ms, 32 MB of sums) rows are ignored
 * rather than allocated for. */
#define TIMELINE_MAX_SLICES 2000000

struct tl_load {
	struct timeline *t;
	size_t cap;
};

static void ensure_slices(struct tl_load *l, size_t n)
{
	struct timeline *t = l->t;
	size_t old = l->cap;

	if (n <= t->nslices)
		return;
	if (n > l->cap) {
		xgrow(&t->slices, &l->cap, n, sizeof(*t->slices));
		memset(t->slices + old, 0, (l->cap - old) * sizeof(*t->slices));
	}
	t->nslices = n;
}

static int tl_sample(void *arg, int64_t slice, int tid UNUSED, int64_t node_id UNUSED,
		     int64_t count, int64_t weight_ns)
{
	struct tl_load *l = arg;
	struct profile_value *v;

	if (slice < 0 || slice >= TIMELINE_MAX_SLICES || count < 0 || weight_ns < 0)
		return 0;
	ensure_slices(l, (size_t)slice + 1);
	v = &l->t->slices[slice];
	v->count += (uint64_t)count;
	v->weight_ns += (uint64_t)weight_ns;
	return 0;
}

static int64_t ns_to_slice(const struct timeline *t, int64_t ns)
{
	return ns <= 0 ? 0 : ns / t->slice_ns;
}

static int tl_mark(void *arg, const struct store_anomaly *a)
{
	struct tl_load *l = arg;
	struct timeline *t = l->t;
	struct timeline_mark *m;
	int64_t end = a->end_ns > a->start_ns ? a->end_ns : a->start_ns;

	if (a->start_ns < 0 || ns_to_slice(t, a->start_ns) >= TIMELINE_MAX_SLICES)
		return 0;
	t->marks = xrealloc(t->marks, (t->nmarks + 1) * sizeof(*t->marks));
	m = &t->marks[t->nmarks++];
	m->start_ns = a->start_ns;
	m->end_ns = end;
	m->slice_lo = ns_to_slice(t, a->start_ns);
	/* an end on a slice boundary does not reach into the next slice */
	m->slice_hi = end > a->start_ns ? ns_to_slice(t, end - 1) + 1 : m->slice_lo + 1;
	if (m->slice_hi > TIMELINE_MAX_SLICES)
		m->slice_hi = TIMELINE_MAX_SLICES;
	m->function = xstrdup(a->function ? a->function : "?");
	m->module = a->module ? xstrdup(a->module) : NULL;
	m->baseline = a->baseline;
	m->observed = a->observed;
	m->score = a->score;
	return 0;
}

int timeline_load(struct store *st, const struct profile_filter *f, struct timeline **out,
		  char **errmsg)
{
	struct profile_filter sel = PROFILE_FILTER_INIT;
	struct tl_load l = { NULL, 0 };
	struct timeline *t;
	char *meta;
	int64_t duration;
	size_t i;
	int ret;

	*out = NULL;
	*errmsg = NULL;
	if (f) {
		sel.kind = f->kind;
		sel.tid = f->tid;
	}
	t = l.t = xcalloc(1, sizeof(*t));
	t->kind = sel.kind;
	t->tid = sel.tid;
	meta = store_get_meta(st, "slice_ns");
	t->slice_ns = int_or(meta, (int64_t)STORE_SLICE_NS);
	free(meta);
	if (t->slice_ns <= 0)
		t->slice_ns = (int64_t)STORE_SLICE_NS;
	meta = store_get_meta(st, "duration_ns");
	duration = int_or(meta, -1);
	free(meta);

	/* per-slice sums kept by the writer (slice_totals): a few thousand
	 * rows where samples has a million */
	ret = store_each_slice_sum(st, sel.kind, sel.tid, -1, -1, tl_sample, &l);
	if (!ret)
		ret = store_each_anomaly(st, tl_mark, &l);
	if (ret) {
		*errmsg = xasprintf("cannot read the timeline of '%s': %s",
				    sanitized(store_path(st)), store_last_error(st));
		timeline_free(t);
		return ret < 0 ? ret : -EIO;
	}
	if (duration > 0) {
		int64_t n = duration / t->slice_ns + (duration % t->slice_ns != 0);

		ensure_slices(&l, (size_t)(n < TIMELINE_MAX_SLICES ? n : TIMELINE_MAX_SLICES));
	}
	for (i = 0; i < t->nslices; i++) {
		t->total.count += t->slices[i].count;
		t->total.weight_ns += t->slices[i].weight_ns;
		if (t->slices[i].count > t->max_count)
			t->max_count = t->slices[i].count;
	}
	*out = t;
	return 0;
}

void timeline_free(struct timeline *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nmarks; i++) {
		free(t->marks[i].function);
		free(t->marks[i].module);
	}
	free(t->marks);
	free(t->slices);
	free(t);
}

void timeline_column_slices(const struct timeline *t, size_t ncols, size_t col, int64_t *lo,
			    int64_t *hi)
{
	uint64_t n = t->nslices;

	if (!ncols || n <= ncols) {
		*lo = (int64_t)col;
		*hi = (int64_t)col + 1;
		return;
	}
	*lo = (int64_t)(col * n / ncols);
	*hi = (int64_t)((col + 1) * n / ncols);
}

size_t timeline_slice_column(const struct timeline *t, size_t ncols, int64_t slice)
{
	uint64_t n = t->nslices;
	size_t used = n < ncols ? (size_t)n : ncols;
	size_t col;

	if (!used || slice <= 0)
		return 0;
	if ((uint64_t)slice >= n)
		return used - 1;
	if (n <= ncols)
		return (size_t)slice;
	/* the largest col with col * n / ncols <= slice */
	col = (size_t)(((uint64_t)slice * ncols + ncols - 1) / n);
	while (col > 0 && (uint64_t)col * n / ncols > (uint64_t)slice)
		col--;
	while (col + 1 < ncols && (uint64_t)(col + 1) * n / ncols <= (uint64_t)slice)
		col++;
	return col;
}

size_t timeline_columns(const struct timeline *t, size_t ncols, struct timeline_column *out)
{
	size_t used = t->nslices < ncols ? t->nslices : ncols;
	size_t c, m;

	for (c = 0; c < used; c++) {
		struct timeline_column *col = &out[c];
		int64_t s;

		timeline_column_slices(t, ncols, c, &col->slice_lo, &col->slice_hi);
		memset(&col->value, 0, sizeof(col->value));
		for (s = col->slice_lo; s < col->slice_hi; s++) {
			col->value.count += t->slices[s].count;
			col->value.weight_ns += t->slices[s].weight_ns;
		}
		col->mark = -1;
		for (m = 0; m < t->nmarks && col->mark < 0; m++)
			if (t->marks[m].slice_lo < col->slice_hi &&
			    t->marks[m].slice_hi > col->slice_lo)
				col->mark = (int)m;
	}
	return used;
}
