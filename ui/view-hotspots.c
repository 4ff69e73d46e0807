/* view-hotspots.c - view 1: functions by self or total samples
 *
 * One row per function with samples: self and total as percent, samples
 * and seconds. s cycles the order (self, total, name); Enter opens the
 * function in the call tree. The cursor is kept by function (name and
 * module) across reloads.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "view.h"

struct hotspots {
	enum model_sort sort;
	int *rows;		/* indices into p->funcs */
	struct ui_list list;
	char *cursor_key;	/* model_func_key() of the cursor row, for reload */
};

static void *hs_create(struct ui *ui UNUSED)
{
	return xcalloc(1, sizeof(struct hotspots));
}

static void hs_destroy(void *view)
{
	struct hotspots *h = view;

	free(h->rows);
	free(h->cursor_key);
	free(h);
}

static int cursor_func(struct hotspots *h)
{
	return h->list.n ? h->rows[h->list.cursor] : -1;
}

static void hs_save(void *view, struct ui *ui)
{
	struct hotspots *h = view;
	struct strbuf sb = STRBUF_INIT;
	int f = cursor_func(h);

	free(h->cursor_key);
	h->cursor_key = NULL;
	if (f < 0)
		return;
	model_func_key(ui_profile(ui), f, &sb);
	h->cursor_key = sb.buf;
}

static void select_func(struct hotspots *h, int func)
{
	int i;

	for (i = 0; i < h->list.n; i++)
		if (h->rows[i] == func) {
			h->list.cursor = i;
			return;
		}
}

static void hs_reload(void *view, struct ui *ui)
{
	struct hotspots *h = view;
	size_t n;

	free(h->rows);
	n = model_hotspots(ui->model, h->sort, &h->rows);
	h->list.n = (int)n;
	h->list.cursor = 0;
	if (h->cursor_key)
		select_func(h, model_func_by_key(ui_profile(ui), h->cursor_key));
	ui_list_fit(&h->list, ui->body.h > 1 ? ui->body.h - 1 : 20);
}

/* Column layout for a width: seconds columns only when there is room. */
struct cols {
	bool secs;
	int nums_w, name_x, name_w, mod_x, mod_w;
};

static struct cols layout(int w)
{
	struct cols c;
	int rest;

	c.secs = w >= 100;
	c.nums_w = c.secs ? 52 : 36;
	rest = w - c.nums_w;
	c.mod_w = rest / 4 > 24 ? 24 : rest / 4;
	c.name_x = c.nums_w;
	c.name_w = rest - c.mod_w - 1;
	c.mod_x = c.name_x + c.name_w + 1;
	return c;
}

static void hs_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct hotspots *h = view;
	struct ui_model *m = ui->model;
	const struct profile *p = m->p;
	struct cols L = layout(r->w);
	double all = p->totals.samples ? (double)p->totals.samples : 1;
	const char *mark = canvas_glyph(c, UI_GLYPH_SORTED);
	char title[256];
	int page = r->h - 1, i;

	if (L.secs)
		snprintf(title, sizeof(title), "%7s%s %7s %7s %7s%s %7s %7s  ", "self%",
			 h->sort == MODEL_SORT_SELF ? mark : " ", "self", "self-s", "total%",
			 h->sort == MODEL_SORT_TOTAL ? mark : " ", "total", "total-s");
	else
		snprintf(title, sizeof(title), "%7s%s %7s %7s%s %7s  ", "self%",
			 h->sort == MODEL_SORT_SELF ? mark : " ", "self", "total%",
			 h->sort == MODEL_SORT_TOTAL ? mark : " ", "total");
	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	canvas_text(c, r->x, r->y, r->w, UI_ROLE_TITLE, title);
	canvas_textf(c, r->x + L.name_x, r->y, L.name_w, UI_ROLE_TITLE, "function%s",
		     h->sort == MODEL_SORT_NAME ? mark : "");
	canvas_text(c, r->x + L.mod_x, r->y, L.mod_w, UI_ROLE_TITLE, "module");
	ui_list_fit(&h->list, page);
	if (!h->list.n)
		canvas_text(c, r->x + 2, r->y + 2, r->w - 2, UI_ROLE_DIM,
			    "(no samples in this selection)");
	for (i = 0; i < page && h->list.top + i < h->list.n; i++) {
		int row = h->list.top + i, f = h->rows[row], y = r->y + 1 + i;
		struct profile_value self = model_func_self(m, f);
		const struct profile_func *fn = &p->funcs[f];
		enum ui_role role = row == h->list.cursor ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;
		char sp[16], tp[16], ss[16], ts[16], line[128];

		ui_fmt_pct(sp, sizeof(sp), 100.0 * self.count / all);
		ui_fmt_pct(tp, sizeof(tp), 100.0 * fn->total.count / all);
		ui_fmt_secs(ss, sizeof(ss), self.weight_ns);
		ui_fmt_secs(ts, sizeof(ts), fn->total.weight_ns);
		if (L.secs)
			snprintf(line, sizeof(line), "%7s  %7llu %7s %7s  %7llu %7s  ", sp,
				 (unsigned long long)self.count, ss, tp,
				 (unsigned long long)fn->total.count, ts);
		else
			snprintf(line, sizeof(line), "%7s  %7llu %7s  %7llu  ", sp,
				 (unsigned long long)self.count, tp,
				 (unsigned long long)fn->total.count);
		canvas_fill(c, r->x, y, r->w, role);
		canvas_text(c, r->x, y, L.nums_w, role, line);
		ui_text_name(c, r->x + L.name_x, y, L.name_w, role, fn->name, CANVAS_ELIDE_MIDDLE);
		canvas_text_elided(c, r->x + L.mod_x, y, L.mod_w,
				   role == UI_ROLE_CURSOR ? role : UI_ROLE_DIM,
				   profile_func_module(p, f), CANVAS_ELIDE_MIDDLE);
	}
}

