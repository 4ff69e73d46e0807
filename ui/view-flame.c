/* view-flame.c - view 3: the flame graph in the terminal
 *
 * One row per depth, each frame as wide as its share of the zoomed frame
 * (model.h: mflame_layout); names are elided to fit, frames under a column
 * are merged into a marked remainder. The root sits at the bottom (flame)
 * or the top (icicle, o); i inverts the graph (callers above leaf
 * functions). Enter zooms into the frame under the cursor, Esc zooms out
 * one level; the zoom path is the breadcrumb. Stacks deeper than the
 * screen scroll with the cursor. Zoom and cursor are call-path keys, so a
 * reload (new filters, a recording that grew) keeps them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "view.h"

#define ZOOM_MAX 64
#define ZOOM_DEPTH_SHOWN 256

struct flame {
	struct mtree t;
	bool loaded, inverted, icicle;
	struct mflame fl;
	int zoom[ZOOM_MAX];	/* tree nodes; zoom[0] = 0, the root */
	int nzoom;
	int cursor;		/* tree node */
	int scroll;		/* the lowest depth shown */
	int width;		/* of the last layout */
	int laid_zoom;		/* the zoom of the last layout */
	bool laid_out;		/* fl is the layout of (t, laid_zoom, width) */
	char *needle;		/* search: matching frames are marked */
	/* kept across reloads */
	char *zoom_keys[ZOOM_MAX];
	char *cursor_key;
};

static void *fl_create(struct ui *ui UNUSED)
{
	struct flame *f = xcalloc(1, sizeof(*f));

	f->nzoom = 1;
	return f;
}

static void free_keys(struct flame *f)
{
	int i;

	for (i = 0; i < ZOOM_MAX; i++) {
		free(f->zoom_keys[i]);
		f->zoom_keys[i] = NULL;
	}
	free(f->cursor_key);
	f->cursor_key = NULL;
}

static void fl_destroy(void *view)
{
	struct flame *f = view;

	free_keys(f);
	if (f->loaded)
		mtree_release(&f->t);
	mflame_release(&f->fl);
	free(f->needle);
	free(f);
}

static char *key_of(struct flame *f, int node)
{
	struct strbuf sb = STRBUF_INIT;

	mtree_path_key(&f->t, node, &sb);
	strbuf_add(&sb, "", 0);
	return sb.buf ? sb.buf : xstrdup("");
}

static void fl_save(void *view, struct ui *ui UNUSED)
{
	struct flame *f = view;
	int i;

	if (!f->loaded)
		return;
	free_keys(f);
	for (i = 0; i < f->nzoom; i++)
		f->zoom_keys[i] = key_of(f, f->zoom[i]);
	f->cursor_key = key_of(f, f->cursor);
}

static int zoom_node(struct flame *f)
{
	return f->zoom[f->nzoom - 1];
}

/* Lay the graph out again if the width, the zoom or the tree changed. */
static void relayout(struct flame *f, int width)
{
	if (f->laid_out && f->width == width && f->laid_zoom == zoom_node(f))
		return;
	f->width = width;
	f->laid_zoom = zoom_node(f);
	f->laid_out = true;
	mflame_layout(&f->fl, &f->t, zoom_node(f), width);
}

static void rebuild(struct flame *f, struct ui *ui)
{
	int i, n = 1;

	if (f->loaded)
		mtree_release(&f->t);
	mtree_init(&f->t, ui->model->p, model_name_rank(ui->model), f->inverted, ui->filter.hide_kernel);
	f->loaded = true;
	f->laid_out = false;
	f->zoom[0] = 0;
	/* zoom levels by path; stop at the first one that is gone */
	for (i = 1; i < f->nzoom && f->zoom_keys[i]; i++) {
		bool exact;
		int x = mtree_find(&f->t, f->zoom_keys[i], &exact);

		if (!exact || x <= 0)
			break;
		f->zoom[n++] = x;
	}
	f->nzoom = n;
	f->cursor = f->cursor_key ? mtree_find(&f->t, f->cursor_key, NULL) : 0;
	free_keys(f);
	relayout(f, f->width > 0 ? f->width : 80);
	if (mflame_find(&f->fl, f->cursor) < 0)
		f->cursor = zoom_node(f);
}

static void fl_reload(void *view, struct ui *ui)
{
	rebuild(view, ui);
}

static enum ui_role frame_role(const struct profile *p, const struct mtree *t, int node)
{
	int func = t->nodes[node].func, mod;
	const char *path;

