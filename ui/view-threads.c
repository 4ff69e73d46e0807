/* view-threads.c - view 5: processes and threads with their CPU, off-CPU
 * and runqueue time; Enter on a thread filters every view to it
 *
 * Rows come from model-query.h (mthreads): each process followed by its
 * threads, then threads the recording has no process for. The numbers are
 * over the time range in force (every thread stays listed); the thread
 * filter in force is marked '*'. Enter on a process row folds it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model-query.h"
#include "model.h"
#include "view.h"

struct thview {
	struct mq_store store;
	struct mthreads m;
	bool stale;
	char *error;
	/* what the table was read for: it depends on the time range and
	 * the recording's contents only, not on the thread or the kind */
	bool loaded;
	uint64_t data_generation;
	int64_t from_ns, to_ns;
};

static const char *const sort_names[] = { "cpu", "off-cpu", "tid", "name" };

static void *th_create(struct ui *ui UNUSED)
{
	struct thview *v = xcalloc(1, sizeof(*v));

	mthreads_init(&v->m);
	v->stale = true;
	return v;
}

static void th_destroy(void *view)
{
	struct thview *v = view;

	mthreads_release(&v->m);
	mq_store_release(&v->store);
	free(v->error);
	free(v);
}

static void th_reload(void *view, struct ui *ui UNUSED)
{
	struct thview *v = view;

	v->stale = true;
}

static void ensure(struct thview *v, struct ui *ui)
{
	struct store *st;

	if (!v->stale)
		return;
	v->stale = false;
	if (v->loaded && !v->error && v->data_generation == ui->data_generation &&
	    v->from_ns == ui->filter.from_ns && v->to_ns == ui->filter.to_ns)
		return;	/* a thread or kind filter: the same table */
	v->loaded = true;
	v->data_generation = ui->data_generation;
	v->from_ns = ui->filter.from_ns;
	v->to_ns = ui->filter.to_ns;
	free(v->error);
	v->error = NULL;
	st = mq_store_get(&v->store, ui->model->path, &v->error);
	if (st && !mthreads_load(&v->m, st, &ui->filter, &v->error) && !v->m.t->nthreads) {
		free(v->error);
		v->error = xstrdup("no threads in this recording");
	}
}

static void fmt_pct(char *buf, size_t size, uint64_t part, uint64_t all)
{
	if (!all)
		snprintf(buf, size, "-");
	else
		ui_fmt_pct(buf, size, 100.0 * part / all);
}

static void fmt_life(char *buf, size_t size, int64_t start, int64_t end)
{
	char a[16], b[16];

	if (start < 0)
		snprintf(a, sizeof(a), "?");
	else
		snprintf(a, sizeof(a), "%.2f", start / 1e9);
	if (end < 0)
		snprintf(b, sizeof(b), "end");
	else
		snprintf(b, sizeof(b), "%.2f", end / 1e9);
	snprintf(buf, size, "%s-%s", a, b);
}

/* The numbers of a row into line: cpu-s cpu% off-s runq-s. */
static void row_numbers(const struct threads_table *t, const struct profile_value *cpu,
			const struct profile_value *off, const struct profile_value *rq,
			char *line, size_t size)
{
	char cs[16], cp[16], os[16], rs[16];

	ui_fmt_secs(cs, sizeof(cs), cpu->weight_ns);
	fmt_pct(cp, sizeof(cp), cpu->weight_ns, t->cpu.weight_ns);
	ui_fmt_secs(os, sizeof(os), off->weight_ns);
	ui_fmt_secs(rs, sizeof(rs), rq->weight_ns);
	snprintf(line, size, "%8s %7s %9s %8s", cs, cp, os, rs);
}

