/* view-compare.c - `hotstack ui BEFORE AFTER`: what got faster or slower
 *
 * diff's rows (src/diff.h) in diff's order: functions, or with S the call
 * paths, each with its before and after time per unit, the change with its
 * interval, and the verdict. Slower rows are drawn in one colour and faster
 * in another, and marked with a glyph (up: slower, down: faster, = same,
 * ? inconclusive) so the meaning survives without colour. The comparison is
 * computed in the background (model-compare.h): after a filter change the
 * old rows stay with a "computing" marker until the new ones are ready.
 *
 * View 2, the comparison's call tree: diff's call paths merged by prefix
 * (model-compare.h: mctree), expanded and collapsed with the keys of the
 * single recording's tree, children in diff's order.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model-compare.h"
#include "model.h"
#include "view.h"

struct cview {
	struct mcompare *m;	/* shared with the flame graph by change */
	unsigned gen;		/* of the result the rows were set up for */
	struct ui *ui;
	bool paths;		/* call paths instead of functions */
	struct ui_list list;
	char *cursor_name;	/* kept across recomputations */
};

static void *cv_create(struct ui *ui)
{
	struct cview *v = xcalloc(1, sizeof(*v));

	v->m = mcompare_get(ui);
	v->ui = ui;
	return v;
}

static void cv_destroy(void *view)
{
	struct cview *v = view;

	mcompare_put(v->m, v->ui);
	free(v->cursor_name);
	free(v);
}

static const struct diff_row *rows_of(const struct cview *v, size_t *n)
{
	const struct diff_result *r = v->m->result;

	*n = 0;
	if (!r)
		return NULL;
	*n = v->paths ? r->nstacks : r->nrows;
	return v->paths ? r->stacks : r->rows;
}

static void save_cursor(struct cview *v)
{
	size_t n;
	const struct diff_row *rows = rows_of(v, &n);

	if (!rows || v->list.cursor < 0 || (size_t)v->list.cursor >= n)
		return;
	free(v->cursor_name);
	v->cursor_name = xstrdup(rows[v->list.cursor].name);
}

static void restore_cursor(struct cview *v)
{
	size_t n, i;
	const struct diff_row *rows = rows_of(v, &n);

	v->list.n = (int)n;
	v->list.cursor = 0;
	v->list.top = 0;
	for (i = 0; rows && v->cursor_name && i < n; i++)
		if (!strcmp(rows[i].name, v->cursor_name)) {
			v->list.cursor = (int)i;
			break;
		}
}

static void cv_reload(void *view, struct ui *ui)
{
	struct cview *v = view;

	mcompare_want(v->m, ui, &ui->filter);
}

/* Take a finished job's result (this view or the other may); a new result
 * puts the cursor back on its row. */
static void poll(struct cview *v, struct ui *ui)
{
	mcompare_poll(v->m, ui);
	if (v->gen == v->m->gen)
		return;
	v->gen = v->m->gen;
	restore_cursor(v);
}

/* "1.234" seconds, or samples when the recordings have no weights. */
static void fmt_value(char *buf, size_t size, double x)
{
	if (isnan(x))
		snprintf(buf, size, "-");
	else if (x >= 100000)
		snprintf(buf, size, "%.0f", x);
	else if (x >= 100)
		snprintf(buf, size, "%.1f", x);
	else
		snprintf(buf, size, "%.4f", x);
}

static void fmt_pct(char *buf, size_t size, double pct)
{
	if (isnan(pct))
		snprintf(buf, size, "-");
	else if (fabs(pct) >= 1000)
		snprintf(buf, size, "%+.0f%%", pct);
	else
		snprintf(buf, size, "%+.1f%%", pct);
}

static void fmt_interval(char *buf, size_t size, const struct diff_row *r)
{
	char lo[16], hi[16];

	if (isnan(r->ci_low) || isnan(r->ci_high)) {
		snprintf(buf, size, "-");
		return;
	}
	fmt_pct(lo, sizeof(lo), r->ci_low);
	fmt_pct(hi, sizeof(hi), r->ci_high);
	snprintf(buf, size, "%s..%s", lo, hi);
}

