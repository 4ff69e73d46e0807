/* anomaly.h - baselines of each function's share of samples, and marks where
 * a function departs from its baseline
 *
 * One detector for everything that marks or reads marks: the recorder runs
 * it as it records (record --continuous stores the marks in the recording's
 * anomalies table), `report --anomalies` runs it over a finished recording
 * that has no marks (anomaly_scan()), the UI's timeline draws the stored
 * marks, and the metrics count them.
 *
 * Input: windows of wall time (window_ns, at least a second: at 19-49 Hz a
 * 100 ms slice holds too few samples to judge), each with the number of
 * samples whose leaf frame is in each function (self samples) and the
 * window's total. The detector judges SHARES (count / total), not rates,
 * so a change of load alone does not alarm.
 *
 * Method (documented for users in hotstack-record(1), ANOMALY MARKS):
 *   baseline   per function, an exponentially weighted share: the decayed
 *              sum of its counts over the decayed sum of window totals,
 *              half-life half_life windows (a function never seen has
 *              share 0.5 / total, a prior that keeps the test finite).
 *   candidate  a window in which the function's share is at least
 *              cand_ratio times its baseline and the one-sided binomial
 *              test of its count against the baseline share gives
 *              p < 10^-cand_score. Nothing is a candidate before warmup
 *              windows with samples have built the baseline.
 *   run        consecutive candidate windows of one function, tested
 *              against the baseline frozen when the run began (so the
 *              baseline, which keeps learning, does not hide the run);
 *              it ends at the first window that is not a candidate, at
 *              anomaly_flush(), or after hold windows (a level shift that
 *              lasts becomes the new baseline).
 *   mark       a run that lasted at least min_windows windows and whose
 *              pooled count (all its windows together) has at least
 *              min_count samples, a share of at least min_share and at
 *              least ratio times the baseline, and a binomial tail
 *              p < 10^-score: one interval from the start of its first
 *              window to the end of its last. score in the mark is
 *              -log10 of the pooled test's p (capped at 300).
 * Only increases are marked: when one function costs more, the shares of
 * all the others fall; marking them too would bury the cause.
 *
 * Memory: one small entry per distinct function seen (never evicted: the
 * number of leaf functions of the targets bounds it). Not thread-safe.
 */
#ifndef HOTSTACK_ANOMALY_H
#define HOTSTACK_ANOMALY_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct anomaly_config {
	int64_t window_ns;	/* window length; >= 1 s */
	double half_life;	/* baseline half-life, in windows */
	int warmup;		/* windows with samples before anything is judged */
	double cand_ratio;	/* candidate window: share >= cand_ratio x baseline */
	double cand_score;	/* ... and -log10 p >= cand_score */
	int min_windows;	/* a mark: run of at least this many windows */
	double ratio;		/* pooled share >= ratio x baseline */
	double min_share;	/* pooled share >= min_share */
	uint64_t min_count;	/* pooled count >= min_count */
	double score;		/* pooled -log10 p >= score */
	int hold;		/* a run ends after this many windows */
};

struct anomaly_detector;

/* The defaults (a 1 s window; see the method above). */
void anomaly_config_init(struct anomaly_config *c);
/* Checks c; returns 0 or -EINVAL. */
int anomaly_config_check(const struct anomaly_config *c);

/* Called once per mark, when its run ends. Times are the window bounds
 * given to anomaly_window_begin(); strings are valid during the call. A
 * non-zero return is kept and returned by the anomaly_window_end() or
 * anomaly_flush() that called it (the detector's state stays consistent). */
typedef int (*anomaly_mark_cb)(void *arg, const struct store_anomaly *mark);

struct anomaly_detector *anomaly_new(const struct anomaly_config *c);
void anomaly_free(struct anomaly_detector *d);

/*
 * One window: begin, add each function's count (a function may be added
 * more than once: counts add up; module may be NULL), end with the
 * window's total number of samples (at least the sum of the counts added).
 * Windows must come in order, one after another; a window with no samples
 * is still begun and ended (total 0): it ends every run. Window ends judge
 * and update the baselines and call cb for the marks that end there.
 */
void anomaly_window_begin(struct anomaly_detector *d, int64_t start_ns, int64_t end_ns);
void anomaly_window_add(struct anomaly_detector *d, const char *function, const char *module,
			uint64_t count);
int anomaly_window_end(struct anomaly_detector *d, uint64_t total, anomaly_mark_cb cb,
		       void *arg);
/* Ends every run now (the recording ends): marks the runs that qualify. */
int anomaly_flush(struct anomaly_detector *d, anomaly_mark_cb cb, void *arg);
/* Marks made so far. */
uint64_t anomaly_count(const struct anomaly_detector *d);

/* -log10 of P(X >= x) for X ~ Binomial(n, p), capped at 300; 0 when x <= n p. */
double anomaly_binomial_score(uint64_t x, uint64_t n, double p);

/*
 * Runs a detector with config c (NULL: the defaults) over the CPU samples
 * of an open recording: its 100 ms slices summed into windows of
 * c->window_ns from the start, every window up to the end of the recording
 * fed in order. cb gets the marks (times from the start of the recording).
 * Returns 0, cb's non-zero return, or a negative errno with *errmsg
 * (malloc'd, one line).
 */
int anomaly_scan(struct store *st, const struct anomaly_config *c, anomaly_mark_cb cb,
		 void *arg, char **errmsg);

#endif
