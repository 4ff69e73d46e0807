/* live.c - a recording that grows under the UI (see live.h) */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "model.h"
#include "view.h"

enum live_state { LIVE_LIVE, LIVE_FINISHED, LIVE_STALE, LIVE_ENDED };

struct ui_live {
	struct ui_live_source src;
	bool attach;
	enum live_state state;
	bool frozen;		/* p: the display stays, sampling goes on */
	bool window;		/* t: the last UI_LIVE_WINDOW_NS only */
	bool poll_failed;
	int64_t reset_ns;	/* r: counts from here (recording time), -1 */
	uint64_t next_reload;	/* monotonic */
	uint64_t reload_ns;	/* what the last reload took */
	int64_t start_time;	/* meta start_time, Unix ns */
	int64_t mark_ns;	/* b: the baseline mark (recording time), 0 none */
	/* the comparison views, kept out of the view list until a baseline
	 * mark swaps each in for the view with its digit (Hotspots...) */
	struct ui_view aside[UI_MAX_VIEWS];
	int naside;
	bool swapped;
};

static struct ui_live *live_new(void)
{
	struct ui_live *l = xcalloc(1, sizeof(*l));

	l->reset_ns = -1;
	return l;
}

struct ui_live *ui_live_follow(struct ui_model *m)
{
	struct ui_live *l;

	if (!m->p || profile_meta(m->p, "finished") || !profile_meta(m->p, "writer_pid"))
		return NULL;
	l = live_new();
	l->start_time = profile_meta_int(m->p, "start_time", 0);
	return l;
}

struct ui_live *ui_live_attach(const struct ui_live_source *src)
{
	struct ui_live *l = live_new();

	l->src = *src;
	l->attach = true;
	return l;
}

void ui_live_free(struct ui_live *l)
{
	free(l);
}

/* Recording time now: ns since its start. */
static int64_t rec_now(const struct ui_live *l)
{
	int64_t t = (int64_t)realtime_ns() - l->start_time;

	return l->start_time > 0 && t > 0 ? t : 0;
}

/* The state the recording's meta says (follow mode). */
static enum live_state file_state(const struct profile *p)
{
	int64_t pid = profile_meta_int(p, "writer_pid", 0);
	int64_t last = profile_meta_int(p, "last_commit", 0);

	if (profile_meta(p, "finished"))
		return LIVE_FINISHED;
	if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH)
		return LIVE_STALE;
	if (last > 0 && (int64_t)realtime_ns() - last > (int64_t)UI_LIVE_STALE_NS)
		return LIVE_STALE;
	return LIVE_LIVE;
}

static void set_marker(struct ui *ui)
{
	struct ui_live *l = ui->live;
	static const char *const names[] = { "live", "finished", "stale", "ended" };
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, l->frozen && l->state == LIVE_LIVE ? "paused" : names[l->state]);
	if (l->frozen && l->state != LIVE_LIVE)
		strbuf_adds(&sb, " paused");
	if (l->window && ui->model->p) {
		const struct profile *p = ui->model->p;
		int64_t freq = profile_meta_int(p, "frequency", 0);
		double secs = (double)(ui->filter.to_ns - ui->filter.from_ns) / 1e9;

		if (freq > 0 && secs > 0)
			strbuf_addf(&sb, "  last %.0fs: %.0f%% CPU", secs,
				    100.0 * (double)p->totals.samples / ((double)freq * secs));
	}
	if (l->attach && l->src.describe) {
		strbuf_adds(&sb, "  ");
		l->src.describe(l->src.arg, &sb);
	}
	snprintf(ui->live_marker, sizeof(ui->live_marker), "%s", sb.buf ? sb.buf : "");
	strbuf_release(&sb);
}

/* The time range the counts are shown for: since the last r, or the
 * recent window. */
