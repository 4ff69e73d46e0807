/* view-tree.c - view 2: the call tree, top-down or inverted, and the
 * callers and callees of a function
 *
 * Rows are the open paths of the lazy tree (model.h: mtree): nothing below
 * a closed node is built. Expansion and the cursor are kept as call-path
 * keys across reloads. x opens a drill-down of the selected function's
 * direct callers and callees (profile_callers/callees); Enter there moves
 * to that function, q or Esc goes back one level.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "model.h"
#include "view.h"

#define EXPAND_ALL_MAX 5000	/* nodes opened by one E: keeps a key fast */
#define DRILL_MAX 32

struct drill {
	int func;
	struct profile_edge *callers, *callees;
	size_t ncallers, ncallees;
	struct ui_list list;	/* over callers, then callees */
};

struct tree {
	struct mtree t;
	bool inverted;
	int *rows;
	size_t cap;
	struct ui_list list;
	/* kept across reloads, by path */
	char *cursor_key;
	char **open_keys;
	size_t nopen;
	/* drill-down stack of functions, by key across reloads */
	struct drill drill[DRILL_MAX];
	int ndrill;
	char *drill_keys[DRILL_MAX];
	bool loaded;
};

static void *tree_create(struct ui *ui UNUSED)
{
	return xcalloc(1, sizeof(struct tree));
}

static void drill_clear(struct drill *d)
{
	free(d->callers);
	free(d->callees);
	memset(d, 0, sizeof(*d));
}

static void free_saved(struct tree *tr)
{
	size_t i;

	free(tr->cursor_key);
	tr->cursor_key = NULL;
	for (i = 0; i < tr->nopen; i++)
		free(tr->open_keys[i]);
	free(tr->open_keys);
	tr->open_keys = NULL;
	tr->nopen = 0;
	for (i = 0; i < DRILL_MAX; i++) {
		free(tr->drill_keys[i]);
		tr->drill_keys[i] = NULL;
	}
}

static void tree_destroy(void *view)
{
	struct tree *tr = view;
	int i;

	free_saved(tr);
	for (i = 0; i < tr->ndrill; i++)
		drill_clear(&tr->drill[i]);
	if (tr->loaded)
		mtree_release(&tr->t);
	free(tr->rows);
	free(tr);
}

static int cursor_node(struct tree *tr)
{
	return tr->list.n ? tr->rows[tr->list.cursor] : -1;
}

static void refresh_rows(struct tree *tr)
{
	int node = cursor_node(tr), i;

	tr->list.n = (int)mtree_rows(&tr->t, &tr->rows, &tr->cap);
	for (i = 0; i < tr->list.n; i++)
		if (tr->rows[i] == node) {
			tr->list.cursor = i;
			break;
		}
	if (tr->list.cursor >= tr->list.n)
		tr->list.cursor = tr->list.n ? tr->list.n - 1 : 0;
}

static void select_node(struct tree *tr, int node)
{
	int i;

	mtree_reveal(&tr->t, node);
	refresh_rows(tr);
	for (i = 0; i < tr->list.n; i++)
		if (tr->rows[i] == node)
			tr->list.cursor = i;
}

static char *path_key(struct tree *tr, int node)
{
	struct strbuf sb = STRBUF_INIT;

	mtree_path_key(&tr->t, node, &sb);
	strbuf_add(&sb, "", 0);
	return sb.buf ? sb.buf : xstrdup("");
}

static void tree_save(void *view, struct ui *ui)
{
	struct tree *tr = view;
	size_t i;
	int k;

	if (!tr->loaded)
		return;
	free_saved(tr);
	if (cursor_node(tr) >= 0)
		tr->cursor_key = path_key(tr, cursor_node(tr));
	for (i = 1; i < tr->t.n; i++)
		if (tr->t.nodes[i].expanded) {
			tr->open_keys = xrealloc(tr->open_keys, (tr->nopen + 1) * sizeof(char *));
			tr->open_keys[tr->nopen++] = path_key(tr, (int)i);
		}
	for (k = 0; k < tr->ndrill; k++) {
		struct strbuf sb = STRBUF_INIT;

		model_func_key(ui_profile(ui), tr->drill[k].func, &sb);
		tr->drill_keys[k] = sb.buf;
	}
}

