/* test-anomaly.c - the anomaly detector on synthetic windows: the binomial
 * tail, no marks on steady or load-changing input, a marked interval where
 * one function's cost triples, warm-up, flush, and a scan of a recording
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "anomaly.h"
#include "fixture.h"
#include "util.h"

#define SEC 1000000000ll

struct marks {
	struct store_anomaly m[16];
	char fn[16][64];
	int n;
};

static int collect(void *arg, const struct store_anomaly *a)
{
	struct marks *ms = arg;

	if (ms->n < 16) {
		ms->m[ms->n] = *a;
		snprintf(ms->fn[ms->n], sizeof(ms->fn[0]), "%s", a->function);
		ms->m[ms->n].function = ms->fn[ms->n];
		ms->m[ms->n].module = NULL;
	}
	ms->n++;
	return 0;
}

static uint64_t rng_state = 88172645463325252ull;

static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* window numbers go on across calls of feed() on one detector */
static int win_base;

/* Ends the runs still going; returns the marks. */
static int flushed(struct anomaly_detector *d, struct marks *ms)
{
	assert_int_equal(anomaly_flush(d, collect, ms), 0);
	return ms->n;
}

static const char *const names[] = { "parse", "hash", "compress", "write", "alloc", "idle" };

/*
 * Feeds nwin windows of n samples each, drawn from the shares w[] (weights,
 * normalised); in windows [hot_lo, hot_hi) function hot's weight is
 * multiplied by factor. Returns the marks.
 */
static void feed(struct anomaly_detector *d, int nwin, int n, const double *w, size_t nw,
		 int hot, double factor, int hot_lo, int hot_hi, struct marks *ms)
{
	int win, k;
	size_t i;

	for (win = 0; win < nwin; win++) {
		double ww[8], sum = 0;
		uint64_t cnt[8] = { 0 };

		for (i = 0; i < nw; i++) {
			ww[i] = w[i];
			if ((int)i == hot && win >= hot_lo && win < hot_hi)
				ww[i] *= factor;
			sum += ww[i];
		}
		for (k = 0; k < n; k++) {
			double u = uniform() * sum;

			for (i = 0; i + 1 < nw && u >= ww[i]; i++)
				u -= ww[i];
			cnt[i]++;
		}
		anomaly_window_begin(d, (win_base + win) * SEC, (win_base + win + 1) * SEC);
		for (i = 0; i < nw; i++)
			anomaly_window_add(d, names[i], "/usr/bin/prog", cnt[i]);
		assert_int_equal(anomaly_window_end(d, (uint64_t)n, collect, ms), 0);
	}
	win_base += nwin;
}

static struct anomaly_detector *detector(const struct anomaly_config *c)
{
	win_base = 0;
	return anomaly_new(c);
}

static void test_binomial(void **state UNUSED)
{
	/* P(X >= 10 | 10, 0.5) = 2^-10; P(X >= 1 | 1, 0.5) = 0.5 */
	assert_true(fabs(anomaly_binomial_score(10, 10, 0.5) - 10 * log10(2)) < 1e-9);
	assert_true(fabs(anomaly_binomial_score(1, 1, 0.5) - log10(2)) < 1e-9);
	/* P(X >= 2 | 3, 0.5) = 4/8 */
	assert_true(fabs(anomaly_binomial_score(2, 3, 0.5) - log10(2)) < 1e-9);
	/* P(X >= 3 | 4, 0.25) = 4 * 0.25^3 * 0.75 + 0.25^4 = 13/256 */
	assert_true(fabs(anomaly_binomial_score(3, 4, 0.25) + log10(13.0 / 256)) < 1e-9);
	/* at or under the mean: no evidence */
	assert_true(anomaly_binomial_score(5, 10, 0.5) == 0);
	assert_true(anomaly_binomial_score(0, 10, 0.1) == 0);
	/* far tails are finite and capped */
	assert_true(anomaly_binomial_score(100000, 100000, 1e-9) <= 300);
	assert_true(anomaly_binomial_score(900, 1000, 0.1) > 100);
}

