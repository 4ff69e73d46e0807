/* flame.c - flame graph boxes from profiles, and the interactive SVG
 *
 * Layout: boxes are laid out depth first with children in name order;
 * box x and width are in pixels of an image `width` wide with 10 px margins,
 * rows are 16 px. Every box is one <g> holding a <title> (the tooltip: name,
 * then module, source, value lines), a <rect> and a <text> (the name cut to
 * fit, with ".."). The embedded script reads the geometry back from the
 * rects when the document loads, so the static picture and the interactive
 * one are the same; it zooms, searches and shows details, and changes
 * nothing else. The script needs no network and no library.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "json.h"
#include "util.h"

/* ---- strings ---------------------------------------------------------- */

struct flame_strpool {
	struct flame_strpool *next;
	size_t used, size;
	char data[];
};

static const char *pool_dup(struct flame *f, const char *s)
{
	size_t len = strlen(s) + 1;
	struct flame_strpool *c = f->strings;

	if (!c || c->size - c->used < len) {
		size_t size = len > 65536 ? len : 65536;

		c = xmalloc(sizeof(*c) + size);
		c->next = f->strings;
		c->used = 0;
		c->size = size;
		f->strings = c;
	}
	memcpy(c->data + c->used, s, len);
	c->used += len;
	return c->data + c->used - len;
}

/* ---- the tree --------------------------------------------------------- */

void flame_init(struct flame *f)
{
	struct flame_box *root;

	memset(f, 0, sizeof(*f));
	hashmap_init(&f->index);
	xgrow(&f->boxes, &f->cap, 1, sizeof(*f->boxes));
	root = &f->boxes[0];
	memset(root, 0, sizeof(*root));
	root->parent = root->first_child = root->next_sibling = -1;
	root->name = "all";
	root->module = "";
	root->cls = FLAME_ROOT;
	f->nboxes = 1;
}

void flame_release(struct flame *f)
{
	while (f->strings) {
		struct flame_strpool *next = f->strings->next;

		free(f->strings);
		f->strings = next;
	}
	free(f->boxes);
	hashmap_release(&f->index);
	memset(f, 0, sizeof(*f));
}

static bool is_shared_object(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *so = strstr(base ? base : path, ".so");

	return so && (so[3] == '\0' || so[3] == '.');
}

static enum flame_class module_class(const struct profile *p, int m)
{
	const struct profile_module *mod;

	if (m < 0)
		return FLAME_UNKNOWN;
	mod = &p->modules[m];
	if (mod->is_kernel)
		return FLAME_KERNEL;
	if (!strcmp(mod->kind, "vdso") || is_shared_object(mod->path))
		return FLAME_LIBRARY;
	if (!*mod->path || !strcmp(mod->kind, "anon"))
		return FLAME_UNKNOWN;
	return FLAME_PROGRAM;
}

static const char *func_source(struct flame *f, const struct profile *p, int func)
{
	const struct profile_func *fn = &p->funcs[func];
	const struct profile_frame *fr = fn->hot_frame >= 0 ? &p->frames[fn->hot_frame] : NULL;
	char buf[4096];

	if (!fr || !fr->file)
		return NULL;
	if (fr->line > 0)
		snprintf(buf, sizeof(buf), "%s:%d", fr->file, fr->line);
	else
		snprintf(buf, sizeof(buf), "%s", fr->file);
	return pool_dup(f, buf);
}

/* The child of parent for (name, module, inline), created if new. */
static int child_box(struct flame *f, int parent, const char *name, const char *module,
		     bool is_inline, bool *created)
{
	struct strbuf key = STRBUF_INIT;
	uint64_t idx = f->nboxes;
	struct flame_box *b;

	strbuf_add(&key, (const char *)&parent, sizeof(parent));
	strbuf_add(&key, is_inline ? "i" : "f", 1);
	strbuf_add(&key, name, strlen(name) + 1);
	strbuf_adds(&key, module);
	*created = !hashmap_get_or_put(&f->index, key.buf, key.len, &idx);
	strbuf_release(&key);
	if (!*created)
		return (int)idx;
	xgrow(&f->boxes, &f->cap, f->nboxes + 1, sizeof(*f->boxes));
	b = &f->boxes[f->nboxes++];
	memset(b, 0, sizeof(*b));
	b->parent = parent;
	b->first_child = -1;
	b->next_sibling = f->boxes[parent].first_child;
	f->boxes[parent].first_child = (int)idx;
	b->depth = f->boxes[parent].depth + 1;
	b->is_inline = is_inline;
	return (int)idx;
}