static void rebuild(struct tree *tr, struct ui *ui)
{
	struct ui_model *m = ui->model;
	int k, n = 0;

	if (tr->loaded)
		mtree_release(&tr->t);
	mtree_init(&tr->t, m->p, model_name_rank(m), tr->inverted, ui->filter.hide_kernel);
	tr->loaded = true;
	mtree_build(&tr->t, 0);
	mtree_open_keys(&tr->t, tr->open_keys, tr->nopen);
	tr->list.cursor = 0;
	tr->list.n = (int)mtree_rows(&tr->t, &tr->rows, &tr->cap);
	if (tr->cursor_key)
		n = mtree_find(&tr->t, tr->cursor_key, NULL);
	if (n > 0)
		select_node(tr, n);
	/* the drill-down stack, by function */
	for (k = 0; k < tr->ndrill; k++)
		drill_clear(&tr->drill[k]);
	n = tr->ndrill;
	tr->ndrill = 0;
	for (k = 0; k < n; k++) {
		int f = tr->drill_keys[k] ? model_func_by_key(m->p, tr->drill_keys[k]) : -1;
		struct drill *d;

		if (f < 0 || !m->p->funcs[f].total.count)
			break;
		d = &tr->drill[tr->ndrill++];
		d->func = f;
		d->ncallers = profile_callers(m->p, f, &d->callers);
		d->ncallees = profile_callees(m->p, f, &d->callees);
		d->list.n = (int)(d->ncallers + d->ncallees);
	}
}

static void tree_reload(void *view, struct ui *ui)
{
	rebuild(view, ui);
}

/* ---- drawing ---- */

#define NUMS_W 27	/* " total%   self%   samples  " */

static void draw_tree(struct tree *tr, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	const struct profile *p = ui_profile(ui);
	double all = p->totals.samples ? (double)p->totals.samples : 1;
	int page = r->h - 1, i, max_indent = (r->w - NUMS_W) / 2;

	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	canvas_textf(c, r->x, r->y, r->w, UI_ROLE_TITLE, "%7s %7s %9s  %s", "total%",
		     tr->inverted ? "" : "self%",
		     "samples", tr->inverted ? "function <- callers (inverted: bottom-up)" :
					       "function -> callees (top-down)");
	ui_list_fit(&tr->list, page);
	if (!tr->list.n)
		canvas_text(c, r->x + 2, r->y + 2, r->w - 2, UI_ROLE_DIM,
			    "(no samples in this selection)");
	for (i = 0; i < page && tr->list.top + i < tr->list.n; i++) {
		int row = tr->list.top + i, node = tr->rows[row], y = r->y + 1 + i, x, indent;
		const struct mtree_node *nd;
		enum ui_role role = row == tr->list.cursor ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;
		char tp[16], sp[16];
		const char *glyph;

		mtree_build(&tr->t, node);	/* its self and whether it is a leaf */
		nd = &tr->t.nodes[node];
		ui_fmt_pct(tp, sizeof(tp), 100.0 * nd->total / all);
		if (!tr->inverted)	/* inverted: total is the leaf's self already */
			ui_fmt_pct(sp, sizeof(sp), 100.0 * nd->self / all);
		else
			sp[0] = '\0';
		canvas_fill(c, r->x, y, r->w, role);
		canvas_textf(c, r->x, y, NUMS_W, role, "%7s %7s %9llu  ", tp, sp,
			     (unsigned long long)nd->total);
		indent = 2 * (nd->depth - 1);
		x = r->x + NUMS_W;
		if (indent > max_indent) {
			x += canvas_textf(c, x, y, 8, role == UI_ROLE_CURSOR ? role : UI_ROLE_DIM,
					  "[%d] ", nd->depth);
			indent = max_indent - 6;
		}
		x += indent;
		if (nd->built && !nd->nkids)
			glyph = canvas_glyph(c, UI_GLYPH_LEAF);
		else
			glyph = canvas_glyph(c, nd->expanded && nd->built ? UI_GLYPH_EXPANDED :
									   UI_GLYPH_COLLAPSED);
		x += canvas_text(c, x, y, 1, role == UI_ROLE_CURSOR ? role : UI_ROLE_DIM, glyph);
		x += 1;
		{
			const char *name = mtree_name(&tr->t, node);
			const char *mod = profile_func_module(p, nd->func);
			int room = r->x + r->w - x, nw = canvas_width(c, name);
			int mw = canvas_width(c, mod);
			char *s = NULL;

			/* too wide with its module: the short form, if that fits */
			if (nw + 2 + mw > room) {
				s = demangle_short(name, canvas_glyph(c, UI_GLYPH_ELLIPSIS));
				nw = canvas_width(c, s);
			}
			if (nw + 2 + mw <= room) {
				x += canvas_text(c, x, y, room, role, s ? s : name);
				if (nd->is_inline)
					x += canvas_text(c, x, y, r->x + r->w - x, role, " (inline)");
				canvas_text(c, x + 2, y, r->x + r->w - x - 2,
					    role == UI_ROLE_CURSOR ? role : UI_ROLE_DIM, mod);
			} else {
				ui_text_name(c, x, y, room, role, name, CANVAS_ELIDE_MIDDLE);
			}
			free(s);
		}
	}
}

