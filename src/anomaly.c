/* anomaly.c - share baselines and anomaly marks (see anomaly.h) */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "hashmap.h"
#include "profile.h"
#include "util.h"

#define SCORE_CAP 300.0

struct fn_state {
	char *function, *module;	/* module may be NULL */
	double base;		/* decayed count, as of window `last` */
	int64_t last;		/* window index base was last decayed to */
	uint64_t cur;		/* count in the current window */
	bool touched;		/* in touched[] this window */
	/* the run, if in_run */
	bool in_run;
	double run_base;	/* baseline share when the run began */
	uint64_t run_x, run_n;
	int run_len;
	int64_t run_start_ns, run_end_ns;
};

struct anomaly_detector {
	struct anomaly_config cfg;
	double decay;		/* per window */
	struct hashmap index;	/* "module\0function" -> index into fns */
	struct fn_state *fns;
	size_t nfns, capfns;
	int *touched;		/* functions added this window or in a run */
	size_t ntouched, captouched;
	double total;		/* decayed sum of window totals */
	int64_t window;		/* index of the current window */
	int64_t start_ns, end_ns;
	int warm;		/* windows with samples seen */
	uint64_t marks;
};

void anomaly_config_init(struct anomaly_config *c)
{
	c->window_ns = 1000000000;
	c->half_life = 60;
	c->warmup = 10;
	c->cand_ratio = 1.25;
	c->cand_score = 1.3;	/* p < 0.05 */
	c->min_windows = 2;
	c->ratio = 1.5;
	c->min_share = 0.02;
	c->min_count = 8;
	c->score = 6;		/* p < 1e-6 */
	c->hold = 300;
}

int anomaly_config_check(const struct anomaly_config *c)
{
	if (c->window_ns < 1000000000 || !(c->half_life >= 1) || c->warmup < 0 ||
	    !(c->cand_ratio >= 1) || !(c->cand_score >= 0) || c->min_windows < 1 ||
	    !(c->ratio >= 1) || !(c->min_share >= 0 && c->min_share <= 1) || !(c->score >= 0) ||
	    c->hold < c->min_windows)
		return -EINVAL;
	return 0;
}

struct anomaly_detector *anomaly_new(const struct anomaly_config *c)
{
	struct anomaly_detector *d = xcalloc(1, sizeof(*d));

	if (c)
		d->cfg = *c;
	else
		anomaly_config_init(&d->cfg);
	d->decay = pow(0.5, 1.0 / d->cfg.half_life);
	hashmap_init(&d->index);
	d->window = -1;
	return d;
}

void anomaly_free(struct anomaly_detector *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nfns; i++) {
		free(d->fns[i].function);
		free(d->fns[i].module);
	}
	free(d->fns);
	free(d->touched);
	hashmap_release(&d->index);
	free(d);
}

uint64_t anomaly_count(const struct anomaly_detector *d)
{
	return d->marks;
}

static double log_pmf(uint64_t k, uint64_t n, double lp, double lq)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) +
	       (double)k * lp + (double)(n - k) * lq;
}

double anomaly_binomial_score(uint64_t x, uint64_t n, double p)
{
	double lp, lq, first, sum, t, ratio;
	uint64_t k;

	if (n == 0 || x == 0 || (double)x <= (double)n * p)
		return 0;
	if (x > n)
		x = n;
	if (p <= 0)
		return SCORE_CAP;
	if (p >= 1)
		return 0;
	lp = log(p);
	lq = log1p(-p);
	/* terms fall from x on (x > n p): sum them relative to the first,
	 * in log space, until they stop mattering */
	first = log_pmf(x, n, lp, lq);
	sum = 1;
	t = 1;
	for (k = x; k < n; k++) {
		ratio = (double)(n - k) / (double)(k + 1) * (p / (1 - p));
		t *= ratio;
		sum += t;
		if (t < sum * 1e-12)
			break;
	}
	t = -(first + log(sum)) / log(10);
	if (t < 0)
		return 0;
	return t > SCORE_CAP ? SCORE_CAP : t;
}

static struct fn_state *fn_get(struct anomaly_detector *d, const char *function,
			       const char *module)
{
	struct strbuf key = STRBUF_INIT;
	uint64_t idx = d->nfns;
	struct fn_state *f;

	strbuf_adds(&key, module ? module : "");
	strbuf_add(&key, "", 1);
	strbuf_adds(&key, function);
	if (hashmap_get_or_put(&d->index, key.buf, key.len, &idx)) {
		strbuf_release(&key);
		return &d->fns[idx];
	}
	strbuf_release(&key);
	xgrow(&d->fns, &d->capfns, d->nfns + 1, sizeof(*d->fns));
	f = &d->fns[d->nfns++];
	memset(f, 0, sizeof(*f));
	f->function = xstrdup(function);
	f->module = module ? xstrdup(module) : NULL;
	f->last = d->window;
	return f;
}