/* Columns: the interval only when the screen is wide enough for it and
 * the names. */
struct clayout {
	bool interval;
	int verdict_x, name_x;
};

static struct clayout clayout(int w)
{
	struct clayout L;

	L.interval = w >= 100;
	L.verdict_x = L.interval ? 51 : 31;
	L.name_x = L.verdict_x + 15;
	return L;
}

static void row_line(const struct diff_row *r, bool interval, char *line, size_t size)
{
	char b[24], a[24], c[24], iv[48];

	fmt_value(b, sizeof(b), r->before);
	fmt_value(a, sizeof(a), r->after);
	fmt_pct(c, sizeof(c), r->delta_pct);
	fmt_interval(iv, sizeof(iv), r);
	if (interval)
		snprintf(line, size, "%9s %9s %8s %19s", b, a, c, iv);
	else
		snprintf(line, size, "%9s %9s %8s", b, a, c);
}

static void draw_title(struct mcompare *m, struct canvas *c, const struct ui_rect *r)
{
	const struct diff_result *res = m->result;
	struct strbuf sb = STRBUF_INIT;
	char tc[24];

	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	if (res) {
		fmt_pct(tc, sizeof(tc), res->total.delta_pct);
		strbuf_addf(&sb, "%s per %s: before %zu run%s, after %zu run%s; total %s %s",
			    res->counts ? "samples" : "CPU seconds",
			    res->opts.unit == DIFF_PER_WORK ? "unit of work" :
			    res->opts.unit == DIFF_PER_SECOND ? "second" : "run",
			    res->side[0].runs, res->side[0].runs == 1 ? "" : "s", res->side[1].runs,
			    res->side[1].runs == 1 ? "" : "s", tc,
			    diff_verdict_name(res->total.verdict));
	}
	if (mcompare_busy(m))
		strbuf_adds(&sb, sb.len ? "   [computing...]" : "[computing the comparison...]");
	canvas_text_elided(c, r->x, r->y, r->w, UI_ROLE_TITLE, sb.buf ? sb.buf : "",
			   CANVAS_ELIDE_END);
	strbuf_release(&sb);
}

/* The column titles, name_title over the names. */
static void draw_columns(struct canvas *c, const struct ui_rect *r, const char *name_title)
{
	struct clayout L = clayout(r->w);
	char title[160];

	if (L.interval)
		snprintf(title, sizeof(title), "%9s %9s %8s %19s   %-10s", "before", "after",
			 "change", "interval", "verdict");
	else
		snprintf(title, sizeof(title), "%9s %9s %8s   %-10s", "before", "after", "change",
			 "verdict");
	canvas_fill(c, r->x, r->y + 1, r->w, UI_ROLE_TITLE);
	canvas_text(c, r->x, r->y + 1, r->w, UI_ROLE_TITLE, title);
	canvas_text(c, r->x + L.name_x, r->y + 1, r->w - L.name_x, UI_ROLE_TITLE, name_title);
}

/* A row's numbers and verdict (cur: under the cursor). */
static void draw_numbers(struct canvas *c, const struct ui_rect *r, int y, const char *line,
			 enum diff_verdict verdict, bool cur)
{
	struct clayout L = clayout(r->w);
	enum ui_role role = cur ? UI_ROLE_CURSOR : mcompare_role(verdict);

	canvas_fill(c, r->x, y, r->w, cur ? UI_ROLE_CURSOR : UI_ROLE_NORMAL);
	canvas_text(c, r->x, y, L.verdict_x, cur ? UI_ROLE_CURSOR : UI_ROLE_NORMAL, line);
	canvas_set_role(c, r->x + 20, y, 8, role);
	canvas_textf(c, r->x + L.verdict_x, y, 14, role, "%s %s", mcompare_mark(c, verdict),
		     diff_verdict_name(verdict));
}

