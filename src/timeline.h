/* timeline.h - samples over time: the query behind the UI's timeline
 *
 * timeline_load() reads one kind of samples (one thread or all) summed per
 * time slice (meta slice_ns, 100 ms by default) over the whole recording,
 * from the writer's per-slice sums (store_each_slice_sum(); older files
 * stream their samples rows): the time range of the filter is not applied, since the
 * timeline is where a range is chosen. timeline_columns() re-buckets the
 * slices into N columns of a chart. Anomaly marks come from the recording's
 * anomalies table (version 2; none in older files or when nothing was
 * marked): the detector lives with the recorder, this only reads its marks.
 *
 * Column c of N over S slices covers slices [c*S/N, (c+1)*S/N) when S > N,
 * so every slice lands in exactly one column and column widths differ by at
 * most one slice; when S <= N each column is one slice and only S columns
 * are used (a short recording is not stretched).
 */
#ifndef HOTSTACK_TIMELINE_H
#define HOTSTACK_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct timeline_mark {
	int64_t start_ns, end_ns;	/* from the start of the recording */
	int64_t slice_lo, slice_hi;	/* the slices it overlaps: [lo, hi) */
	char *function, *module;	/* module may be NULL */
	double baseline, observed, score;
};

struct timeline {
	int kind, tid;			/* the selection */
	int64_t slice_ns;
	size_t nslices;			/* slices [0, nslices): the duration, or
					 * past the last sample if later */
	struct profile_value *slices;	/* per slice */
	struct profile_value total;
	uint64_t max_count;		/* the fullest slice */
	struct timeline_mark *marks;	/* by start */
	size_t nmarks;
};

struct timeline_column {
	int64_t slice_lo, slice_hi;	/* [lo, hi) */
	struct profile_value value;
	int mark;			/* first mark overlapping it, -1 if none */
};

/*
 * Load the timeline of f's kind and thread (its range and module are
 * ignored; NULL = all cpu samples). Returns 0, or a negative errno with a
 * one-line *errmsg (malloc'd).
 */
int timeline_load(struct store *st, const struct profile_filter *f, struct timeline **out,
		  char **errmsg);
void timeline_free(struct timeline *t);

/*
 * Re-bucket into at most ncols columns written to out[] (room for ncols);
 * returns how many were written (0 for an empty timeline or ncols 0).
 */
size_t timeline_columns(const struct timeline *t, size_t ncols, struct timeline_column *out);
/* The slices [*lo, *hi) column col of ncols covers (as timeline_columns()). */
void timeline_column_slices(const struct timeline *t, size_t ncols, size_t col, int64_t *lo,
			    int64_t *hi);
/* The column of ncols that holds slice (clamped to the chart). */
size_t timeline_slice_column(const struct timeline *t, size_t ncols, int64_t slice);

#endif
