/* view-timeline.c - view 6: samples over time as a bar chart across the
 * screen, and the time range every view is filtered to
 *
 * One column per group of time slices (model-query.h: mtimeline). Left and
 * right move the cursor; Space starts a selection at the cursor and Enter
 * applies it (or the cursor's column alone) as the time range of every
 * view; x goes back to the whole recording, and Esc undoes a range like any
 * filter. The chart always covers the whole recording, with the range in
 * force marked under it. Anomaly marks from the recording are drawn as '!'
 * under their columns; [ and ] jump between them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model-query.h"
#include "model.h"
#include "view.h"

#define AXIS_W 8		/* the scale on the left */

struct tlview {
	struct mq_store store;
	struct mtimeline m;
	bool stale;
	char *error;
	int kind, tid;		/* what m was loaded for */
	int cw;			/* cells per column: short recordings are widened */
};

static void *tl_create(struct ui *ui UNUSED)
{
	struct tlview *v = xcalloc(1, sizeof(*v));

	mtimeline_init(&v->m);
	v->stale = true;
	v->cw = 1;
	return v;
}

static void tl_destroy(void *view)
{
	struct tlview *v = view;

	mtimeline_release(&v->m);
	mq_store_release(&v->store);
	free(v->error);
	free(v);
}

/* The chart depends on kind and thread only: a new range keeps it. */
static void tl_reload(void *view, struct ui *ui)
{
	struct tlview *v = view;

	if (!v->m.t || v->kind != ui->filter.kind || v->tid != ui->filter.tid)
		v->stale = true;
}

static void ensure(struct tlview *v, struct ui *ui)
{
	struct store *st;

	if (!v->stale)
		return;
	v->stale = false;
	free(v->error);
	v->error = NULL;
	st = mq_store_get(&v->store, ui->model->path, &v->error);
	if (st && !mtimeline_load(&v->m, st, &ui->filter, &v->error)) {
		v->kind = ui->filter.kind;
		v->tid = ui->filter.tid;
	}
}

static int chart_width(const struct ui_rect *r)
{
	return r->w - AXIS_W > 1 ? r->w - AXIS_W : 1;
}

/* "1.2s" / "850ms" style time labels. */
static void fmt_time(char *buf, size_t size, int64_t ns)
{
	if (ns >= 10000000000LL)
		snprintf(buf, size, "%.0fs", ns / 1e9);
	else if (ns >= 1000000000LL || ns == 0)
		snprintf(buf, size, "%.1fs", ns / 1e9);
	else
		snprintf(buf, size, "%.0fms", ns / 1e6);
}

static bool in_pending(const struct mtimeline *m, int col)
{
	int lo = m->anchor < m->cursor ? m->anchor : m->cursor;
	int hi = m->anchor < m->cursor ? m->cursor : m->anchor;

	return m->anchor >= 0 && col >= lo && col <= hi;
}

