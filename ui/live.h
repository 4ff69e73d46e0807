/* live.h - a recording that grows under the UI
 *
 * Two users: `hotstack ui FILE` on a recording that `record` is still
 * writing follows it as it grows (like tail -f), and `hotstack attach`
 * (src/cmd-attach.c) shows a recorder's file as it writes it, with the
 * live keys: p freeze, r reset, t recent window / cumulative, b baseline
 * mark, w write the recording.
 *
 * About once a second (less often when a reload takes more than a tenth
 * of that) the model is reloaded through the query layer (ui_reload():
 * views keep their state by call path). Nothing is held open
 * between two reloads, so the writer's WAL checkpoints and its last close
 * works. The header says live, paused, finished (meta finished appeared),
 * stale (the writer, meta writer_pid, is gone, or no commit came for
 * UI_LIVE_STALE_NS without finishing) or ended (attach: every target
 * exited). Curses-free; the recorder stays on the caller's side, behind
 * struct ui_live_source, so all its (ptrace) work stays on the thread that
 * runs the UI loop.
 */
#ifndef HOTSTACK_UI_LIVE_H
#define HOTSTACK_UI_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "ui.h"

#define UI_LIVE_REFRESH_NS 1000000000ull	/* at most 1/10 of the time reloading */
#define UI_LIVE_STALE_NS 5000000000ull
#define UI_LIVE_WINDOW_NS 5000000000ll	/* the recent window (t) */

struct ui;
struct ui_model;
struct strbuf;

/* What attach puts behind the file (all called on the UI loop's thread). */
struct ui_live_source {
	void *arg;
	/* read and aggregate what the sampling gathered, waiting up to
	 * timeout_ms; returns 0 or -errno with a one-line *errmsg */
	int (*poll)(void *arg, int timeout_ms, const char **errmsg);
	/* true once every target process exited */
	bool (*ended)(void *arg);
	/* "12 threads" etc. for the header */
	void (*describe)(void *arg, struct strbuf *sb);
	/* write everything recorded so far as a recording at path */
	int (*save)(void *arg, const char *path, char **errmsg);
};

struct ui_live;

/* Follow m's recording if it is still being written (meta writer_pid and
 * no meta finished); NULL if it is not. */
struct ui_live *ui_live_follow(struct ui_model *m);
/* Attach: the recording behind src. */
struct ui_live *ui_live_attach(const struct ui_live_source *src);
void ui_live_free(struct ui_live *l);
/* For struct ui_opts live_setup (arg: the struct ui_live). */
void ui_live_setup(struct ui *ui, void *arg);
/* One refresh step now (tests, headless): poll the source, reload if due
 * (force: whatever the time); returns true if the screen changed. */
bool ui_live_tick(struct ui *ui, bool force);

#endif
