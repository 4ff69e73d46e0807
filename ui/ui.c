/* ui.c - the frame every view sits in: header, breadcrumb, status line,
 * footer, help, search and export prompts, filters, and the key grammar
 * (see view.h). No curses here: term.c and screendump.c drive it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "atomicfile.h"
#include "demangle.h"
#include "model.h"
#include "view.h"

/* The views. The ones another part of the UI may not have linked in yet
 * are weak: a NULL entry is skipped. */
extern const struct ui_view_ops ui_view_hotspots, ui_view_tree, ui_view_flame;
extern const struct ui_view_ops ui_view_waits __attribute__((weak));
extern const struct ui_view_ops ui_view_threads __attribute__((weak));
extern const struct ui_view_ops ui_view_timeline __attribute__((weak));
extern const struct ui_view_ops ui_view_source __attribute__((weak));
extern const struct ui_view_ops ui_view_compare __attribute__((weak));
extern const struct ui_view_ops ui_view_compare_tree __attribute__((weak));
extern const struct ui_view_ops ui_view_compare_flame __attribute__((weak));

const struct ui_view_ops *const ui_view_registry[] = {
	&ui_view_hotspots, &ui_view_tree, &ui_view_flame,
	&ui_view_waits, &ui_view_threads, &ui_view_timeline, &ui_view_source,
	&ui_view_compare, &ui_view_compare_tree, &ui_view_compare_flame,
};
const size_t ui_view_registry_size = ARRAY_SIZE(ui_view_registry);

#define MIN_COLS 80
#define MIN_ROWS 24

static const struct ui_help global_help[] = {
	{ "1-7, Tab, S-Tab", "switch view (Hotspots, Call tree, Flame graph, Waits, Threads, Timeline, Source)" },
	{ "Up Down, k j", "move" },
	{ "PgUp PgDn, Home End", "move a page, to the top or bottom" },
	{ "/", "search; n and N move to the next and previous match" },
	{ "c", "sample kind: cpu, offcpu, runqueue, wall (recordings made with --waits)" },
	{ "K", "hide or show kernel frames (their samples go to the caller)" },
	{ "e", "export what the view shows to a file (asks for the path)" },
	{ "Esc", "back one level: zoom, drill-down, else the last filter" },
	{ "q", "close the current level (help, a drill-down); quit at the top" },
	{ "Q, F10", "quit" },
	{ "?, F1", "this help" },
	{ NULL, NULL },
};

/* Shown when this screen has no live keys (a finished recording, a
 * comparison); live.c lists them where they work. */
static const struct ui_help no_live_help[] = {
	{ "p r t w b", "live keys, not used here; in hotstack attach:" },
	{ "  p", "pause the display (also on a recording still being written)" },
	{ "  r, t", "reset the counts; the last seconds or everything since the attach" },
	{ "  b, w", "mark a baseline (Hotspots shows the change); write the recording" },
	{ NULL, NULL },
};

struct profile *ui_profile(struct ui *ui)
{
	return ui->model->p;
}

void ui_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof(ui->message), fmt, ap);
	va_end(ap);
	ui->message_error = error;
}

static struct ui_view *cur(struct ui *ui)
{
	return ui->nviews ? &ui->views[ui->current] : NULL;
}

/* View i up to date with the model. */
static void fresh(struct ui *ui, int i)
{
	struct ui_view *v = &ui->views[i];

	if (i < 0 || i >= ui->nviews || !v->stale)
		return;
	v->stale = false;
	if (v->ops->reload)
		v->ops->reload(v->data, ui);
}

/* The model changed: the view on screen reloads now, the others when
 * they are shown. */
static void reload_views(struct ui *ui)
{
	int i;

	ui->generation++;
	if (ui->force_load)
		ui->data_generation++;
	for (i = 0; i < ui->nviews; i++)
		ui->views[i].stale = true;
	fresh(ui, ui->current);
}

enum { UNDO_NONE, UNDO_PUSH, UNDO_POP };

static void push_undo(struct ui *ui, const struct ui_filter *old)
{
	if (ui->nundo == UI_FILTER_DEPTH) {
		memmove(ui->undo, ui->undo + 1, (UI_FILTER_DEPTH - 1) * sizeof(*ui->undo));
		ui->nundo--;
	}
	ui->undo[ui->nundo++] = *old;
}

