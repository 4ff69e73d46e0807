/* test-diff.c - the statistics of hotstack diff on synthetic runs
 *
 * Runs are built by hand (diff_add_run/diff_add_sample) from a seeded
 * generator, so every test is deterministic: identical programs, known
 * changes, uniform shifts of the whole profile, new and gone functions.
 * The false-alarm and coverage tests repeat a comparison over many
 * simulated recording pairs. The last tests go through real recordings
 * written with fixture.h: per-slice streaming, call paths, total time,
 * off-CPU samples, system calls and the differential folded output.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diff.h"
#include "fixture.h"
#include "profile.h"
#include "store.h"
#include "util.h"

/* ---- a small generator for synthetic recordings ------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Poisson(lambda) by inversion; fine for the small lambdas used here. */
static int64_t rnd_poisson(double lambda)
{
	double l = exp(-lambda), p = 1;
	int64_t k = 0;

	do {
		k++;
		p *= rnd_unit();
	} while (p > l);
	return k - 1;
}

#define SLICE_NS 100000000LL
#define SAMPLE_NS 2000000LL	/* 499 Hz: about 2 ms per sample */

/*
 * One simulated run of nslices slices of 100 ms, in one of two models:
 *
 *   rate   a program sampled at random moments: in each slice function i
 *          gets Poisson(rate[i] * scale) samples. Its CPU time per second
 *          is what varies: compare it per second.
 *   fixed  a CPU-bound job: every slice holds exactly 50 samples (499 Hz),
 *          each one in function i with probability rate[i] / sum(rate);
 *          scale is ignored (a longer job has more slices). Its CPU time
 *          is fixed, its split between functions varies: compare per run.
 *
 * Returns the run index.
 */
enum model { RATE, FIXED };

static size_t sim_run(struct diff *d, enum diff_side side, size_t nslices, const char *const *names,
		      const double *rate, size_t nfuncs, double scale)
{
	size_t run = diff_add_run(d, side, (int64_t)nslices * SLICE_NS, SLICE_NS, 0), s, i;

	for (s = 0; s < nslices; s++)
		for (i = 0; i < nfuncs; i++) {
			int64_t n = rnd_poisson(rate[i] * scale);

			if (n)
				diff_add_sample(d, run, (int64_t)s, names[i], "prog", n,
						n * SAMPLE_NS);
		}
	return run;
}

static size_t sim_job(struct diff *d, enum diff_side side, size_t nslices, const char *const *names,
		      const double *rate, size_t nfuncs)
{
	size_t run = diff_add_run(d, side, (int64_t)nslices * SLICE_NS, SLICE_NS, 0), s, i, k;
	double sum = 0;

	for (i = 0; i < nfuncs; i++)
		sum += rate[i];
	for (s = 0; s < nslices; s++) {
		int64_t n[16] = { 0 };

		for (k = 0; k < 50; k++) {
			double u = rnd_unit() * sum, c = 0;

			for (i = 0; i + 1 < nfuncs; i++) {
				c += rate[i];
				if (u < c)
					break;
			}
			n[i]++;
		}
		for (i = 0; i < nfuncs; i++)
			if (n[i])
				diff_add_sample(d, run, (int64_t)s, names[i], "prog", n[i],
						n[i] * SAMPLE_NS);
	}
	return run;
}

/* A pair in the given model, one run each side. */
static void sim_pair(struct diff *d, enum model m, size_t nslices, const char *const *names,
		     const double *before, const double *after, size_t nfuncs)
{
	if (m == RATE) {
		sim_run(d, DIFF_BEFORE, nslices, names, before, nfuncs, 1);
		sim_run(d, DIFF_AFTER, nslices, names, after, nfuncs, 1);
	} else {
		sim_job(d, DIFF_BEFORE, nslices, names, before, nfuncs);
		sim_job(d, DIFF_AFTER, nslices, names, after, nfuncs);
	}
}

static const struct diff_row *row(const struct diff_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].name, name))
			return &r->rows[i];
	fail_msg("no row '%s'", name);
	return NULL;
}

static struct diff_result *compute(struct diff *d, const struct diff_opts *o)
{
	struct diff_result *r;
	char *err = NULL;

	if (diff_compute(d, o, &r, &err))
		fail_msg("diff_compute: %s", err);
	return r;
}

static const char *const funcs5[] = { "parse", "hash", "sort", "emit", "log" };
/* samples per 100 ms slice: 50 in all, as a CPU-bound thread at 499 Hz */
static const double rates5[] = { 20, 15, 8, 5, 2 };