	if (func < 0)
		return UI_ROLE_FLAME_ROOT;
	mod = p->funcs[func].module;
	if (mod < 0)
		return UI_ROLE_FLAME_UNKNOWN;
	if (p->modules[mod].is_kernel)
		return UI_ROLE_FLAME_KERNEL;
	if (p->modules[mod].is_main || !strcmp(p->modules[mod].kind, "jit"))
		return UI_ROLE_FLAME_PROGRAM;
	/* a library: it has a soname, or (version 1 recordings, which do not
	 * say) its file name looks like one */
	path = p->modules[mod].name;
	if (p->modules[mod].soname || strstr(path, ".so") || !strcmp(p->modules[mod].kind, "vdso"))
		return UI_ROLE_FLAME_LIBRARY;
	return UI_ROLE_FLAME_PROGRAM;
}

/* The screen row of depth d, or -1 if it is scrolled away. */
static int row_of(const struct flame *f, const struct ui_rect *r, int d)
{
	int rel = d - f->scroll;

	if (rel < 0 || rel >= r->h)
		return -1;
	return f->icicle ? r->y + rel : r->y + r->h - 1 - rel;
}

static void fit_scroll(struct flame *f, int rows)
{
	int b = mflame_find(&f->fl, f->cursor);
	int d = b >= 0 ? f->fl.boxes[b].depth : 0;

	if (d < f->scroll)
		f->scroll = d;
	if (d >= f->scroll + rows)
		f->scroll = d - rows + 1;
	if (f->scroll > f->fl.maxdepth - rows + 1)
		f->scroll = f->fl.maxdepth - rows + 1;
	if (f->scroll < 0)
		f->scroll = 0;
}

static void fl_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct flame *f = view;
	const struct profile *p = ui_profile(ui);
	size_t i;

	relayout(f, r->w);
	if (mflame_find(&f->fl, f->cursor) < 0)
		f->cursor = zoom_node(f);
	fit_scroll(f, r->h);
	if (!f->t.nodes[0].total) {
		canvas_text(c, r->x + 2, r->y + 1, r->w - 2, UI_ROLE_DIM,
			    "(no samples in this selection)");
		return;
	}
	for (i = 0; i < f->fl.n; i++) {
		const struct mflame_box *b = &f->fl.boxes[i];
		int y = row_of(f, r, b->depth), tw = b->w > 1 ? b->w - 1 : 1;
		enum ui_role role;

		if (y < 0)
			continue;
		if (b->node < 0) {
			int k;

			for (k = 0; k < tw; k++)
				canvas_text(c, r->x + b->x + k, y, 1, UI_ROLE_FLAME_REST,
					    canvas_glyph(c, UI_GLYPH_REST));
			continue;
		}
		if (b->node == f->cursor)
			role = UI_ROLE_CURSOR;
		else if (f->needle && ui_match(mtree_name(&f->t, b->node), f->needle))
			role = UI_ROLE_MATCH;
		else
			role = frame_role(p, &f->t, b->node);
		canvas_fill(c, r->x + b->x, y, tw, role);
		ui_text_name(c, r->x + b->x, y, tw, role, mtree_name(&f->t, b->node),
			     CANVAS_ELIDE_END);
	}
	/* outer or deeper frames scrolled away: say so at their edge */
	if (f->scroll > 0)
		canvas_textf(c, r->x + r->w - 18, f->icicle ? r->y : r->y + r->h - 1, 18,
			     UI_ROLE_DIM, " %d outer levels ", f->scroll);
	if (f->fl.maxdepth >= f->scroll + r->h)
		canvas_textf(c, r->x + r->w - 18, f->icicle ? r->y + r->h - 1 : r->y, 18,
			     UI_ROLE_DIM, " %d deeper levels ", f->fl.maxdepth - f->scroll - r->h + 1);
}

static void fl_status(void *view, struct ui *ui, struct strbuf *sb)
{
	struct flame *f = view;
	const struct profile *p = ui_profile(ui);
	const struct mtree_node *nd = &f->t.nodes[f->cursor];
	const struct mtree_node *z = &f->t.nodes[zoom_node(f)];
	double all = p->totals.samples ? (double)p->totals.samples : 1;

	if (nd->func >= 0)
		ui_func_describe(ui, nd->func, sb);
	else
		strbuf_adds(sb, "all");
	strbuf_addf(sb, "  %llu samples  %.2f%%", (unsigned long long)nd->total,
		    100.0 * nd->total / all);
	if (f->nzoom > 1)
		strbuf_addf(sb, " (%.2f%% of the zoom)", z->total ? 100.0 * nd->total / z->total : 0);
}