void flame_add_profile(struct flame *f, const struct profile *p, int slot, bool weight_ns,
		       double scale)
{
	int *box = xmalloc((p->ncnodes ? p->ncnodes : 1) * sizeof(*box));
	size_t i;

	/* cnodes are created parents first, so one pass in index order works */
	box[0] = 0;
	for (i = 0; i < p->ncnodes; i++) {
		const struct profile_cnode *c = &p->cnodes[i];
		struct flame_box *b;
		double v = (weight_ns ? (double)c->total.weight_ns : (double)c->total.count) * scale;

		if (i) {
			const struct profile_func *fn = &p->funcs[c->func];
			const char *mod = fn->module >= 0 ? p->modules[fn->module].path : "";
			bool created;

			box[i] = child_box(f, box[c->parent], fn->name, mod, c->is_inline, &created);
			b = &f->boxes[box[i]];
			if (created) {
				b->name = pool_dup(f, fn->name);
				b->module = pool_dup(f, mod);
				b->source = func_source(f, p, c->func);
				b->cls = module_class(p, fn->module);
			} else if (!b->source) {
				b->source = func_source(f, p, c->func);
			}
		}
		b = &f->boxes[box[i]];
		b->value[slot] += v;
		b->count[slot] += c->total.count;
	}
	free(box);
}

/* A folded name ("f_[i]", "f_[k]") matches box b. */
static bool folded_name_matches(const struct flame_box *b, const char *name)
{
	size_t n = strlen(b->name);

	if (strncmp(b->name, name, n))
		return false;
	if (b->is_inline)
		return !strcmp(name + n, "_[i]");
	if (b->cls == FLAME_KERNEL)
		return !strcmp(name + n, "_[k]");
	return name[n] == '\0';
}

int flame_find_path(const struct flame *f, const char *const *names, size_t n)
{
	int b = 0;
	size_t i;

	for (i = 0; i < n && b >= 0; i++) {
		int c;

		for (c = f->boxes[b].first_child; c >= 0; c = f->boxes[c].next_sibling)
			if (folded_name_matches(&f->boxes[c], names[i]))
				break;
		b = c;
	}
	return b;
}

/* ---- layout ----------------------------------------------------------- */

#define ROW_HEIGHT 16
#define FONT_SIZE 12
#define FONT_WIDTH 7.3		/* DejaVu Sans Mono at 12 px: 0.602 em, rounded up */
#define XPAD 10
#define TOP_PAD 84		/* title, subtitle, legend */
#define BOTTOM_PAD 34		/* details and matched lines */

struct layout {
	const struct flame *f;
	double total, scale;	/* pixels per value unit */
	double min_width;
	double *x;		/* per box, pixels; < 0 when left out */
	int max_depth;
};

static int cmp_boxes(const void *a, const void *b, void *arg)
{
	const struct flame *f = arg;
	const struct flame_box *x = &f->boxes[*(const int *)a], *y = &f->boxes[*(const int *)b];
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(x->module, y->module);
	return c ? c : x->is_inline - y->is_inline;
}

/* Children of every box in drawing order: kids[start[b] .. start[b+1]). */
static void sorted_children(const struct flame *f, int **kids_out, size_t **start_out)
{
	size_t *start = xcalloc(f->nboxes + 1, sizeof(*start));
	int *kids = xmalloc((f->nboxes ? f->nboxes : 1) * sizeof(*kids));
	size_t i, pos = 0;

	for (i = 0; i < f->nboxes; i++) {
		int c;

		start[i] = pos;
		for (c = f->boxes[i].first_child; c >= 0; c = f->boxes[c].next_sibling)
			kids[pos++] = c;
		if (pos - start[i] > 1)
			qsort_r(kids + start[i], pos - start[i], sizeof(*kids), cmp_boxes,
				(void *)f);
	}
	start[f->nboxes] = pos;
	*kids_out = kids;
	*start_out = start;
}

