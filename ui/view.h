/* view.h - the view framework: key codes, the shared UI state and filters,
 * the view ops table and the helpers views share
 *
 * A view is one file ui/view-NAME.c defining a `const struct ui_view_ops
 * ui_view_NAME`, listed in the registry of ui.c (views.c). ui.c owns the
 * frame: header (view tabs, lost samples, unwind errors), breadcrumb (the
 * filters and the view's zoom path), status line, footer (key hints), the
 * help screen, the search and export prompts, and the key grammar:
 *
 *   1-9, Tab, S-Tab    switch view         ?  help (per view)
 *   /  n  N            search, next, prev  e  export what the view shows
 *   c                  sample kind         K  kernel frames hidden/shown
 *   Esc                one level back: the view's zoom/drill-down, else
 *                      the last filter
 *   q                  close the current level (help, a drill-down), quit
 *                      at the top;   Q  quit from anywhere
 *   p r t w b          live keys (live.c): attach, and p when following a
 *                      recording still being written; unused elsewhere
 *
 * A view gets the keys first (ops->key) except digits, Tab, ?, /, Q and
 * prompt editing; what it does not handle falls back to the frame.
 *
 * State that must survive a reload (new filters, a recording that grew) is
 * kept by call path (model_path_key()), never by array index: ops->reload
 * gets a fresh model and restores cursor, expansion and zoom from paths.
 * Everything here is curses-free; views draw into a canvas (canvas.h).
 */
#ifndef HOTSTACK_UI_VIEW_H
#define HOTSTACK_UI_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "canvas.h"
#include "ui.h"
#include "util.h"

/* Keys: characters are themselves (Enter is '\n', Esc 27, Tab '\t', Ctrl-X
 * is X & 0x1f); the rest are these codes, above any character. */
enum ui_key {
	UI_KEY_ENTER = '\n',
	UI_KEY_ESC = 27,
	UI_KEY_TAB = '\t',
	UI_KEY_BACKSPACE = 127,
	UI_KEY_UP = 0x110000,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_BTAB,		/* Shift-Tab */
	UI_KEY_F1,		/* F1..F10 follow */
	UI_KEY_F10 = UI_KEY_F1 + 9,
	UI_KEY_RESIZE,
	UI_KEY_NONE,		/* a key the terminal sent that we ignore */
};

/* Mouse buttons given to ops->click. */
enum ui_button {
	UI_BUTTON_LEFT = 1,
	UI_BUTTON_DOUBLE,	/* double click: as Enter */
	UI_BUTTON_WHEEL_UP,
	UI_BUTTON_WHEEL_DOWN,
};

/* Returned by ops->key and ops->click. */
enum { UI_UNHANDLED = 0, UI_HANDLED = 1 };

/*
 * The filters every view applies: changing one reloads the model (ui_set_filter)
 * and pushes the previous filters on a stack that Esc pops.
 */
struct ui_filter {
	int kind;		/* enum sample_kind or KIND_SEL_WALL */
	int tid;		/* 0 = all threads */
	int64_t from_ns, to_ns;	/* time range from the start; -1 = the whole recording */
	bool hide_kernel;	/* kernel frames hidden: their samples go to the caller */
};

struct ui_rect {
	int x, y, w, h;
};

/* One line of help: keys ("Enter, l") and what they do. */
struct ui_help {
	const char *keys, *what;
};

struct ui;