/* ---- Benjamini-Hochberg ------------------------------------------------ */

static void test_bh(void **state UNUSED)
{
	/* m = 5 tested (one NAN skipped): q_(i) = min_{j>=i} p_(j) m / j */
	const double p[6] = { 0.01, 0.04, NAN, 0.03, 0.005, 0.5 };
	double q[6];

	diff_bh_adjust(p, q, 6);
	assert_float_equal(q[4], 0.025, 1e-12);	/* 0.005*5/1, then min with 0.025 */
	assert_float_equal(q[0], 0.025, 1e-12);	/* 0.01*5/2 */
	assert_float_equal(q[3], 0.05, 1e-12);	/* min(0.03*5/3, 0.04*5/4) */
	assert_float_equal(q[1], 0.05, 1e-12);	/* 0.04*5/4 */
	assert_float_equal(q[5], 0.5, 1e-12);	/* 0.5*5/5 */
	assert_true(isnan(q[2]));
	/* monotone in p, never above 1 */
	diff_bh_adjust((const double[]){ 0.9, 0.8 }, q, 2);
	assert_float_equal(q[0], 0.9, 1e-12);
	assert_float_equal(q[1], 0.9, 1e-12);
	diff_bh_adjust(NULL, q, 0);
}

/* ---- verdicts ---------------------------------------------------------- */

/* Two identical programs: no row may come out faster or slower. */
static void test_identical_runs(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	enum model m;
	size_t i;

	for (m = RATE; m <= FIXED; m++) {
		struct diff *d = diff_new();
		struct diff_result *r;

		rng_state = 0x1234 + m;
		o.unit = m == RATE ? DIFF_PER_SECOND : DIFF_PER_RUN;
		sim_pair(d, m, 30, funcs5, rates5, rates5, 5);
		r = compute(d, &o);
		assert_int_equal(r->nrows, 5);
		for (i = 0; i < r->nrows; i++) {
			assert_int_not_equal(r->rows[i].verdict, DIFF_FASTER);
			assert_int_not_equal(r->rows[i].verdict, DIFF_SLOWER);
			assert_false(diff_row_regressed(&r->rows[i], 5));
		}
		assert_int_not_equal(r->total.verdict, DIFF_FASTER);
		assert_int_not_equal(r->total.verdict, DIFF_SLOWER);
		assert_int_equal(r->common, 5);
		diff_result_free(r);
		diff_free(d);
	}
}

/* One function 4x cheaper: it comes first, faster; the others do not turn
 * "slower" although their share of the profile grew. */
static void test_one_function_faster(void **state UNUSED)
{
	const double after[] = { 5, 15, 8, 5, 2 };
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	size_t i;

	rng_state = 0x5678;
	o.unit = DIFF_PER_SECOND;
	sim_pair(d, RATE, 30, funcs5, rates5, after, 5);
	r = compute(d, &o);
	assert_string_equal(r->rows[0].name, "parse");
	assert_int_equal(r->rows[0].verdict, DIFF_FASTER);
	assert_true(r->rows[0].delta_pct < -60 && r->rows[0].delta_pct > -85);
	assert_true(r->rows[0].ci_low <= r->rows[0].delta_pct);
	assert_true(r->rows[0].ci_high >= r->rows[0].delta_pct);
	assert_true(r->rows[0].ci_high < 0);
	/* hash: share 30% -> 43%, same time per run */
	assert_true(row(r, "hash")->share_after > row(r, "hash")->share_before + 8);
	for (i = 1; i < r->nrows; i++)
		assert_int_not_equal(r->rows[i].verdict, DIFF_SLOWER);
	assert_int_equal(r->total.verdict, DIFF_FASTER);
	diff_result_free(r);
	diff_free(d);
}

/* One function 40% slower is caught, and trips a 5% gate. */
static void test_regression_gate(void **state UNUSED)
{
	const double after[] = { 20, 21, 8, 5, 2 };
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;

	rng_state = 0x9abc;
	o.unit = DIFF_PER_SECOND;
	sim_pair(d, RATE, 50, funcs5, rates5, after, 5);
	r = compute(d, &o);
	assert_string_equal(r->rows[0].name, "hash");
	assert_int_equal(r->rows[0].verdict, DIFF_SLOWER);
	assert_true(diff_row_regressed(&r->rows[0], 5));
	assert_false(diff_row_regressed(&r->rows[0], 80));
	assert_false(diff_row_regressed(row(r, "parse"), 5));
	diff_result_free(r);
	diff_free(d);
}