static const double steady_w[] = { 40, 25, 15, 10, 7, 3 };

static void test_steady(void **state UNUSED)
{
	struct anomaly_detector *d = detector(NULL);
	struct marks ms = { .n = 0 };

	/* 10 minutes of 1 s windows at 49 samples each */
	feed(d, 600, 49, steady_w, ARRAY_SIZE(steady_w), -1, 1, 0, 0, &ms);
	assert_int_equal(flushed(d, &ms), 0);
	assert_int_equal(anomaly_count(d), 0);
	anomaly_free(d);
}

static void test_load_change(void **state UNUSED)
{
	struct anomaly_detector *d = detector(NULL);
	struct marks ms = { .n = 0 };

	/* the load quadruples (more samples per window), shares stay */
	feed(d, 60, 30, steady_w, ARRAY_SIZE(steady_w), -1, 1, 0, 0, &ms);
	feed(d, 60, 120, steady_w, ARRAY_SIZE(steady_w), -1, 1, 0, 0, &ms);
	assert_int_equal(flushed(d, &ms), 0);
	anomaly_free(d);
}

static void test_tripled(void **state UNUSED)
{
	struct anomaly_detector *d = detector(NULL);
	struct marks ms = { .n = 0 };

	/* "hash" (25%) costs three times as much in windows 30 and 31 */
	feed(d, 60, 49, steady_w, ARRAY_SIZE(steady_w), 1, 3, 30, 32, &ms);
	assert_int_equal(flushed(d, &ms), 1);
	assert_string_equal(ms.fn[0], "hash");
	assert_true(ms.m[0].start_ns <= 31 * SEC);
	assert_true(ms.m[0].end_ns >= 31 * SEC);
	assert_true(ms.m[0].end_ns - ms.m[0].start_ns <= 4 * SEC);
	assert_true(ms.m[0].baseline > 0.15 && ms.m[0].baseline < 0.35);
	assert_true(ms.m[0].observed > 1.5 * ms.m[0].baseline);
	assert_true(ms.m[0].score >= 6);
	anomaly_free(d);
}

static void test_new_function(void **state UNUSED)
{
	static const double w[] = { 40, 25, 15, 10, 7, 0 };
	struct anomaly_detector *d = detector(NULL);
	struct marks ms = { .n = 0 };

	/* "idle" was never seen: a weight of 0 becomes 30 for 3 windows */
	rng_state = 42;
	feed(d, 20, 49, w, ARRAY_SIZE(w), -1, 1, 0, 0, &ms);
	{
		static const double w2[] = { 40, 25, 15, 10, 7, 30 };

		feed(d, 3, 49, w2, ARRAY_SIZE(w2), -1, 1, 0, 0, &ms);
	}
	assert_int_equal(flushed(d, &ms), 1);
	assert_string_equal(ms.fn[0], "idle");
	assert_int_equal(ms.m[0].start_ns, 20 * SEC);
	anomaly_free(d);
}

static void test_warmup_and_short(void **state UNUSED)
{
	struct anomaly_config c;
	struct anomaly_detector *d;
	struct marks ms = { .n = 0 };

	/* a spike during warm-up is not judged */
	d = detector(NULL);
	feed(d, 8, 49, steady_w, ARRAY_SIZE(steady_w), 5, 20, 2, 6, &ms);
	assert_int_equal(flushed(d, &ms), 0);
	anomaly_free(d);
	/* one window is not enough with min_windows 2 ... */
	d = detector(NULL);
	feed(d, 40, 49, steady_w, ARRAY_SIZE(steady_w), 5, 20, 30, 31, &ms);
	assert_int_equal(flushed(d, &ms), 0);
	anomaly_free(d);
	/* ... and is with min_windows 1 */
	anomaly_config_init(&c);
	c.min_windows = 1;
	d = detector(&c);
	feed(d, 40, 49, steady_w, ARRAY_SIZE(steady_w), 5, 20, 30, 31, &ms);
	assert_int_equal(flushed(d, &ms), 1);
	assert_int_equal(ms.m[0].start_ns, 30 * SEC);
	assert_int_equal(ms.m[0].end_ns, 31 * SEC);
	anomaly_free(d);
}