static void draw_bar(struct canvas *c, int x, int bottom, int height, uint64_t count,
		     uint64_t max, enum ui_role role)
{
	static const char *const eighths[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	uint64_t e = max ? (count * (uint64_t)height * 8 + max - 1) / max : 0;
	int y;

	if (!c->utf8)		/* whole cells: round, at least one for a sample */
		e = max ? ((count * (uint64_t)height * 8 + max / 2) / max + 4) / 8 * 8 : 0;
	if (count && !e)
		e = c->utf8 ? 1 : 8;
	for (y = 0; y < height && e; y++) {
		uint64_t part = e >= 8 ? 8 : e;

		canvas_text(c, x, bottom - y, 1, role,
			    c->utf8 ? eighths[part] : canvas_glyph(c, UI_GLYPH_BLOCK));
		e -= part;
	}
}

static void draw_axis(struct tlview *v, struct canvas *c, const struct ui_rect *r, int y)
{
	const struct mtimeline *m = &v->m;
	int col = 0, x;
	char label[32];

	canvas_text(c, r->x, y, AXIS_W, UI_ROLE_DIM, "time");
	while ((size_t)col < m->ncols) {
		int step;

		fmt_time(label, sizeof(label), m->cols[col].slice_lo * m->t->slice_ns);
		x = r->x + AXIS_W + col * v->cw;
		if (x + (int)strlen(label) + 1 > r->x + r->w)
			break;
		canvas_text(c, x, y, r->w, UI_ROLE_DIM, "|");
		canvas_text(c, x + 1, y, r->w, UI_ROLE_DIM, label);
		/* a label every 10+ cells, on a whole number of columns */
		step = ((int)strlen(label) + 4 > 10 ? (int)strlen(label) + 4 : 10);
		col += (step + v->cw - 1) / v->cw;
	}
}

static void tl_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct tlview *v = view;
	struct mtimeline *m = &v->m;
	int h = r->h - 5, col, bottom = r->y + h;
	char title[256], num[32];
	uint64_t max;
	size_t i;

	ensure(v, ui);
	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	if (v->error || !m->t) {
		canvas_text(c, r->x, r->y + 2, r->w, UI_ROLE_WARN, v->error ? v->error : "no data");
		return;
	}
	if (m->width != chart_width(r))
		mtimeline_layout(m, chart_width(r));
	v->cw = m->ncols && (int)m->ncols < chart_width(r) ? chart_width(r) / (int)m->ncols : 1;
	max = 0;
	for (i = 0; i < m->ncols; i++)
		if (m->cols[i].value.count > max)
			max = m->cols[i].value.count;
	fmt_time(num, sizeof(num), m->ncols ? (m->cols[0].slice_hi - m->cols[0].slice_lo) *
					      m->t->slice_ns : 0);
	snprintf(title, sizeof(title), "%s samples per column of %s, %s; %zu mark%s",
		 profile_kind_name(ui->filter.kind), num,
		 ui->filter.tid ? "one thread" : "all threads", m->t->nmarks, m->t->nmarks == 1 ? "" : "s");
	canvas_text(c, r->x, r->y, r->w, UI_ROLE_TITLE, title);
	if (h < 2)
		return;
	if (!m->ncols || !m->t->total.count) {
		canvas_text(c, r->x + 2, r->y + 2, r->w - 2, UI_ROLE_DIM,
			    "(no samples of this kind and thread)");
		if (!m->ncols)
			return;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)max);
	canvas_text_right(c, r->x, r->y + 1, AXIS_W - 1, UI_ROLE_DIM, num);
	canvas_text_right(c, r->x, bottom, AXIS_W - 1, UI_ROLE_DIM, "0");
	for (col = 0; col < (int)m->ncols; col++) {
		int x0 = r->x + AXIS_W + col * v->cw, x;
		bool in_range = mtimeline_in_filter(m, col, &ui->filter);
		enum ui_role role = col == m->cursor ? UI_ROLE_CURSOR :
				    in_pending(m, col) || in_range ? UI_ROLE_SELECTED : UI_ROLE_BAR;
		const char *ruler = col == m->cursor ? "^" : in_pending(m, col) ? "=" :
				    in_range ? "-" : " ";

		for (x = x0; x < x0 + v->cw; x++) {
			if (role != UI_ROLE_BAR) {
				int y;

				for (y = r->y + 1; y <= bottom; y++)
					canvas_fill(c, x, y, 1, role);
			}
			draw_bar(c, x, bottom, h, m->cols[col].value.count, max, role);
			canvas_text(c, x, bottom + 1, 1,
				    col == m->cursor ? UI_ROLE_CURSOR : UI_ROLE_SELECTED, ruler);
			if (m->cols[col].mark >= 0)
				canvas_text(c, x, bottom + 3, 1, UI_ROLE_WARN, "!");
		}
	}
	canvas_text(c, r->x, bottom + 1, AXIS_W, UI_ROLE_DIM, m->anchor >= 0 ? "select" : "range");
	draw_axis(v, c, r, bottom + 2);
	canvas_text(c, r->x, bottom + 3, AXIS_W, UI_ROLE_DIM, "marks");
	if (m->anchor >= 0)
		canvas_text(c, r->x, bottom + 4, r->w, UI_ROLE_NORMAL,
			    "Enter: show only this range in every view   Space/Esc: cancel");
	else if (ui->filter.from_ns >= 0 || ui->filter.to_ns >= 0)
		canvas_text(c, r->x, bottom + 4, r->w, UI_ROLE_NORMAL,
			    "every view shows the range marked '-'   x: whole recording   "
			    "Esc: previous filter");
	else
		canvas_text(c, r->x, bottom + 4, r->w, UI_ROLE_DIM,
			    "Space: start a selection   Enter: this column only   [ ]: marks");
}