static void hs_status(void *view, struct ui *ui, struct strbuf *sb)
{
	struct hotspots *h = view;
	int f = cursor_func(h);
	const struct profile *p = ui_profile(ui);

	if (f < 0)
		return;
	ui_func_describe(ui, f, sb);
	strbuf_addf(sb, "  [%d/%d, by %s]", h->list.cursor + 1, h->list.n,
		    model_sort_name(h->sort));
	(void)p;
}

static int hs_key(void *view, struct ui *ui, int key)
{
	struct hotspots *h = view;
	int f;

	if (ui_list_key(&h->list, key, ui->body.h - 1) == UI_HANDLED)
		return UI_HANDLED;
	switch (key) {
	case 's':
	case '>':
	case '<':
		f = cursor_func(h);
		h->sort = (h->sort + (key == '<' ? MODEL_SORT_COUNT - 1 : 1)) % MODEL_SORT_COUNT;
		hs_save(h, ui);
		hs_reload(h, ui);
		if (f >= 0)
			select_func(h, f);
		h->list.top = 0;
		ui_list_fit(&h->list, ui->body.h - 1);
		ui_message(ui, false, "sorted by %s", model_sort_name(h->sort));
		return UI_HANDLED;
	case UI_KEY_ENTER:
	case '\r':
	case UI_KEY_RIGHT:
	case 'l':
		f = cursor_func(h);
		if (f >= 0 && ui_focus(ui, '2', f))
			ui_message(ui, true, "no call tree view");
		return UI_HANDLED;
	case 'v':
		f = cursor_func(h);
		if (f >= 0 && ui_focus(ui, '7', f))
			ui_message(ui, true, "no source view");
		return UI_HANDLED;
	default:
		return UI_UNHANDLED;
	}
}

static int hs_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct hotspots *h = view;
	const struct profile *p = ui_profile(ui);
	int i;

	for (i = 1; i <= h->list.n; i++) {
		int row = ((h->list.cursor + dir * i) % h->list.n + h->list.n) % h->list.n;

		if (ui_match(p->funcs[h->rows[row]].name, needle)) {
			h->list.cursor = row;
			ui_list_fit(&h->list, ui->body.h - 1);
			return 1;
		}
	}
	return 0;
}

static int hs_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct hotspots *h = view;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN) {
		h->list.top += button == UI_BUTTON_WHEEL_UP ? -3 : 3;
		h->list.cursor += button == UI_BUTTON_WHEEL_UP ? -3 : 3;
		ui_list_fit(&h->list, ui->body.h - 1);
		return UI_HANDLED;
	}
	if (y < 1 || h->list.top + y - 1 >= h->list.n)
		return UI_HANDLED;
	h->list.cursor = h->list.top + y - 1;
	if (button == UI_BUTTON_DOUBLE)
		return hs_key(view, ui, UI_KEY_ENTER);
	return UI_HANDLED;
}

static int hs_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct hotspots *h = view;
	struct ui_model *m = ui->model;
	const struct profile *p = m->p;
	double all = p->totals.samples ? (double)p->totals.samples : 1;
	char name[4096], mod[4096];
	int i;

	fprintf(f, "# hotstack ui: hotspots of %s, kind %s, %s, by %s\n", sanitized(m->path),
		profile_kind_name(ui->filter.kind), ui->filter.hide_kernel ? "kernel hidden" : "kernel shown",
		model_sort_name(h->sort));
	fprintf(f, "%7s %9s %9s %7s %9s %9s  %s\t%s\n", "self%", "self", "self-s", "total%", "total",
		"total-s", "function", "module");
	for (i = 0; i < h->list.n; i++) {
		int fn = h->rows[i];
		struct profile_value self = model_func_self(m, fn);

		fprintf(f, "%6.2f%% %9llu %9.3f %6.2f%% %9llu %9.3f  %s\t%s\n",
			100.0 * self.count / all, (unsigned long long)self.count,
			self.weight_ns / 1e9, 100.0 * p->funcs[fn].total.count / all,
			(unsigned long long)p->funcs[fn].total.count,
			p->funcs[fn].total.weight_ns / 1e9,
			sanitize(name, sizeof(name), p->funcs[fn].name),
			sanitize(mod, sizeof(mod), profile_func_module(p, fn)));
	}
	return 0;
}

static int hs_focus(void *view, struct ui *ui, int func)
{
	struct hotspots *h = view;

	select_func(h, func);
	ui_list_fit(&h->list, ui->body.h - 1);
	return h->list.n && h->rows[h->list.cursor] == func ? 0 : -ENOENT;
}

static const struct ui_help hs_help[] = {
	{ "Enter, Right, l", "open the function in the call tree" },
	{ "s, >, <", "sort by self, total or name (next, previous)" },
	{ "v", "the function's source, samples per line (view 7)" },
	{ "Up Down, j k", "move" },
	{ "mouse", "click selects, double click opens, wheel scrolls" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_hotspots = {
	.name = "Hotspots",
	.tab = "Hot",
	.digit = '1',
	.modes = UI_MODE_BROWSE,
	.create = hs_create,
	.destroy = hs_destroy,
	.reload = hs_reload,
	.save = hs_save,
	.focus = hs_focus,
	.draw = hs_draw,
	.status = hs_status,
	.key = hs_key,
	.search = hs_search,
	.click = hs_click,
	.export = hs_export,
	.export_ext = "txt",
	.help = hs_help,
	.footer = "Enter:tree s:sort",
};
