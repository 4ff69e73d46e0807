/* ui.h - all that the commands see of the interactive UI (hotstack ui)
 *
 * The UI lives in ui/: ui.c (the frame, key grammar, help, search, export),
 * one view-*.c per view behind struct ui_view_ops (view.h), models in
 * model-*.c (no curses, unit-tested), canvas.c (the cell grid), term.c (the
 * only file that calls curses) and screendump.c (headless golden screens).
 * Nothing under src/ includes curses; cmd-ui.c parses options and calls
 * ui_browse() or ui_headless().
 */
#ifndef HOTSTACK_UI_H
#define HOTSTACK_UI_H

#include <stdbool.h>
#include <stdio.h>

struct ui_model;
struct ui;

struct ui_opts {
	const char *path;		/* the recording (browse mode) */
	const char *const *before;	/* compare mode: BEFORE and AFTER recordings */
	size_t nbefore;
	const char *const *after;
	size_t nafter;
	const char *per;		/* diff's --per N1,N2, or NULL */
	bool color;			/* false with NO_COLOR or --no-color */
	bool mouse;			/* false with --no-mouse */
	bool ascii;			/* force ASCII drawing (also when the locale is not UTF-8) */
	const char *const *source_remap; /* --source-path OLD=NEW, for the Source view */
	size_t nsource_remap;
	int kind;			/* initial sample kind (enum sample_kind) */
	int initial_view;		/* digit of the first view shown, 0 = Hotspots */
	/* live mode (live.h): called by ui_new() with the new ui */
	void (*live_setup)(struct ui *ui, void *arg);
	void *live_arg;
};

/*
 * Load the recording(s) of o into a model before the screen is touched.
 * Returns 0 or a negative errno with the same one-line *errmsg report gives.
 */
int ui_model_open(const struct ui_opts *o, struct ui_model **out, char **errmsg);
void ui_model_free(struct ui_model *m);

/* Browse m on the terminal until the user quits; restores the terminal on
 * every exit. Returns an exit code. */
int ui_browse(const struct ui_opts *o, struct ui_model *m);

/*
 * Headless: render m on a cols x rows screen, feed it the keys of script
 * (see screendump.c: characters as typed, <Enter> <Esc> <Tab> <S-Tab> <Up>
 * <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <Space> <lt> <C-c>, and
 * <dump> to print the screen so far, <resize WxH>), and print the final
 * screen to out as text. With timing, per-key times go to stderr.
 */
int ui_headless(const struct ui_opts *o, struct ui_model *m, int cols, int rows,
		const char *script, FILE *out, bool timing);

#endif