static void touch(struct anomaly_detector *d, struct fn_state *f)
{
	if (f->touched)
		return;
	f->touched = true;
	xgrow(&d->touched, &d->captouched, d->ntouched + 1, sizeof(*d->touched));
	d->touched[d->ntouched++] = (int)(f - d->fns);
}

void anomaly_window_begin(struct anomaly_detector *d, int64_t start_ns, int64_t end_ns)
{
	size_t i;

	d->window++;
	d->start_ns = start_ns;
	d->end_ns = end_ns;
	/* functions in a run are judged every window, seen or not */
	for (i = 0; i < d->nfns; i++)
		if (d->fns[i].in_run)
			touch(d, &d->fns[i]);
}

void anomaly_window_add(struct anomaly_detector *d, const char *function, const char *module,
			uint64_t count)
{
	struct fn_state *f;

	if (!count)
		return;
	f = fn_get(d, function, module);
	f->cur += count;
	touch(d, f);
}

/* The function's baseline share before the current window. */
static double baseline(const struct anomaly_detector *d, const struct fn_state *f)
{
	double base = f->base * pow(d->decay, (double)(d->window - 1 - f->last));

	return (base + 0.5) / (d->total + 1);
}

static bool departs(const struct anomaly_detector *d, uint64_t x, uint64_t n, double base)
{
	double share;

	if (!n || !x)
		return false;
	share = (double)x / (double)n;
	return share >= d->cfg.cand_ratio * base &&
	       anomaly_binomial_score(x, n, base) >= d->cfg.cand_score;
}

static int run_end(struct anomaly_detector *d, struct fn_state *f, anomaly_mark_cb cb, void *arg)
{
	const struct anomaly_config *c = &d->cfg;
	struct store_anomaly m;
	double share;
	int ret = 0;

	f->in_run = false;
	if (f->run_len < c->min_windows || f->run_x < c->min_count || !f->run_n)
		return 0;
	share = (double)f->run_x / (double)f->run_n;
	if (share < c->min_share || share < c->ratio * f->run_base)
		return 0;
	memset(&m, 0, sizeof(m));
	m.score = anomaly_binomial_score(f->run_x, f->run_n, f->run_base);
	if (m.score < c->score)
		return 0;
	m.start_ns = f->run_start_ns;
	m.end_ns = f->run_end_ns;
	m.function = f->function;
	m.module = f->module;
	m.baseline = f->run_base;
	m.observed = share;
	d->marks++;
	if (cb)
		ret = cb(arg, &m);
	return ret;
}

int anomaly_window_end(struct anomaly_detector *d, uint64_t total, anomaly_mark_cb cb, void *arg)
{
	bool judge = d->warm >= d->cfg.warmup;
	int ret = 0, r;
	size_t i;

	for (i = 0; i < d->ntouched; i++) {
		struct fn_state *f = &d->fns[d->touched[i]];
		uint64_t x = f->cur;
		double base = baseline(d, f);

		if (f->in_run) {
			if (departs(d, x, total, f->run_base)) {
				f->run_x += x;
				f->run_n += total;
				f->run_len++;
				f->run_end_ns = d->end_ns;
				if (f->run_len >= d->cfg.hold && (r = run_end(d, f, cb, arg)) && !ret)
					ret = r;
			} else if ((r = run_end(d, f, cb, arg)) && !ret) {
				ret = r;
			}
		} else if (judge && departs(d, x, total, base)) {
			f->in_run = true;
			f->run_base = base;
			f->run_x = x;
			f->run_n = total;
			f->run_len = 1;
			f->run_start_ns = d->start_ns;
			f->run_end_ns = d->end_ns;
			if (d->cfg.hold <= 1 && (r = run_end(d, f, cb, arg)) && !ret)
				ret = r;
		}
		/* the baseline learns every window, runs included */
		f->base = f->base * pow(d->decay, (double)(d->window - f->last)) + (double)x;
		f->last = d->window;
		f->cur = 0;
		f->touched = false;
	}
	d->ntouched = 0;
	d->total = d->total * d->decay + (double)total;
	if (total)
		d->warm++;
	return ret;
}