static void cv_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct cview *v = view;
	const struct diff_row *rows;
	struct clayout L = clayout(r->w);
	size_t n;
	int page = r->h - 2, i;

	poll(v, ui);
	draw_title(v->m, c, r);
	draw_columns(c, r, v->paths ? "call path (diff's order)" : "function (diff's order)");
	if (v->m->error) {
		canvas_text(c, r->x + 2, r->y + 3, r->w - 2, UI_ROLE_WARN, v->m->error);
		return;
	}
	rows = rows_of(v, &n);
	v->list.n = (int)n;
	ui_list_fit(&v->list, page);
	if (rows && !n)
		canvas_text(c, r->x + 2, r->y + 3, r->w - 2, UI_ROLE_DIM,
			    v->paths ? "(no call paths to compare)" : "(no functions to compare)");
	for (i = 0; rows && i < page && v->list.top + i < v->list.n; i++) {
		int row = v->list.top + i, y = r->y + 2 + i;
		const struct diff_row *d = &rows[row];
		bool cur = row == v->list.cursor;
		char line[128];

		row_line(d, L.interval, line, sizeof(line));
		draw_numbers(c, r, y, line, d->verdict, cur);
		if (v->paths) {
			canvas_text_elided(c, r->x + L.name_x, y, r->w - L.name_x,
					   cur ? UI_ROLE_CURSOR : UI_ROLE_NORMAL, d->name,
					   CANVAS_ELIDE_MIDDLE);
		} else {
			int w = r->w - L.name_x, mw = *d->module ? (w / 4 > 20 ? 20 : w / 4) : 0;

			ui_text_name(c, r->x + L.name_x, y, w - mw - (mw ? 1 : 0),
				     cur ? UI_ROLE_CURSOR : UI_ROLE_NORMAL, d->name, CANVAS_ELIDE_MIDDLE);
			if (mw)
				canvas_text_elided(c, r->x + r->w - mw, y, mw,
						   cur ? UI_ROLE_CURSOR : UI_ROLE_DIM, d->module,
						   CANVAS_ELIDE_MIDDLE);
		}
	}
}

/* What a row's status line says after its name (total: a function's
 * total time too). */
static void row_status(const struct diff_row *d, bool total, struct strbuf *sb)
{
	if (*d->module)
		strbuf_addf(sb, "  %s", d->module);
	strbuf_addf(sb, "  %s: %llu -> %llu samples", diff_verdict_name(d->verdict),
		    (unsigned long long)d->samples_before, (unsigned long long)d->samples_after);
	if (!isnan(d->q))
		strbuf_addf(sb, ", q %.3g", d->q);
	if (total && !isnan(d->total_pct))
		strbuf_addf(sb, ", total %+.1f%% (%s)", d->total_pct,
			    diff_verdict_name(d->total_verdict));
	if (d->verdict == DIFF_INCONCLUSIVE && isfinite(d->more_seconds))
		strbuf_addf(sb, ", ~%.0f s more per run would settle it", d->more_seconds);
}

static void cv_status(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct cview *v = view;
	size_t n;
	const struct diff_row *rows = rows_of(v, &n);
	const struct diff_row *d;

	if (!rows || v->list.cursor < 0 || (size_t)v->list.cursor >= n)
		return;
	d = &rows[v->list.cursor];
	strbuf_addf(sb, "%s", d->name);
	row_status(d, !v->paths, sb);
}

static int cv_key(void *view, struct ui *ui, int key)
{
	struct cview *v = view;

	poll(v, ui);
	if (ui_list_key(&v->list, key, ui->body.h - 2) == UI_HANDLED)
		return UI_HANDLED;
	if (key == 'S') {
		save_cursor(v);
		v->paths = !v->paths;
		restore_cursor(v);
		ui_message(ui, false, "%s", v->paths ? "call paths" : "functions");
		return UI_HANDLED;
	}
	return UI_UNHANDLED;
}

static void cv_save(void *view, struct ui *ui UNUSED)
{
	save_cursor(view);
}

