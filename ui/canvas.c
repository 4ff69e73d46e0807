/* canvas.c - the cell grid views draw into (see canvas.h) */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "canvas.h"

/* Sanitized text is at most this long; longer names are cut (and elided on
 * screen anyway). */
#define TEXT_MAX 4096

static const char *const glyphs_utf8[UI_GLYPH_COUNT] = {
	[UI_GLYPH_ELLIPSIS] = "\xe2\x80\xa6",	/* … */
	[UI_GLYPH_COLLAPSED] = "\xe2\x96\xb8",	/* ▸ */
	[UI_GLYPH_EXPANDED] = "\xe2\x96\xbe",	/* ▾ */
	[UI_GLYPH_LEAF] = "\xc2\xb7",		/* · */
	[UI_GLYPH_VLINE] = "\xe2\x94\x82",	/* │ */
	[UI_GLYPH_HLINE] = "\xe2\x94\x80",	/* ─ */
	[UI_GLYPH_SEP] = "\xe2\x80\xba",	/* › */
	[UI_GLYPH_REST] = "\xe2\x96\x91",	/* ░ */
	[UI_GLYPH_BLOCK] = "\xe2\x96\x88",	/* █ */
	[UI_GLYPH_UP] = "\xe2\x96\xb2",		/* ▲ */
	[UI_GLYPH_DOWN] = "\xe2\x96\xbc",	/* ▼ */
	[UI_GLYPH_MIDDOT] = "\xc2\xb7",		/* · */
	[UI_GLYPH_SORTED] = "\xe2\x96\xbe",	/* ▾ */
};

static const char *const glyphs_ascii[UI_GLYPH_COUNT] = {
	[UI_GLYPH_ELLIPSIS] = "~",
	[UI_GLYPH_COLLAPSED] = "+",
	[UI_GLYPH_EXPANDED] = "-",
	[UI_GLYPH_LEAF] = " ",
	[UI_GLYPH_VLINE] = "|",
	[UI_GLYPH_HLINE] = "-",
	[UI_GLYPH_SEP] = ">",
	[UI_GLYPH_REST] = ".",
	[UI_GLYPH_BLOCK] = "#",
	[UI_GLYPH_UP] = "+",
	[UI_GLYPH_DOWN] = "-",
	[UI_GLYPH_MIDDOT] = ".",
	[UI_GLYPH_SORTED] = "v",
};

const char *canvas_glyph(const struct canvas *c, enum ui_glyph g)
{
	return (c->utf8 ? glyphs_utf8 : glyphs_ascii)[g];
}

void canvas_init(struct canvas *c, int cols, int rows, bool utf8)
{
	memset(c, 0, sizeof(*c));
	c->utf8 = utf8;
	canvas_resize(c, cols, rows);
}

void canvas_resize(struct canvas *c, int cols, int rows)
{
	if (cols < 1)
		cols = 1;
	if (rows < 1)
		rows = 1;
	if (cols != c->cols || rows != c->rows) {
		free(c->cells);
		c->cells = xcalloc((size_t)cols * rows, sizeof(*c->cells));
		c->cols = cols;
		c->rows = rows;
	}
	canvas_clear(c);
}

void canvas_release(struct canvas *c)
{
	free(c->cells);
	memset(c, 0, sizeof(*c));
}

static struct ui_cell *cell(struct canvas *c, int x, int y)
{
	return &c->cells[(size_t)y * c->cols + x];
}

static void blank(struct ui_cell *ce)
{
	ce->ch[0] = ' ';
	ce->ch[1] = '\0';
	ce->len = 1;
}

/* Cell (x, y) is about to be overwritten: never leave half a wide
 * character behind, left or right of it. */
static void unwide(struct canvas *c, int x, int y)
{
	if (cell(c, x, y)->len == 0 && x > 0)
		blank(cell(c, x - 1, y));
	if (x + 1 < c->cols && cell(c, x + 1, y)->len == 0)
		blank(cell(c, x + 1, y));
}

void canvas_fill(struct canvas *c, int x, int y, int w, enum ui_role role)
{
	int i;

	if (y < 0 || y >= c->rows)
		return;
	for (i = x < 0 ? 0 : x; i < x + w && i < c->cols; i++) {
		struct ui_cell *ce = cell(c, i, y);

		unwide(c, i, y);
		blank(ce);
		ce->role = role;
	}
}

void canvas_clear(struct canvas *c)
{
	int y;

	for (y = 0; y < c->rows; y++)
		canvas_fill(c, 0, y, c->cols, UI_ROLE_NORMAL);
	c->cursor_x = c->cursor_y = -1;
}

void canvas_set_role(struct canvas *c, int x, int y, int w, enum ui_role role)
{
	int i;

	if (y < 0 || y >= c->rows)
		return;
	for (i = x < 0 ? 0 : x; i < x + w && i < c->cols; i++)
		cell(c, i, y)->role = role;
}

/* One character of sanitized text. */
struct glyph {
	const char *s;
	int len, width;
};

/* Decode the UTF-8 character at s (valid: sanitized) and its columns. */
static struct glyph next_glyph(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	struct glyph g = { s, 1, 1 };
	wchar_t wc;
	int w;

	if (u[0] < 0x80)
		return g;
	g.len = (int)utf8_len(u);
	if (!g.len) {		/* cannot happen after sanitize(); be safe */
		g.len = 1;
		g.s = "?";
		return g;
	}
	if (g.len == 2)
		wc = ((u[0] & 0x1f) << 6) | (u[1] & 0x3f);
	else if (g.len == 3)
		wc = ((u[0] & 0x0f) << 12) | ((u[1] & 0x3f) << 6) | (u[2] & 0x3f);
	else
		wc = ((u[0] & 0x07) << 18) | ((u[1] & 0x3f) << 12) | ((u[2] & 0x3f) << 6) |
		     (u[3] & 0x3f);
	w = wcwidth(wc);
	if (w < 0) {		/* unprintable here: never send it */
		g.s = "?";
		g.width = 1;
	} else {
		g.width = w > 2 ? 2 : w;
	}
	return g;
}

