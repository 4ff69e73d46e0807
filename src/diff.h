/* diff.h - compare recordings: what got faster or slower, beyond noise
 *
 * The paired model behind "hotstack diff" (and the differential flame
 * graph). Recordings are added to two sides, before and after, one or more
 * runs each. Each run is kept as time series: for every function (matched
 * across recordings by name and module, never by address or path: see
 * diff_map_module())
 * and every call path, its self and total weight in each time slice of the
 * run. diff_compute() then compares the sides row by row:
 *
 *   quantity    per run, the row's weight (CPU time for cpu samples) per
 *               unit: per run (a launched job recorded to its end), per
 *               second of wall time, or per unit of work (--per); a side's
 *               value is the mean over its runs
 *   noise       a two-stage bootstrap: resample the runs of a side, then
 *               moving blocks of time slices within each run (circular,
 *               block length n^(1/3) slices), so phases and autocorrelation
 *               stay inside blocks; the replicates give standard errors;
 *               the run-to-run spread measured between runs is pooled with
 *               an assumed one (opts.run_noise), all one run can have
 *   tests       Student's t on the log scale, degrees of freedom from the
 *               blocks and runs: the row's change (after/before) and its
 *               change relative to the rest of the profile (its odds); a
 *               change must show in both, so a uniform shift of every
 *               function (a busier machine, a different clock) stays in
 *               the total row and one function's change does not paint the
 *               others; Benjamini-Hochberg FDR over the rows; a minimum
 *               effect
 *   verdicts    faster, slower, same (the interval lies within the minimum
 *               effect), inconclusive (with the recording time that would
 *               settle it), new, gone
 *
 * hotstack-diff(1) explains the method and its assumptions for users.
 * Error rule: functions return 0 or a negative errno with a malloc'd
 * one-line *errmsg; nothing here exits.
 */
#ifndef HOTSTACK_DIFF_H
#define HOTSTACK_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;
struct store;

enum diff_side { DIFF_BEFORE = 0, DIFF_AFTER = 1 };

/* What one unit of the compared quantity is. */
enum diff_unit {
	DIFF_PER_RUN,		/* CPU seconds per run: fixed-work jobs */
	DIFF_PER_SECOND,	/* CPU seconds per second of wall time */
	DIFF_PER_WORK,		/* CPU seconds per unit of work (diff_add_*'s work) */
};

enum diff_verdict {
	DIFF_SAME,		/* the interval lies within +-min_effect */
	DIFF_FASTER,
	DIFF_SLOWER,
	DIFF_INCONCLUSIVE,	/* too few samples or too much noise to say */
	DIFF_NEW,		/* only after, significantly */
	DIFF_GONE,		/* only before, significantly */
};

struct diff_opts {
	enum diff_unit unit;
	bool total;		/* compare total (inclusive) time instead of self */
	bool stacks;		/* also compare call paths (folded stacks) */
	double min_effect;	/* percent: smaller changes are never a verdict */
	double alpha;		/* FDR level; intervals are (1 - alpha) */
	double run_noise;	/* percent: assumed run-to-run spread per run,
				 * pooled with the spread measured between runs */
	unsigned resamples;	/* bootstrap replicates per side */
	uint64_t seed;		/* of the bootstrap's random numbers */
};
#define DIFF_OPTS_INIT { DIFF_PER_RUN, false, false, 5.0, 0.05, 3.0, 1000, 1 }

/* Rows with fewer samples than this on both sides together are not tested. */
#define DIFF_MIN_SAMPLES 10

/* One compared row: a function, a call path, or the total. */
struct diff_row {
	const char *name;	/* function name, folded path, or "total" */
	const char *module;	/* module file name, "old->new" when paired across
				 * names ("" for paths and the total) */
	/* the compared quantity (self, or total with opts.total), in seconds per
	 * unit (or in samples per unit when the recordings have no weights) */
	double before, after;
	double delta;			/* after - before */
	double delta_low, delta_high;	/* interval of delta */
	/* change in percent of before with its interval; NAN when before is 0 */
	double delta_pct, ci_low, ci_high;
	/* change relative to the rest of the profile (odds ratio - 1) in
	 * percent; NAN when it does not apply (the row is every sample) */
	double rel_pct, rel_low, rel_high;
	/* samples (self or total, as compared) summed over each side's runs */
	uint64_t samples_before, samples_after;
	/* the other measure, for display: total when self is compared, else self */
	double other_before, other_after;
	double share_before, share_after;	/* percent of the side's total */
	double cpu_per_s_before, cpu_per_s_after;	/* per second of wall time */
	double p, q;			/* p-value and BH-adjusted p-value; NAN if untested */
	enum diff_verdict verdict;
	/* function rows compared by self time (the default): the change of the
	 * function's total (inclusive) time, in percent with its interval (NAN
	 * when it does not apply), and that comparison's verdict */
	double total_pct, total_low, total_high;
	enum diff_verdict total_verdict;
	/* the verdict is total_verdict's: the self time is 0 on one side but
	 * the function is on the stacks of both (its work moved into callees,
	 * an O(n^2) loop replaced by a call to qsort): never new or gone */
	bool by_total;
	/* for inconclusive rows: seconds more of recording per run that would
	 * probably settle the verdict; INFINITY if more time alone will not,
	 * NAN for other verdicts */
	double more_seconds;
};