static void draw_drill(struct tree *tr, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	const struct profile *p = ui_profile(ui);
	struct drill *d = &tr->drill[tr->ndrill - 1];
	int page = r->h, y = r->y, row;
	struct ui_list *l = &d->list;
	/* lines: title, callers..., blank, title, callees...; rows skip titles */
	int nlines = (int)d->ncallers + (int)d->ncallees + 3, top, line;

	ui_list_fit(l, page);
	/* the line of the cursor row */
	line = l->cursor < (int)d->ncallers ? 1 + l->cursor : 3 + l->cursor;
	top = line - page / 2;
	if (top > nlines - page)
		top = nlines - page;
	if (top < 0)
		top = 0;
	for (line = top; line < nlines && y < r->y + r->h; line++, y++) {
		const struct profile_edge *e = NULL;
		const char *title = NULL;

		if (line == 0)
			title = "Callers";
		else if (line <= (int)d->ncallers)
			e = &d->callers[line - 1], row = line - 1;
		else if (line == (int)d->ncallers + 1)
			continue;
		else if (line == (int)d->ncallers + 2)
			title = "Callees";
		else
			e = &d->callees[line - 3 - d->ncallers], row = line - 3;
		if (title) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "%s of ", title);
			strbuf_adds(&sb, p->funcs[d->func].name);
			canvas_fill(c, r->x, y, r->w, UI_ROLE_TITLE);
			canvas_textf(c, r->x, y, r->w, UI_ROLE_TITLE, "%7s %9s  ", "%", "samples");
			canvas_text_elided(c, r->x + 19, y, r->w - 19, UI_ROLE_TITLE, sb.buf,
					   CANVAS_ELIDE_MIDDLE);
			strbuf_release(&sb);
			if (!strcmp(title, "Callees") && !d->ncallees && y + 1 < r->y + r->h)
				canvas_text(c, r->x + 19, y + 1, r->w - 19, UI_ROLE_DIM,
					    "(none: its samples end in it)");
			continue;
		}
		{
			enum ui_role role = row == l->cursor ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;
			char pct[16];

			ui_fmt_pct(pct, sizeof(pct), e->pct);
			canvas_fill(c, r->x, y, r->w, role);
			canvas_textf(c, r->x, y, 19, role, "%7s %9llu  ", pct,
				     (unsigned long long)e->value.count);
			ui_text_name(c, r->x + 19, y, r->w - 19, role, p->funcs[e->func].name,
				     CANVAS_ELIDE_MIDDLE);
		}
	}
	if (!d->ncallers && r->h > 1)
		canvas_text(c, r->x + 19, r->y + 1, r->w - 19, UI_ROLE_DIM, "(none: a root)");
}

static void tree_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct tree *tr = view;

	if (tr->ndrill)
		draw_drill(tr, ui, c, r);
	else
		draw_tree(tr, ui, c, r);
}

static int drill_func(struct tree *tr)
{
	struct drill *d = &tr->drill[tr->ndrill - 1];
	int row = d->list.cursor;

	if (row < (int)d->ncallers)
		return d->callers[row].func;
	if (row - (int)d->ncallers < (int)d->ncallees)
		return d->callees[row - d->ncallers].func;
	return -1;
}