static int cv_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct cview *v = view;
	size_t n;
	const struct diff_row *rows = rows_of(v, &n);
	int i;

	for (i = 1; rows && i <= (int)n; i++) {
		int row = ((v->list.cursor + dir * i) % (int)n + (int)n) % (int)n;

		if (ui_match(rows[row].name, needle)) {
			v->list.cursor = row;
			ui_list_fit(&v->list, ui->body.h - 2);
			return 1;
		}
	}
	return 0;
}

static int cv_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct cview *v = view;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN)
		return cv_key(view, ui, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN);
	if (y >= 2 && v->list.top + y - 2 < v->list.n)
		v->list.cursor = v->list.top + y - 2;
	return UI_HANDLED;
}

static int cv_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct cview *v = view;
	size_t n, i;
	const struct diff_row *rows;
	char name[4096], mod[1024];

	mcompare_wait(v->m, ui);
	rows = rows_of(v, &n);
	fprintf(f, "# hotstack ui: comparison, %s, kind %s\n", v->paths ? "call paths" : "functions",
		profile_kind_name(ui->filter.kind));
	fprintf(f, "%12s %12s %9s %9s %9s  %-12s %s\n", "before", "after", "change%", "low%",
		"high%", "verdict", "name\tmodule");
	for (i = 0; rows && i < n; i++)
		fprintf(f, "%12.6f %12.6f %9.2f %9.2f %9.2f  %-12s %s\t%s\n", rows[i].before,
			rows[i].after, rows[i].delta_pct, rows[i].ci_low, rows[i].ci_high,
			diff_verdict_name(rows[i].verdict), sanitize(name, sizeof(name), rows[i].name),
			sanitize(mod, sizeof(mod), rows[i].module));
	return 0;
}