static void fl_crumb(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct flame *f = view;
	int i;

	strbuf_adds(sb, f->icicle ? "icicle" : "flame");
	if (f->inverted)
		strbuf_adds(sb, " inverted");
	if (f->nzoom > 1) {
		int path[ZOOM_DEPTH_SHOWN], n = 0, x;

		/* the whole path to the zoomed frame, not only the zoom steps */
		for (x = zoom_node(f); x > 0 && n < ZOOM_DEPTH_SHOWN; x = f->t.nodes[x].parent)
			path[n++] = x;
		strbuf_adds(sb, "  zoom: all");
		if (x > 0)
			strbuf_adds(sb, " > ...");
		for (i = n - 1; i >= 0; i--) {
			strbuf_adds(sb, " > ");
			strbuf_adds(sb, mtree_name(&f->t, path[i]));
		}
	}
}

/* The box on the next row up the stack (callee side), under the cursor. */
static int box_deeper(struct flame *f, int b)
{
	const struct mflame_box *cb = &f->fl.boxes[b];
	int x = mflame_at(&f->fl, cb->x + (cb->w - 1) / 2, cb->depth + 1), best = -1;
	size_t i;

	if (x >= 0 && f->fl.boxes[x].parent == b && f->fl.boxes[x].node >= 0)
		return x;
	for (i = 0; i < f->fl.n; i++)	/* else the widest child */
		if (f->fl.boxes[i].parent == b && f->fl.boxes[i].node >= 0 &&
		    (best < 0 || f->fl.boxes[i].w > f->fl.boxes[best].w))
			best = (int)i;
	return best;
}

/* The previous/next frame of the same depth. */
static int box_beside(struct flame *f, int b, int dir)
{
	int d = f->fl.boxes[b].depth, i;

	for (i = b + dir; i >= 0 && i < (int)f->fl.n; i += dir) {
		if (f->fl.boxes[i].depth != d)
			break;
		if (f->fl.boxes[i].node >= 0)
			return i;
	}
	return -1;
}

static void zoom_in(struct flame *f, struct ui *ui, int node)
{
	if (node == zoom_node(f) || node < 0)
		return;
	if (f->nzoom == ZOOM_MAX) {
		ui_message(ui, true, "zoomed in too deep: Esc zooms out");
		return;
	}
	f->zoom[f->nzoom++] = node;
	f->cursor = node;
	f->scroll = 0;
	relayout(f, f->width);
}

static int fl_key(void *view, struct ui *ui, int key)
{
	struct flame *f = view;
	int b = mflame_find(&f->fl, f->cursor), nb = -1;
	bool up = key == UI_KEY_UP || key == 'k', down = key == UI_KEY_DOWN || key == 'j';

	if (b < 0)
		b = 0;
	if (f->icicle && (up || down)) {
		up = !up;
		down = !down;
	}
	if (up)
		nb = box_deeper(f, b);
	else if (down)
		nb = f->fl.boxes[b].parent;
	else if (key == UI_KEY_LEFT || key == 'h')
		nb = box_beside(f, b, -1);
	else if (key == UI_KEY_RIGHT || key == 'l')
		nb = box_beside(f, b, 1);
	if (up || down || key == UI_KEY_LEFT || key == 'h' || key == UI_KEY_RIGHT || key == 'l') {
		if (nb >= 0)
			f->cursor = f->fl.boxes[nb].node;
		fit_scroll(f, ui->body.h);
		return UI_HANDLED;
	}
	switch (key) {
	case UI_KEY_ENTER:
	case '\r':
		zoom_in(f, ui, f->cursor);
		return UI_HANDLED;
	case UI_KEY_HOME:
	case 'g':
		f->cursor = zoom_node(f);
		f->scroll = 0;
		return UI_HANDLED;
	case 'z':	/* unzoom entirely */
		f->nzoom = 1;
		relayout(f, f->width);
		return UI_HANDLED;
	case 'o':
		f->icicle = !f->icicle;
		ui_message(ui, false, "%s", f->icicle ? "icicle: the root at the top"
						      : "flame: the root at the bottom");
		return UI_HANDLED;
	case 'i':
		fl_save(f, ui);
		f->inverted = !f->inverted;
		f->nzoom = 1;
		free(f->cursor_key);
		f->cursor_key = NULL;
		rebuild(f, ui);
		ui_message(ui, false, "%s", f->inverted ? "inverted: leaf functions at the base"
							: "callers at the base");
		return UI_HANDLED;
	case UI_KEY_PGUP:
	case UI_KEY_PGDN: {
		/* half a screen up or down the stack, the cursor along */
		int i;

		for (i = 0; i < ui->body.h / 2; i++)
			fl_key(view, ui, key == UI_KEY_PGUP ? UI_KEY_UP : UI_KEY_DOWN);
		return UI_HANDLED;
	}
	default:
		return UI_UNHANDLED;
	}
}