static void test_flush_and_hold(void **state UNUSED)
{
	struct anomaly_config c;
	struct anomaly_detector *d;
	struct marks ms = { .n = 0 };

	/* a run still going at the end is marked by the flush */
	d = detector(NULL);
	feed(d, 33, 49, steady_w, ARRAY_SIZE(steady_w), 0, 4, 30, 33, &ms);
	assert_int_equal(flushed(d, &ms), 1);
	assert_string_equal(ms.fn[0], "parse");
	assert_int_equal(ms.m[0].end_ns, 33 * SEC);
	anomaly_free(d);
	/* a level shift is marked once per hold, then becomes the baseline */
	anomaly_config_init(&c);
	c.hold = 20;
	ms.n = 0;
	d = detector(&c);
	feed(d, 400, 49, steady_w, ARRAY_SIZE(steady_w), 4, 6, 30, 400, &ms);
	assert_true(flushed(d, &ms) >= 1 && ms.n <= 6);
	assert_string_equal(ms.fn[0], "alloc");
	assert_true(ms.m[ms.n - 1].end_ns < 200 * SEC);
	anomaly_free(d);
}

static void test_config(void **state UNUSED)
{
	struct anomaly_config c;

	anomaly_config_init(&c);
	assert_int_equal(anomaly_config_check(&c), 0);
	c.window_ns = SEC / 10;
	assert_int_equal(anomaly_config_check(&c), -EINVAL);
	anomaly_config_init(&c);
	c.hold = 1;
	assert_int_equal(anomaly_config_check(&c), -EINVAL);
}

/* A recording: 30 s of slices, leaf "b" doubles its cost in seconds 14-16. */
static void test_scan(void **state UNUSED)
{
	char *dir = fixture_tmpdir();
	char *db = xasprintf("%s/a.db", dir);
	struct fixture *fx = fixture_create(db);
	struct marks ms = { .n = 0 };
	struct store *st;
	char *err = NULL;
	int64_t s;

	store_set_meta_int(fixture_store(fx), "duration_ns", 30 * SEC);
	for (s = 0; s < 300; s++) {
		bool hot = s >= 140 && s < 160;

		fixture_set_slice(fx, s);
		fixture_stack(fx, 1, 3, "main;work;a");
		fixture_stack(fx, 1, hot ? 6 : 1, "main;work;b");
		fixture_stack(fx, 1, 1, "main;work;c");
	}
	fixture_close(fx);
	if (store_open(db, &st, &err))
		fail_msg("store_open: %s", err);
	assert_int_equal(anomaly_scan(st, NULL, collect, &ms, &err), 0);
	assert_int_equal(ms.n, 1);
	assert_string_equal(ms.fn[0], "b");
	assert_int_equal(ms.m[0].start_ns, 14 * SEC);
	assert_int_equal(ms.m[0].end_ns, 16 * SEC);
	assert_true(fabs(ms.m[0].baseline - 0.2) < 0.05);
	assert_true(fabs(ms.m[0].observed - 0.6) < 0.01);
	store_free(st);
	fixture_rmdir(dir);
	free(dir);
	free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binomial),
		cmocka_unit_test(test_steady),
		cmocka_unit_test(test_load_change),
		cmocka_unit_test(test_tripled),
		cmocka_unit_test(test_new_function),
		cmocka_unit_test(test_warmup_and_short),
		cmocka_unit_test(test_flush_and_hold),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