static const struct ui_help cv_help[] = {
	{ "Up Down, j k", "move" },
	{ "S", "functions or call paths" },
	{ "c", "sample kind (the comparison is computed again, in the background)" },
	{ "columns", "time per unit before and after, change with its interval, verdict" },
	{ "marks", "up: slower (or new), down: faster (or gone), =: same, ?: inconclusive" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_compare = {
	.name = "Compare",
	.tab = "Cmp",
	.digit = '1',
	.modes = UI_MODE_COMPARE,
	.create = cv_create,
	.destroy = cv_destroy,
	.reload = cv_reload,
	.save = cv_save,
	.draw = cv_draw,
	.status = cv_status,
	.key = cv_key,
	.search = cv_search,
	.click = cv_click,
	.export = cv_export,
	.export_ext = "txt",
	.help = cv_help,
	.footer = "S:functions/paths",
};

/* ---- view 2: the call tree of the comparison ---- */

struct ctview {
	struct mcompare *m;
	unsigned gen;
	struct ui *ui;
	struct mctree t;
};

static void *ct_create(struct ui *ui)
{
	struct ctview *v = xcalloc(1, sizeof(*v));

	v->m = mcompare_get(ui);
	v->ui = ui;
	mctree_init(&v->t);
	return v;
}

static void ct_destroy(void *view)
{
	struct ctview *v = view;

	mcompare_put(v->m, v->ui);
	mctree_release(&v->t);
	free(v);
}

static void ct_reload(void *view, struct ui *ui)
{
	struct ctview *v = view;

	mcompare_want(v->m, ui, &ui->filter);
}

static void ct_poll(struct ctview *v, struct ui *ui)
{
	mcompare_poll(v->m, ui);
	if (v->gen == v->m->gen)
		return;
	v->gen = v->m->gen;
	mcompare_tree_into(v->m, &v->t);
}

/* The numbers of node: its own diff row's, or its sums with the number of
 * paths in the interval column. */
static enum diff_verdict node_line(const struct ctview *v, int node, bool interval, char *line,
				   size_t size)
{
	const struct diff_result *res = v->m->result;
	const struct mctree_node *n = &v->t.nodes[node];
	const struct diff_row *d = mctree_row(&v->t, res, node);
	char b[24], a[24], c[24], iv[48];

	if (d) {
		row_line(d, interval, line, size);
		return d->verdict;
	}
	fmt_value(b, sizeof(b), n->before);
	fmt_value(a, sizeof(a), n->after);
	fmt_pct(c, sizeof(c), mctree_change(&v->t, node));
	snprintf(iv, sizeof(iv), "%zu path%s", n->npaths, n->npaths == 1 ? "" : "s");
	if (interval)
		snprintf(line, size, "%9s %9s %8s %19s", b, a, c, iv);
	else
		snprintf(line, size, "%9s %9s %8s", b, a, c);
	return n->first >= 0 && res ? res->stacks[n->first].verdict : DIFF_INCONCLUSIVE;
}

static void ct_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct ctview *v = view;
	struct mctree *t = &v->t;
	struct clayout L = clayout(r->w);
	int page = r->h - 2, i, max_indent = (r->w - L.name_x) / 2;

	ct_poll(v, ui);
	draw_title(v->m, c, r);
	draw_columns(c, r, "call path (diff's order)");
	if (v->m->error) {
		canvas_text(c, r->x + 2, r->y + 3, r->w - 2, UI_ROLE_WARN, v->m->error);
		return;
	}
	if (v->m->result && !t->nrows)
		canvas_text(c, r->x + 2, r->y + 3, r->w - 2, UI_ROLE_DIM,
			    "(no call paths to compare)");
	ui_list_fit(&t->list, page);
	for (i = 0; i < page && t->list.top + i < t->list.n; i++) {
		int row = t->list.top + i, node = t->rows[row], y = r->y + 2 + i, x, indent;
		const struct mctree_node *n = &t->nodes[node];
		bool cur = row == t->list.cursor;
		enum ui_role role = cur ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;
		enum diff_verdict verdict;
		const char *glyph;
		char line[128];

		verdict = node_line(v, node, L.interval, line, sizeof(line));
		draw_numbers(c, r, y, line, verdict, cur);
		x = r->x + L.name_x;
		indent = 2 * (n->depth - 1);
		if (indent > max_indent) {
			x += canvas_textf(c, x, y, 8, cur ? role : UI_ROLE_DIM, "[%d] ", n->depth);
			indent = max_indent > 6 ? max_indent - 6 : 0;
		}
		x += indent;
		glyph = canvas_glyph(c, !n->nkids ? UI_GLYPH_LEAF :
					n->expanded ? UI_GLYPH_EXPANDED : UI_GLYPH_COLLAPSED);
		x += canvas_text(c, x, y, 2, role, glyph);
		x += canvas_text(c, x, y, 1, role, " ");
		ui_text_name(c, x, y, r->x + r->w - x, role, n->name, CANVAS_ELIDE_MIDDLE);
	}
}

static void ct_status(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct ctview *v = view;
	const struct diff_result *res = v->m->result;
	int node = mctree_cursor(&v->t);
	const struct mctree_node *n;
	const struct diff_row *d;

	if (node <= 0 || !res)
		return;
	n = &v->t.nodes[node];
	mctree_path(&v->t, node, sb);
	d = mctree_row(&v->t, res, node);
	if (d) {
		row_status(d, false, sb);
		return;
	}
	strbuf_addf(sb, "  the sum of %zu call paths below; verdict of the first below in diff's "
		    "order: %s", n->npaths, diff_verdict_name(res->stacks[n->first].verdict));
}

static int ct_key(void *view, struct ui *ui, int key)
{
	struct ctview *v = view;
	struct mctree *t = &v->t;
	int node, page = ui->body.h - 2;

	ct_poll(v, ui);
	if (ui_list_key(&t->list, key, page) == UI_HANDLED)
		return UI_HANDLED;
	node = mctree_cursor(t);
	if (node <= 0)
		return UI_UNHANDLED;
	switch (key) {
	case UI_KEY_ENTER:
	case '\r':
		t->nodes[node].expanded = !t->nodes[node].expanded && t->nodes[node].nkids;
		mctree_refresh(t);
		return UI_HANDLED;
	case UI_KEY_RIGHT:
	case 'l':
	case '+':
		if (t->nodes[node].expanded && t->nodes[node].nkids) {
			t->list.cursor++;
		} else {
			t->nodes[node].expanded = t->nodes[node].nkids > 0;
			mctree_refresh(t);
		}
		ui_list_fit(&t->list, page);
		return UI_HANDLED;
	case UI_KEY_LEFT:
	case 'h':
	case '-':
		if (t->nodes[node].expanded && t->nodes[node].nkids) {
			t->nodes[node].expanded = false;
			mctree_refresh(t);
		} else if (t->nodes[node].parent > 0) {
			mctree_select(t, t->nodes[node].parent);
		}
		ui_list_fit(&t->list, page);
		return UI_HANDLED;
	case 'E':
	case '*':
		mctree_expand_all(t, node, true);
		return UI_HANDLED;
	case 'C':
		mctree_expand_all(t, node, false);
		return UI_HANDLED;
	default:
		return UI_UNHANDLED;
	}
}

static int ct_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct ctview *v = view;
	struct mctree *t = &v->t;
	int cur = mctree_cursor(t), n = (int)t->n, i;

	for (i = 1; n > 1 && i < n; i++) {
		int node = (((cur > 0 ? cur : 0) + dir * i) % n + n) % n;

		if (node > 0 && ui_match(t->nodes[node].name, needle)) {
			mctree_select(t, node);
			ui_list_fit(&t->list, ui->body.h - 2);
			return 1;
		}
	}
	return 0;
}

