/* view-compare-flame.c - the comparison as an icicle graph coloured by
 * change (hotstack ui BEFORE AFTER, key 3)
 *
 * The call paths of diff's result (model-compare.h) merged into a tree,
 * root at the top: each frame as wide as the larger of its time before and
 * after, drawn slower or faster when its time changed by more than 5%
 * (and marked with the up or down glyph before its name, so the meaning
 * survives without colour). Arrows or hjkl move between frames; the status
 * line gives the frame's path, time before and after and the change.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model-compare.h"
#include "model.h"
#include "view.h"

#define CHANGE_PCT 5.0		/* smaller changes are drawn plain */

struct cfview {
	struct mcompare *m;	/* shared with the Compare view */
	struct ui *ui;
	struct mcflame f;	/* built from the result by its job */
	unsigned gen;		/* of the result f was built from */
	int width;		/* laid out for */
	int cursor;
};

static void *cf_create(struct ui *ui)
{
	struct cfview *v = xcalloc(1, sizeof(*v));

	v->m = mcompare_get(ui);
	v->ui = ui;
	return v;
}

static void cf_destroy(void *view)
{
	struct cfview *v = view;

	mcflame_release(&v->f);
	mcompare_put(v->m, v->ui);
	free(v);
}

static void cf_reload(void *view, struct ui *ui)
{
	struct cfview *v = view;

	mcompare_want(v->m, ui, &ui->filter);
}

static double weight(const struct mcflame_node *nd)
{
	return nd->before > nd->after ? nd->before : nd->after;
}

static void layout(struct cfview *v, int node, int x, int w)
{
	double all = weight(&v->f.nodes[node]), used = 0;
	int c;

	v->f.nodes[node].x = x;
	v->f.nodes[node].w = w;
	for (c = v->f.nodes[node].first_child; c >= 0; c = v->f.nodes[c].next_sibling) {
		int cx = x + (int)(all > 0 ? used / all * w : 0);
		int cw;

		used += weight(&v->f.nodes[c]);
		cw = x + (int)(all > 0 ? used / all * w : 0) - cx;
		layout(v, c, cx, w > 0 ? cw : 0);
	}
}

static double change_pct(const struct mcflame_node *nd)
{
	return nd->before > 0 ? 100.0 * (nd->after - nd->before) / nd->before :
	       nd->after > 0 ? INFINITY : 0;
}

static enum ui_role node_role(const struct mcflame_node *nd)
{
	double c = change_pct(nd);

	if (c > CHANGE_PCT)
		return UI_ROLE_SLOWER;
	if (c < -CHANGE_PCT)
		return UI_ROLE_FASTER;
	return UI_ROLE_FLAME_PROGRAM;
}

static void ensure(struct cfview *v, struct ui *ui, int width)
{
	mcompare_poll(v->m, ui);
	if (v->gen != v->m->gen || !v->f.n) {
		mcompare_flame_into(v->m, &v->f);
		v->gen = v->m->gen;
		v->cursor = 0;
		v->width = 0;
	}
	if (v->width != width) {
		layout(v, 0, 0, width);
		v->width = width;
	}
}

static void cf_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct cfview *v = view;
	int rows = r->h - 1;
	size_t i;

	ensure(v, ui, r->w);
	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	canvas_textf(c, r->x, r->y, r->w, UI_ROLE_TITLE,
		     "icicle by change: wider = more time (before or after); %s slower, %s faster "
		     "than %.0f%%%s", canvas_glyph(c, UI_GLYPH_UP), canvas_glyph(c, UI_GLYPH_DOWN),
		     CHANGE_PCT, mcompare_busy(v->m) ? "   [computing...]" : "");
	if (v->m->error) {
		canvas_text(c, r->x + 2, r->y + 2, r->w - 2, UI_ROLE_WARN, v->m->error);
		return;
	}
	for (i = 0; i < v->f.n; i++) {
		const struct mcflame_node *nd = &v->f.nodes[i];
		int y = r->y + 1 + nd->depth;
		enum ui_role role = (int)i == v->cursor ? UI_ROLE_CURSOR :
				    i ? node_role(nd) : UI_ROLE_FLAME_ROOT;
		double ch = change_pct(nd);
		char label[1024];

		if (nd->w < 1 || nd->depth >= rows)
			continue;
		snprintf(label, sizeof(label), "%s%s", ch > CHANGE_PCT ? canvas_glyph(c, UI_GLYPH_UP) :
			 ch < -CHANGE_PCT ? canvas_glyph(c, UI_GLYPH_DOWN) : "", nd->name);
		canvas_fill(c, r->x + nd->x, y, nd->w, role);
		ui_text_name(c, r->x + nd->x, y, nd->w, role, label, CANVAS_ELIDE_END);
	}
}

static void cf_status(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct cfview *v = view;
	const struct mcflame_node *nd;
	double ch;

	if (!v->f.n)
		return;
	nd = &v->f.nodes[v->cursor];
	ch = change_pct(nd);
	strbuf_addf(sb, "%s  before %.4f  after %.4f  ", nd->name, nd->before, nd->after);
	if (isinf(ch))
		strbuf_adds(sb, "new");
	else
		strbuf_addf(sb, "%+.1f%%", ch);
}

/* The visible frame at depth nearest to column x, or -1. */
static int at(struct cfview *v, int depth, int x, int dir)
{
	int best = -1, bestd = 1 << 30;
	size_t i;

	for (i = 0; i < v->f.n; i++) {
		const struct mcflame_node *nd = &v->f.nodes[i];
		int d;

		if (nd->depth != depth || nd->w < 1)
			continue;
		if (dir > 0 && nd->x <= x)
			continue;
		if (dir < 0 && nd->x >= x)
			continue;
		d = abs(nd->x - x);
		if (d < bestd) {
			bestd = d;
			best = (int)i;
		}
	}
	return best;
}

static int cf_key(void *view, struct ui *ui, int key)
{
	struct cfview *v = view;
	const struct mcflame_node *nd;
	int to = -1;

	ensure(v, ui, ui->body.w > 0 ? ui->body.w : 80);
	if (!v->f.n)
		return UI_UNHANDLED;
	nd = &v->f.nodes[v->cursor];
	switch (key) {
	case UI_KEY_LEFT:
	case 'h':
		to = at(v, nd->depth, nd->x, -1);
		break;
	case UI_KEY_RIGHT:
	case 'l':
		to = at(v, nd->depth, nd->x, 1);
		break;
	case UI_KEY_DOWN:
	case 'j':
		for (to = nd->first_child; to >= 0 && v->f.nodes[to].w < 1;
		     to = v->f.nodes[to].next_sibling)
			;
		break;
	case UI_KEY_UP:
	case 'k':
		to = nd->parent;
		break;
	case UI_KEY_HOME:
	case 'g':
		to = 0;
		break;
	default:
		return UI_UNHANDLED;
	}
	if (to >= 0)
		v->cursor = to;
	return UI_HANDLED;
}

static const struct ui_help cf_help[] = {
	{ "Left Right, h l", "the frame beside" },
	{ "Down Up, j k", "a callee, the caller" },
	{ "Home, g", "the root" },
	{ "colours", "slower (up glyph) or faster (down glyph) by more than 5%" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_compare_flame = {
	.name = "Flame by change",
	.tab = "Flame",
	.digit = '3',
	.modes = UI_MODE_COMPARE,
	.create = cf_create,
	.destroy = cf_destroy,
	.reload = cf_reload,
	.draw = cf_draw,
	.status = cf_status,
	.key = cf_key,
	.help = cf_help,
	.footer = "hjkl:move",
};
