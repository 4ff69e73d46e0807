/* model-query.c - models of the Waits, Threads, Timeline and Source views */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model-query.h"
#include "model.h"
#include "query.h"

/* ---- the store ---------------------------------------------------------- */

/* One reader shared by the views (UI thread only). The model has read the
 * recording already, so it is opened without the whole-file check
 * (query_open(): ~0.25 s of CPU less for 1M samples). */
static struct {
	char *path;
	struct store *st;
	int refs;
} shared;

struct store *mq_store_get(struct mq_store *s, const char *path, char **errmsg)
{
	*errmsg = NULL;
	if (s->st && s->path && !strcmp(s->path, path))
		return s->st;
	mq_store_release(s);
	if (!shared.st || strcmp(shared.path, path)) {
		struct store *st;

		if (query_open(path, &st, errmsg))
			return NULL;
		if (shared.st) {	/* another recording: not shared */
			s->st = st;
			s->path = xstrdup(path);
			return st;
		}
		shared.st = st;
		shared.path = xstrdup(path);
	}
	shared.refs++;
	s->st = shared.st;
	s->path = xstrdup(path);
	return s->st;
}

void mq_store_release(struct mq_store *s)
{
	if (s->st && s->st == shared.st) {
		if (--shared.refs == 0) {
			query_close(shared.st);
			free(shared.path);
			shared.st = NULL;
			shared.path = NULL;
		}
	} else {
		query_close(s->st);
	}
	free(s->path);
	s->st = NULL;
	s->path = NULL;
}

void mq_query_filter(struct store *st, const struct ui_filter *f, struct profile_filter *pf)
{
	model_profile_filter(f, pf);
	model_range_slices(f, query_slice_ns(st), pf);
}

/* ---- timeline ----------------------------------------------------------- */

void mtimeline_init(struct mtimeline *m)
{
	memset(m, 0, sizeof(*m));
	m->anchor = -1;
	m->anchor_slice = -1;
}

void mtimeline_release(struct mtimeline *m)
{
	timeline_free(m->t);
	free(m->cols);
	mtimeline_init(m);
}

int mtimeline_load(struct mtimeline *m, struct store *st, const struct ui_filter *f,
		   char **errmsg)
{
	struct profile_filter pf;
	struct timeline *t;
	int err;

	mq_query_filter(st, f, &pf);
	err = timeline_load(st, &pf, &t, errmsg);
	if (err)
		return err;
	timeline_free(m->t);
	m->t = t;
	if (m->width > 0)
		mtimeline_layout(m, m->width);
	return 0;
}

void mtimeline_layout(struct mtimeline *m, int width)
{
	if (width < 1)
		width = 1;
	m->width = width;
	xgrow(&m->cols, &m->cap, (size_t)width, sizeof(*m->cols));
	m->ncols = m->t ? timeline_columns(m->t, (size_t)width, m->cols) : 0;
	if (!m->ncols) {
		m->cursor = 0;
		m->anchor = -1;
		return;
	}
	m->cursor = (int)timeline_slice_column(m->t, (size_t)width, m->cursor_slice);
	m->anchor = m->anchor_slice >= 0 ?
		    (int)timeline_slice_column(m->t, (size_t)width, m->anchor_slice) : -1;
}

void mtimeline_move_to(struct mtimeline *m, int col)
{
	if (!m->ncols)
		return;
	if (col < 0)
		col = 0;
	if (col >= (int)m->ncols)
		col = (int)m->ncols - 1;
	m->cursor = col;
	m->cursor_slice = m->cols[col].slice_lo;
}

void mtimeline_move(struct mtimeline *m, int delta)
{
	mtimeline_move_to(m, m->cursor + delta);
}

void mtimeline_anchor(struct mtimeline *m, bool on)
{
	if (on && m->ncols) {
		m->anchor = m->cursor;
		m->anchor_slice = m->cols[m->cursor].slice_lo;
	} else {
		m->anchor = -1;
		m->anchor_slice = -1;
	}
}