/*
 * A CPU-bound job whose every function takes 30% longer (a busier machine,
 * a slower clock): the total says so; each function moved with the whole
 * profile and is not "slower".
 */
static void test_uniform_shift(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	size_t i;

	rng_state = 0xdef0;
	o.run_noise = 0;
	sim_job(d, DIFF_BEFORE, 60, funcs5, rates5, 5);
	sim_job(d, DIFF_AFTER, 78, funcs5, rates5, 5);	/* 30% longer */
	r = compute(d, &o);
	assert_int_equal(r->total.verdict, DIFF_SLOWER);
	assert_true(r->total.delta_pct > 20 && r->total.delta_pct < 40);
	for (i = 0; i < r->nrows; i++) {
		assert_int_not_equal(r->rows[i].verdict, DIFF_SLOWER);
		assert_int_not_equal(r->rows[i].verdict, DIFF_FASTER);
	}
	/* the big ones: their time grew, but not relative to the rest */
	assert_true(row(r, "parse")->delta_pct > 15);
	assert_true(fabs(row(r, "parse")->rel_pct) < 10);
	diff_result_free(r);
	diff_free(d);
}

/* A 2% change in a 1-second recording is never a verdict. */
static void test_small_change(void **state UNUSED)
{
	const double after[] = { 20.4, 15, 8, 5, 2 };
	struct diff_opts o = DIFF_OPTS_INIT;
	enum model m;
	int seed;

	for (m = RATE; m <= FIXED; m++) {
		o.unit = m == RATE ? DIFF_PER_SECOND : DIFF_PER_RUN;
		for (seed = 1; seed <= 20; seed++) {
			struct diff *d = diff_new();
			struct diff_result *r;
			const struct diff_row *p;

			rng_state = 0x2000 + (uint64_t)seed + 100 * m;
			sim_pair(d, m, 10, funcs5, rates5, after, 5);
			r = compute(d, &o);
			p = row(r, "parse");
			assert_true(p->verdict == DIFF_SAME || p->verdict == DIFF_INCONCLUSIVE);
			assert_true(r->total.verdict == DIFF_SAME ||
				    r->total.verdict == DIFF_INCONCLUSIVE);
			if (p->verdict == DIFF_INCONCLUSIVE)
				assert_false(isnan(p->more_seconds));
			diff_result_free(r);
			diff_free(d);
		}
	}
}

/* New and gone need enough samples; a few stray samples stay inconclusive. */
static void test_new_gone(void **state UNUSED)
{
	const char *const before_names[] = { "main_loop", "old_parser", "stray" };
	const char *const after_names[] = { "main_loop", "new_parser" };
	const double before_rates[] = { 30, 20, 0.02 };
	const double after_rates[] = { 30, 20 };
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;

	rng_state = 0x4242;
	o.unit = DIFF_PER_SECOND;
	sim_run(d, DIFF_BEFORE, 20, before_names, before_rates, 3, 1);
	sim_run(d, DIFF_AFTER, 20, after_names, after_rates, 2, 1);
	r = compute(d, &o);
	assert_int_equal(row(r, "old_parser")->verdict, DIFF_GONE);
	assert_int_equal(row(r, "new_parser")->verdict, DIFF_NEW);
	assert_true(isnan(row(r, "new_parser")->delta_pct));
	assert_true(row(r, "old_parser")->after == 0);
	if (row(r, "stray")->samples_before)
		assert_int_equal(row(r, "stray")->verdict, DIFF_INCONCLUSIVE);
	assert_int_equal(r->common, 1);
	diff_result_free(r);
	diff_free(d);
}

/*
 * False alarms: simulated pairs of identical recordings of 1 s (5 functions
 * and the total), 150 pairs in each model: at most 5% of the rows faster or
 * slower, and in fact far fewer.
 */
static void test_false_alarm_rate(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	size_t rows = 0, alarms = 0, pair, i;
	enum model m;

	o.resamples = 300;
	for (m = RATE; m <= FIXED; m++) {
		o.unit = m == RATE ? DIFF_PER_SECOND : DIFF_PER_RUN;
		for (pair = 0; pair < 150; pair++) {
			struct diff *d = diff_new();
			struct diff_result *r;

			rng_state = 0x77770000 + pair + 1000 * m;
			o.seed = pair;
			sim_pair(d, m, 10, funcs5, rates5, rates5, 5);
			r = compute(d, &o);
			for (i = 0; i < r->nrows; i++)
				alarms += r->rows[i].verdict == DIFF_FASTER ||
					  r->rows[i].verdict == DIFF_SLOWER;
			alarms += r->total.verdict == DIFF_FASTER ||
				  r->total.verdict == DIFF_SLOWER;
			rows += r->nrows + 1;
			diff_result_free(r);
			diff_free(d);
		}
	}
	print_message("false alarms: %zu of %zu rows (%.2f%%)\n", alarms, rows,
		      100.0 * alarms / rows);
	assert_true(alarms * 100 <= rows * 5);
	assert_true(alarms * 100 <= rows * 1);
}