static void tl_status(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct tlview *v = view;
	const struct mtimeline *m = &v->m;
	const struct timeline_column *col;
	int64_t from, to;

	if (!m->t || !m->ncols)
		return;
	col = &m->cols[m->cursor];
	strbuf_addf(sb, "%.3f-%.3f s: %llu samples, %.3f s", col->slice_lo * m->t->slice_ns / 1e9,
		    col->slice_hi * m->t->slice_ns / 1e9, (unsigned long long)col->value.count,
		    col->value.weight_ns / 1e9);
	if (m->anchor >= 0) {
		mtimeline_range(m, &from, &to);
		strbuf_addf(sb, "; selection %.3f-%.3f s", from / 1e9, to / 1e9);
	}
	if (col->mark >= 0) {
		const struct timeline_mark *mk = &m->t->marks[col->mark];

		strbuf_addf(sb, "; anomaly %.3f-%.3f s: %s share %.1f%% -> %.1f%%",
			    mk->start_ns / 1e9, mk->end_ns / 1e9, mk->function, 100 * mk->baseline,
			    100 * mk->observed);
	}
}

static void apply(struct tlview *v, struct ui *ui)
{
	struct ui_filter f = ui->filter;

	mtimeline_range(&v->m, &f.from_ns, &f.to_ns);
	mtimeline_anchor(&v->m, false);
	if (!ui_set_filter(ui, &f))
		ui_message(ui, false, "every view shows %.3f-%.3f s", f.from_ns / 1e9,
			   f.to_ns / 1e9);
}

/*
 * Read the rows of the range being chosen (the selection, or the cursor's
 * column) while it is chosen, a key at a time: each move reads only the
 * slices it adds, and Enter then sums rows in memory (1M samples: the
 * range key 87 -> 40 ms). A move that adds more than the budget leaves
 * the rest to Enter.
 */
#define READ_AHEAD_NS 15000000

static void read_ahead(struct tlview *v, struct ui *ui)
{
	struct ui_filter f = *ui_filter_target(ui);

	if (!v->m.ncols || !v->store.st)
		return;
	mtimeline_range(&v->m, &f.from_ns, &f.to_ns);
	model_cache_range(ui->model, v->store.st, &f, READ_AHEAD_NS);
}

/* The next (dir 1) or previous mark's column from the cursor. */
static void jump_mark(struct tlview *v, struct ui *ui, int dir)
{
	const struct mtimeline *m = &v->m;
	int col;

	for (col = m->cursor + dir; col >= 0 && col < (int)m->ncols; col += dir)
		if (m->cols[col].mark >= 0 &&
		    (col - dir < 0 || col - dir >= (int)m->ncols ||
		     m->cols[col - dir].mark != m->cols[col].mark || col - dir == m->cursor)) {
			mtimeline_move_to(&v->m, col);
			return;
		}
	ui_message(ui, false, m->t && m->t->nmarks ? "no more marks that way" :
						  "no anomaly marks in this recording");
}

static int tl_key(void *view, struct ui *ui, int key)
{
	struct tlview *v = view;
	struct mtimeline *m = &v->m;

	ensure(v, ui);
	switch (key) {
	case UI_KEY_LEFT:
	case 'h':
		mtimeline_move(m, -1);
		break;
	case UI_KEY_RIGHT:
	case 'l':
		mtimeline_move(m, 1);
		break;
	case 'H':
	case UI_KEY_PGUP:
		mtimeline_move(m, -10);
		break;
	case 'L':
	case UI_KEY_PGDN:
		mtimeline_move(m, 10);
		break;
	case UI_KEY_HOME:
	case 'g':
		mtimeline_move_to(m, 0);
		break;
	case UI_KEY_END:
	case 'G':
		mtimeline_move_to(m, (int)m->ncols - 1);
		break;
	case ' ':
	case 'v':
		mtimeline_anchor(m, m->anchor < 0);
		break;
	case UI_KEY_ENTER:
	case '\r':
		if (m->ncols)
			apply(v, ui);
		break;
	case 'x':
		if (ui->filter.from_ns >= 0 || ui->filter.to_ns >= 0) {
			struct ui_filter f = ui->filter;

			f.from_ns = f.to_ns = -1;
			if (!ui_set_filter(ui, &f))
				ui_message(ui, false, "every view shows the whole recording");
		}
		break;
	case '[':
		jump_mark(v, ui, -1);
		break;
	case ']':
		jump_mark(v, ui, 1);
		break;
	default:
		return UI_UNHANDLED;
	}
	if (key != UI_KEY_ENTER && key != '\r' && key != 'x')
		read_ahead(v, ui);
	return UI_HANDLED;
}