/* Pre-order of drawn boxes into order[]; returns how many. */
static size_t lay_out(struct layout *l, int *order)
{
	const struct flame *f = l->f;
	size_t *start, n = 0, sp = 0;
	int *kids, *stack = xmalloc((f->nboxes + 1) * sizeof(*stack));
	double *next = xcalloc(f->nboxes, sizeof(*next));	/* next child x */
	size_t i;

	sorted_children(f, &kids, &start);
	for (i = 0; i < f->nboxes; i++)
		l->x[i] = -1;
	l->x[0] = XPAD;
	next[0] = XPAD;
	stack[sp++] = 0;
	while (sp) {
		int b = stack[--sp];
		const struct flame_box *box = &f->boxes[b];
		size_t k;

		order[n++] = b;
		if (box->depth > l->max_depth)
			l->max_depth = box->depth;
		next[b] = l->x[b];
		for (k = start[b]; k < start[b + 1]; k++) {
			int c = kids[k];
			double w = f->boxes[c].value[FLAME_NOW] * l->scale;

			if (f->boxes[c].value[FLAME_NOW] <= 0)
				continue;
			if (w >= l->min_width)
				l->x[c] = next[b];
			next[b] += w;
		}
		/* push in reverse so the first child is drawn first */
		for (k = start[b + 1]; k-- > start[b];)
			if (l->x[kids[k]] >= 0)
				stack[sp++] = kids[k];
	}
	free(next);
	free(stack);
	free(kids);
	free(start);
	return n;
}

/* ---- colours ---------------------------------------------------------- */

static double hash_unit(const char *s, uint64_t seed)
{
	return (double)(hash_bytes(s, strlen(s), seed) % 1000) / 1000.0;
}

struct rgb {
	int r, g, b;
};

static struct rgb class_color(const struct flame_box *b)
{
	double v1 = hash_unit(b->name, 1), v2 = hash_unit(b->name, 2), v3 = hash_unit(b->name, 3);
	struct rgb c;

	switch (b->cls) {
	case FLAME_PROGRAM:	/* warm: red, orange, yellow */
		c.r = 205 + (int)(50 * v3);
		c.g = (int)(230 * v1);
		c.b = (int)(55 * v2);
		break;
	case FLAME_LIBRARY:	/* green */
		c.r = 60 + (int)(80 * v1);
		c.g = 180 + (int)(60 * v2);
		c.b = 60 + (int)(60 * v3);
		break;
	case FLAME_KERNEL:	/* blue */
		c.r = 90 + (int)(60 * v1);
		c.g = 130 + (int)(60 * v1);
		c.b = 215 + (int)(40 * v2);
		break;
	case FLAME_ROOT:
		c.r = 200;
		c.g = 200;
		c.b = 200;
		break;
	default:		/* grey */
		c.r = c.g = c.b = 160 + (int)(40 * v1);
		break;
	}
	if (b->is_inline) {	/* lighter: a third of the way to white */
		c.r += (255 - c.r) / 3;
		c.g += (255 - c.g) / 3;
		c.b += (255 - c.b) / 3;
	}
	return c;
}

/* Is the change of b beyond noise? Sign in *dir: 1 slower, -1 faster. */
static bool diff_significant(const struct flame_box *b, int *dir)
{
	double now = b->value[FLAME_NOW], before = b->value[FLAME_BEFORE];
	double c0 = (double)b->count[FLAME_NOW], c1 = (double)b->count[FLAME_BEFORE];
	double s, var;

	*dir = now > before ? 1 : now < before ? -1 : 0;
	switch (b->verdict) {
	case FLAME_VERDICT_SAME:
		return false;
	case FLAME_VERDICT_SLOWER:	/* the function; this box must agree */
		return *dir > 0;
	case FLAME_VERDICT_FASTER:
		return *dir < 0;
	default:
		break;
	}
	if (!*dir)
		return false;
	/* s: how many AFTER samples one BEFORE sample stands for (the scale
	 * the caller gave BEFORE), from the value per sample of each side */
	s = c1 > 0 && c0 > 0 && now > 0 ? (before / c1) / (now / c0) : 1;
	if (!isfinite(s) || s <= 0)
		s = 1;
	var = c0 + s * s * c1;
	return fabs(c0 - s * c1) > 2 * sqrt(var + 1);
}

static struct rgb diff_color(const struct flame_box *b)
{
	double now = b->value[FLAME_NOW], before = b->value[FLAME_BEFORE];
	double big = now > before ? now : before, i;
	struct rgb c = { 235, 235, 235 };
	int dir, fade;