static void live_range(struct ui *ui, struct ui_filter *f)
{
	struct ui_live *l = ui->live;
	int64_t now = rec_now(l);

	f->from_ns = l->reset_ns;
	f->to_ns = -1;
	if (l->mark_ns > 0)	/* the comparison's after side grows */
		f->to_ns = now > l->mark_ns ? now : l->mark_ns + 1;
	if (l->window) {
		int64_t from = now - UI_LIVE_WINDOW_NS;

		if (from < 0)
			from = 0;
		if (from < l->reset_ns)
			from = l->reset_ns;
		f->from_ns = from;
		f->to_ns = now > from ? now : from + 1;
	}
}

static void reload(struct ui *ui)
{
	struct ui_live *l = ui->live;
	void (*busy)(struct ui *, const char *) = ui->busy;
	uint64_t t0 = monotonic_ns();
	char message[sizeof(ui->message)];
	bool message_error = ui->message_error;

	if (l->attach)
		live_range(ui, &ui->filter);
	/* no "loading" flash every second, and a message stays up */
	memcpy(message, ui->message, sizeof(message));
	ui->busy = NULL;
	if (!ui_reload(ui)) {
		l->reload_ns = monotonic_ns() - t0;
		memcpy(ui->message, message, sizeof(message));
		ui->message_error = message_error;
	}
	ui->busy = busy;
	if (!l->start_time)
		l->start_time = profile_meta_int(ui->model->p, "start_time", 0);
}

bool ui_live_tick(struct ui *ui, bool force)
{
	struct ui_live *l = ui->live;
	uint64_t now;
	bool changed = false;

	if (!l)
		return false;
	if (l->attach && l->src.poll && l->state == LIVE_LIVE) {
		const char *msg = NULL;

		if (l->src.poll(l->src.arg, 20, &msg)) {
			if (!l->poll_failed)
				ui_message(ui, true, "sampling stopped: %s", msg ? msg : "error");
			l->poll_failed = changed = true;
			l->state = LIVE_ENDED;
		} else if (l->src.ended && l->src.ended(l->src.arg)) {
			l->state = LIVE_ENDED;
			force = changed = true;
		}
	}
	now = monotonic_ns();
	if (!force && now < l->next_reload)
		return changed;
	if (!l->frozen && (l->attach || l->state != LIVE_FINISHED)) {
		reload(ui);
		if (!l->attach)
			l->state = file_state(ui->model->p);
	}
	/* about once a second; a big recording whose reload takes long is
	 * reloaded less often, so that reloading stays under a tenth of the
	 * time (keys wait while it runs) */
	now = monotonic_ns();
	l->next_reload = now + (l->reload_ns * 10 > UI_LIVE_REFRESH_NS ? l->reload_ns * 10
								       : UI_LIVE_REFRESH_NS);
	set_marker(ui);
	return true;
}

static int live_prompt(struct ui *ui, const char *input)
{
	struct ui_live *l = ui->live;
	char *err = NULL;
	const char *path = *input ? input : "hotstack.db";
	int rc;

	rc = l->src.save(l->src.arg, path, &err);
	if (rc)
		ui_message(ui, true, "cannot write '%s': %s", path, err ? err : strerror(-rc));
	else
		ui_message(ui, false, "wrote what was recorded since the attach to '%s'", path);
	free(err);
	return rc;
}

/* The comparison views in or out of the list, each for the view of its
 * digit. */
static void swap_aside(struct ui *ui, bool in)
{
	struct ui_live *l = ui->live;
	struct ui_view tmp;
	int i, k;

	if (l->swapped == in)
		return;
	for (k = 0; k < l->naside; k++)
		for (i = 0; i < ui->nviews; i++)
			if (ui->views[i].ops->digit == l->aside[k].ops->digit) {
				tmp = ui->views[i];
				ui->views[i] = l->aside[k];
				l->aside[k] = tmp;
				ui->views[i].stale = true;
				break;
			}
	l->swapped = in;
}

static void baseline(struct ui *ui, bool on)
{
	struct ui_live *l = ui->live;

	l->mark_ns = on ? rec_now(l) : 0;
	if (on && l->mark_ns <= 0)
		l->mark_ns = 1;
	ui->live_mark_ns = l->mark_ns;
	swap_aside(ui, on);
	if (on)		/* the change since the mark, where Hotspots was */
		ui_show_view(ui, '1');
}