struct ui_view_ops {
	const char *name;	/* "Hotspots": the tab and the help title */
	const char *tab;	/* short tab label ("Hot") for narrow screens */
	int digit;		/* '1'..'9': the key that shows it */
	unsigned modes;		/* UI_MODE_*: where the view exists */
	/* Optional: false hides the view for this model (e.g. Waits on a
	 * recording made without --waits is still shown, with a message). */
	bool (*available)(struct ui *ui);
	void *(*create)(struct ui *ui);
	void (*destroy)(void *view);
	/* The model was replaced (filters, a reload): rebuild rows and restore
	 * cursor, expansion and zoom by call path. Also called once after
	 * create. */
	void (*reload)(void *view, struct ui *ui);
	/* Called before the model is replaced: remember, by path, what reload
	 * needs (cursor, expansion, zoom); indices die with the old model. */
	void (*save)(void *view, struct ui *ui);
	/* Show function func (index into ui_profile()->funcs): other views
	 * send Enter here (Hotspots -> Call tree). Returns 0 or -ENOENT. */
	int (*focus)(void *view, struct ui *ui, int func);
	void (*draw)(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r);
	/* The status line: what the cursor is on (full names, unelided). */
	void (*status)(void *view, struct ui *ui, struct strbuf *sb);
	/* The view's own breadcrumb (zoom path, drill-down), may be NULL. */
	void (*crumb)(void *view, struct ui *ui, struct strbuf *sb);
	int (*key)(void *view, struct ui *ui, int key);
	/* Undo one level (zoom, drill-down) for Esc (key 27) or close a
	 * drill-down for q; return 1 if something was undone. */
	int (*back)(void *view, struct ui *ui, int key);
	/* Move to the next (dir 1) or previous (-1) match of needle after the
	 * cursor; return 1 if found. Matching is case-insensitive substring. */
	int (*search)(void *view, struct ui *ui, const char *needle, int dir);
	int (*click)(void *view, struct ui *ui, int x, int y, int button);
	/* Write what the view shows to f (folded stacks or the table as text). */
	int (*export)(void *view, struct ui *ui, FILE *f, char **errmsg);
	const char *export_ext;		/* "folded" or "txt" */
	const struct ui_help *help;	/* terminated by { NULL, NULL } */
	const char *footer;		/* hints: "Enter:zoom Esc:out o:icicle" */
};

enum {
	UI_MODE_BROWSE = 1,	/* hotstack ui FILE */
	UI_MODE_COMPARE = 2,	/* hotstack ui BEFORE AFTER */
	UI_MODE_LIVE = 4,	/* hotstack attach (later) */
};

struct ui_view {
	const struct ui_view_ops *ops;
	void *data;
	/* the model changed since ops->reload: reloaded when next shown (only
	 * the view on screen does work on a filter change); a stale view's
	 * data may point into a freed model, so it is not saved either */
	bool stale;
};

#define UI_MAX_VIEWS 12
#define UI_FILTER_DEPTH 32

struct ui {
	const struct ui_opts *opts;
	struct ui_model *model;		/* what every view reads; replaced on reload */
	unsigned mode;			/* UI_MODE_* */
	struct ui_filter filter;	/* the filters in force (model was loaded with them) */
	struct ui_filter undo[UI_FILTER_DEPTH];
	int nundo;
	struct ui_view views[UI_MAX_VIEWS];
	int nviews, current;
	int cols, rows;			/* the screen */
	struct ui_rect body;		/* where the view was last drawn */
	int tab_x[UI_MAX_VIEWS + 1];	/* header tab columns, for clicks */
	bool utf8;
	bool quit;
	int exit_code;			/* of hotstack ui when quit: 0, or 130 for Ctrl-C */
	/* background work views started and have not yet taken the result of
	 * (model-compare.h): the terminal redraws while it is not 0, the
	 * headless mode waits for it before each screen */
	int background;
	/* overlays and prompts */
	bool help;
	int help_top;
	int prompt;			/* 0, '/' search, 'e' export path */
	struct strbuf input;
	bool input_fresh;		/* the input is the default: typing replaces it */
	char *last_search;
	int search_dir;
	char message[512];		/* shown on the status line until the next key */
	bool message_error;
	uint64_t generation;		/* bumped on every reload */
	uint64_t data_generation;	/* bumped when the recording is read
					 * again (ui_reload(): it may have grown) */
	bool force_load;		/* ui_reload(): read the recording again */
	/* loads run on a thread (term.c sets it; headless and tests load
	 * in place, so screens stay deterministic) */
	bool async;
	struct model_job *job;		/* a load in flight, or NULL */
	int job_undo;			/* what its end does to the Esc stack */
	struct ui_filter job_old;	/* the filters before it */
	/* Set by term.c: show what is being waited for (a load) before the
	 * key's work blocks the screen; NULL headless. */
	void (*busy)(struct ui *ui, const char *what);
	/* live mode (live.h): a recording that grows; NULL otherwise. The
	 * marker goes in the header; tick is called by the terminal loop
	 * (true: draw again); key gets p r t w b; prompt the 'w' path. */
	struct ui_live *live;
	char live_marker[96];
	bool (*live_tick)(struct ui *ui);
	int (*live_key)(struct ui *ui, int key);
	int (*live_prompt)(struct ui *ui, const char *input);
	void (*live_free)(struct ui *ui);	/* called first by ui_free() */
	const struct ui_help *live_help;	/* the live keys, for ? */
	/* > 0: the comparison views compare one recording's [from, mark)
	 * with its [mark, to) (the live baseline mark) */
	int64_t live_mark_ns;
};