static void save_views(struct ui *ui)
{
	int i;

	for (i = 0; i < ui->nviews; i++)
		if (ui->views[i].ops->save && !ui->views[i].stale)
			ui->views[i].ops->save(ui->views[i].data, ui);
}

/* The model now holds f's selection: f is in force. */
static void apply(struct ui *ui, const struct ui_filter *f, int undo, const struct ui_filter *old)
{
	ui->filter = *f;
	if (undo == UNDO_PUSH)
		push_undo(ui, old);
	else if (undo == UNDO_POP && ui->nundo)
		ui->nundo--;
	reload_views(ui);
}

/* Drop a load in flight (a newer filter, Esc). */
static void cancel_job(struct ui *ui)
{
	if (!ui->job)
		return;
	model_job_abandon(ui->job);
	ui->job = NULL;
	ui->background--;
}

/* A load on its thread is done: put it in force. */
static void poll_job(struct ui *ui)
{
	struct ui_filter f;
	char *msg = NULL;

	if (!ui->job || !model_job_done(ui->job))
		return;
	f = *model_job_filter(ui->job);
	save_views(ui);
	ui->background--;
	if (model_job_take(ui->model, ui->job, &msg)) {
		ui_message(ui, true, "%s", msg ? msg : "cannot load the recording");
		free(msg);
	} else {
		apply(ui, &f, ui->job_undo, &ui->job_old);
	}
	ui->job = NULL;
}

const struct ui_filter *ui_filter_target(struct ui *ui)
{
	return ui->job ? model_job_filter(ui->job) : &ui->filter;
}

static int load(struct ui *ui, const struct ui_filter *f, int undo)
{
	struct ui_model *m = ui->model;
	struct ui_filter old = ui->filter;
	char *msg = NULL;
	int err;

	cancel_job(ui);
	save_views(ui);
	if (m->p && model_same_selection(&m->filter, f) && !ui->force_load) {
		/* e.g. kernel frames hidden: the same samples, shown otherwise */
		model_set_filter(m, f);
		apply(ui, f, undo, &old);
		return 0;
	}
	if (ui->async && !ui->force_load &&
	    !(m->prev && model_same_selection(&m->prev_filter, f))) {
		/* a load takes longer than a key: on a thread, the keys stay
		 * answered and the breadcrumb says "loading" until it is done */
		ui->job = model_load_start(m, f);
		ui->job_undo = undo;
		ui->job_old = old;
		ui->background++;
		return 0;
	}
	if (ui->busy)
		ui->busy(ui, "loading the selection...");
	err = model_load(m, f, &msg);
	if (err) {
		ui_message(ui, true, "%s", msg ? msg : "cannot load the recording");
		free(msg);
		return err;
	}
	apply(ui, f, undo, &old);
	return 0;
}

int ui_set_filter(struct ui *ui, const struct ui_filter *f)
{
	return load(ui, f, UNDO_PUSH);
}

int ui_reload(struct ui *ui)
{
	struct ui_filter f = ui->filter;
	int err;

	ui->force_load = true;	/* the recording may have grown */
	model_drop_cache(ui->model);
	err = load(ui, &f, UNDO_NONE);
	ui->force_load = false;
	return err;
}

static int find_view(struct ui *ui, int digit)
{
	int i;

	for (i = 0; i < ui->nviews; i++)
		if (ui->views[i].ops->digit == digit)
			return i;
	return -1;
}

void *ui_show_view(struct ui *ui, int digit)
{
	int i = find_view(ui, digit);

	if (i < 0)
		return NULL;
	ui->current = i;
	fresh(ui, i);
	return ui->views[i].data;
}