/*
 * Calibration: with no assumed run noise and no minimum effect, the 95%
 * interval of an unchanged function covers 0 in about 95% of the pairs, in
 * both models: the block bootstrap neither shrinks nor blows up the noise.
 */
static void test_interval_coverage(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	size_t covered[2] = { 0, 0 }, n = 250, pair;
	enum model m;

	o.run_noise = 0;
	o.min_effect = 0;
	o.resamples = 400;
	for (m = RATE; m <= FIXED; m++) {
		o.unit = m == RATE ? DIFF_PER_SECOND : DIFF_PER_RUN;
		for (pair = 0; pair < n; pair++) {
			struct diff *d = diff_new();
			struct diff_result *r;
			const struct diff_row *p;

			rng_state = 0x31337000 + pair + 1000 * m;
			o.seed = pair + 1;
			sim_pair(d, m, 40, funcs5, rates5, rates5, 5);
			r = compute(d, &o);
			p = row(r, "hash");
			covered[m] += p->ci_low <= 0 && p->ci_high >= 0;
			diff_result_free(r);
			diff_free(d);
		}
		print_message("coverage of the 95%% interval (%s): %.1f%%\n",
			      m == RATE ? "rate" : "fixed", 100.0 * covered[m] / n);
		assert_true(covered[m] * 100 >= n * 91);
		assert_true(covered[m] * 100 <= n * 99);
	}
}

/* Several runs per side: run-to-run variance is measured, and widens the
 * interval of the total. */
static void test_several_runs(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d1 = diff_new(), *d3 = diff_new();
	struct diff_result *r1, *r3;
	static const size_t slices[3] = { 24, 30, 36 };
	int i;

	rng_state = 0xabcd;
	o.run_noise = 0;
	/* one run of a CPU-bound job per side */
	sim_job(d1, DIFF_BEFORE, 30, funcs5, rates5, 5);
	sim_job(d1, DIFF_AFTER, 30, funcs5, rates5, 5);
	/* three runs per side whose CPU time varies by +-20% */
	for (i = 0; i < 3; i++) {
		sim_job(d3, DIFF_BEFORE, slices[i], funcs5, rates5, 5);
		sim_job(d3, DIFF_AFTER, slices[(i + 1) % 3], funcs5, rates5, 5);
	}
	r1 = compute(d1, &o);
	r3 = compute(d3, &o);
	assert_int_equal(r3->side[0].runs, 3);
	assert_int_equal(r1->total.verdict, DIFF_SAME);
	assert_true(r3->total.ci_high - r3->total.ci_low > 20);
	assert_int_not_equal(r3->total.verdict, DIFF_FASTER);
	assert_int_not_equal(r3->total.verdict, DIFF_SLOWER);
	diff_result_free(r1);
	diff_result_free(r3);
	diff_free(d1);
	diff_free(d3);
}

/* The same seed gives the same numbers; the sort is by the real change. */
static void test_deterministic_and_sorted(void **state UNUSED)
{
	const double after[] = { 5, 15, 8, 9, 2 };
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *a, *b;
	size_t i;

	rng_state = 0x1111;
	o.unit = DIFF_PER_SECOND;
	sim_pair(d, RATE, 40, funcs5, rates5, after, 5);
	a = compute(d, &o);
	b = compute(d, &o);
	for (i = 0; i < a->nrows; i++) {
		assert_string_equal(a->rows[i].name, b->rows[i].name);
		assert_true(a->rows[i].ci_low == b->rows[i].ci_low);
		assert_true(a->rows[i].q == b->rows[i].q || (isnan(a->rows[i].q) &&
							     isnan(b->rows[i].q)));
	}
	/* parse (-75%, -30 ms per slice) before emit (+80%, +8 ms) */
	assert_string_equal(a->rows[0].name, "parse");
	assert_int_equal(a->rows[1].verdict, DIFF_SLOWER);
	assert_string_equal(a->rows[1].name, "emit");
	for (i = 2; i < a->nrows; i++)
		assert_true(a->rows[i].verdict != DIFF_FASTER && a->rows[i].verdict != DIFF_SLOWER);
	diff_result_free(a);
	diff_result_free(b);
	diff_free(d);
}