	if (b->cls == FLAME_ROOT || !diff_significant(b, &dir))
		return c;
	i = big > 0 ? 2 * fabs(now - before) / big : 0;
	if (i > 1)
		i = 1;
	if (i < 0.15)
		i = 0.15;
	fade = 255 - (int)(210 * i);
	if (dir > 0) {
		c.r = 255;
		c.g = c.b = fade;
	} else {
		c.b = 255;
		c.r = c.g = fade;
	}
	return c;
}

/* ---- text ------------------------------------------------------------- */

/* "1,234,567" into buf. */
static const char *group_digits(uint64_t v, char *buf, size_t size)
{
	char tmp[32];
	size_t len, i, o = 0;

	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	len = strlen(tmp);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A value in the graph's unit, for people. */
static void write_value(FILE *out, double v, const char *unit)
{
	char buf[64];

	if (!strcmp(unit, "ns")) {
		if (v >= 1e9)
			fprintf(out, "%.3f s", v / 1e9);
		else if (v >= 1e6)
			fprintf(out, "%.3f ms", v / 1e6);
		else if (v >= 1e3)
			fprintf(out, "%.3f us", v / 1e3);
		else
			fprintf(out, "%.0f ns", v);
		return;
	}
	fprintf(out, "%s %s", group_digits((uint64_t)llround(v), buf, sizeof(buf)), unit);
}

/* How many code points of name fit in w pixels; the text is cut with "..". */
static void write_fitted_name(FILE *out, const char *name, double w)
{
	char buf[4096];
	size_t fit, n = 0, i;
	const char *s = sanitize(buf, sizeof(buf), name);

	if (w < 6)
		return;
	fit = (size_t)((w - 6) / FONT_WIDTH);
	if (fit < 3)
		return;
	for (i = 0; s[i]; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (n <= fit) {
		xml_write_text(out, s);
		return;
	}
	/* keep fit - 2 code points */
	for (i = 0, n = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == fit - 2)
			break;
	}
	buf[i] = '\0';
	xml_write_text(out, buf);
	fputs("..", out);
}

static void write_tooltip(FILE *out, const struct flame_box *b, double total, const char *unit,
			  bool diff)
{
	double pct = total > 0 ? 100 * b->value[FLAME_NOW] / total : 0;

	fputs("<title>", out);
	xml_write_text(out, b->name);
	if (b->cls != FLAME_ROOT) {
		fputs("\nmodule: ", out);
		xml_write_text(out, *b->module ? b->module : "unknown");
		if (b->is_inline)
			fputs(" (inlined)", out);
	}
	if (b->source) {
		fputs("\nsource: ", out);
		xml_write_text(out, b->source);
	}
	fputc('\n', out);
	write_value(out, b->value[FLAME_NOW], unit);
	fprintf(out, ", %.2f%%", pct);
	if (diff) {
		double before = b->value[FLAME_BEFORE], now = b->value[FLAME_NOW];
		int dir;
		bool sig = diff_significant(b, &dir);

		fputs("\nbefore: ", out);
		write_value(out, before, unit);
		if (before > 0)
			fprintf(out, " (%+.1f%%)", 100 * (now - before) / before);
		else
			fputs(" (new)", out);
		if (b->cls != FLAME_ROOT)
			fprintf(out, ", %s", !sig ? "unchanged within noise" :
					     dir > 0 ? "slower" : "faster");
	}
	fputs("</title>", out);
}

/* ---- the document ----------------------------------------------------- */

static const char flame_css[] =
	"text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px;"
	" fill: #000; }\n"
	"#title { text-anchor: middle; font-size: 17px; }\n"
	"#subtitle { text-anchor: middle; fill: #555; }\n"
	"#details { fill: #000; }\n"
	"#matched { text-anchor: end; }\n"
	".button { fill: #036; cursor: pointer; text-decoration: underline; }\n"
	".button:hover { fill: #06c; }\n"
	".legend { fill: #333; }\n"
	"#frames > g { cursor: pointer; }\n"
	"#frames > g:hover > rect { stroke: #000; stroke-width: 0.5; }\n"
	"#frames text { pointer-events: none; }\n"
	".hide { display: none; }\n"
	".parent { opacity: 0.55; }\n";

/*
 * The script. Geometry comes from the rects (x, width, y) when the document
 * loads; every name is the first line of its box's <title>.
 */
static const char flame_js[] =
	"'use strict';\n"
	"var svg, boxes = [], rects = [], texts = [], names = [], fills = [];\n"
	"var X = [], W = [], Y = [], width, xpad, fontw, icicle, zoomed = 0;\n"
	"var details, matched, unzoombtn, searchbtn, clearbtn, searching = null;\n"
	"function init(evt) {\n"
	"  svg = document.documentElement;\n"
	"  width = +svg.getAttribute('width');\n"
	"  xpad = +svg.getAttribute('data-xpad');\n"
	"  fontw = +svg.getAttribute('data-fontw');\n"
	"  icicle = svg.getAttribute('data-icicle') === '1';\n"
	"  details = document.getElementById('details');\n"
	"  matched = document.getElementById('matched');\n"
	"  unzoombtn = document.getElementById('unzoom');\n"
	"  searchbtn = document.getElementById('search');\n"
	"  clearbtn = document.getElementById('clear');\n"
	"  var g = document.getElementById('frames').children;\n"
	"  for (var i = 0; i < g.length; i++) {\n"
	"    var r = g[i].getElementsByTagName('rect')[0];\n"
	"    var t = g[i].getElementsByTagName('title')[0];\n"
	"    g[i].hsIndex = i;\n"
	"    boxes.push(g[i]);\n"
	"    rects.push(r);\n"
	"    texts.push(g[i].getElementsByTagName('text')[0]);\n"
	"    X.push(+r.getAttribute('x'));\n"
	"    W.push(+r.getAttribute('width'));\n"
	"    Y.push(+r.getAttribute('y'));\n"
	"    fills.push(r.getAttribute('fill'));\n"
	"    names.push(t.textContent.split('\\n')[0]);\n"
	"  }\n"
	"  var frames = document.getElementById('frames');\n"
	"  frames.addEventListener('click', function (e) {\n"
	"    var b = boxOf(e.target);\n"
	"    if (b) zoom(b.hsIndex);\n"
	"  });\n"
	"  frames.addEventListener('mouseover', function (e) {\n"
	"    var b = boxOf(e.target);\n"
	"    if (b) details.textContent = describe(b.hsIndex);\n"
	"  });\n"
	"  frames.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"  unzoombtn.addEventListener('click', function () { zoom(0); });\n"
	"  searchbtn.addEventListener('click', searchPrompt);\n"
	"  clearbtn.addEventListener('click', resetSearch);\n"
	"  window.addEventListener('keydown', function (e) {\n"
	"    if ((e.ctrlKey && e.key === 'f') || e.key === '/') {\n"
	"      e.preventDefault();\n"
	"      searchPrompt();\n"
	"    } else if (e.key === 'Escape') {\n"
	"      resetSearch();\n"
	"      zoom(0);\n"
	"    }\n"
	"  });\n"
	"  var params = new URLSearchParams(window.location.search);\n"
	"  if (params.get('s')) search(params.get('s'));\n"
	"}\n"
	"function boxOf(e) {\n"
	"  while (e && e.parentNode && e.parentNode.id !== 'frames') e = e.parentNode;\n"
	"  return e && e.parentNode ? e : null;\n"
	"}\n"
	"function describe(i) {\n"
	"  var t = boxes[i].getElementsByTagName('title')[0].textContent;\n"
	"  return t.split('\\n').join('  |  ');\n"
	"}\n"
	"function fit(i, w) {\n"
	"  var n = names[i], max = Math.floor((w - 6) / fontw);\n"
	"  if (w < 6 || max < 3) texts[i].textContent = '';\n"
	"  else if (n.length <= max) texts[i].textContent = n;\n"
	"  else texts[i].textContent = n.substring(0, max - 2) + '..';\n"
	"}\n"
	"function place(i, x, w) {\n"
	"  rects[i].setAttribute('x', x.toFixed(4));\n"
	"  rects[i].setAttribute('width', w.toFixed(4));\n"
	"  texts[i].setAttribute('x', (x + 3).toFixed(2));\n"
	"  fit(i, w);\n"
	"}\n"
	"function zoom(z) {\n"
	"  var zx = X[z], zw = W[z], zy = Y[z], full = width - 2 * xpad;\n"
	"  var ratio = full / zw, fudge = 0.0001;\n"
	"  zoomed = z;\n"
	"  if (z === 0) unzoombtn.classList.add('hide');\n"
	"  else unzoombtn.classList.remove('hide');\n"
	"  for (var i = 0; i < boxes.length; i++) {\n"
	"    var x = X[i], w = W[i], up = icicle ? Y[i] < zy : Y[i] > zy;\n"
	"    var cl = boxes[i].classList;\n"
	"    if (up) {\n"
	"      if (x <= zx + fudge && x + w + fudge >= zx + zw) {\n"
	"        cl.remove('hide');\n"
	"        cl.add('parent');\n"
	"        place(i, xpad, full);\n"
	"      } else {\n"
	"        cl.add('hide');\n"
	"      }\n"
	"    } else if (x < zx - fudge || x + fudge >= zx + zw) {\n"
	"      cl.add('hide');\n"
	"    } else {\n"
	"      cl.remove('hide');\n"
	"      cl.remove('parent');\n"
	"      place(i, (x - zx) * ratio + xpad, w * ratio);\n"
	"    }\n"
	"  }\n"
	"}\n"
	"function searchPrompt() {\n"
	"  var term = window.prompt('Search for (regular expression):', searching || '');\n"
	"  if (term === null) return;\n"
	"  if (term === '') resetSearch();\n"
	"  else search(term);\n"
	"}\n"
	"function resetSearch() {\n"
	"  searching = null;\n"
	"  for (var i = 0; i < boxes.length; i++) {\n"
	"    rects[i].setAttribute('fill', fills[i]);\n"
	"    boxes[i].classList.remove('match');\n"
	"  }\n"
	"  matched.textContent = ' ';\n"
	"  clearbtn.classList.add('hide');\n"
	"}\n"
	"function search(term) {\n"
	"  var re;\n"
	"  try {\n"
	"    re = new RegExp(term);\n"
	"  } catch (err) {\n"
	"    matched.textContent = 'Bad regular expression: ' + term;\n"
	"    return;\n"
	"  }\n"
	"  searching = term;\n"
	"  var spans = [];\n"
	"  for (var i = 1; i < boxes.length; i++) {\n"
	"    if (re.test(names[i])) {\n"
	"      rects[i].setAttribute('fill', 'rgb(230,0,230)');\n"
	"      boxes[i].classList.add('match');\n"
	"      spans.push([X[i], X[i] + W[i]]);\n"
	"    } else {\n"
	"      rects[i].setAttribute('fill', fills[i]);\n"
	"      boxes[i].classList.remove('match');\n"
	"    }\n"
	"  }\n"
	"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  var sum = 0, end = -Infinity;\n"
	"  for (var k = 0; k < spans.length; k++) {\n"
	"    if (spans[k][0] >= end) {\n"
	"      sum += spans[k][1] - spans[k][0];\n"
	"      end = spans[k][1];\n"
	"    } else if (spans[k][1] > end) {\n"
	"      sum += spans[k][1] - end;\n"
	"      end = spans[k][1];\n"
	"    }\n"
	"  }\n"
	"  var pct = W[0] > 0 ? 100 * sum / W[0] : 0;\n"
	"  matched.textContent = 'Matched: ' + pct.toFixed(2) + '% (' + spans.length + ' frames)';\n"
	"  clearbtn.classList.remove('hide');\n"
	"}\n";

static void write_legend_item(FILE *out, double *x, int y, struct rgb c, const char *label)
{
	fprintf(out, "<rect x=\"%.0f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"rgb(%d,%d,%d)\""
		" rx=\"2\" ry=\"2\"/>", *x, y - 10, c.r, c.g, c.b);
	fprintf(out, "<text class=\"legend\" x=\"%.0f\" y=\"%d\">%s</text>\n", *x + 16, y, label);
	*x += 16 + FONT_WIDTH * strlen(label) + 18;
}

static void write_legend(FILE *out, const struct flame_opts *o, int y)
{
	double x = XPAD;

	if (o->diff) {
		write_legend_item(out, &x, y, (struct rgb){ 255, 45, 45 }, "slower");
		write_legend_item(out, &x, y, (struct rgb){ 255, 175, 175 }, "a little slower");
		write_legend_item(out, &x, y, (struct rgb){ 235, 235, 235 }, "unchanged (within noise)");
		write_legend_item(out, &x, y, (struct rgb){ 175, 175, 255 }, "a little faster");
		write_legend_item(out, &x, y, (struct rgb){ 45, 45, 255 }, "faster");
		return;
	}
	write_legend_item(out, &x, y, (struct rgb){ 230, 120, 20 }, "program");
	write_legend_item(out, &x, y, (struct rgb){ 100, 210, 90 }, "libraries");
	write_legend_item(out, &x, y, (struct rgb){ 120, 160, 235 }, "kernel");
	write_legend_item(out, &x, y, (struct rgb){ 180, 180, 180 }, "unknown");
	write_legend_item(out, &x, y, (struct rgb){ 240, 190, 150 }, "lighter: inlined");
}

int flame_write_svg(const struct flame *f, const struct flame_opts *o, FILE *out)
{
	int width = o->width > 0 ? o->width : 1200;
	const char *unit = o->unit ? o->unit : "samples";
	struct layout l;
	int *order = xmalloc(f->nboxes * sizeof(*order));
	size_t n, i;
	int height, base;
	const char *title = o->title;

	memset(&l, 0, sizeof(l));
	l.f = f;
	l.total = f->boxes[0].value[FLAME_NOW];
	l.scale = l.total > 0 ? (width - 2.0 * XPAD) / l.total : 0;
	l.min_width = o->min_width > 0 ? o->min_width : 0.1;
	l.x = xmalloc(f->nboxes * sizeof(*l.x));
	n = lay_out(&l, order);
	height = TOP_PAD + (l.max_depth + 1) * ROW_HEIGHT + BOTTOM_PAD;
	if (!title)
		title = o->diff ? "Differential Flame Graph" :
			o->icicle ? "Icicle Graph" : "Flame Graph";

	fputs("<?xml version=\"1.0\" standalone=\"no\"?>\n"
	      "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
	      "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n", out);
	fprintf(out, "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\" "
		"xmlns:xlink=\"http://www.w3.org/1999/xlink\" data-xpad=\"%d\" "
		"data-fontw=\"%.2f\" data-icicle=\"%d\" data-diff=\"%d\">\n",
		width, height, width, height, XPAD, FONT_WIDTH, o->icicle, o->diff);
	fprintf(out, "<!-- %s %s: click a frame to zoom, Search (or Ctrl-F) for a regular "
		"expression, Escape to reset. -->\n", PACKAGE_NAME, PACKAGE_VERSION);
	fprintf(out, "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n", flame_css);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n", flame_js);
	fputs("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
	      "<stop stop-color=\"#f8f8f8\" offset=\"5%\"/><stop stop-color=\"#eeeee0\" "
	      "offset=\"95%\"/></linearGradient></defs>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"url(#background)\"/>\n", width, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", width / 2);
	xml_write_text(out, title);
	fputs("</text>\n", out);
	fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"44\">", width / 2);
	if (o->subtitle)
		xml_write_text(out, o->subtitle);
	fputs("</text>\n", out);
	write_legend(out, o, 66);
	fputs("<text id=\"unzoom\" class=\"button hide\" x=\"10\" y=\"24\">Reset Zoom</text>\n", out);
	fprintf(out, "<text id=\"search\" class=\"button\" x=\"%d\" y=\"24\">Search</text>\n",
		width - XPAD - 60);
	fprintf(out, "<text id=\"clear\" class=\"button hide\" x=\"%d\" y=\"44\">Reset Search"
		"</text>\n", width - XPAD - 100);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD, height - 12);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", width - XPAD,
		height - 12);

	/* flame: the root on the bottom row; icicle: on the top row */
	base = o->icicle ? TOP_PAD : height - BOTTOM_PAD - ROW_HEIGHT;
	fputs("<g id=\"frames\">\n", out);
	for (i = 0; i < n; i++) {
		const struct flame_box *b = &f->boxes[order[i]];
		double w = b->value[FLAME_NOW] * l.scale, x = l.x[order[i]];
		int y = o->icicle ? base + b->depth * ROW_HEIGHT : base - b->depth * ROW_HEIGHT;
		struct rgb c = o->diff ? diff_color(b) : class_color(b);

		fputs("<g>", out);
		write_tooltip(out, b, l.total, unit, o->diff);
		fprintf(out, "<rect x=\"%.4f\" y=\"%d\" width=\"%.4f\" height=\"%d\" "
			"fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/>", x, y, w, ROW_HEIGHT - 1,
			c.r, c.g, c.b);
		fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + 11.5);
		if (b->cls == FLAME_ROOT && l.total <= 0)
			fputs("(no samples)", out);
		else
			write_fitted_name(out, b->name, w);
		fputs("</text></g>\n", out);
	}
	fputs("</g>\n</svg>\n", out);
	free(order);
	free(l.x);
	return ferror(out) ? -EIO : 0;
}