void mtimeline_range(const struct mtimeline *m, int64_t *from_ns, int64_t *to_ns)
{
	int lo = m->cursor, hi = m->cursor;

	if (!m->ncols) {
		*from_ns = *to_ns = -1;
		return;
	}
	if (m->anchor >= 0) {
		lo = m->anchor < m->cursor ? m->anchor : m->cursor;
		hi = m->anchor < m->cursor ? m->cursor : m->anchor;
	}
	*from_ns = m->cols[lo].slice_lo * m->t->slice_ns;
	*to_ns = m->cols[hi].slice_hi * m->t->slice_ns;
}

bool mtimeline_in_filter(const struct mtimeline *m, int col, const struct ui_filter *f)
{
	int64_t start, end;

	if ((f->from_ns < 0 && f->to_ns < 0) || col < 0 || (size_t)col >= m->ncols)
		return false;
	start = m->cols[col].slice_lo * m->t->slice_ns;
	end = m->cols[col].slice_hi * m->t->slice_ns;
	return (f->to_ns < 0 || start < f->to_ns) && end > (f->from_ns < 0 ? 0 : f->from_ns);
}

/* ---- threads ------------------------------------------------------------ */

void mthreads_init(struct mthreads *m)
{
	memset(m, 0, sizeof(*m));
	m->sort = THREADS_SORT_CPU;
	m->cursor_tid = m->cursor_pid = -1;
}

void mthreads_release(struct mthreads *m)
{
	threads_free(m->t);
	free(m->rows);
	free(m->collapsed);
	mthreads_init(m);
}

int mthreads_load(struct mthreads *m, struct store *st, const struct ui_filter *f,
		  char **errmsg)
{
	struct profile_filter pf;
	struct threads_table *t;
	int err;

	mq_query_filter(st, f, &pf);
	err = threads_load(st, &pf, &t, errmsg);
	if (err)
		return err;
	mthreads_save_cursor(m);
	threads_free(m->t);
	m->t = t;
	mthreads_rows(m);
	mthreads_restore_cursor(m);
	return 0;
}

static uint64_t sort_weight(const struct profile_value *cpu, const struct profile_value *off,
			    enum threads_sort sort)
{
	return sort == THREADS_SORT_OFFCPU ? off->weight_ns : cpu->weight_ns;
}

static const struct threads_table *proc_sort_table;
static enum threads_sort proc_sort_key;