/* Units: per run, per second of wall time, per unit of work. */
static void test_units(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	size_t b, a;

	/* before: 2 s, 1 s of CPU, 100 units; after: 1 s, 1 s of CPU, 50 units */
	b = diff_add_run(d, DIFF_BEFORE, 2000000000, SLICE_NS, 100);
	a = diff_add_run(d, DIFF_AFTER, 1000000000, SLICE_NS, 50);
	for (int s = 0; s < 20; s++)
		diff_add_sample(d, b, s, "f", "prog", 5, 50000000);
	for (int s = 0; s < 10; s++)
		diff_add_sample(d, a, s, "f", "prog", 10, 100000000);
	o.unit = DIFF_PER_RUN;
	r = compute(d, &o);
	assert_float_equal(r->total.before, 1.0, 1e-9);
	assert_float_equal(r->total.after, 1.0, 1e-9);
	assert_float_equal(r->total.cpu_per_s_before, 0.5, 1e-9);
	assert_float_equal(r->side[0].duration_s, 2.0, 1e-9);
	diff_result_free(r);
	o.unit = DIFF_PER_SECOND;
	r = compute(d, &o);
	assert_float_equal(r->total.before, 0.5, 1e-9);
	assert_float_equal(r->total.after, 1.0, 1e-9);
	assert_float_equal(row(r, "f")->before, 0.5, 1e-9);
	diff_result_free(r);
	o.unit = DIFF_PER_WORK;
	r = compute(d, &o);
	assert_float_equal(r->total.before, 0.01, 1e-12);
	assert_float_equal(r->total.after, 0.02, 1e-12);
	assert_float_equal(r->side[1].work, 50, 1e-9);
	assert_int_equal(r->total.verdict, DIFF_SLOWER);
	diff_result_free(r);
	diff_free(d);
}

static void test_errors(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	char *err = NULL;

	diff_add_run(d, DIFF_BEFORE, 1000000000, SLICE_NS, 0);
	assert_int_equal(diff_compute(d, &o, &r, &err), -EINVAL);
	assert_non_null(err);
	assert_null(r);
	free(err);
	diff_add_run(d, DIFF_AFTER, 1000000000, SLICE_NS, 0);
	/* empty runs compare: nothing to say, no crash */
	r = compute(d, &o);
	assert_int_equal(r->nrows, 0);
	assert_int_equal(r->total.verdict, DIFF_SAME);
	diff_result_free(r);
	o.alpha = 0;
	assert_int_equal(diff_compute(d, &o, &r, &err), -EINVAL);
	free(err);
	diff_free(d);
	assert_string_equal(diff_verdict_name(DIFF_GONE), "gone");
	assert_string_equal(diff_unit_name(DIFF_PER_WORK), "work");
}

/* Counts and weights near INT64_MAX (a crafted recording) saturate instead
 * of overflowing (UBSan would stop here), and the result stays finite. */
static void test_huge_counts(void **state UNUSED)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	size_t b = diff_add_run(d, DIFF_BEFORE, INT64_MAX, SLICE_NS, 0);
	size_t a = diff_add_run(d, DIFF_AFTER, INT64_MAX - 1, SLICE_NS, 0);
	int i;

	o.resamples = 50;
	for (i = 0; i < 3; i++) {
		diff_add_sample(d, b, 0, "f", "prog", INT64_MAX, INT64_MAX);
		diff_add_sample(d, b, 0, "g", "prog", INT64_MAX / 2 + 1, INT64_MAX);
		diff_add_sample(d, a, 1, "f", "prog", INT64_MAX, INT64_MAX);
	}
	r = compute(d, &o);
	assert_true(r->nrows >= 1);
	assert_true(isfinite(r->total.before) && isfinite(r->total.after));
	assert_true(isfinite(row(r, "f")->before));
	assert_true(row(r, "f")->samples_before > 0);
	diff_result_free(r);
	diff_free(d);
}

/* ---- through real recordings ------------------------------------------- */