static int tl_back(void *view, struct ui *ui UNUSED, int key UNUSED)
{
	struct tlview *v = view;

	if (v->m.anchor < 0)
		return 0;
	mtimeline_anchor(&v->m, false);
	return 1;
}

static int tl_click(void *view, struct ui *ui, int x, int y, int button)
{
	struct tlview *v = view;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN) {
		mtimeline_move(&v->m, button == UI_BUTTON_WHEEL_UP ? -5 : 5);
		return UI_HANDLED;
	}
	if (x < AXIS_W || y < 1)
		return UI_HANDLED;
	mtimeline_move_to(&v->m, (x - AXIS_W) / (v->cw > 0 ? v->cw : 1));
	if (button == UI_BUTTON_DOUBLE)
		apply(v, ui);
	else
		read_ahead(v, ui);
	return UI_HANDLED;
}

static int tl_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct tlview *v = view;
	const struct timeline *t;
	size_t i;

	ensure(v, ui);
	t = v->m.t;
	if (!t)
		return 0;
	fprintf(f, "# hotstack ui: timeline of %s, kind %s, %s, slices of %.3f s\n",
		sanitized(ui->model->path), profile_kind_name(ui->filter.kind),
		ui->filter.tid ? "one thread" : "all threads", t->slice_ns / 1e9);
	fprintf(f, "%10s %10s %10s %12s\n", "start_s", "end_s", "samples", "weight_s");
	for (i = 0; i < t->nslices; i++)
		fprintf(f, "%10.3f %10.3f %10llu %12.6f\n", (double)i * t->slice_ns / 1e9,
			(double)(i + 1) * t->slice_ns / 1e9,
			(unsigned long long)t->slices[i].count, t->slices[i].weight_ns / 1e9);
	for (i = 0; i < t->nmarks; i++) {
		char fn[1024];

		fprintf(f, "# anomaly %.3f-%.3f s %s baseline %.4f observed %.4f score %.2f\n",
			t->marks[i].start_ns / 1e9, t->marks[i].end_ns / 1e9,
			sanitize(fn, sizeof(fn), t->marks[i].function), t->marks[i].baseline,
			t->marks[i].observed, t->marks[i].score);
	}
	return 0;
}

static const struct ui_help tl_help[] = {
	{ "Left Right, h l", "move the cursor one column" },
	{ "H L, PgUp PgDn", "move ten columns" },
	{ "Home End, g G", "first or last column" },
	{ "Space, v", "start a selection at the cursor (again: cancel)" },
	{ "Enter", "show only the selection (or the cursor's column) in every view" },
	{ "x", "back to the whole recording" },
	{ "Esc", "cancel the selection, else undo the last filter (range, thread, kind)" },
	{ "[ ]", "previous or next anomaly mark ('!' under the chart)" },
	{ "mouse", "click moves the cursor, double click selects that column" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_timeline = {
	.name = "Timeline",
	.tab = "Time",
	.digit = '6',
	.modes = UI_MODE_BROWSE,
	.create = tl_create,
	.destroy = tl_destroy,
	.reload = tl_reload,
	.draw = tl_draw,
	.status = tl_status,
	.key = tl_key,
	.back = tl_back,
	.click = tl_click,
	.export = tl_export,
	.export_ext = "txt",
	.help = tl_help,
	.footer = "Space:select Enter:apply x:all []:marks",
};