static int cmp_procs(const void *a, const void *b)
{
	const struct threads_process *x = &proc_sort_table->procs[*(const int *)a];
	const struct threads_process *y = &proc_sort_table->procs[*(const int *)b];
	int c = 0;

	if (proc_sort_key == THREADS_SORT_CPU || proc_sort_key == THREADS_SORT_OFFCPU) {
		uint64_t wx = sort_weight(&x->cpu, &x->offcpu, proc_sort_key);
		uint64_t wy = sort_weight(&y->cpu, &y->offcpu, proc_sort_key);

		c = wx > wy ? -1 : wx < wy;
	} else if (proc_sort_key == THREADS_SORT_NAME) {
		c = strcmp(x->name, y->name);
	}
	return c ? c : x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void add_row(struct mthreads *m, enum mthreads_row_kind kind, int index)
{
	xgrow(&m->rows, &m->cap, m->nrows + 1, sizeof(*m->rows));
	m->rows[m->nrows].kind = kind;
	m->rows[m->nrows++].index = index;
}

bool mthreads_is_collapsed(const struct mthreads *m, int pid)
{
	size_t i;

	for (i = 0; i < m->ncollapsed; i++)
		if (m->collapsed[i] == pid)
			return true;
	return false;
}

void mthreads_rows(struct mthreads *m)
{
	const struct threads_table *t = m->t;
	int *threads, *procs;
	size_t nthreads, p, i;
	bool orphans = false;

	m->nrows = 0;
	if (!t) {
		m->list.n = 0;
		return;
	}
	nthreads = threads_sorted(t, m->sort, &threads);
	procs = xmalloc((t->nprocs ? t->nprocs : 1) * sizeof(*procs));
	for (p = 0; p < t->nprocs; p++)
		procs[p] = (int)p;
	proc_sort_table = t;
	proc_sort_key = m->sort;
	qsort(procs, t->nprocs, sizeof(*procs), cmp_procs);
	for (p = 0; p < t->nprocs; p++) {
		add_row(m, MTHREADS_PROCESS, procs[p]);
		if (mthreads_is_collapsed(m, t->procs[procs[p]].pid))
			continue;
		for (i = 0; i < nthreads; i++)
			if (t->threads[threads[i]].process == procs[p])
				add_row(m, MTHREADS_THREAD, threads[i]);
	}
	for (i = 0; i < nthreads; i++)
		orphans |= t->threads[threads[i]].process < 0;
	if (orphans) {
		add_row(m, MTHREADS_PROCESS, -1);
		if (!mthreads_is_collapsed(m, 0))
			for (i = 0; i < nthreads; i++)
				if (t->threads[threads[i]].process < 0)
					add_row(m, MTHREADS_THREAD, threads[i]);
	}
	free(threads);
	free(procs);
	m->list.n = (int)m->nrows;
}

int mthreads_row_tid(const struct mthreads *m, size_t row)
{
	if (row >= m->nrows || m->rows[row].kind != MTHREADS_THREAD)
		return -1;
	return m->t->threads[m->rows[row].index].tid;
}

static int row_pid(const struct mthreads *m, size_t row)
{
	if (row >= m->nrows)
		return -1;
	if (m->rows[row].kind == MTHREADS_THREAD) {
		int proc = m->t->threads[m->rows[row].index].process;

		return proc >= 0 ? m->t->procs[proc].pid : 0;
	}
	return m->rows[row].index >= 0 ? m->t->procs[m->rows[row].index].pid : 0;
}

void mthreads_toggle(struct mthreads *m, int pid)
{
	size_t i;

	for (i = 0; i < m->ncollapsed; i++)
		if (m->collapsed[i] == pid) {
			m->collapsed[i] = m->collapsed[--m->ncollapsed];
			return;
		}
	m->collapsed = xrealloc(m->collapsed, (m->ncollapsed + 1) * sizeof(*m->collapsed));
	m->collapsed[m->ncollapsed++] = pid;
}

void mthreads_save_cursor(struct mthreads *m)
{
	if (!m->t || !m->nrows)
		return;
	m->cursor_tid = mthreads_row_tid(m, (size_t)m->list.cursor);
	m->cursor_pid = row_pid(m, (size_t)m->list.cursor);
}

void mthreads_restore_cursor(struct mthreads *m)
{
	size_t i;

	m->list.cursor = 0;
	for (i = 0; i < m->nrows; i++)
		if ((m->cursor_tid >= 0 && mthreads_row_tid(m, i) == m->cursor_tid) ||
		    (m->cursor_tid < 0 && m->rows[i].kind == MTHREADS_PROCESS &&
		     row_pid(m, i) == m->cursor_pid)) {
			m->list.cursor = (int)i;
			return;
		}
	/* the thread went behind a collapsed process: its process row */
	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].kind == MTHREADS_PROCESS && row_pid(m, i) == m->cursor_pid) {
			m->list.cursor = (int)i;
			return;
		}
}

/* ---- waits -------------------------------------------------------------- */

void mwaits_init(struct mwaits *m)
{
	memset(m, 0, sizeof(*m));
}

static void free_stack(struct mwaits *m)
{
	size_t i;

	for (i = 0; i < m->nstack; i++)
		free(m->stack[i]);
	free(m->stack);
	free(m->stack_title);
	m->stack = NULL;
	m->stack_title = NULL;
	m->nstack = 0;
	memset(&m->stack_list, 0, sizeof(m->stack_list));
}

