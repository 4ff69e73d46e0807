/* model-query.h - the models of the Waits, Threads, Timeline and Source
 * views: what rows they show, in what order, and what their keys select,
 * without a terminal (tests/unit/test-ui-query.c drives them)
 *
 * Each model reads the query layer (src/timeline.h, threads.h, source.h,
 * waitsummary.h) for the UI's filters. Loading is lazy: a view marks its
 * model stale on reload and loads it when it is drawn, so filters change
 * fast while these views are not on screen. State that must survive a
 * reload is kept by identity (slice number, tid, function key, stack
 * text), never by row index.
 */
#ifndef HOTSTACK_UI_MODEL_QUERY_H
#define HOTSTACK_UI_MODEL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"
#include "threads.h"
#include "timeline.h"
#include "view.h"
#include "waitsummary.h"

/* A recording opened once for a view and kept (src/query.h: the whole
 * file is checked once when the UI starts, not on every filter change). */
struct mq_store {
	char *path;
	struct store *st;
};
/* The store of path, opened on first use; NULL with *errmsg on failure. */
struct store *mq_store_get(struct mq_store *s, const char *path, char **errmsg);
void mq_store_release(struct mq_store *s);
/* The profile selection of the UI's filters (kind, thread, time range),
 * the range in the recording's own slices. */
void mq_query_filter(struct store *st, const struct ui_filter *f, struct profile_filter *pf);

/* ---- timeline ---- */

struct mtimeline {
	struct timeline *t;
	struct timeline_column *cols;	/* laid out for width */
	size_t ncols, cap;
	int width;
	int cursor;			/* column */
	int anchor;			/* column where a selection began, -1 none */
	int64_t cursor_slice;		/* kept across reloads and resizes */
	int64_t anchor_slice;
};

void mtimeline_init(struct mtimeline *m);
void mtimeline_release(struct mtimeline *m);
/* Load for f's kind and thread (the chart covers the whole recording). */
int mtimeline_load(struct mtimeline *m, struct store *st, const struct ui_filter *f,
		   char **errmsg);
/* Columns for a chart width columns wide; keeps cursor and anchor on
 * their slices. */
void mtimeline_layout(struct mtimeline *m, int width);
/* Move the cursor by delta columns (clamped); the selection follows. */
void mtimeline_move(struct mtimeline *m, int delta);
void mtimeline_move_to(struct mtimeline *m, int col);
/* Start a selection at the cursor, or drop it. */
void mtimeline_anchor(struct mtimeline *m, bool on);
/* The time range of the selection (anchor..cursor, both columns
 * included), or of the cursor column alone: [*from_ns, *to_ns). */
void mtimeline_range(const struct mtimeline *m, int64_t *from_ns, int64_t *to_ns);
/* Whether column col lies inside the filter's range (f from/to). */
bool mtimeline_in_filter(const struct mtimeline *m, int col, const struct ui_filter *f);

/* ---- threads ---- */

enum mthreads_row_kind { MTHREADS_PROCESS, MTHREADS_THREAD };

struct mthreads_row {
	enum mthreads_row_kind kind;
	int index;		/* into t->procs or t->threads; -1 for "no process" */
};

struct mthreads {
	struct threads_table *t;
	enum threads_sort sort;
	struct mthreads_row *rows;
	size_t nrows, cap;
	int *collapsed;		/* pids whose threads are hidden */
	size_t ncollapsed;
	struct ui_list list;
	int cursor_tid, cursor_pid;	/* kept across reloads: tid, else pid */
};

void mthreads_init(struct mthreads *m);
void mthreads_release(struct mthreads *m);
/* Load for f's time range (every thread listed; kind and thread ignored). */
int mthreads_load(struct mthreads *m, struct store *st, const struct ui_filter *f,
		  char **errmsg);
/* Rebuild rows: processes by the sort key, each followed by its threads
 * (unless collapsed), then threads without a process. */