static void tree_status(void *view, struct ui *ui, struct strbuf *sb)
{
	struct tree *tr = view;
	const struct profile *p = ui_profile(ui);
	double all = p->totals.samples ? (double)p->totals.samples : 1;
	int node;

	if (tr->ndrill) {
		int f = drill_func(tr);

		if (f >= 0)
			ui_func_describe(ui, f, sb);
		return;
	}
	node = cursor_node(tr);
	if (node < 0)
		return;
	ui_func_describe(ui, tr->t.nodes[node].func, sb);
	strbuf_addf(sb, "  total %llu (%.2f%%)", (unsigned long long)tr->t.nodes[node].total,
		    100.0 * tr->t.nodes[node].total / all);
	if (tr->t.nodes[node].built)
		strbuf_addf(sb, " self %llu", (unsigned long long)tr->t.nodes[node].self);
	strbuf_addf(sb, "  depth %d", tr->t.nodes[node].depth);
}

static void tree_crumb(void *view, struct ui *ui, struct strbuf *sb)
{
	struct tree *tr = view;
	const struct profile *p = ui_profile(ui);
	int k;

	if (tr->inverted)
		strbuf_adds(sb, "inverted");
	for (k = 0; k < tr->ndrill; k++) {
		strbuf_adds(sb, k || tr->inverted ? " > " : "");
		strbuf_adds(sb, "callers/callees of ");
		strbuf_adds(sb, p->funcs[tr->drill[k].func].name);
	}
}

static void push_drill(struct tree *tr, struct ui *ui, int func)
{
	const struct profile *p = ui_profile(ui);
	struct drill *d;

	if (tr->ndrill == DRILL_MAX) {
		drill_clear(&tr->drill[0]);
		memmove(tr->drill, tr->drill + 1, (DRILL_MAX - 1) * sizeof(*tr->drill));
		tr->ndrill--;
	}
	d = &tr->drill[tr->ndrill++];
	memset(d, 0, sizeof(*d));
	d->func = func;
	d->ncallers = profile_callers(p, func, &d->callers);
	d->ncallees = profile_callees(p, func, &d->callees);
	d->list.n = (int)(d->ncallers + d->ncallees);
	/* start on the callees if there are no callers */
	d->list.cursor = 0;
}

static int drill_key(struct tree *tr, struct ui *ui, int key)
{
	struct drill *d = &tr->drill[tr->ndrill - 1];
	int f;

	if (ui_list_key(&d->list, key, ui->body.h) == UI_HANDLED)
		return UI_HANDLED;
	switch (key) {
	case UI_KEY_ENTER:
	case '\r':
	case 'x':
	case UI_KEY_RIGHT:
	case 'l':
		f = drill_func(tr);
		if (f >= 0)
			push_drill(tr, ui, f);
		return UI_HANDLED;
	case UI_KEY_LEFT:
	case 'h':
		drill_clear(&tr->drill[--tr->ndrill]);
		return UI_HANDLED;
	default:
		return UI_UNHANDLED;
	}
}

static void set_inverted(struct tree *tr, struct ui *ui, bool inverted)
{
	int node = cursor_node(tr), func = node >= 0 ? tr->t.nodes[node].func : -1;

	tr->inverted = inverted;
	free_saved(tr);
	rebuild(tr, ui);
	/* keep the function: in the new tree, its first row */
	if (func >= 0) {
		int i;

		for (i = 0; i < tr->list.n; i++)
			if (tr->t.nodes[tr->rows[i]].func == func) {
				tr->list.cursor = i;
				break;
			}
	}
	ui_message(ui, false, "%s", inverted ? "inverted: leaf functions first, their callers below"
					     : "top-down: callers first, their callees below");
}

