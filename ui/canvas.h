/* canvas.h - a curses-free grid of cells that every view draws into
 *
 * The UI never writes to the terminal directly: views draw text into a
 * canvas (a cols x rows grid of cells, as tmux's grid.c), term.c copies the
 * canvas to the terminal and screendump.c prints it as plain text for the
 * golden screens. Each cell holds one character (UTF-8, up to 6 bytes) and
 * a role that term.c maps to a colour or attribute.
 *
 * Every string written through canvas_text*() is sanitized first (util.h
 * sanitize(), or sanitize_ascii() when the terminal is not UTF-8): control
 * characters, C1 controls, escape sequences and invalid UTF-8 become "\xNN",
 * so text from the target can never reach the terminal raw. Widths are
 * counted in terminal columns (wcwidth): a wide character takes two cells,
 * the second a continuation cell (len 0); zero-width and unprintable code
 * points are dropped or shown as '?'. Writes are clipped to the canvas.
 */
#ifndef HOTSTACK_UI_CANVAS_H
#define HOTSTACK_UI_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* What a cell shows; term.c maps roles to colours (or, with NO_COLOR, to
 * bold/reverse/underline only). Add roles at the end. */
enum ui_role {
	UI_ROLE_NORMAL = 0,
	UI_ROLE_HEADER,		/* the top line */
	UI_ROLE_TAB,		/* the current view's tab in the header */
	UI_ROLE_CRUMB,		/* the breadcrumb line: filters, zoom */
	UI_ROLE_STATUS,		/* the status line: the selection, messages */
	UI_ROLE_FOOTER,		/* the key hints */
	UI_ROLE_FOOTER_KEY,
	UI_ROLE_TITLE,		/* column headings */
	UI_ROLE_CURSOR,		/* the selected row or frame */
	UI_ROLE_DIM,		/* secondary text: modules, tree lines */
	UI_ROLE_MATCH,		/* search matches */
	UI_ROLE_WARN,		/* lost samples, errors */
	UI_ROLE_FLAME_PROGRAM,	/* flame frames by module class */
	UI_ROLE_FLAME_LIBRARY,
	UI_ROLE_FLAME_KERNEL,
	UI_ROLE_FLAME_UNKNOWN,
	UI_ROLE_FLAME_ROOT,
	UI_ROLE_FLAME_REST,	/* merged narrow frames */
	UI_ROLE_SLOWER,		/* comparison */
	UI_ROLE_FASTER,
	UI_ROLE_BAR,		/* bar charts */
	UI_ROLE_SELECTED,	/* a selected range (timeline) */
	UI_ROLE_COUNT
};

/* Line-drawing and marker glyphs, UTF-8 or ASCII as the canvas allows. */
enum ui_glyph {
	UI_GLYPH_ELLIPSIS,	/* … or ~ */
	UI_GLYPH_COLLAPSED,	/* ▸ or + */
	UI_GLYPH_EXPANDED,	/* ▾ or - */
	UI_GLYPH_LEAF,		/* · or space */
	UI_GLYPH_VLINE,		/* │ or | */
	UI_GLYPH_HLINE,		/* ─ or - */
	UI_GLYPH_SEP,		/* › or > (breadcrumb) */
	UI_GLYPH_REST,		/* ░ or . (merged narrow frames) */
	UI_GLYPH_BLOCK,		/* █ or # */
	UI_GLYPH_UP,		/* ▲ or + (slower) */
	UI_GLYPH_DOWN,		/* ▼ or - (faster) */
	UI_GLYPH_MIDDOT,	/* · or . */
	UI_GLYPH_SORTED,	/* ▾ or v: the column rows are sorted by */
	UI_GLYPH_COUNT
};

struct ui_cell {
	char ch[7];		/* UTF-8 of the character, NUL-terminated */
	uint8_t len;		/* bytes in ch; 0 for the right half of a wide one */
	uint8_t role;		/* enum ui_role */
};

struct canvas {
	int cols, rows;
	bool utf8;		/* UTF-8 glyphs and text; else ASCII only */
	struct ui_cell *cells;	/* rows * cols, row-major */
	int cursor_x, cursor_y;	/* where the terminal cursor goes; -1 hidden */
};

void canvas_init(struct canvas *c, int cols, int rows, bool utf8);
/* Resize (contents are cleared). */
void canvas_resize(struct canvas *c, int cols, int rows);
void canvas_release(struct canvas *c);
/* Every cell a space of role NORMAL; the cursor hidden. */
void canvas_clear(struct canvas *c);
/* w cells from (x, y) become spaces of role. */
void canvas_fill(struct canvas *c, int x, int y, int w, enum ui_role role);
/* Change the role of w cells from (x, y), keeping their text. */
void canvas_set_role(struct canvas *c, int x, int y, int w, enum ui_role role);

/*
 * Write text (sanitized here) at (x, y) in at most maxw columns (clipped,
 * not elided); returns the columns written.
 */
int canvas_text(struct canvas *c, int x, int y, int maxw, enum ui_role role, const char *text);
int canvas_textf(struct canvas *c, int x, int y, int maxw, enum ui_role role, const char *fmt,
		 ...) ATTR_PRINTF(6, 7);

enum canvas_elide {
	CANVAS_ELIDE_END,	/* "very_long_na…" */
	CANVAS_ELIDE_MIDDLE,	/* "std::vec…int>::push" (C++ templates) */
};
/* As canvas_text, but text wider than w columns is elided with an
 * ellipsis, at its end or in its middle. Returns the columns written. */
int canvas_text_elided(struct canvas *c, int x, int y, int w, enum ui_role role, const char *text,
		       enum canvas_elide how);
/* Right-align text in the w columns ending before x + w. */
int canvas_text_right(struct canvas *c, int x, int y, int w, enum ui_role role, const char *text);

/* The columns text takes once sanitized. */
int canvas_width(const struct canvas *c, const char *text);
const char *canvas_glyph(const struct canvas *c, enum ui_glyph g);

/* Row y as text (trailing spaces removed) appended to sb, no newline. */
void canvas_row_text(const struct canvas *c, int y, struct strbuf *sb);

#endif