static int fl_back(void *view, struct ui *ui UNUSED, int key)
{
	struct flame *f = view;

	if (key != UI_KEY_ESC || f->nzoom <= 1)
		return 0;
	f->cursor = zoom_node(f);
	f->nzoom--;
	relayout(f, f->width);
	return 1;
}

static int fl_search(void *view, struct ui *ui UNUSED, const char *needle, int dir)
{
	struct flame *f = view;
	int b = mflame_find(&f->fl, f->cursor), n = (int)f->fl.n, i;

	free(f->needle);
	f->needle = xstrdup(needle);
	for (i = 1; i <= n; i++) {
		int k = ((b + dir * i) % n + n) % n;

		if (f->fl.boxes[k].node >= 0 &&
		    ui_match(mtree_name(&f->t, f->fl.boxes[k].node), needle)) {
			f->cursor = f->fl.boxes[k].node;
			fit_scroll(f, ui->body.h);
			return 1;
		}
	}
	return 0;
}

static int fl_click(void *view, struct ui *ui, int x, int y, int button)
{
	struct flame *f = view;
	int d, b;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN)
		return fl_key(view, ui, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN);
	d = f->icicle ? y + f->scroll : ui->body.h - 1 - y + f->scroll;
	b = mflame_at(&f->fl, x, d);
	if (b < 0 || f->fl.boxes[b].node < 0)
		return UI_HANDLED;
	f->cursor = f->fl.boxes[b].node;
	if (button == UI_BUTTON_DOUBLE)
		zoom_in(f, ui, f->cursor);
	return UI_HANDLED;
}

static int fl_export(void *view, struct ui *ui UNUSED, FILE *out, char **errmsg UNUSED)
{
	struct flame *f = view;

	mtree_folded(&f->t, zoom_node(f), out);
	return 0;
}

static int fl_focus(void *view, struct ui *ui UNUSED, int func)
{
	struct flame *f = view;
	size_t i;
	int best = -1;

	for (i = 0; i < f->fl.n; i++) {
		int n = f->fl.boxes[i].node;

		if (n >= 0 && f->t.nodes[n].func == func &&
		    (best < 0 || f->t.nodes[n].total > f->t.nodes[best].total))
			best = n;
	}
	if (best < 0)
		return -ENOENT;
	f->cursor = best;
	return 0;
}

static const struct ui_help fl_help[] = {
	{ "Left Right, h l", "the previous or next frame of the same depth" },
	{ "Up Down, k j", "a callee (up) or the caller (down); reversed in icicle" },
	{ "Enter", "zoom into the frame: it fills the width" },
	{ "Esc", "zoom out one level" },
	{ "z", "zoom out entirely" },
	{ "Home, g", "back to the zoomed frame, depth scrolled back" },
	{ "PgUp PgDn", "scroll deep stacks" },
	{ "o", "flame (root at the bottom) or icicle (root at the top)" },
	{ "i", "inverted: leaf functions at the base, their callers above" },
	{ "/ n N", "mark frames matching a search and move between them" },
	{ "e", "export the zoomed frame's stacks as folded text" },
	{ "mouse", "click selects a frame, double click zooms" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_flame = {
	.name = "Flame graph",
	.tab = "Flame",
	.digit = '3',
	.modes = UI_MODE_BROWSE,
	.create = fl_create,
	.destroy = fl_destroy,
	.reload = fl_reload,
	.save = fl_save,
	.focus = fl_focus,
	.draw = fl_draw,
	.status = fl_status,
	.crumb = fl_crumb,
	.key = fl_key,
	.back = fl_back,
	.search = fl_search,
	.click = fl_click,
	.export = fl_export,
	.export_ext = "folded",
	.help = fl_help,
	.footer = "Enter:zoom Esc:out o:icicle i:invert",
};