/* ---- for views ---- */

/* The model's profile of the current filters (never NULL once loaded). */
struct profile *ui_profile(struct ui *ui);
/* Say something on the status line until the next key. */
void ui_message(struct ui *ui, bool error, const char *fmt, ...) ATTR_PRINTF(3, 4);
/* Set new filters: reload the model with them and every view; the old
 * filters go on the Esc stack. Returns 0 or -errno (message shown). With
 * ui->async the load runs on a thread and ui->filter changes when it is
 * done (ui_filter_target() gives the filters on their way). */
int ui_set_filter(struct ui *ui, const struct ui_filter *f);
/* The filters being loaded if a load is in flight, else those in force:
 * what the next filter change should start from. */
const struct ui_filter *ui_filter_target(struct ui *ui);
/* Reload with the same filters (live follow, later). */
int ui_reload(struct ui *ui);
/* Show the view with that digit; returns its data or NULL. */
void *ui_show_view(struct ui *ui, int digit);
/* Show the view with that digit and its ops->focus(func). */
int ui_focus(struct ui *ui, int digit, int func);

/* A scrolling list: cursor and first visible row over n rows. */
struct ui_list {
	int cursor, top, n;
};
/* Up/Down/j/k/PgUp/PgDn/Home/End/g/G for a list shown in page rows;
 * returns UI_HANDLED if it moved (or would have). */
int ui_list_key(struct ui_list *l, int key, int page);
/* Keep the cursor within [0, n) and visible in page rows. */
void ui_list_fit(struct ui_list *l, int page);

/* A function's name in w columns: when it is wider, its short form first
 * (templates and parameters elided, demangle_short()), then elided as how
 * says. The status line keeps the full name. Returns the columns used. */
int ui_text_name(struct canvas *c, int x, int y, int w, enum ui_role role, const char *name,
		 enum canvas_elide how);

/* "name  module  file:line" of function func, for status lines. */
void ui_func_describe(struct ui *ui, int func, struct strbuf *sb);

/* The search's rule: a case-insensitive substring (ASCII case folding), or
 * a name as people type it by demangle_match() (without the parameter
 * list, "Hasher<std::vector<int> >" as "Hasher<std::vector<int>>", ...). */
bool ui_match(const char *hay, const char *needle);
/* "12.34%" style numbers: a percentage that fits 6 columns. */
void ui_fmt_pct(char *buf, size_t size, double pct);
/* Seconds from nanoseconds: "1.234" or "12345" to fit 7 columns. */
void ui_fmt_secs(char *buf, size_t size, uint64_t ns);

/* The registry: every view, by digit (ui.c); NULL entries are views not
 * linked in. */
extern const struct ui_view_ops *const ui_view_registry[];
extern const size_t ui_view_registry_size;

/* ---- the frame, for term.c and screendump.c ---- */

/* Whether to draw UTF-8: the locale's character set is, and o->ascii is
 * not set. */
bool ui_locale_utf8(const struct ui_opts *o);
struct ui *ui_new(const struct ui_opts *o, struct ui_model *m, bool utf8);
void ui_free(struct ui *ui);
/* Draw the whole screen into c (sized cols x rows). */
void ui_draw(struct ui *ui, struct canvas *c);
/* One key; returns true when the UI should quit. */
bool ui_key(struct ui *ui, int key);
/* A mouse event at screen (x, y). */
void ui_mouse(struct ui *ui, int x, int y, int button);

#endif