bool ui_locale_utf8(const struct ui_opts *o)
{
	const char *cs = nl_langinfo(CODESET);

	return !o->ascii && cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

int ui_focus(struct ui *ui, int digit, int func)
{
	int i = find_view(ui, digit);

	if (i < 0 || !ui->views[i].ops->focus)
		return -ENOENT;
	ui->current = i;
	fresh(ui, i);
	return ui->views[i].ops->focus(ui->views[i].data, ui, func);
}

struct ui *ui_new(const struct ui_opts *o, struct ui_model *m, bool utf8)
{
	struct ui *ui = xcalloc(1, sizeof(*ui));
	size_t i;

	ui->opts = o;
	ui->model = m;
	/* live attach: the comparison views too, for the baseline mark */
	ui->mode = o->live_setup && o->nbefore ? UI_MODE_BROWSE | UI_MODE_COMPARE :
		   o->nbefore ? UI_MODE_COMPARE : UI_MODE_BROWSE;
	ui->filter = m->filter;
	ui->utf8 = utf8;
	ui->search_dir = 1;
	for (i = 0; i < ui_view_registry_size && ui->nviews < UI_MAX_VIEWS; i++) {
		const struct ui_view_ops *ops = ui_view_registry[i];
		struct ui_view *v;

		if (!ops || !(ops->modes & ui->mode))
			continue;
		if (ops->available && !ops->available(ui))
			continue;
		v = &ui->views[ui->nviews++];
		v->ops = ops;
		v->data = ops->create ? ops->create(ui) : NULL;
	}
	if (o->initial_view && find_view(ui, o->initial_view) >= 0)
		ui->current = find_view(ui, o->initial_view);
	reload_views(ui);
	if (o->live_setup)
		o->live_setup(ui, o->live_arg);
	return ui;
}

void ui_free(struct ui *ui)
{
	int i;

	if (!ui)
		return;
	cancel_job(ui);
	if (ui->live_free)
		ui->live_free(ui);
	for (i = 0; i < ui->nviews; i++)
		if (ui->views[i].ops->destroy)
			ui->views[i].ops->destroy(ui->views[i].data);
	strbuf_release(&ui->input);
	free(ui->last_search);
	free(ui);
}

/* ---- helpers for views ---- */

int ui_list_key(struct ui_list *l, int key, int page)
{
	if (page < 1)
		page = 1;
	switch (key) {
	case UI_KEY_UP:
	case 'k':
		l->cursor--;
		break;
	case UI_KEY_DOWN:
	case 'j':
		l->cursor++;
		break;
	case UI_KEY_PGUP:
		l->cursor -= page;
		l->top -= page;
		break;
	case UI_KEY_PGDN:
	case ' ':
		l->cursor += page;
		l->top += page;
		break;
	case UI_KEY_HOME:
	case 'g':
		l->cursor = 0;
		break;
	case UI_KEY_END:
	case 'G':
		l->cursor = l->n - 1;
		break;
	default:
		return UI_UNHANDLED;
	}
	ui_list_fit(l, page);
	return UI_HANDLED;
}

void ui_list_fit(struct ui_list *l, int page)
{
	if (page < 1)
		page = 1;
	if (l->cursor >= l->n)
		l->cursor = l->n - 1;
	if (l->cursor < 0)
		l->cursor = 0;
	if (l->top > l->n - page)
		l->top = l->n - page;
	if (l->top > l->cursor)
		l->top = l->cursor;
	if (l->cursor >= l->top + page)
		l->top = l->cursor - page + 1;
	if (l->top < 0)
		l->top = 0;
}

void ui_func_describe(struct ui *ui, int func, struct strbuf *sb)
{
	const struct profile *p = ui_profile(ui);
	const struct profile_func *f = &p->funcs[func];
	const struct profile_frame *fr = f->hot_frame >= 0 ? &p->frames[f->hot_frame] : NULL;

	strbuf_adds(sb, f->name);
	strbuf_addf(sb, "  %s", f->module >= 0 ? p->modules[f->module].path : "(unknown module)");
	if (fr && fr->file) {
		strbuf_addf(sb, "  %s", fr->file);
		if (fr->line > 0)
			strbuf_addf(sb, ":%d", fr->line);
	}
}

int ui_text_name(struct canvas *c, int x, int y, int w, enum ui_role role, const char *name,
		 enum canvas_elide how)
{
	char *s;
	int n;

	if (w <= 0 || canvas_width(c, name) <= w)
		return canvas_text_elided(c, x, y, w, role, name, how);
	s = demangle_short(name, canvas_glyph(c, UI_GLYPH_ELLIPSIS));
	n = canvas_text_elided(c, x, y, w, role, s, how);
	free(s);
	return n;
}

bool ui_match(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (!n)
		return false;
	for (const char *h = hay; *h; h++) {
		for (i = 0; i < n && h[i]; i++)
			if (tolower((unsigned char)h[i]) != tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return true;
	}
	/* the typed-name rule differs from a substring only where template
	 * arguments, parameters or spacing do: skip it (a search visits
	 * every row) for a plain word */
	return strpbrk(needle, "<>(),&* ") && demangle_match(needle, hay);
}

void ui_fmt_pct(char *buf, size_t size, double pct)
{
	if (pct >= 99.995)
		snprintf(buf, size, "%.1f%%", pct);
	else
		snprintf(buf, size, "%.2f%%", pct);
}

void ui_fmt_secs(char *buf, size_t size, uint64_t ns)
{
	double s = ns / 1e9;

	if (s < 1000)
		snprintf(buf, size, "%.3f", s);
	else if (s < 100000)
		snprintf(buf, size, "%.1f", s);
	else
		snprintf(buf, size, "%.0f", s);
}

/* ---- drawing ---- */

/* The header: view tabs left, sample counts right. When both do not fit,
 * tabs shrink (full names, short names, without "hotstack", then digits
 * but for the current view), then the counts take a compact form: they
 * are always shown. */
static void draw_header(struct ui *ui, struct canvas *c)
{
	const struct profile *p = ui_profile(ui);
	char right[160], tab[64];
	int x = 0, i, rw, level, w = 0;

	canvas_fill(c, 0, 0, c->cols, UI_ROLE_HEADER);
	snprintf(right, sizeof(right), "%s%ssamples %llu  lost %lld  unwind errors %lld",
		 ui->live_marker, ui->live_marker[0] ? "  " : "", (unsigned long long)p->totals.samples, (long long)p->totals.lost,
		 (long long)p->totals.unwind_errors);
	rw = (int)strlen(right);
	for (level = 0; level < 4; level++) {
		w = level < 2 ? 9 : 0;	/* "hotstack " */
		for (i = 0; i < ui->nviews; i++) {
			const struct ui_view_ops *o = ui->views[i].ops;
			const char *label = level == 0 || !o->tab ? o->name : o->tab;

			w += level == 3 && i != ui->current ? 3 : 4 + canvas_width(c, label);
		}
		if (w + rw + 1 <= c->cols)
			break;
	}
	if (level == 4) {
		level = 3;
		snprintf(right, sizeof(right), "%s%s%llu smp  lost %lld  unw err %lld",
			 ui->live_marker, ui->live_marker[0] ? " " : "", (unsigned long long)p->totals.samples, (long long)p->totals.lost,
			 (long long)p->totals.unwind_errors);
		rw = (int)strlen(right);
	}
	if (level < 2)
		x += canvas_text(c, x, 0, c->cols, UI_ROLE_HEADER, "hotstack ");
	for (i = 0; i < ui->nviews; i++) {
		const struct ui_view_ops *o = ui->views[i].ops;
		const char *label = level == 0 || !o->tab ? o->name : o->tab;

		if (level == 3 && i != ui->current)
			snprintf(tab, sizeof(tab), " %c ", o->digit);
		else
			snprintf(tab, sizeof(tab), " %c %s ", o->digit, label);
		ui->tab_x[i] = x;
		x += canvas_text(c, x, 0, c->cols - x, i == ui->current ? UI_ROLE_TAB : UI_ROLE_HEADER,
				 tab);
	}
	ui->tab_x[i] = x;
	if (x + rw + 1 <= c->cols)
		canvas_text(c, c->cols - rw, 0, rw,
			    p->totals.lost || p->totals.unwind_errors ? UI_ROLE_WARN : UI_ROLE_HEADER,
			    right);
}

static void draw_crumb(struct ui *ui, struct canvas *c)
{
	struct ui_view *v = cur(ui);
	struct strbuf sb = STRBUF_INIT;
	const char *sep = canvas_glyph(c, UI_GLYPH_SEP), *slash = strrchr(ui->model->path, '/');
	const char *cmd;

	canvas_fill(c, 0, 1, c->cols, UI_ROLE_CRUMB);
	cmd = profile_meta(ui_profile(ui), "command");
	strbuf_adds(&sb, slash ? slash + 1 : ui->model->path);
	if (cmd && *cmd)
		strbuf_addf(&sb, " (%s)", cmd);
	strbuf_addf(&sb, " %s %s", sep, profile_kind_name(ui->filter.kind));
	/* the filters in force; the defaults (all threads, all time, kernel
	 * frames shown) are left out to keep room for the view's zoom path */
	if (ui->filter.tid)
		strbuf_addf(&sb, " %s thread %d", sep, ui->filter.tid);
	if (ui->filter.from_ns >= 0 || ui->filter.to_ns >= 0)
		strbuf_addf(&sb, " %s %.3f-%.3f s", sep,
			    ui->filter.from_ns >= 0 ? ui->filter.from_ns / 1e9 : 0.0,
			    ui->filter.to_ns >= 0 ? ui->filter.to_ns / 1e9 : 0.0);
	if (ui->filter.hide_kernel)
		strbuf_addf(&sb, " %s kernel hidden", sep);
	if (ui->job)
		strbuf_addf(&sb, " %s loading %s...", sep,
			    profile_kind_name(model_job_filter(ui->job)->kind));
	if (v && v->ops->crumb) {
		size_t len = sb.len;

		strbuf_addf(&sb, " %s ", sep);
		v->ops->crumb(v->data, ui, &sb);
		if (sb.len == len + strlen(sep) + 2) {
			sb.len = len;
			sb.buf[len] = '\0';
		}
	}
	canvas_text_elided(c, 0, 1, c->cols, UI_ROLE_CRUMB, sb.buf, CANVAS_ELIDE_MIDDLE);
	strbuf_release(&sb);
}

static void draw_footer(struct ui *ui, struct canvas *c, int y)
{
	struct ui_view *v = cur(ui);
	char hints[512];
	char *tok, *save = NULL;
	int x = 0;

	canvas_fill(c, 0, y, c->cols, UI_ROLE_FOOTER);
	if (ui->help)
		snprintf(hints, sizeof(hints), "q:close Up/Down:scroll Q:quit");
	else
		snprintf(hints, sizeof(hints), "%s%s?:help /:search e:export q:quit",
			 v && v->ops->footer ? v->ops->footer : "",
			 v && v->ops->footer ? " " : "");
	for (tok = strtok_r(hints, " ", &save); tok && x < c->cols;
	     tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok + 1, ':');

		if (colon)
			*colon = '\0';
		if (x + canvas_width(c, tok) + (colon ? canvas_width(c, colon + 1) + 1 : 0) > c->cols)
			break;	/* whole hints only */
		x += canvas_text(c, x, y, c->cols - x, UI_ROLE_FOOTER_KEY, tok);
		if (colon) {
			x += canvas_text(c, x, y, c->cols - x, UI_ROLE_FOOTER, " ");
			x += canvas_text(c, x, y, c->cols - x, UI_ROLE_FOOTER, colon + 1);
		}
		x += canvas_text(c, x, y, c->cols - x, UI_ROLE_FOOTER, "  ");
	}
}

static void draw_status(struct ui *ui, struct canvas *c, int y)
{
	struct ui_view *v = cur(ui);
	struct strbuf sb = STRBUF_INIT;

	canvas_fill(c, 0, y, c->cols, UI_ROLE_STATUS);
	if (ui->prompt) {
		int x = canvas_text(c, 0, y, c->cols, UI_ROLE_STATUS,
				    ui->prompt == '/' ? "search: " :
				    ui->prompt == 'w' ? "write the recording to: " : "export to: ");
		int w = canvas_width(c, ui->input.buf ? ui->input.buf : "");

		/* show the end of a long input */
		if (w > c->cols - x - 1)
			canvas_text_elided(c, x, y, c->cols - x - 1, UI_ROLE_STATUS, ui->input.buf,
					   CANVAS_ELIDE_MIDDLE);
		else
			canvas_text(c, x, y, c->cols - x, UI_ROLE_STATUS,
				    ui->input.buf ? ui->input.buf : "");
		c->cursor_x = x + (w > c->cols - x - 1 ? c->cols - x - 1 : w);
		c->cursor_y = y;
		return;
	}
	if (ui->message[0]) {
		canvas_text_elided(c, 0, y, c->cols, ui->message_error ? UI_ROLE_WARN : UI_ROLE_STATUS,
				   ui->message, CANVAS_ELIDE_MIDDLE);
		return;
	}
	if (v && v->ops->status && !ui->help)
		v->ops->status(v->data, ui, &sb);
	if (sb.len)
		canvas_text_elided(c, 0, y, c->cols, UI_ROLE_STATUS, sb.buf, CANVAS_ELIDE_MIDDLE);
	strbuf_release(&sb);
}

static size_t help_lines(struct ui *ui, const struct ui_help **lines, const char **titles,
			 size_t max)
{
	struct ui_view *v = cur(ui);
	size_t n = 0, i;

	if (v && v->ops->help)
		for (i = 0; v->ops->help[i].keys && n < max; i++) {
			titles[n] = i ? NULL : v->ops->name;
			lines[n++] = &v->ops->help[i];
		}
	for (i = 0; ui->live_help && ui->live_help[i].keys && n < max; i++) {
		titles[n] = i ? NULL : "Live";
		lines[n++] = &ui->live_help[i];
	}
	for (i = 0; global_help[i].keys && n < max; i++) {
		titles[n] = i ? NULL : "Everywhere";
		lines[n++] = &global_help[i];
	}
	for (i = 0; !ui->live_help && no_live_help[i].keys && n < max; i++) {
		titles[n] = NULL;
		lines[n++] = &no_live_help[i];
	}
	return n;
}

static void draw_help(struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	const struct ui_help *lines[128];
	const char *titles[128];
	size_t n = help_lines(ui, lines, titles, ARRAY_SIZE(lines)), i;
	int y = r->y, row = 0;

	for (i = 0; i < n; i++) {
		int rows_needed = titles[i] ? 2 : 1;

		if (row + rows_needed <= ui->help_top) {
			row += rows_needed;
			continue;
		}
		if (titles[i]) {
			if (y >= r->y + r->h)
				break;
			if (row >= ui->help_top && row > 0) {
				y++;
				row++;
			}
			if (y < r->y + r->h)
				canvas_textf(c, 1, y++, r->w - 1, UI_ROLE_TITLE, "Keys: %s", titles[i]);
			row++;
		}
		if (y >= r->y + r->h)
			break;
		canvas_text(c, 3, y, 22, UI_ROLE_FOOTER_KEY, lines[i]->keys);
		canvas_text_elided(c, 26, y, r->w - 26, UI_ROLE_NORMAL, lines[i]->what,
				   CANVAS_ELIDE_END);
		y++;
		row++;
	}
}

void ui_draw(struct ui *ui, struct canvas *c)
{
	struct ui_view *v = cur(ui);
	struct ui_rect body;

	canvas_clear(c);
	ui->cols = c->cols;
	ui->rows = c->rows;
	if (c->cols < MIN_COLS || c->rows < MIN_ROWS) {
		int y = c->rows / 2 - 1;

		canvas_textf(c, 0, y < 0 ? 0 : y, c->cols, UI_ROLE_WARN,
			     "hotstack ui needs at least %dx%d; this terminal is %dx%d", MIN_COLS,
			     MIN_ROWS, c->cols, c->rows);
		canvas_text(c, 0, y + 1 < 0 ? 0 : y + 1, c->cols, UI_ROLE_NORMAL,
			    "enlarge it, or press q to quit");
		return;
	}
	poll_job(ui);
	fresh(ui, ui->current);
	draw_header(ui, c);
	draw_crumb(ui, c);
	body.x = 0;
	body.y = 2;
	body.w = c->cols;
	body.h = c->rows - 4;
	ui->body = body;
	if (ui->help)
		draw_help(ui, c, &body);
	else if (v && v->ops->draw)
		v->ops->draw(v->data, ui, c, &body);
	draw_status(ui, c, c->rows - 2);
	draw_footer(ui, c, c->rows - 1);
}

/* ---- keys ---- */

static void search(struct ui *ui, int dir)
{
	struct ui_view *v = cur(ui);

	if (!ui->last_search || !*ui->last_search) {
		ui_message(ui, false, "no search yet: press / to search");
		return;
	}
	if (!v->ops->search) {
		ui_message(ui, true, "the %s view has no search", v->ops->name);
		return;
	}
	if (!v->ops->search(v->data, ui, ui->last_search, dir))
		ui_message(ui, true, "no match for '%s'", ui->last_search);
}

/* Through the one atomic-write rule: whole or not at all, never through
 * someone else's symlink (the UI may run as root in /tmp). */
static void export_to(struct ui *ui, const char *path)
{
	struct ui_view *v = cur(ui);
	struct atomicfile af;
	char *msg = NULL;
	int err;

	err = atomicfile_open(&af, path, &msg);
	if (err) {
		ui_message(ui, true, "%s", msg);
		free(msg);
		return;
	}
	err = v->ops->export(v->data, ui, af.f, &msg);
	if (err) {
		atomicfile_abort(&af);
		ui_message(ui, true, "export to '%s' failed: %s", path, msg ? msg : strerror(-err));
		free(msg);
		return;
	}
	err = atomicfile_commit(&af, &msg);
	if (err)
		ui_message(ui, true, "%s", msg);
	else
		ui_message(ui, false, "wrote the %s view to '%s'", v->ops->name, path);
	free(msg);
}

static void prompt_done(struct ui *ui)
{
	const char *in = ui->input.buf ? ui->input.buf : "";

	if (ui->prompt == '/') {
		if (*in) {
			free(ui->last_search);
			ui->last_search = xstrdup(in);
		}
		ui->prompt = 0;
		search(ui, 1);
	} else if (ui->prompt == 'w' && ui->live_prompt) {
		char *path = xstrdup(in);

		ui->prompt = 0;
		ui->live_prompt(ui, path);
		free(path);
	} else {
		char *path = xstrdup(in);

		ui->prompt = 0;
		if (*path)
			export_to(ui, path);
		free(path);
	}
}

static void prompt_key(struct ui *ui, int key)
{
	if (key == UI_KEY_ESC || key == 3) {
		ui->prompt = 0;
		return;
	}
	if (key == UI_KEY_ENTER || key == '\r') {
		prompt_done(ui);
		return;
	}
	if (key == UI_KEY_BACKSPACE || key == 8) {
		/* remove one UTF-8 character */
		while (ui->input.len && (ui->input.buf[ui->input.len - 1] & 0xc0) == 0x80)
			ui->input.len--;
		if (ui->input.len)
			ui->input.len--;
		if (ui->input.buf)
			ui->input.buf[ui->input.len] = '\0';
		return;
	}
	if (key == 0x15) {	/* Ctrl-U */
		strbuf_reset(&ui->input);
		return;
	}
	if (key >= 0x20 && key < 0x110000 && key != 0x7f && ui->input_fresh)
		strbuf_reset(&ui->input);	/* typing replaces the offered default */
	ui->input_fresh = false;
	if (key >= 0x20 && key < 0x110000 && key != 0x7f && ui->input.len < 1024) {
		char ch = (char)key;

		if (key < 0x100)	/* bytes of UTF-8 come one at a time */
			strbuf_add(&ui->input, &ch, 1);
	}
}

static void start_prompt(struct ui *ui, int which, const char *initial)
{
	ui->prompt = which;
	strbuf_reset(&ui->input);
	strbuf_adds(&ui->input, initial ? initial : "");
	ui->input_fresh = initial && *initial;
}

static void cycle_kind(struct ui *ui)
{
	static const int kinds[] = { KIND_CPU, KIND_OFFCPU, KIND_RUNQUEUE, KIND_SEL_WALL };
	struct ui_filter f = *ui_filter_target(ui);
	size_t i;

	if (!ui->model->has_waits) {
		ui_message(ui, false,
			   "only %s samples in this recording (record --waits for offcpu and wall)",
			   profile_kind_name(ui->filter.kind));
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i] == f.kind)
			break;
	f.kind = kinds[(i + 1) % ARRAY_SIZE(kinds)];
	if (!ui_set_filter(ui, &f))
		ui_message(ui, false, "showing %s samples", profile_kind_name(f.kind));
}

