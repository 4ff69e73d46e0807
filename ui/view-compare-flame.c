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

struct fnode {
	char *name;
	int parent, first_child, next_sibling, depth;
	double before, after;
	int x, w;		/* laid out columns; w 0: too narrow to draw */
};

struct cfview {
	struct mcompare *m;	/* shared with the Compare view */
	struct ui *ui;
	struct fnode *nodes;	/* nodes[0] is the root ("all") */
	size_t n, cap;
	unsigned gen;		/* of the result the nodes were built from */
	int width;		/* laid out for */
	int cursor;
	int maxdepth;
};

static void *cf_create(struct ui *ui)
{
	struct cfview *v = xcalloc(1, sizeof(*v));

	v->m = mcompare_get(ui);
	v->ui = ui;
	return v;
}

static void free_nodes(struct cfview *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->nodes[i].name);
	v->n = 0;
}

static void cf_destroy(void *view)
{
	struct cfview *v = view;

	free_nodes(v);
	free(v->nodes);
	mcompare_put(v->m, v->ui);
	free(v);
}

static void cf_reload(void *view, struct ui *ui)
{
	struct cfview *v = view;

	mcompare_want(v->m, ui, &ui->filter);
}

static int add_node(struct cfview *v, int parent, const char *name, size_t len)
{
	struct fnode *nd;
	int c;

	for (c = v->nodes[parent].first_child; c >= 0; c = v->nodes[c].next_sibling)
		if (strlen(v->nodes[c].name) == len && !strncmp(v->nodes[c].name, name, len))
			return c;
	xgrow(&v->nodes, &v->cap, v->n + 1, sizeof(*v->nodes));
	nd = &v->nodes[v->n];
	memset(nd, 0, sizeof(*nd));
	nd->name = xstrndup(name, len);
	nd->parent = parent;
	nd->depth = v->nodes[parent].depth + 1;
	nd->first_child = -1;
	/* children in name order */
	if (v->nodes[parent].first_child < 0 ||
	    strcmp(v->nodes[v->nodes[parent].first_child].name, nd->name) > 0) {
		nd->next_sibling = v->nodes[parent].first_child;
		v->nodes[parent].first_child = (int)v->n;
	} else {
		for (c = v->nodes[parent].first_child;
		     v->nodes[c].next_sibling >= 0 &&
		     strcmp(v->nodes[v->nodes[c].next_sibling].name, nd->name) < 0;
		     c = v->nodes[c].next_sibling)
			;
		nd->next_sibling = v->nodes[c].next_sibling;
		v->nodes[c].next_sibling = (int)v->n;
	}
	if (nd->depth > v->maxdepth)
		v->maxdepth = nd->depth;
	return (int)v->n++;
}

static void build(struct cfview *v)
{
	const struct diff_result *r = v->m->result;
	size_t i;

	free_nodes(v);
	v->gen = v->m->gen;
	v->maxdepth = 0;
	v->cursor = 0;
	v->width = 0;
	xgrow(&v->nodes, &v->cap, 1, sizeof(*v->nodes));
	memset(&v->nodes[0], 0, sizeof(v->nodes[0]));
	v->nodes[0].name = xstrdup("all");
	v->nodes[0].parent = v->nodes[0].first_child = v->nodes[0].next_sibling = -1;
	v->n = 1;
	for (i = 0; r && i < r->nstacks; i++) {
		const char *p = r->stacks[i].name, *semi;
		int node = 0;

		v->nodes[0].before += r->stacks[i].before;
		v->nodes[0].after += r->stacks[i].after;
		while (*p) {
			semi = strchr(p, ';');
			node = add_node(v, node, p, semi ? (size_t)(semi - p) : strlen(p));
			v->nodes[node].before += r->stacks[i].before;
			v->nodes[node].after += r->stacks[i].after;
			if (!semi)
				break;
			p = semi + 1;
		}
	}
}

static double weight(const struct fnode *nd)
{
	return nd->before > nd->after ? nd->before : nd->after;
}

static void layout(struct cfview *v, int node, int x, int w)
{
	double all = weight(&v->nodes[node]), used = 0;
	int c;

	v->nodes[node].x = x;
	v->nodes[node].w = w;
	for (c = v->nodes[node].first_child; c >= 0; c = v->nodes[c].next_sibling) {
		int cx = x + (int)(all > 0 ? used / all * w : 0);
		int cw;

		used += weight(&v->nodes[c]);
		cw = x + (int)(all > 0 ? used / all * w : 0) - cx;
		layout(v, c, cx, w > 0 ? cw : 0);
	}
}

static double change_pct(const struct fnode *nd)
{
	return nd->before > 0 ? 100.0 * (nd->after - nd->before) / nd->before :
	       nd->after > 0 ? INFINITY : 0;
}

static enum ui_role node_role(const struct fnode *nd)
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
	if (v->gen != v->m->gen || !v->n)
		build(v);
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
	for (i = 0; i < v->n; i++) {
		const struct fnode *nd = &v->nodes[i];
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
	const struct fnode *nd;
	double ch;

	if (!v->n)
		return;
	nd = &v->nodes[v->cursor];
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

	for (i = 0; i < v->n; i++) {
		const struct fnode *nd = &v->nodes[i];
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
	const struct fnode *nd;
	int to = -1;

	ensure(v, ui, ui->body.w > 0 ? ui->body.w : 80);
	if (!v->n)
		return UI_UNHANDLED;
	nd = &v->nodes[v->cursor];
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
		for (to = nd->first_child; to >= 0 && v->nodes[to].w < 1;
		     to = v->nodes[to].next_sibling)
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