static void th_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct thview *v = view;
	struct mthreads *m = &v->m;
	const struct threads_table *t;
	int page = r->h - 1, i, name_x = 63, name_w = r->w - name_x;
	char title[256];

	ensure(v, ui);
	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	snprintf(title, sizeof(title), "   %-9s %8s %7s %9s %8s  %-11s", "pid/tid", "cpu-s", "cpu%",
		 "offcpu-s", "runq-s", "lifetime-s");
	canvas_text(c, r->x, r->y, r->w, UI_ROLE_TITLE, title);
	canvas_textf(c, r->x + name_x, r->y, name_w, UI_ROLE_TITLE, "name (by %s%s)",
		     sort_names[m->sort], canvas_glyph(c, UI_GLYPH_SORTED));
	if (v->error) {
		canvas_text(c, r->x + 2, r->y + 2, r->w - 2, UI_ROLE_WARN, v->error);
		return;
	}
	t = m->t;
	ui_list_fit(&m->list, page);
	for (i = 0; i < page && m->list.top + i < m->list.n; i++) {
		int row = m->list.top + i, y = r->y + 1 + i;
		const struct mthreads_row *rw = &m->rows[row];
		enum ui_role role = row == m->list.cursor ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;
		char nums[64], life[40], id[24];

		canvas_fill(c, r->x, y, r->w, role);
		if (rw->kind == MTHREADS_PROCESS) {
			const struct threads_process *p = rw->index >= 0 ? &t->procs[rw->index] : NULL;
			int pid = p ? p->pid : 0;
			struct profile_value cpu = { 0, 0 }, off = { 0, 0 }, rq = { 0, 0 };
			size_t k, n = 0;

			for (k = 0; k < t->nthreads; k++)
				if (t->threads[k].process == rw->index) {
					cpu.weight_ns += t->threads[k].cpu.weight_ns;
					off.weight_ns += t->threads[k].offcpu.weight_ns;
					rq.weight_ns += t->threads[k].runqueue.weight_ns;
					n++;
				}
			row_numbers(t, &cpu, &off, &rq, nums, sizeof(nums));
			canvas_text(c, r->x + 1, y, 2, role,
				    canvas_glyph(c, mthreads_is_collapsed(m, pid) ? UI_GLYPH_COLLAPSED :
										  UI_GLYPH_EXPANDED));
			if (p)
				snprintf(id, sizeof(id), "%d", pid);
			else
				snprintf(id, sizeof(id), "-");
			canvas_textf(c, r->x + 3, y, r->w - 3, role, "%-9s %s", id, nums);
			canvas_textf(c, r->x + name_x, y, name_w, role, "%zu thread%s", n,
				     n == 1 ? "" : "s");
			canvas_text_elided(c, r->x + name_x + 12, y, name_w - 12,
					   role == UI_ROLE_CURSOR ? role : UI_ROLE_TITLE,
					   p ? (*p->name ? p->name : p->exe) : "(no process recorded)",
					   CANVAS_ELIDE_MIDDLE);
		} else {
			const struct threads_thread *th = &t->threads[rw->index];

			row_numbers(t, &th->cpu, &th->offcpu, &th->runqueue, nums, sizeof(nums));
			fmt_life(life, sizeof(life), th->start_ns, th->end_ns);
			canvas_text(c, r->x, y, 1, role, ui->filter.tid == th->tid ? "*" : " ");
			canvas_textf(c, r->x + 3, y, r->w - 3, role, "  %-7d %s  %-11s", th->tid, nums,
				     life);
			canvas_text_elided(c, r->x + name_x, y, name_w, role,
					   *th->name ? th->name : "(unnamed)", CANVAS_ELIDE_MIDDLE);
		}
	}
}

static void th_status(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct thview *v = view;
	const struct mthreads *m = &v->m;
	const struct mthreads_row *rw;

	if (!m->t || !m->nrows)
		return;
	rw = &m->rows[m->list.cursor];
	if (rw->kind == MTHREADS_THREAD) {
		const struct threads_thread *th = &m->t->threads[rw->index];

		strbuf_addf(sb, "thread %d '%s'", th->tid, th->name);
		if (th->process >= 0)
			strbuf_addf(sb, " of process %d '%s'", m->t->procs[th->process].pid,
				    m->t->procs[th->process].name);
		strbuf_addf(sb, ": %llu cpu samples, %.3f s on CPU, %.3f s blocked, %.3f s runnable",
			    (unsigned long long)th->cpu.count, th->cpu.weight_ns / 1e9,
			    th->offcpu.weight_ns / 1e9, th->runqueue.weight_ns / 1e9);
	} else if (rw->index >= 0) {
		const struct threads_process *p = &m->t->procs[rw->index];

		strbuf_addf(sb, "process %d '%s' %s (parent %d): %zu threads", p->pid, p->name,
			    p->exe, p->ppid, p->nthreads);
	} else {
		strbuf_adds(sb, "threads whose process the recording does not name");
	}
}

static void set_thread(struct ui *ui, int tid)
{
	struct ui_filter f = ui->filter;

	if (f.tid == tid) {
		ui_message(ui, false, tid ? "already showing only thread %d" :
					   "already showing all threads", tid);
		return;
	}
	f.tid = tid;
	if (!ui_set_filter(ui, &f)) {
		if (tid)
			ui_message(ui, false, "every view shows thread %d only (a: all threads)", tid);
		else
			ui_message(ui, false, "every view shows all threads");
	}
}