struct env {
	char *dir;
};

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));

	e->dir = fixture_tmpdir();
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fixture_rmdir(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

/*
 * A recording of nslices slices; per slice, main;run;parse gets parse
 * samples, main;run;hash hash samples, and main;log@libc log samples.
 */
static char *make_recording(struct env *e, const char *name, int nslices, int parse, int hash,
			    int log, int offcpu)
{
	char *path = xasprintf("%s/%s.db", e->dir, name);
	struct fixture *fx = fixture_create(path);
	static const char *const wait[] = { "main", "run", "read@libc" };
	int s;

	store_set_meta_int(fixture_store(fx), "exit_status", 0);
	for (s = 0; s < nslices; s++) {
		fixture_set_slice(fx, s);
		if (parse)
			fixture_stack(fx, 1, parse + (s % 3) - 1, "main;run;parse");
		if (hash)
			fixture_stack(fx, 1, hash + (s % 2), "main;run;hash");
		if (log)
			fixture_stack(fx, 2, log, "main;log@libc");
		if (offcpu)
			fixture_stackv(fx, 1, KIND_OFFCPU, 1, offcpu * 1000000LL, wait, 3);
	}
	fixture_close(fx);
	return path;
}

static void add_recording(struct diff *d, enum diff_side side, const char *path, int kind,
			  const char *module, struct profile **keep)
{
	struct profile_filter f = PROFILE_FILTER_INIT;
	struct store *st;
	struct profile *p;
	char *err = NULL;

	f.kind = kind;
	f.module = module;
	if (store_open(path, &st, &err) || profile_load(st, &f, &p, &err) ||
	    diff_add_profile(d, side, st, p, 0, &err))
		fail_msg("%s", err);
	store_free(st);
	if (keep)
		*keep = p;
	else
		profile_free(p);
}

static void test_recordings(void **state)
{
	struct env *e = *state;
	char *before = make_recording(e, "before", 20, 30, 10, 5, 0);
	char *after = make_recording(e, "after", 20, 8, 10, 5, 0);
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	struct profile *pb;
	size_t i;

	add_recording(d, DIFF_BEFORE, before, KIND_CPU, NULL, &pb);
	add_recording(d, DIFF_AFTER, after, KIND_CPU, NULL, NULL);
	assert_int_equal(diff_natural_unit(pb), DIFF_PER_RUN);
	profile_free(pb);
	o.stacks = true;
	r = compute(d, &o);
	assert_string_equal(r->rows[0].name, "parse");
	assert_string_equal(r->rows[0].module, "prog");
	assert_int_equal(r->rows[0].verdict, DIFF_FASTER);
	/* 30 - 1, 30, 30 + 1, ... over 20 slices */
	assert_int_equal(r->rows[0].samples_before, 599);
	assert_float_equal(r->rows[0].before, 0.599, 1e-9);
	assert_string_equal(row(r, "log")->module, "libc.so.6");
	assert_int_not_equal(row(r, "hash")->verdict, DIFF_SLOWER);
	/* main and run have no self time: no rows */
	for (i = 0; i < r->nrows; i++)
		assert_true(strcmp(r->rows[i].name, "main") && strcmp(r->rows[i].name, "run"));
	assert_int_equal(r->total.verdict, DIFF_FASTER);
	/* call paths, as profile_folded() names them */
	assert_true(r->nstacks == 3);
	assert_string_equal(r->stacks[0].name, "main;run;parse");
	assert_int_equal(r->stacks[0].verdict, DIFF_FASTER);
	assert_float_equal(r->stacks[0].other_before, 0.599, 1e-9);
	diff_result_free(r);

	/* total time: run holds parse and hash; main is every sample */
	o.stacks = false;
	o.total = true;
	r = compute(d, &o);
	assert_float_equal(row(r, "run")->before, 0.599 + 0.210, 1e-9);
	assert_float_equal(row(r, "run")->other_before, 0, 1e-12);
	assert_int_equal(row(r, "run")->verdict, DIFF_FASTER);
	assert_float_equal(row(r, "main")->before, r->total.before, 1e-9);
	assert_true(isnan(row(r, "main")->rel_pct));
	diff_result_free(r);
	diff_free(d);

	/* a module filter streams only the samples it selects */
	d = diff_new();
	add_recording(d, DIFF_BEFORE, before, KIND_CPU, "libc", NULL);
	add_recording(d, DIFF_AFTER, after, KIND_CPU, "libc", NULL);
	o.total = false;
	r = compute(d, &o);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(r->rows[0].name, "log");
	assert_int_equal(r->total.samples_before, 100);
	diff_result_free(r);
	diff_free(d);
	free(before);
	free(after);
}

/* An optimization that hands the work to a callee (qsort): the function's
 * self time is gone after, but it is on every stack: not gone, faster by
 * its total time. */
static void test_moved_into_callees(void **state)
{
	struct env *e = *state;
	char *before = xasprintf("%s/moved-before.db", e->dir);
	char *after = xasprintf("%s/moved-after.db", e->dir);
	struct fixture *fb = fixture_create(before), *fa = fixture_create(after);
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	const struct diff_row *sortr;
	struct diff_result *r;
	int s;

	for (s = 0; s < 20; s++) {
		fixture_set_slice(fb, s);
		fixture_set_slice(fa, s);
		fixture_stack(fb, 1, 40 + s % 3, "main;run;sort");
		fixture_stack(fb, 1, 10, "main;run;hash");
		fixture_stack(fa, 1, 8 + s % 2, "main;run;sort;qsort@libc");
		fixture_stack(fa, 1, 10, "main;run;hash");
	}
	fixture_close(fb);
	fixture_close(fa);
	add_recording(d, DIFF_BEFORE, before, KIND_CPU, NULL, NULL);
	add_recording(d, DIFF_AFTER, after, KIND_CPU, NULL, NULL);
	r = compute(d, &o);
	assert_true(r->total_change);
	sortr = row(r, "sort");
	assert_string_equal(r->rows[0].name, "sort");
	assert_int_equal(sortr->samples_after, 0);
	assert_true(sortr->by_total);
	assert_int_equal(sortr->verdict, DIFF_FASTER);
	assert_int_equal(sortr->total_verdict, DIFF_FASTER);
	assert_true(sortr->total_pct < -70 && sortr->total_pct > -85);
	assert_true(sortr->total_high < 0);
	assert_int_equal(row(r, "qsort")->verdict, DIFF_NEW);
	assert_false(row(r, "hash")->by_total);
	diff_result_free(r);
	/* --total compares total time itself: no second comparison */
	o.total = true;
	r = compute(d, &o);
	assert_false(r->total_change);
	assert_int_equal(row(r, "sort")->verdict, DIFF_FASTER);
	diff_result_free(r);
	diff_free(d);
	free(before);
	free(after);
}

/* Off-CPU samples compare like any other kind. */
static void test_offcpu(void **state)
{
	struct env *e = *state;
	char *before = make_recording(e, "before", 20, 30, 10, 0, 40);
	char *after = make_recording(e, "after", 20, 30, 10, 0, 80);
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;

	add_recording(d, DIFF_BEFORE, before, KIND_OFFCPU, NULL, NULL);
	add_recording(d, DIFF_AFTER, after, KIND_OFFCPU, NULL, NULL);
	r = compute(d, &o);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(r->rows[0].name, "read");
	assert_float_equal(r->rows[0].before, 0.8, 1e-9);
	assert_float_equal(r->total.after, 1.6, 1e-9);
	assert_int_equal(r->total.verdict, DIFF_SLOWER);
	diff_result_free(r);
	diff_free(d);
	free(before);
	free(after);
}

/*
 * System calls (no time slices): 1000 reads of 1 ms against 1000 of 2 ms is
 * slower; 400 fsyncs of 2.5 ms on both sides is not. The latency histogram
 * gives the compound Poisson variance. I/O targets match across runs
 * although their pids and ports differ.
 */
static char *make_waits(struct env *e, const char *name, double read_ms)
{
	char *path = xasprintf("%s/%s.db", e->dir, name);
	struct fixture *fx = fixture_create(path);
	struct store *st = fixture_store(fx);
	int bucket_read = (int)floor(8 * log2(read_ms * 1e6));
	int bucket_fsync = (int)floor(8 * log2(2.5e6));

	store_set_meta_int(st, "exit_status", 0);
	fixture_set_slice(fx, 0);
	fixture_stack(fx, 1, 10, "main;run;parse");
	store_add_syscall(st, 1, 0, "read", 1000, 0, (int64_t)(1000 * read_ms * 1e6),
			  (int64_t)(read_ms * 1e6));
	store_add_syscall_latency(st, 1, 0, bucket_read, 1000);
	store_add_syscall(st, 1, 74, "fsync", 400, 0, 1000000000, 2500000);
	store_add_syscall_latency(st, 1, 74, bucket_fsync, 400);
	/* targets whose pids and ports differ from run to run */
	if (read_ms == 1) {
		store_add_io(st, 1, "/tmp/job-1234.tmp", "file", 100, 0, 409600, 200000000);
		store_add_io(st, 1, "10.0.0.1:5432 -> 10.0.0.2:40001", "tcp", 50, 5000, 0,
			     100000000);
	} else {
		store_add_io(st, 1, "/tmp/job-98765.tmp", "file", 100, 0, 409600, 200000000);
		store_add_io(st, 1, "10.0.0.1:5432 -> 10.0.0.2:40007", "tcp", 50, 5000, 0,
			     100000000);
	}
	fixture_close(fx);
	return path;
}

static void test_syscalls(void **state)
{
	struct env *e = *state;
	char *before = make_waits(e, "before", 1), *after = make_waits(e, "after", 2);
	struct diff_opts o = DIFF_OPTS_INIT;
	struct diff *d = diff_new();
	struct diff_result *r;
	const char *files[2] = { before, after };
	char *err = NULL;
	int s;

	for (s = 0; s < 2; s++) {
		struct store *st;
		struct profile *p;

		if (store_open(files[s], &st, &err) || profile_load(st, NULL, &p, &err) ||
		    diff_add_profile(d, (enum diff_side)s, st, p, 0, &err) ||
		    diff_add_syscalls(d, st, &err))
			fail_msg("%s", err);
		store_free(st);
		profile_free(p);
	}
	r = compute(d, &o);
	assert_int_equal(r->nsyscalls, 2);
	assert_string_equal(r->syscalls[0].name, "read");
	assert_int_equal(r->syscalls[0].verdict, DIFF_SLOWER);
	assert_int_equal(r->syscalls[0].samples_before, 1000);
	assert_float_equal(r->syscalls[0].before, 1.0, 1e-9);
	assert_float_equal(r->syscalls[0].after, 2.0, 1e-9);
	assert_float_equal(r->syscalls[0].delta_pct, 100, 1e-6);
	assert_string_equal(r->syscalls[1].name, "fsync");
	assert_int_not_equal(r->syscalls[1].verdict, DIFF_SLOWER);
	assert_int_not_equal(r->syscalls[1].verdict, DIFF_FASTER);
	/* the interval of an unchanged call: within its compound Poisson noise */
	assert_true(r->syscalls[1].ci_low < 0 && r->syscalls[1].ci_high > 0);
	/* I/O targets match with their numbers as N, addresses kept */
	assert_int_equal(r->nio, 2);
	for (s = 0; s < 2; s++) {
		const struct diff_row *io = &r->io[s];

		assert_true(!strcmp(io->name, "/tmp/job-N.tmp") ||
			    !strcmp(io->name, "10.0.0.1:N -> 10.0.0.2:N"));
		assert_int_equal(io->samples_before, io->samples_after);
		assert_int_not_equal(io->verdict, DIFF_NEW);
		assert_int_not_equal(io->verdict, DIFF_GONE);
		assert_int_not_equal(io->verdict, DIFF_SLOWER);
	}
	assert_string_equal(!strcmp(r->io[0].name, "/tmp/job-N.tmp") ? r->io[0].module :
			    r->io[1].module, "file");
	diff_result_free(r);
	diff_free(d);
	free(before);
	free(after);
}

static void test_write_folded(void **state)
{
	struct env *e = *state;
	char *before = make_recording(e, "before", 2, 3, 1, 0, 0);
	char *after = make_recording(e, "after", 2, 0, 1, 2, 0);
	struct profile *pb, *pa;
	char *err = NULL, *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (profile_open(before, NULL, &pb, &err) || profile_open(after, NULL, &pa, &err))
		fail_msg("%s", err);
	f = open_memstream(&buf, &len);
	assert_int_equal(diff_write_folded(f, pb, pa), 0);
	fclose(f);
	/* hash: 1+2 per two slices; parse: 2+3; log: 2+2 after only */
	assert_string_equal(buf, "main;log 0 4\n"
				 "main;run;hash 3 3\n"
				 "main;run;parse 5 0\n");
	free(buf);
	profile_free(pb);
	profile_free(pa);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_identical_runs),
		cmocka_unit_test(test_one_function_faster),
		cmocka_unit_test(test_regression_gate),
		cmocka_unit_test(test_uniform_shift),
		cmocka_unit_test(test_small_change),
		cmocka_unit_test(test_new_gone),
		cmocka_unit_test(test_false_alarm_rate),
		cmocka_unit_test(test_interval_coverage),
		cmocka_unit_test(test_several_runs),
		cmocka_unit_test(test_deterministic_and_sorted),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test_setup_teardown(test_recordings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_into_callees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offcpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syscalls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_folded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