static int tree_key(void *view, struct ui *ui, int key)
{
	struct tree *tr = view;
	int node, page = ui->body.h - 1;

	if (tr->ndrill)
		return drill_key(tr, ui, key);
	if (ui_list_key(&tr->list, key, page) == UI_HANDLED)
		return UI_HANDLED;
	node = cursor_node(tr);
	switch (key) {
	case 'i':
		set_inverted(tr, ui, !tr->inverted);
		return UI_HANDLED;
	default:
		break;
	}
	if (node < 0)
		return UI_UNHANDLED;
	switch (key) {
	case UI_KEY_ENTER:
	case '\r':
		if (tr->t.nodes[node].expanded)
			tr->t.nodes[node].expanded = false;
		else
			mtree_open(&tr->t, node);
		refresh_rows(tr);
		return UI_HANDLED;
	case UI_KEY_RIGHT:
	case 'l':
	case '+':
		mtree_build(&tr->t, node);
		if (tr->t.nodes[node].expanded && tr->t.nodes[node].nkids) {
			tr->list.cursor++;
		} else {
			mtree_open(&tr->t, node);
			refresh_rows(tr);
		}
		ui_list_fit(&tr->list, page);
		return UI_HANDLED;
	case UI_KEY_LEFT:
	case 'h':
	case '-':
		if (tr->t.nodes[node].expanded && tr->t.nodes[node].nkids) {
			tr->t.nodes[node].expanded = false;
			refresh_rows(tr);
		} else if (tr->t.nodes[node].parent > 0) {
			select_node(tr, tr->t.nodes[node].parent);
		}
		ui_list_fit(&tr->list, page);
		return UI_HANDLED;
	case 'E':
	case '*': {
		size_t n = mtree_expand_all(&tr->t, node, true, EXPAND_ALL_MAX);

		refresh_rows(tr);
		if (n >= EXPAND_ALL_MAX)
			ui_message(ui, false, "opened the first %d paths below; E again opens more",
				   EXPAND_ALL_MAX);
		return UI_HANDLED;
	}
	case 'C':
		mtree_expand_all(&tr->t, node, false, 0);
		refresh_rows(tr);
		return UI_HANDLED;
	case 'x':
		push_drill(tr, ui, tr->t.nodes[node].func);
		return UI_HANDLED;
	case 'v':
		if (tr->t.nodes[node].func >= 0 && ui_focus(ui, '7', tr->t.nodes[node].func))
			ui_message(ui, true, "no source view");
		return UI_HANDLED;
	default:
		return UI_UNHANDLED;
	}
}

static int tree_back(void *view, struct ui *ui UNUSED, int key UNUSED)
{
	struct tree *tr = view;

	if (!tr->ndrill)
		return 0;
	drill_clear(&tr->drill[--tr->ndrill]);
	return 1;
}

static int walk_to_match(struct tree *tr, struct ui *ui, int start, int dir, const bool *hit);

static int tree_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct tree *tr = view;
	const struct profile *p = ui_profile(ui);
	int start = cursor_node(tr), found;
	bool *hit, any = false;
	size_t f;

	if (tr->ndrill) {
		struct drill *d = &tr->drill[tr->ndrill - 1];
		int i;

		for (i = 1; i <= d->list.n; i++) {
			int row = ((d->list.cursor + dir * i) % d->list.n + d->list.n) % d->list.n;
			int fn = row < (int)d->ncallers ? d->callers[row].func
							: d->callees[row - d->ncallers].func;

			if (ui_match(p->funcs[fn].name, needle)) {
				d->list.cursor = row;
				return 1;
			}
		}
		return 0;
	}
	if (start < 0)
		return 0;
	/* which functions match, once: the walk below then tests a flag, and
	 * a search for nothing that exists does not walk at all */
	hit = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof(*hit));
	for (f = 0; f < p->nfuncs; f++)
		if (p->funcs[f].total.count && ui_match(p->funcs[f].name, needle))
			hit[f] = any = true;
	found = any ? walk_to_match(tr, ui, start, dir, hit) : 0;
	free(hit);
	return found;
}

/* From start, the next node (pre-order, dir 1) or the previous (-1) whose
 * function is hit[], over the whole tree, not only the open rows; the
 * match is revealed. Bounded so a key stays fast. */
static int walk_to_match(struct tree *tr, struct ui *ui, int start, int dir, const bool *hit)
{
	int n, wrapped = 0;
	size_t steps = 0;

	for (n = start;;) {
		n = mtree_next(&tr->t, n, dir < 0);
		if (n < 0) {
			if (wrapped++)
				return 0;
			if (dir > 0) {
				n = mtree_next(&tr->t, 0, false);
			} else {
				n = mtree_next(&tr->t, 0, false);
				while (n >= 0) {
					int nx = mtree_next(&tr->t, n, false);

					if (nx < 0 || ++steps > 2000000)
						break;
					n = nx;
				}
			}
			if (n < 0)
				return 0;
		}
		if (n == start)
			return hit[tr->t.nodes[n].func];
		if (++steps > 2000000)
			return 0;
		if (hit[tr->t.nodes[n].func]) {
			select_node(tr, n);
			ui_list_fit(&tr->list, ui->body.h - 1);
			return 1;
		}
	}
}