void mthreads_rows(struct mthreads *m);
/* The thread of row (or -1 for a process row). */
int mthreads_row_tid(const struct mthreads *m, size_t row);
/* Collapse or expand process pid. */
void mthreads_toggle(struct mthreads *m, int pid);
bool mthreads_is_collapsed(const struct mthreads *m, int pid);
/* Remember / restore the cursor by identity. */
void mthreads_save_cursor(struct mthreads *m);
void mthreads_restore_cursor(struct mthreads *m);

/* ---- waits ---- */

enum mwaits_row_kind {
	MWAITS_HEADING,		/* section title; not a stop for the cursor */
	MWAITS_NOTE,		/* a line of explanation */
	MWAITS_STACK,		/* off-CPU stack: index into w->stacks */
	MWAITS_SYSCALL,		/* w->calls */
	MWAITS_IO,		/* w->io */
};

struct mwaits_row {
	enum mwaits_row_kind kind;
	int index;
	const char *text;	/* headings and notes */
};

struct mwaits {
	struct waits_summary *w;
	struct mwaits_row *rows;
	size_t nrows, cap;
	struct ui_list list;
	char *cursor_key;	/* "kind:identity" of the cursor row */
	/* the drill-down: the stack of a row, root first; NULL when closed */
	char **stack;
	size_t nstack;
	char *stack_title;
	struct ui_list stack_list;
};

void mwaits_init(struct mwaits *m);
void mwaits_release(struct mwaits *m);
/* Load for f's thread and time range. */
int mwaits_load(struct mwaits *m, struct store *st, const struct ui_filter *f, char **errmsg);
/* The first selectable row at or after (dir 1) / before (dir -1) row. */
int mwaits_selectable(const struct mwaits *m, int row, int dir);
/* Open the drill-down of the cursor row; returns 0 or -ENOENT (a row
 * without a stack: the message says why in *why). */
int mwaits_open(struct mwaits *m, const char **why);
void mwaits_close(struct mwaits *m);
/* The label of an off-CPU stack row, led by its wait site as `report
 * --waits` names it (waits_stack_site()): the blocking call, then its
 * callers outward, joined by sep, with the frames between a library's call
 * and the program's function that made it (offcpu_stack.caller) shown as
 * gap; then, with kernel, "  (kernel: F)" for the kernel function it
 * waited in. A stack without user frames is labelled by its kernel frames
 * alone. */
void mwaits_stack_label(const struct offcpu_stack *s, const char *sep, const char *gap,
			bool kernel, struct strbuf *sb);
void mwaits_save_cursor(struct mwaits *m);
void mwaits_restore_cursor(struct mwaits *m);

/* ---- source ---- */

struct msource {
	int func;			/* index into the profile's funcs, -1 none */
	char *func_key;			/* model_func_key(), kept across reloads */
	struct source_lines *lines;
	size_t file;			/* which of lines->files is shown */
	struct source_text *text;	/* NULL when the file cannot be read */
	char *error;			/* why not */
	struct source_remap *remap;
	size_t nremap;
	struct ui_list list;		/* over text lines, or over the sampled
					 * lines when there is no text */
	int cursor_line;		/* kept across reloads */
};

/* remap: "OLD=NEW" strings (--source-path); bad ones are skipped. */
void msource_init(struct msource *m, const char *const *remap, size_t nremap);
void msource_release(struct msource *m);
/* Show function func of p (reads its source file). */
void msource_show(struct msource *m, const struct profile *p, int func);
/* Show the next file of the function (inline code from headers). */
void msource_next_file(struct msource *m);
/* The sampled line at text line n, or NULL. */
const struct source_line *msource_line(const struct msource *m, int n);
/* The line with the most total samples, 0 if none. */
int msource_hottest(const struct msource *m);
/* Rows the view shows: text lines, or sampled lines without text. */
int msource_nrows(const struct msource *m);
/* The source line number of row. */
int msource_row_line(const struct msource *m, int row);

#endif