struct diff_side_info {
	size_t runs;
	double duration_s;	/* mean duration of a run */
	uint64_t samples;	/* summed over the runs */
	double work;		/* mean work per run (DIFF_PER_WORK), else 0 */
};

struct diff_result {
	struct diff_opts opts;
	bool counts;		/* the recordings have no weights: samples compared */
	struct diff_side_info side[2];
	struct diff_row total;
	struct diff_row *rows;		/* functions, sorted by the size of real change */
	size_t nrows;
	struct diff_row *stacks;	/* call paths (opts.stacks), sorted likewise */
	size_t nstacks;
	/* system calls, when both sides have them (diff_add_syscalls()): time
	 * in each call per unit; samples_* are calls, other_* calls per unit */
	struct diff_row *syscalls;
	size_t nsyscalls;
	/* I/O per target (file, socket; module is its kind), when both sides
	 * have them: time waiting per unit; samples_* are calls, other_* bytes
	 * read and written per unit */
	struct diff_row *io;
	size_t nio;
	size_t common;		/* functions with samples on both sides */
	bool total_change;	/* rows[] carry total_pct and total_verdict */
};

struct diff;

struct diff *diff_new(void);
void diff_free(struct diff *d);

/*
 * Add one recording to a side: p is a profile loaded from st (still open;
 * profile_load()), work the units of work it did (for DIFF_PER_WORK, else
 * ignored; must be > 0 then). Streams the selection's samples again, per
 * time slice. Returns 0 or a negative errno with *errmsg.
 */
int diff_add_profile(struct diff *d, enum diff_side side, struct store *st,
		     const struct profile *p, double work, char **errmsg);

/*
 * Pair module old (before) with module new (after) by hand: each is a file
 * name or a path. Call before adding recordings. Without it, modules pair
 * by their role: the main executable of one side with the main executable
 * of the other (./v1 with ./v2, when each recording has one program), a
 * shared object with the one of the same soname (or, without one, file
 * name), once its version is taken off (libfoo.so.1 with libfoo.so.2),
 * anything else by file name. A paired module shows as
 * "old->new" when the names differ.
 */
void diff_map_module(struct diff *d, const char *old, const char *new);

/*
 * Add the system calls and I/O targets of st (the --waits tables: count,
 * time and latency histogram per call, calls, bytes and wait per target; no
 * time slices) to the run diff_add_profile() added last. Their noise within
 * a run is modelled, not resampled: a call's total time as compound
 * Poisson, variance = sum of its calls' squared latencies (from the
 * histogram; for I/O, which has none, latencies are taken as exponential:
 * 2 mean^2 per call). A recording without these tables adds nothing.
 * Returns 0 or a negative errno with *errmsg.
 */
int diff_add_syscalls(struct diff *d, struct store *st, char **errmsg);

/*
 * Building runs by hand (tests, importers): a run of duration_ns (<= 0:
 * as many slices as it has) cut into slices of slice_ns, then samples of a
 * leaf function with no callers. Returns the run's index.
 */
size_t diff_add_run(struct diff *d, enum diff_side side, int64_t duration_ns, int64_t slice_ns,
		    double work);
void diff_add_sample(struct diff *d, size_t run, int64_t slice, const char *name,
		     const char *module, int64_t count, int64_t weight_ns);

/* Compare the sides. *out is freed with diff_result_free() and points into d:
 * free it before d. Returns 0, or -EINVAL with *errmsg (a side without runs,
 * bad options). */
int diff_compute(struct diff *d, const struct diff_opts *o, struct diff_result **out,
		 char **errmsg);
void diff_result_free(struct diff_result *r);

/* True if the row got slower by more than pct percent beyond noise: verdict
 * slower and the lower end of its interval (of total time when by_total)
 * above pct. */
bool diff_row_regressed(const struct diff_row *row, double pct);

const char *diff_verdict_name(enum diff_verdict v);
const char *diff_unit_name(enum diff_unit u);

/* DIFF_PER_RUN for a launched program recorded to its end, else
 * DIFF_PER_SECOND (attached, or the recorder was killed). */
enum diff_unit diff_natural_unit(const struct profile *p);

/*
 * Benjamini-Hochberg adjusted p-values: q[i] for p[i], n values; NAN
 * entries are skipped (not counted as tests) and stay NAN.
 */
void diff_bh_adjust(const double *p, double *q, size_t n);

/*
 * Differential folded stacks, as difffolded.pl writes them: one line per
 * call path of either profile, "stack count_before count_after" (sample
 * counts), sorted bytewise by stack. Returns 0 or -EIO on a write error.
 */
int diff_write_folded(FILE *f, const struct profile *before, const struct profile *after);

#endif