static int live_key(struct ui *ui, int key)
{
	struct ui_live *l = ui->live;

	switch (key) {
	case 'p':
		l->frozen = !l->frozen;
		ui_message(ui, false, l->frozen ? "display paused; sampling goes on (p resumes)"
						 : "display follows again");
		if (!l->frozen)
			ui_live_tick(ui, true);
		set_marker(ui);
		return UI_HANDLED;
	case 'r':
	case 't':
	case 'w':
	case 'b':
		break;
	default:
		return UI_UNHANDLED;
	}
	if (!l->attach) {
		ui_message(ui, false, "'%c' works in hotstack attach; here p pauses", key);
		return UI_HANDLED;
	}
	switch (key) {
	case 'r':
		l->reset_ns = rec_now(l);
		baseline(ui, false);
		ui_live_tick(ui, true);
		ui_message(ui, false, "counts reset: shown from now on");
		break;
	case 't':
		l->window = !l->window;
		ui_live_tick(ui, true);
		ui_message(ui, false, l->window ? "the last %llu seconds (t: since the attach)"
						: "cumulative (t: the last %llu seconds)",
			   (unsigned long long)(UI_LIVE_WINDOW_NS / 1000000000ll));
		break;
	case 'w':
		ui->prompt = 'w';
		strbuf_reset(&ui->input);
		strbuf_adds(&ui->input, "hotstack.db");
		ui->input_fresh = true;
		break;
	case 'b':
		if (!l->naside) {
			ui_message(ui, true, "no comparison view in this build");
			break;
		}
		baseline(ui, !l->mark_ns);
		ui_live_tick(ui, true);
		if (l->mark_ns)
			ui_message(ui, false, "baseline marked: the change since now, per second (b clears)");
		else
			ui_message(ui, false, "baseline cleared");
		break;
	}
	return UI_HANDLED;
}

static const struct ui_help attach_help[] = {
	{ "p", "pause the display (sampling goes on); p again follows" },
	{ "r", "reset: counts from now on; clears the baseline" },
	{ "t", "the last 5 seconds (with %CPU) or cumulative" },
	{ "b", "baseline mark: Hotspots shows the change since now; b clears" },
	{ "w", "write what was recorded since the attach (Enter: hotstack.db)" },
	{ "q, Q, Ctrl-C", "detach and quit: the processes run on" },
	{ NULL, NULL },
};

static const struct ui_help follow_help[] = {
	{ "p", "pause the display; p again follows the recording" },
	{ NULL, NULL },
};

static bool live_tick_hook(struct ui *ui)
{
	return ui_live_tick(ui, false);
}

static void live_free_hook(struct ui *ui)
{
	struct ui_live *l = ui->live;

	int k;

	for (k = 0; k < l->naside; k++)
		if (l->aside[k].ops->destroy)
			l->aside[k].ops->destroy(l->aside[k].data);
	l->naside = 0;
}

void ui_live_setup(struct ui *ui, void *arg)
{
	struct ui_live *l = arg;
	int i, n = 0;

	ui->live = l;
	ui->live_tick = live_tick_hook;
	ui->live_key = live_key;
	ui->live_prompt = live_prompt;
	ui->live_free = live_free_hook;
	ui->live_help = l->attach ? attach_help : follow_help;
	ui->model->reopen_quick = true;	/* checked by its first open */
	/* attach: the comparison view (ui_new made it for the baseline) waits
	 * aside until b */
	for (i = 0; i < ui->nviews; i++) {
		if (!(ui->views[i].ops->modes & UI_MODE_BROWSE)) {
			l->aside[l->naside++] = ui->views[i];
			continue;
		}
		ui->views[n++] = ui->views[i];
	}
	if (ui->current >= n)
		ui->current = 0;
	ui->nviews = n;
	if (!l->attach)
		l->state = file_state(ui->model->p);
	l->next_reload = monotonic_ns() + UI_LIVE_REFRESH_NS;
	set_marker(ui);
}