static const char *clean(const struct canvas *c, char *buf, size_t size, const char *text)
{
	return c->utf8 ? sanitize(buf, size, text) : sanitize_ascii(buf, size, text);
}

static int width_of(const char *s)
{
	int w = 0;

	while (*s) {
		struct glyph g = next_glyph(s);

		w += g.width;
		s += g.len;
	}
	return w;
}

int canvas_width(const struct canvas *c, const char *text)
{
	char buf[TEXT_MAX];

	return width_of(clean(c, buf, sizeof(buf), text));
}

/* Put one glyph at (x, y); returns the columns used (0 if it did not fit). */
static int put_glyph(struct canvas *c, int x, int y, int limit, enum ui_role role,
		     const struct glyph *g)
{
	struct ui_cell *ce;

	if (g->width == 0)
		return 0;
	if (x + g->width > limit)
		return -1;
	unwide(c, x, y);
	if (g->width == 2)
		unwide(c, x + 1, y);
	ce = cell(c, x, y);
	if (g->s[0] == '?' && g->len > 1) {
		ce->ch[0] = '?';
		ce->ch[1] = '\0';
		ce->len = 1;
	} else {
		memcpy(ce->ch, g->s, (size_t)g->len);
		ce->ch[g->len] = '\0';
		ce->len = (uint8_t)g->len;
	}
	ce->role = role;
	if (g->width == 2) {
		ce = cell(c, x + 1, y);
		ce->ch[0] = '\0';
		ce->len = 0;
		ce->role = role;
	}
	return g->width;
}

/* Write already-sanitized s from x, at most to column limit (exclusive). */
static int put_clean(struct canvas *c, int x, int y, int limit, enum ui_role role, const char *s)
{
	int x0 = x;

	if (y < 0 || y >= c->rows)
		return 0;
	if (limit > c->cols)
		limit = c->cols;
	while (*s && x < limit) {
		struct glyph g = next_glyph(s);
		int n;

		if (x < 0) {	/* left of the canvas: skip */
			x += g.width;
			s += g.len;
			continue;
		}
		n = put_glyph(c, x, y, limit, role, &g);
		if (n < 0)
			break;
		x += n;
		s += g.len;
	}
	return x - x0;
}

int canvas_text(struct canvas *c, int x, int y, int maxw, enum ui_role role, const char *text)
{
	char buf[TEXT_MAX];

	if (maxw <= 0)
		return 0;
	return put_clean(c, x, y, x + maxw, role, clean(c, buf, sizeof(buf), text));
}

int canvas_textf(struct canvas *c, int x, int y, int maxw, enum ui_role role, const char *fmt,
		 ...)
{
	char buf[TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, maxw, role, buf);
}

int canvas_text_right(struct canvas *c, int x, int y, int w, enum ui_role role, const char *text)
{
	int tw = canvas_width(c, text);

	if (tw > w)
		return canvas_text_elided(c, x, y, w, role, text, CANVAS_ELIDE_END);
	return canvas_text(c, x + w - tw, y, tw, role, text);
}

/* Byte offset in s after the first cols columns (never splitting a glyph). */
static size_t head_bytes(const char *s, int cols, int *used)
{
	const char *p = s;
	int w = 0;

	while (*p) {
		struct glyph g = next_glyph(p);

		if (w + g.width > cols)
			break;
		w += g.width;
		p += g.len;
	}
	*used = w;
	return (size_t)(p - s);
}

/* Byte offset in s where the last cols columns start. */
static size_t tail_start(const char *s, int total, int cols)
{
	const char *p = s;
	int w = 0;

	while (*p) {
		struct glyph g = next_glyph(p);

		if (total - w <= cols)
			break;
		w += g.width;
		p += g.len;
	}
	return (size_t)(p - s);
}

int canvas_text_elided(struct canvas *c, int x, int y, int w, enum ui_role role, const char *text,
		       enum canvas_elide how)
{
	char buf[TEXT_MAX], out[TEXT_MAX];
	const char *s = clean(c, buf, sizeof(buf), text), *ell = canvas_glyph(c, UI_GLYPH_ELLIPSIS);
	int total = width_of(s), head, used;
	size_t hb, tb;

	if (w <= 0)
		return 0;
	if (total <= w)
		return put_clean(c, x, y, x + w, role, s);
	if (w == 1)
		return put_clean(c, x, y, x + 1, role, ell);
	head = how == CANVAS_ELIDE_MIDDLE ? (w - 1 + 1) / 2 : w - 1;
	hb = head_bytes(s, head, &used);
	tb = how == CANVAS_ELIDE_MIDDLE ? tail_start(s, total, w - 1 - used) : strlen(s);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)hb, s, ell, s + tb);
	return put_clean(c, x, y, x + w, role, out);
}

void canvas_row_text(const struct canvas *c, int y, struct strbuf *sb)
{
	size_t start = sb->len, end;
	int x;

	for (x = 0; x < c->cols; x++) {
		const struct ui_cell *ce = &c->cells[(size_t)y * c->cols + x];

		if (ce->len)
			strbuf_add(sb, ce->ch, ce->len);
	}
	end = sb->len;
	while (end > start && sb->buf[end - 1] == ' ')
		end--;
	sb->len = end;
	if (sb->buf)
		sb->buf[end] = '\0';
}