static void help_key(struct ui *ui, int key)
{
	switch (key) {
	case 'q':
	case UI_KEY_ESC:
	case '?':
	case UI_KEY_F1:
		ui->help = false;
		break;
	case UI_KEY_UP:
	case 'k':
		if (ui->help_top > 0)
			ui->help_top--;
		break;
	case UI_KEY_DOWN:
	case 'j':
		ui->help_top++;
		break;
	case UI_KEY_PGUP:
		ui->help_top -= ui->body.h;
		if (ui->help_top < 0)
			ui->help_top = 0;
		break;
	case UI_KEY_PGDN:
	case ' ':
		ui->help_top += ui->body.h;
		break;
	case UI_KEY_HOME:
		ui->help_top = 0;
		break;
	default:
		break;
	}
	if (ui->help_top > 60)
		ui->help_top = 60;
}

bool ui_key(struct ui *ui, int key)
{
	struct ui_view *v = cur(ui);
	bool small = ui->cols && (ui->cols < MIN_COLS || ui->rows < MIN_ROWS);

	if (key == UI_KEY_RESIZE || key == UI_KEY_NONE)
		return ui->quit;
	poll_job(ui);
	fresh(ui, ui->current);
	if (ui->prompt) {
		prompt_key(ui, key);
		return ui->quit;
	}
	ui->message[0] = '\0';
	if (key == 3)	/* Ctrl-C: quit as an interrupted program does */
		ui->exit_code = 128 + 2;
	if (key == 'Q' || key == 3 || key == UI_KEY_F10)
		return ui->quit = true;
	if (small) {
		if (key == 'q')
			ui->quit = true;
		return ui->quit;
	}
	if (ui->help) {
		help_key(ui, key);
		return ui->quit;
	}
	if (key == UI_KEY_ESC && ui->job) {
		cancel_job(ui);
		ui_message(ui, false, "load cancelled");
		return false;
	}
	if (key == '?' || key == UI_KEY_F1) {
		ui->help = true;
		ui->help_top = 0;
		return false;
	}
	if (key >= '1' && key <= '9') {
		if (!ui_show_view(ui, key))
			ui_message(ui, true, "no view %c here", key);
		return false;
	}
	if (key == UI_KEY_TAB || key == UI_KEY_BTAB) {
		if (ui->nviews)
			ui->current = (ui->current + (key == UI_KEY_TAB ? 1 : ui->nviews - 1)) %
				      ui->nviews;
		return false;
	}
	if (key == '/' || key == UI_KEY_F1 + 2) {
		start_prompt(ui, '/', NULL);
		return false;
	}
	if (ui->live_key && ui->live_key(ui, key) == UI_HANDLED)
		return ui->quit;
	if (v && v->ops->key && v->ops->key(v->data, ui, key) == UI_HANDLED)
		return ui->quit;
	switch (key) {
	case 'n':
		search(ui, 1);
		break;
	case 'N':
		search(ui, -1);
		break;
	case 'e':
		if (v && v->ops->export) {
			char def[128], *d;

			snprintf(def, sizeof(def), "hotstack-%s.%s", v->ops->tab ? v->ops->tab : "view",
				 v->ops->export_ext ? v->ops->export_ext : "txt");
			for (d = def; *d; d++)	/* "hotstack-tree.folded" */
				*d = (char)tolower((unsigned char)*d);
			start_prompt(ui, 'e', def);
		} else {
			ui_message(ui, true, "nothing to export here");
		}
		break;
	case 'c':
		cycle_kind(ui);
		break;
	case 'K': {
		struct ui_filter f = *ui_filter_target(ui);

		f.hide_kernel = !f.hide_kernel;
		if (!ui_set_filter(ui, &f))
			ui_message(ui, false, "kernel frames %s", f.hide_kernel ? "hidden" : "shown");
		break;
	}
	case UI_KEY_ESC:
		if (v && v->ops->back && v->ops->back(v->data, ui, key))
			break;
		if (ui->nundo) {
			struct ui_filter f = ui->undo[ui->nundo - 1];

			if (!load(ui, &f, UNDO_POP))
				ui_message(ui, false, "filter undone");
		}
		break;
	case 'q':
		if (v && v->ops->back && v->ops->back(v->data, ui, key))
			break;
		ui->quit = true;
		break;
	case 'p':
	case 'r':
	case 't':
	case 'w':
	case 'b':
		ui_message(ui, false, "'%c' is for live mode (hotstack attach)", key);
		break;
	default:
		ui_message(ui, false, "unknown key: press ? for help");
		break;
	}
	return ui->quit;
}

void ui_mouse(struct ui *ui, int x, int y, int button)
{
	struct ui_view *v = cur(ui);
	int i;

	if (ui->prompt || (ui->cols < MIN_COLS || ui->rows < MIN_ROWS))
		return;
	ui->message[0] = '\0';
	if (ui->help) {
		if (button == UI_BUTTON_WHEEL_UP)
			help_key(ui, UI_KEY_UP);
		else if (button == UI_BUTTON_WHEEL_DOWN)
			help_key(ui, UI_KEY_DOWN);
		return;
	}
	if (y == 0 && button == UI_BUTTON_LEFT) {
		for (i = 0; i < ui->nviews; i++)
			if (x >= ui->tab_x[i] && x < ui->tab_x[i + 1])
				ui->current = i;
		return;
	}
	if (y < ui->body.y || y >= ui->body.y + ui->body.h || !v || !v->ops->click) {
		if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN)
			ui_key(ui, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN);
		return;
	}
	fresh(ui, ui->current);
	v->ops->click(v->data, ui, x - ui->body.x, y - ui->body.y, button);
}