int anomaly_flush(struct anomaly_detector *d, anomaly_mark_cb cb, void *arg)
{
	int ret = 0, r;
	size_t i;

	for (i = 0; i < d->nfns; i++)
		if (d->fns[i].in_run && (r = run_end(d, &d->fns[i], cb, arg)) && !ret)
			ret = r;
	return ret;
}

/* anomaly_scan(): slices summed into (window, function) cells */

struct scan_cell {
	int64_t window;
	int func;
	uint64_t count;
};

struct scan {
	const struct profile *p;
	int64_t slice_ns, window_ns;
	struct hashmap cells;	/* (window, func) -> index into cell */
	struct scan_cell *cell;
	size_t ncell, capcell;
};

static int scan_row(void *arg, int64_t slice, int tid UNUSED, int node, int64_t count,
		    int64_t weight_ns UNUSED)
{
	struct scan *s = arg;
	const struct profile *p = s->p;
	int frame = p->nodes[node].frame;
	struct { int64_t window; int func; } key;
	uint64_t idx = s->ncell;

	if (frame < 0 || count <= 0 || slice < 0)
		return 0;
	memset(&key, 0, sizeof(key));
	key.window = slice * s->slice_ns / s->window_ns;
	key.func = p->frames[frame].func;
	if (!hashmap_get_or_put(&s->cells, &key, sizeof(key), &idx)) {
		xgrow(&s->cell, &s->capcell, s->ncell + 1, sizeof(*s->cell));
		s->cell[s->ncell].window = key.window;
		s->cell[s->ncell].func = key.func;
		s->cell[s->ncell].count = 0;
		s->ncell++;
	}
	s->cell[idx].count += (uint64_t)count;
	return 0;
}

static int cell_cmp(const void *a, const void *b)
{
	const struct scan_cell *x = a, *y = b;

	if (x->window != y->window)
		return x->window < y->window ? -1 : 1;
	return (x->func > y->func) - (x->func < y->func);
}

int anomaly_scan(struct store *st, const struct anomaly_config *c, anomaly_mark_cb cb,
		 void *arg, char **errmsg)
{
	struct anomaly_config cfg;
	struct profile_filter f = PROFILE_FILTER_INIT;
	struct anomaly_detector *d;
	struct profile *p = NULL;
	struct scan s;
	int64_t nwin, w, duration;
	size_t i = 0, j;
	int ret;

	if (c)
		cfg = *c;
	else
		anomaly_config_init(&cfg);
	if (anomaly_config_check(&cfg)) {
		*errmsg = xstrdup("invalid anomaly detector settings");
		return -EINVAL;
	}
	ret = profile_load(st, &f, &p, errmsg);
	if (ret)
		return ret;
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.slice_ns = profile_meta_int(p, "slice_ns", (int64_t)STORE_SLICE_NS);
	if (s.slice_ns <= 0)
		s.slice_ns = (int64_t)STORE_SLICE_NS;
	s.window_ns = cfg.window_ns;
	hashmap_init(&s.cells);
	ret = profile_each_sample(st, p, scan_row, &s);
	hashmap_release(&s.cells);
	if (ret) {
		*errmsg = xasprintf("cannot read the samples of '%s': %s", store_path(st),
				    store_last_error(st));
		goto out;
	}
	qsort(s.cell, s.ncell, sizeof(*s.cell), cell_cmp);
	duration = p->totals.duration_ns > 0 ? p->totals.duration_ns : 0;
	nwin = (duration + cfg.window_ns - 1) / cfg.window_ns;
	if (s.ncell && s.cell[s.ncell - 1].window + 1 > nwin)
		nwin = s.cell[s.ncell - 1].window + 1;
	d = anomaly_new(&cfg);
	for (w = 0; w < nwin && !ret; w++) {
		uint64_t total = 0;

		anomaly_window_begin(d, w * cfg.window_ns, (w + 1) * cfg.window_ns);
		for (j = i; j < s.ncell && s.cell[j].window == w; j++) {
			const struct profile_func *fn = &p->funcs[s.cell[j].func];

			anomaly_window_add(d, fn->name, fn->module >= 0 ?
					   p->modules[fn->module].path : NULL, s.cell[j].count);
			total += s.cell[j].count;
		}
		i = j;
		ret = anomaly_window_end(d, total, cb, arg);
	}
	if (!ret)
		ret = anomaly_flush(d, cb, arg);
	anomaly_free(d);
out:
	free(s.cell);
	profile_free(p);
	return ret;
}