static int th_key(void *view, struct ui *ui, int key)
{
	struct thview *v = view;
	struct mthreads *m = &v->m;
	int tid;

	ensure(v, ui);
	if (ui_list_key(&m->list, key, ui->body.h - 1) == UI_HANDLED)
		return UI_HANDLED;
	if (!m->t)
		return UI_UNHANDLED;
	switch (key) {
	case UI_KEY_ENTER:
	case '\r':
		if (!m->nrows)
			break;
		tid = mthreads_row_tid(m, (size_t)m->list.cursor);
		if (tid >= 0) {
			set_thread(ui, tid);
			break;
		}
		/* a process row folds */
		/* fall through */
	case ' ':
	case UI_KEY_LEFT:
	case UI_KEY_RIGHT:
		if (m->nrows && m->rows[m->list.cursor].kind == MTHREADS_PROCESS) {
			int idx = m->rows[m->list.cursor].index;
			int pid = idx >= 0 ? m->t->procs[idx].pid : 0;
			bool folded = mthreads_is_collapsed(m, pid);

			if ((key == UI_KEY_LEFT && folded) || (key == UI_KEY_RIGHT && !folded))
				break;
			mthreads_save_cursor(m);
			mthreads_toggle(m, pid);
			mthreads_rows(m);
			mthreads_restore_cursor(m);
		}
		break;
	case 'a':
		set_thread(ui, 0);
		break;
	case 's':
		mthreads_save_cursor(m);
		m->sort = (m->sort + 1) % ARRAY_SIZE(sort_names);
		mthreads_rows(m);
		mthreads_restore_cursor(m);
		ui_message(ui, false, "sorted by %s", sort_names[m->sort]);
		break;
	default:
		return UI_UNHANDLED;
	}
	return UI_HANDLED;
}

static int th_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct thview *v = view;
	struct mthreads *m = &v->m;
	int i;

	for (i = 1; i <= m->list.n; i++) {
		int row = ((m->list.cursor + dir * i) % m->list.n + m->list.n) % m->list.n;
		const struct mthreads_row *rw = &m->rows[row];
		const char *name;
		char id[16];
		int num;

		if (rw->kind == MTHREADS_THREAD) {
			name = m->t->threads[rw->index].name;
			num = m->t->threads[rw->index].tid;
		} else if (rw->index >= 0) {
			name = m->t->procs[rw->index].name;
			num = m->t->procs[rw->index].pid;
		} else {
			continue;
		}
		snprintf(id, sizeof(id), "%d", num);
		if (ui_match(name, needle) || !strcmp(id, needle)) {
			m->list.cursor = row;
			ui_list_fit(&m->list, ui->body.h - 1);
			return 1;
		}
	}
	return 0;
}

static int th_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct thview *v = view;
	struct mthreads *m = &v->m;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN) {
		ui_list_key(&m->list, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN,
			    ui->body.h - 1);
		return UI_HANDLED;
	}
	if (y < 1 || m->list.top + y - 1 >= m->list.n)
		return UI_HANDLED;
	m->list.cursor = m->list.top + y - 1;
	if (button == UI_BUTTON_DOUBLE)
		return th_key(view, ui, UI_KEY_ENTER);
	return UI_HANDLED;
}

static int th_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct thview *v = view;
	const struct threads_table *t;
	char name[1024];
	size_t i;

	ensure(v, ui);
	t = v->m.t;
	if (!t)
		return 0;
	fprintf(f, "# hotstack ui: threads of %s\n", sanitized(ui->model->path));
	fprintf(f, "%8s %8s %10s %10s %10s %10s %10s  %s\n", "pid", "tid", "cpu_s", "offcpu_s",
		"runq_s", "start_s", "end_s", "name");
	for (i = 0; i < t->nthreads; i++) {
		const struct threads_thread *th = &t->threads[i];

		fprintf(f, "%8d %8d %10.3f %10.3f %10.3f %10.3f %10.3f  %s\n", th->pid, th->tid,
			th->cpu.weight_ns / 1e9, th->offcpu.weight_ns / 1e9,
			th->runqueue.weight_ns / 1e9, th->start_ns < 0 ? -1.0 : th->start_ns / 1e9,
			th->end_ns < 0 ? -1.0 : th->end_ns / 1e9,
			sanitize(name, sizeof(name), th->name));
	}
	return 0;
}

static const struct ui_help th_help[] = {
	{ "Enter", "on a thread: every view shows that thread only (Esc undoes)" },
	{ "Enter, Space, Left Right", "on a process: fold or unfold its threads" },
	{ "a", "every view shows all threads again" },
	{ "s", "sort by cpu, off-CPU time, tid or name" },
	{ "mouse", "click selects, double click as Enter" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_threads = {
	.name = "Threads",
	.tab = "Thr",
	.digit = '5',
	.modes = UI_MODE_BROWSE,
	.create = th_create,
	.destroy = th_destroy,
	.reload = th_reload,
	.draw = th_draw,
	.status = th_status,
	.key = th_key,
	.search = th_search,
	.click = th_click,
	.export = th_export,
	.export_ext = "txt",
	.help = th_help,
	.footer = "Enter:filter a:all s:sort",
};