static int tree_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct tree *tr = view;
	struct ui_list *l = tr->ndrill ? &tr->drill[tr->ndrill - 1].list : &tr->list;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN) {
		l->cursor += button == UI_BUTTON_WHEEL_UP ? -3 : 3;
		ui_list_fit(l, ui->body.h - 1);
		return UI_HANDLED;
	}
	if (tr->ndrill)
		return UI_HANDLED;
	if (y < 1 || tr->list.top + y - 1 >= tr->list.n)
		return UI_HANDLED;
	tr->list.cursor = tr->list.top + y - 1;
	if (button == UI_BUTTON_DOUBLE)
		return tree_key(view, ui, UI_KEY_ENTER);
	return UI_HANDLED;
}

static int tree_export(void *view, struct ui *ui UNUSED, FILE *f, char **errmsg UNUSED)
{
	struct tree *tr = view;
	int node = cursor_node(tr);

	mtree_folded(&tr->t, node > 0 ? node : 0, f);
	return 0;
}

/* The tree node of the function's heaviest call path. */
static int hottest_path(struct tree *tr, struct ui *ui, int func)
{
	const struct profile *p = ui_profile(ui);
	struct strbuf sb = STRBUF_INIT;
	int path[4096], depth = 0, i, n = profile_hottest_node(p, func);

	if (n < 0)
		return -1;
	for (; n > 0 && depth < (int)ARRAY_SIZE(path); n = p->nodes[n].parent)
		path[depth++] = n;
	for (i = depth - 1; i >= 0; i--) {
		const struct profile_frame *f = &p->frames[p->nodes[path[i]].frame];

		if (ui->filter.hide_kernel && model_func_is_kernel(p, f->func))
			continue;
		strbuf_add(&sb, "\x1e", 1);
		model_func_key(p, f->func, &sb);
		if (f->is_inline)
			strbuf_add(&sb, "\x1fi", 2);
	}
	n = mtree_find(&tr->t, sb.buf ? sb.buf : "", NULL);
	strbuf_release(&sb);
	return n;
}

static int tree_focus(void *view, struct ui *ui, int func)
{
	struct tree *tr = view;
	int n = -1;
	size_t i;

	while (tr->ndrill)
		drill_clear(&tr->drill[--tr->ndrill]);
	if (tr->inverted) {
		mtree_build(&tr->t, 0);
		for (i = 0; i < tr->t.nodes[0].nkids; i++)
			if (tr->t.nodes[tr->t.nodes[0].kids[i]].func == func)
				n = tr->t.nodes[0].kids[i];
	} else {
		n = hottest_path(tr, ui, func);
	}
	if (n <= 0)
		return -ENOENT;
	select_node(tr, n);
	tr->list.top = tr->list.cursor - (ui->body.h - 1) / 2;
	ui_list_fit(&tr->list, ui->body.h - 1);
	return 0;
}

static const struct ui_help tree_help[] = {
	{ "Enter", "open or close the node (opening goes down a path without branches)" },
	{ "Right, l, +", "open the node (as Enter); on an open one, go to its first callee" },
	{ "Left, h, -", "close the node; on a closed one, go to its caller" },
	{ "E, *", "open everything below the node" },
	{ "C", "close everything below the node" },
	{ "i", "inverted (bottom-up): leaf functions first, their callers below" },
	{ "x", "callers and callees of the function; Enter follows one, q or Esc back" },
	{ "v", "the function's source, samples per line (view 7)" },
	{ "e", "export the paths below the node as folded stacks" },
	{ "mouse", "click selects, double click opens, wheel scrolls" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_tree = {
	.name = "Call tree",
	.tab = "Tree",
	.digit = '2',
	.modes = UI_MODE_BROWSE,
	.create = tree_create,
	.destroy = tree_destroy,
	.reload = tree_reload,
	.save = tree_save,
	.focus = tree_focus,
	.draw = tree_draw,
	.status = tree_status,
	.crumb = tree_crumb,
	.key = tree_key,
	.back = tree_back,
	.search = tree_search,
	.click = tree_click,
	.export = tree_export,
	.export_ext = "folded",
	.help = tree_help,
	.footer = "Enter:open E:all i:invert x:callers",
};