void mwaits_release(struct mwaits *m)
{
	waits_summary_free(m->w);
	free(m->rows);
	free(m->cursor_key);
	free_stack(m);
	mwaits_init(m);
}

static void wrow(struct mwaits *m, enum mwaits_row_kind kind, int index, const char *text)
{
	xgrow(&m->rows, &m->cap, m->nrows + 1, sizeof(*m->rows));
	m->rows[m->nrows].kind = kind;
	m->rows[m->nrows].index = index;
	m->rows[m->nrows++].text = text;
}

static void build_wrows(struct mwaits *m)
{
	const struct waits_summary *w = m->w;
	size_t i;

	m->nrows = 0;
	if (!w->has_waits)
		wrow(m, MWAITS_NOTE, -1,
		     "recorded without --waits: no off-CPU time, system calls or I/O "
		     "(hotstack record --waits)");
	wrow(m, MWAITS_HEADING, 0, "Off-CPU by time blocked: wait site ← callers (kernel)");
	for (i = 0; i < w->nstacks; i++)
		wrow(m, MWAITS_STACK, (int)i, NULL);
	if (!w->nstacks)
		wrow(m, MWAITS_NOTE, -1, "(none in this selection)");
	wrow(m, MWAITS_HEADING, 1, "System calls, by total time");
	if (w->range_ignored)
		wrow(m, MWAITS_NOTE, -1,
		     "(whole recording: its system call tables predate time slices; "
		     "the time range is not applied to them)");
	for (i = 0; i < w->ncalls; i++)
		wrow(m, MWAITS_SYSCALL, (int)i, NULL);
	if (!w->ncalls)
		wrow(m, MWAITS_NOTE, -1, "(none in this selection)");
	wrow(m, MWAITS_HEADING, 2, "I/O by file and socket, by time waited");
	if (w->range_ignored)
		wrow(m, MWAITS_NOTE, -1, "(whole recording, as above)");
	for (i = 0; i < w->nio; i++)
		wrow(m, MWAITS_IO, (int)i, NULL);
	if (!w->nio)
		wrow(m, MWAITS_NOTE, -1, "(none in this selection)");
	m->list.n = (int)m->nrows;
}

int mwaits_load(struct mwaits *m, struct store *st, const struct ui_filter *f, char **errmsg)
{
	struct profile_filter pf;
	struct waits_summary *w;
	int err;

	mq_query_filter(st, f, &pf);
	err = waits_summary_load_store(st, &pf, &w, errmsg);
	if (err)
		return err;
	mwaits_save_cursor(m);
	free_stack(m);
	waits_summary_free(m->w);
	m->w = w;
	build_wrows(m);
	mwaits_restore_cursor(m);
	return 0;
}

int mwaits_selectable(const struct mwaits *m, int row, int dir)
{
	for (; row >= 0 && row < (int)m->nrows; row += dir)
		if (m->rows[row].kind >= MWAITS_STACK)
			return row;
	return -1;
}

/* The frames joined by ';' (folded form). */
static char *join_frames(char *const *frames, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, "");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_add(&sb, ";", 1);
		strbuf_adds(&sb, frames[i]);
	}
	return sb.buf;
}

/* The identity of a row, to find it again after a reload. */
static char *row_key(const struct mwaits *m, size_t row)
{
	const struct mwaits_row *r = &m->rows[row];
	char *frames, *key;

	switch (r->kind) {
	case MWAITS_STACK:
		frames = join_frames(m->w->stacks[r->index].frames, m->w->stacks[r->index].nframes);
		key = xasprintf("s:%s", frames);
		free(frames);
		return key;
	case MWAITS_SYSCALL:
		return xasprintf("c:%lld", (long long)m->w->calls[r->index].nr);
	case MWAITS_IO:
		return xasprintf("i:%s:%s", m->w->io[r->index].kind, m->w->io[r->index].target);
	default:
		return NULL;
	}
}