static int ct_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct ctview *v = view;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN)
		return ct_key(view, ui, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN);
	if (y < 2 || v->t.list.top + y - 2 >= v->t.list.n)
		return UI_HANDLED;
	v->t.list.cursor = v->t.list.top + y - 2;
	if (button == UI_BUTTON_DOUBLE)
		return ct_key(view, ui, UI_KEY_ENTER);
	return UI_HANDLED;
}

static int ct_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct ctview *v = view;
	char name[4096], line[128];
	size_t i;

	mcompare_wait(v->m, ui);
	ct_poll(v, ui);
	fprintf(f, "# hotstack ui: comparison call tree (the rows shown), kind %s\n",
		profile_kind_name(ui->filter.kind));
	fprintf(f, "%9s %9s %8s %19s  %-12s %s\n", "before", "after", "change", "interval",
		"verdict", "call path");
	for (i = 0; i < v->t.nrows; i++) {
		int node = v->t.rows[i];
		enum diff_verdict verdict = node_line(v, node, true, line, sizeof(line));

		fprintf(f, "%s  %-12s %*s%s\n", line, diff_verdict_name(verdict),
			2 * (v->t.nodes[node].depth - 1), "",
			sanitize(name, sizeof(name), v->t.nodes[node].name));
	}
	return 0;
}

static const struct ui_help ct_help[] = {
	{ "Enter", "open or close the node" },
	{ "Right, l, +", "open the node; on an open one, go to its first callee" },
	{ "Left, h, -", "close the node; on a closed one, go to its caller" },
	{ "E, *", "open everything below the node" },
	{ "C", "close everything below the node" },
	{ "c", "sample kind (the comparison is computed again, in the background)" },
	{ "columns", "a compared call path: its diff row; a node with callees: the sums of "
		     "the N paths below, and the verdict of the first of them" },
	{ "order", "children in diff's order: the biggest real change first" },
	{ "marks", "up: slower (or new), down: faster (or gone), =: same, ?: inconclusive" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_compare_tree = {
	.name = "Call tree",
	.tab = "Tree",
	.digit = '2',
	.modes = UI_MODE_COMPARE,
	.create = ct_create,
	.destroy = ct_destroy,
	.reload = ct_reload,
	.draw = ct_draw,
	.status = ct_status,
	.key = ct_key,
	.search = ct_search,
	.click = ct_click,
	.export = ct_export,
	.export_ext = "txt",
	.help = ct_help,
	.footer = "Enter:open/close E:all C:close",
};