void mwaits_save_cursor(struct mwaits *m)
{
	char *key;

	if (!m->w || m->list.cursor < 0 || m->list.cursor >= (int)m->nrows)
		return;
	key = row_key(m, (size_t)m->list.cursor);
	if (!key)
		return;
	free(m->cursor_key);
	m->cursor_key = key;
}

void mwaits_restore_cursor(struct mwaits *m)
{
	size_t i;

	m->list.cursor = mwaits_selectable(m, 0, 1);
	if (m->list.cursor < 0)
		m->list.cursor = 0;
	if (!m->cursor_key)
		return;
	for (i = 0; i < m->nrows; i++) {
		char *key = row_key(m, i);
		bool same = key && !strcmp(key, m->cursor_key);

		free(key);
		if (same) {
			m->list.cursor = (int)i;
			return;
		}
	}
}

int mwaits_open(struct mwaits *m, const char **why)
{
	const struct mwaits_row *r;
	char *const *frames = NULL;
	size_t n = 0, i;

	*why = NULL;
	if (!m->w || m->list.cursor < 0 || m->list.cursor >= (int)m->nrows) {
		*why = "nothing selected";
		return -ENOENT;
	}
	r = &m->rows[m->list.cursor];
	switch (r->kind) {
	case MWAITS_STACK:
		frames = m->w->stacks[r->index].frames;
		n = m->w->stacks[r->index].nframes;
		break;
	case MWAITS_SYSCALL:
		frames = m->w->calls[r->index].stack;
		n = m->w->calls[r->index].nstack;
		if (!frames || !n)
			*why = "no stack: these calls never blocked long enough to be recorded";
		break;
	case MWAITS_IO:
		*why = "I/O rows have no stack: Enter on its system call (read, write, ...) above";
		break;
	default:
		*why = "not a row with a stack";
		break;
	}
	if (*why)
		return -ENOENT;
	free_stack(m);
	/* leaf first: the frame that waited on top, as a debugger's backtrace */
	m->stack = xcalloc(n, sizeof(*m->stack));
	for (i = 0; i < n; i++)
		m->stack[i] = xstrdup(frames[n - 1 - i]);
	m->nstack = n;
	m->stack_list.n = (int)n;
	m->stack_list.cursor = m->stack_list.top = 0;
	if (r->kind == MWAITS_STACK) {	/* the cursor on the wait site */
		int user, kframe;

		waits_stack_site(frames, n, &user, &kframe);
		if (user >= 0)
			m->stack_list.cursor = (int)n - 1 - user;
	}
	if (r->kind == MWAITS_STACK)
		m->stack_title = xasprintf("off-CPU stack: %.3f s blocked, %llu samples",
					   m->w->stacks[r->index].ns / 1e9,
					   (unsigned long long)m->w->stacks[r->index].count);
	else
		m->stack_title = xasprintf("where %s blocked longest: %.3f s",
					   m->w->calls[r->index].name,
					   m->w->calls[r->index].stack_ns / 1e9);
	return 0;
}

void mwaits_close(struct mwaits *m)
{
	free_stack(m);
}

/* A frame's name without the folded kernel suffix. */
static void add_frame_name(struct strbuf *sb, const char *frame)
{
	size_t n = strlen(frame);

	strbuf_add(sb, frame, waits_frame_is_kernel(frame) ? n - 4 : n);
}

void mwaits_stack_label(const struct offcpu_stack *s, const char *sep, const char *gap,
			bool kernel, struct strbuf *sb)
{
	int user, kframe, i;

	waits_stack_site(s->frames, s->nframes, &user, &kframe);
	if (user < 0) {		/* a kernel thread: its frames, leaf first */
		for (i = (int)s->nframes - 1; i >= 0; i--) {
			add_frame_name(sb, s->frames[i]);
			if (i)
				strbuf_adds(sb, sep);
		}
		return;
	}
	for (i = user; i >= 0; i--) {
		strbuf_adds(sb, s->frames[i]);
		if (i)
			strbuf_adds(sb, sep);
		/* the call's own library frames: the caller comes next */
		if (i == user && s->caller >= 0 && s->caller < user - 1) {
			strbuf_adds(sb, gap);
			strbuf_adds(sb, sep);
			i = s->caller + 1;
		}
	}
	if (kernel && kframe >= 0) {
		strbuf_adds(sb, "  (kernel: ");
		add_frame_name(sb, s->frames[kframe]);
		strbuf_adds(sb, ")");
	}
}

/* ---- source ------------------------------------------------------------- */

void msource_init(struct msource *m, const char *const *remap, size_t nremap)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->func = -1;
	for (i = 0; i < nremap; i++) {
		struct source_remap r;

		if (source_remap_parse(remap[i], &r))
			continue;
		m->remap = xrealloc(m->remap, (m->nremap + 1) * sizeof(*m->remap));
		m->remap[m->nremap++] = r;
	}
}

static void source_clear(struct msource *m)
{
	source_lines_free(m->lines);
	source_text_free(m->text);
	free(m->error);
	m->lines = NULL;
	m->text = NULL;
	m->error = NULL;
	m->file = 0;
	memset(&m->list, 0, sizeof(m->list));
}

void msource_release(struct msource *m)
{
	size_t i;

	source_clear(m);
	for (i = 0; i < m->nremap; i++)
		source_remap_release(&m->remap[i]);
	free(m->remap);
	free(m->func_key);
	memset(m, 0, sizeof(*m));
	m->func = -1;
}

static void open_file(struct msource *m)
{
	source_text_free(m->text);
	free(m->error);
	m->text = NULL;
	m->error = NULL;
	if (!m->lines || m->file >= m->lines->nfiles)
		return;
	source_open(m->lines->files[m->file].path, m->remap, m->nremap, &m->text, &m->error);
	m->list.n = msource_nrows(m);
	m->list.cursor = m->list.top = 0;
}

void msource_show(struct msource *m, const struct profile *p, int func)
{
	struct strbuf sb = STRBUF_INIT;
	int hot, row;

	source_clear(m);
	m->func = func;
	free(m->func_key);
	m->func_key = NULL;
	if (func < 0 || (size_t)func >= p->nfuncs)
		return;
	model_func_key(p, func, &sb);
	m->func_key = sb.buf;
	m->lines = source_lines(p, func);
	open_file(m);
	/* the cursor on the hottest line */
	hot = msource_hottest(m);
	for (row = 0; row < m->list.n; row++)
		if (msource_row_line(m, row) == hot)
			m->list.cursor = row;
	m->cursor_line = hot;
}

void msource_next_file(struct msource *m)
{
	if (!m->lines || m->lines->nfiles < 2)
		return;
	m->file = (m->file + 1) % m->lines->nfiles;
	open_file(m);
}

const struct source_line *msource_line(const struct msource *m, int n)
{
	const struct source_file *f;
	size_t lo = 0, hi;

	if (!m->lines || m->file >= m->lines->nfiles)
		return NULL;
	f = &m->lines->files[m->file];
	hi = f->nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->lines[mid].line < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->nlines && f->lines[lo].line == n ? &f->lines[lo] : NULL;
}

int msource_hottest(const struct msource *m)
{
	const struct source_file *f;
	uint64_t best = 0;
	int line = 0;
	size_t i;

	if (!m->lines || m->file >= m->lines->nfiles)
		return 0;
	f = &m->lines->files[m->file];
	for (i = 0; i < f->nlines; i++)
		if (f->lines[i].total.count > best) {
			best = f->lines[i].total.count;
			line = f->lines[i].line;
		}
	return line;
}

int msource_nrows(const struct msource *m)
{
	if (m->text)
		return (int)m->text->nlines;
	if (!m->lines || m->file >= m->lines->nfiles)
		return 0;
	return (int)m->lines->files[m->file].nlines;
}

int msource_row_line(const struct msource *m, int row)
{
	if (row < 0 || row >= msource_nrows(m))
		return 0;
	if (m->text)
		return row + 1;
	return m->lines->files[m->file].lines[row].line;
}
