/* view-waits.c - view 4: what threads waited on (recordings made with
 * --waits): off-CPU stacks by time blocked, the system call table and I/O
 * by file and socket, for the thread and time range in force
 *
 * One list with three sections (model-query.h: mwaits). An off-CPU stack
 * is led by its wait site, as `report --waits` names it: the blocking call
 * (the innermost user frame), its callers, then the kernel function it
 * waited in (mwaits_stack_label()), so the user's code shows at 80
 * columns. Enter on a stack or a system call opens the stack that waited,
 * leaf first, kernel frames included; Enter on one of its frames opens
 * that function in the call tree; q or Esc closes it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model-query.h"
#include "model.h"
#include "view.h"

struct wview {
	struct mq_store store;
	struct mwaits m;
	bool stale;
	char *error;
};

static void *wv_create(struct ui *ui UNUSED)
{
	struct wview *v = xcalloc(1, sizeof(*v));

	mwaits_init(&v->m);
	v->stale = true;
	return v;
}

static void wv_destroy(void *view)
{
	struct wview *v = view;

	mwaits_release(&v->m);
	mq_store_release(&v->store);
	free(v->error);
	free(v);
}

static void wv_reload(void *view, struct ui *ui UNUSED)
{
	struct wview *v = view;

	v->stale = true;
}

static void ensure(struct wview *v, struct ui *ui)
{
	struct store *st;

	if (!v->stale)
		return;
	v->stale = false;
	free(v->error);
	v->error = NULL;
	st = mq_store_get(&v->store, ui->model->path, &v->error);
	if (st)
		mwaits_load(&v->m, st, &ui->filter, &v->error);
}

/* "12.3us", "4.56ms", "1.234s": a duration in 8 columns. */
static void fmt_dur(char *buf, size_t size, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.2fms", ns / 1e6);
	else
		snprintf(buf, size, "%.3fs", ns / 1e9);
}

static void fmt_bytes(char *buf, size_t size, uint64_t n)
{
	if (n < 10000)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else if (n < 10000000)
		snprintf(buf, size, "%.1fK", n / 1024.0);
	else if (n < 10000000000ULL)
		snprintf(buf, size, "%.1fM", n / 1048576.0);
	else
		snprintf(buf, size, "%.1fG", n / 1073741824.0);
}

/* Between a frame and its caller: "read ← do_io ← main". */
static const char *sep(const struct canvas *c)
{
	return c && c->utf8 ? " \xe2\x86\x90 " : " < ";
}

/* A stack leaf first, every frame. */
static void stack_text(char *const *frames, size_t n, struct strbuf *sb)
{
	size_t i;

	for (i = n; i-- > 0;) {
		strbuf_adds(sb, frames[i]);
		if (i)
			strbuf_adds(sb, sep(NULL));
	}
}

/* Where names and stacks start in each section: after its numbers. */
static int text_x(int section)
{
	return section == 0 ? 20 : section == 1 ? 54 : 47;
}

static void draw_heading(struct canvas *c, const struct ui_rect *r, int y, int section,
			 const char *text)
{
	int x = text_x(section);
	char line[128];

	if (section == 0)
		snprintf(line, sizeof(line), "%8s %9s", "samples", "blocked");
	else if (section == 1)
		snprintf(line, sizeof(line), "%8s %9s %8s %8s %8s %6s", "count", "total", "p50",
			 "p99", "max", "errors");
	else
		snprintf(line, sizeof(line), "%8s %9s %8s %8s %8s", "calls", "waited", "read",
			 "written", "kind");
	canvas_fill(c, r->x, y, r->w, UI_ROLE_TITLE);
	canvas_text(c, r->x, y, x, UI_ROLE_TITLE, line);
	canvas_text_elided(c, r->x + x, y, r->w - x, UI_ROLE_TITLE, text, CANVAS_ELIDE_END);
}

/*
 * A system call's name in w columns, with the hint that Enter shows its
 * stack when it has one: after the name, or dropped when the name would
 * have to be cut for it (the footer names the key too).
 */
static void draw_call_name(struct canvas *c, int x, int y, int w, enum ui_role role,
			   const char *name, bool stack)
{
	static const char hint[] = "  (Enter: stack)";
	int used;

	used = canvas_text_elided(c, x, y, w, role, name, CANVAS_ELIDE_MIDDLE);
	if (stack && used + (int)sizeof(hint) - 1 <= w)
		canvas_text(c, x + used, y, w - used,
			    role == UI_ROLE_CURSOR ? role : UI_ROLE_DIM, hint);
}

static void draw_row(struct wview *v, struct ui *ui, struct canvas *c, const struct ui_rect *r,
		     int row, int y, bool cursor)
{
	const struct mwaits *m = &v->m;
	const struct mwaits_row *rw = &m->rows[row];
	const struct waits_summary *w = m->w;
	enum ui_role role = cursor ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;
	struct strbuf sb = STRBUF_INIT;
	char line[128], a[16], b[16], d[16], e[16], f[16];
	int x = 0;

	if (rw->kind == MWAITS_HEADING) {
		draw_heading(c, r, y, rw->index, rw->text);
		return;
	}
	canvas_fill(c, r->x, y, r->w, role);
	switch (rw->kind) {
	case MWAITS_NOTE:
		canvas_text_elided(c, r->x + 2, y, r->w - 2, UI_ROLE_DIM, rw->text, CANVAS_ELIDE_END);
		break;
	case MWAITS_STACK: {
		const struct offcpu_stack *s = &w->stacks[rw->index];

		fmt_dur(a, sizeof(a), s->ns);
		snprintf(line, sizeof(line), "%8llu %9s", (unsigned long long)s->count, a);
		x = text_x(0);
		canvas_text(c, r->x, y, x, role, line);
		mwaits_stack_label(s, sep(c), canvas_glyph(c, UI_GLYPH_ELLIPSIS),
				   !ui->filter.hide_kernel, &sb);
		break;
	}
	case MWAITS_SYSCALL: {
		const struct syscall_row *s = &w->calls[rw->index];

		fmt_dur(a, sizeof(a), s->total_ns);
		fmt_dur(b, sizeof(b), s->p50_ns);
		fmt_dur(d, sizeof(d), s->p99_ns);
		fmt_dur(e, sizeof(e), s->max_ns);
		snprintf(line, sizeof(line), "%8llu %9s %8s %8s %8s %6llu",
			 (unsigned long long)s->count, a, b, d, e, (unsigned long long)s->errors);
		x = text_x(1);
		canvas_text(c, r->x, y, x, s->errors && !cursor ? UI_ROLE_NORMAL : role, line);
		draw_call_name(c, r->x + x, y, r->w - x, role, s->name, s->stack);
		break;
	}
	case MWAITS_IO: {
		const struct io_row *io = &w->io[rw->index];

		fmt_dur(a, sizeof(a), io->wait_ns);
		fmt_bytes(b, sizeof(b), io->bytes_read);
		fmt_bytes(d, sizeof(d), io->bytes_written);
		snprintf(f, sizeof(f), "%s", io->kind);
		snprintf(line, sizeof(line), "%8llu %9s %8s %8s %8s", (unsigned long long)io->calls,
			 a, b, d, f);
		x = text_x(2);
		canvas_text(c, r->x, y, x, role, line);
		strbuf_adds(&sb, io->target);
		break;
	}
	default:
		break;
	}
	if (sb.len)
		canvas_text_elided(c, r->x + x, y, r->w - x, role, sb.buf,
				   rw->kind == MWAITS_STACK ? CANVAS_ELIDE_END : CANVAS_ELIDE_MIDDLE);
	strbuf_release(&sb);
}

static void draw_stack(struct wview *v, struct canvas *c, const struct ui_rect *r)
{
	struct mwaits *m = &v->m;
	int page = r->h - 1, i;

	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	canvas_text_elided(c, r->x, r->y, r->w, UI_ROLE_TITLE, m->stack_title, CANVAS_ELIDE_END);
	ui_list_fit(&m->stack_list, page);
	for (i = 0; i < page && m->stack_list.top + i < m->stack_list.n; i++) {
		int row = m->stack_list.top + i, y = r->y + 1 + i;
		enum ui_role role = row == m->stack_list.cursor ? UI_ROLE_CURSOR : UI_ROLE_NORMAL;

		canvas_fill(c, r->x, y, r->w, role);
		canvas_textf(c, r->x, y, 6, role, "%4d", row);
		canvas_text_elided(c, r->x + 6, y, r->w - 6, role, m->stack[row],
				   CANVAS_ELIDE_MIDDLE);
	}
}

static void wv_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct wview *v = view;
	struct mwaits *m = &v->m;
	const struct waits_summary *w;
	int page = r->h - 1, i;
	char a[16], b[16], d[16];

	ensure(v, ui);
	if (v->error || !m->w) {
		canvas_text(c, r->x + 2, r->y + 1, r->w - 2, UI_ROLE_WARN,
			    v->error ? v->error : "no data");
		return;
	}
	if (m->stack) {
		draw_stack(v, c, r);
		return;
	}
	w = m->w;
	ui_fmt_secs(a, sizeof(a), w->cpu_ns);
	ui_fmt_secs(b, sizeof(b), w->offcpu_ns);
	ui_fmt_secs(d, sizeof(d), w->runqueue_ns);
	canvas_fill(c, r->x, r->y, r->w, UI_ROLE_TITLE);
	canvas_textf(c, r->x, r->y, r->w, UI_ROLE_TITLE,
		     "on CPU %s s   blocked %s s   runnable, waiting for a CPU %s s", a, b, d);
	ui_list_fit(&m->list, page);
	for (i = 0; i < page && m->list.top + i < m->list.n; i++)
		draw_row(v, ui, c, r, m->list.top + i, r->y + 1 + i,
			 m->list.top + i == m->list.cursor);
}

static void wv_status(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct wview *v = view;
	const struct mwaits *m = &v->m;
	const struct mwaits_row *rw;

	if (!m->w || !m->nrows)
		return;
	if (m->stack) {
		if (m->stack_list.n)
			strbuf_addf(sb, "%s  (Enter: open in the call tree)",
				    m->stack[m->stack_list.cursor]);
		return;
	}
	rw = &m->rows[m->list.cursor];
	if (rw->kind == MWAITS_STACK) {
		const struct offcpu_stack *s = &m->w->stacks[rw->index];

		mwaits_stack_label(s, sep(NULL), "...", false, sb);
		strbuf_adds(sb, "   stack: ");
		stack_text(s->frames, s->nframes, sb);
	} else if (rw->kind == MWAITS_SYSCALL) {
		const struct syscall_row *s = &m->w->calls[rw->index];
		size_t i;

		strbuf_addf(sb, "%s: %llu calls, %llu errors", s->name,
			    (unsigned long long)s->count, (unsigned long long)s->errors);
		for (i = 0; i < s->nerrs && i < 4; i++)
			strbuf_addf(sb, "%s errno %d x%llu", i ? "," : ":", s->errs[i].err,
				    (unsigned long long)s->errs[i].count);
	} else if (rw->kind == MWAITS_IO) {
		const struct io_row *io = &m->w->io[rw->index];

		strbuf_addf(sb, "%s %s: %llu calls, %llu bytes read, %llu written", io->kind,
			    io->target, (unsigned long long)io->calls,
			    (unsigned long long)io->bytes_read, (unsigned long long)io->bytes_written);
	}
}

/* A frame's function name without the folded suffix (_[k], _[i]). */
static int frame_func(struct ui *ui, const char *frame)
{
	size_t n = strlen(frame);
	char *name = xstrdup(frame);
	int f;

	if (n > 4 && (!strcmp(frame + n - 4, "_[k]") || !strcmp(frame + n - 4, "_[i]")))
		name[n - 4] = '\0';
	f = profile_find_func(ui_profile(ui), name, NULL);
	free(name);
	return f;
}

static void move_cursor(struct mwaits *m, int key, int page)
{
	int old = m->list.cursor, dir = 1, row;

	ui_list_key(&m->list, key, page);
	if (m->list.cursor < old || key == UI_KEY_END || key == 'G')
		dir = -1;
	row = mwaits_selectable(m, m->list.cursor, dir);
	if (row < 0)
		row = mwaits_selectable(m, m->list.cursor, -dir);
	if (row >= 0)
		m->list.cursor = row;
	ui_list_fit(&m->list, page);
	/* a heading just above the cursor stays in view */
	if (m->list.cursor > 0 && m->list.top == m->list.cursor &&
	    m->rows[m->list.cursor - 1].kind == MWAITS_HEADING)
		m->list.top--;
}

static int wv_key(void *view, struct ui *ui, int key)
{
	struct wview *v = view;
	struct mwaits *m = &v->m;
	const char *why;
	int f;

	ensure(v, ui);
	if (!m->w)
		return UI_UNHANDLED;
	if (m->stack) {
		if (ui_list_key(&m->stack_list, key, ui->body.h - 1) == UI_HANDLED)
			return UI_HANDLED;
		if (key != UI_KEY_ENTER && key != '\r')
			return UI_UNHANDLED;
		f = m->stack_list.n ? frame_func(ui, m->stack[m->stack_list.cursor]) : -1;
		if (f < 0 || ui_focus(ui, '2', f))
			ui_message(ui, true, "not in the call tree of this sample kind (c: kind)");
		return UI_HANDLED;
	}
	switch (key) {
	case UI_KEY_UP:
	case 'k':
	case UI_KEY_DOWN:
	case 'j':
	case UI_KEY_PGUP:
	case UI_KEY_PGDN:
	case ' ':
	case UI_KEY_HOME:
	case 'g':
	case UI_KEY_END:
	case 'G':
		move_cursor(m, key, ui->body.h - 1);
		return UI_HANDLED;
	case UI_KEY_ENTER:
	case '\r':
	case UI_KEY_RIGHT:
	case 'l':
		if (mwaits_open(m, &why))
			ui_message(ui, false, "%s", why);
		return UI_HANDLED;
	default:
		return UI_UNHANDLED;
	}
}

static int wv_back(void *view, struct ui *ui UNUSED, int key UNUSED)
{
	struct wview *v = view;

	if (!v->m.stack)
		return 0;
	mwaits_close(&v->m);
	return 1;
}

static void wv_crumb(void *view, struct ui *ui UNUSED, struct strbuf *sb)
{
	struct wview *v = view;

	if (v->m.stack)
		strbuf_adds(sb, "stack");
}

/* The searchable text of a row. */
static void row_text(const struct mwaits *m, int row, struct strbuf *sb)
{
	const struct mwaits_row *rw = &m->rows[row];

	if (rw->kind == MWAITS_STACK)
		stack_text(m->w->stacks[rw->index].frames, m->w->stacks[rw->index].nframes, sb);
	else if (rw->kind == MWAITS_SYSCALL)
		strbuf_adds(sb, m->w->calls[rw->index].name);
	else if (rw->kind == MWAITS_IO)
		strbuf_adds(sb, m->w->io[rw->index].target);
}

static int wv_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct wview *v = view;
	struct mwaits *m = &v->m;
	struct strbuf sb = STRBUF_INIT;
	int i, found = 0;

	if (!m->w || m->stack || !m->list.n)
		return 0;
	for (i = 1; i <= m->list.n && !found; i++) {
		int row = ((m->list.cursor + dir * i) % m->list.n + m->list.n) % m->list.n;

		strbuf_reset(&sb);
		strbuf_adds(&sb, "");
		row_text(m, row, &sb);
		if (ui_match(sb.buf, needle)) {
			m->list.cursor = row;
			ui_list_fit(&m->list, ui->body.h - 1);
			found = 1;
		}
	}
	strbuf_release(&sb);
	return found;
}

static int wv_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct wview *v = view;
	struct mwaits *m = &v->m;
	struct ui_list *l = m->stack ? &m->stack_list : &m->list;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN) {
		wv_key(view, ui, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN);
		return UI_HANDLED;
	}
	if (y < 1 || l->top + y - 1 >= l->n)
		return UI_HANDLED;
	if (!m->stack && mwaits_selectable(m, l->top + y - 1, 1) != l->top + y - 1)
		return UI_HANDLED;
	l->cursor = l->top + y - 1;
	if (button == UI_BUTTON_DOUBLE)
		return wv_key(view, ui, UI_KEY_ENTER);
	return UI_HANDLED;
}

static int wv_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct wview *v = view;
	const struct waits_summary *w;
	struct strbuf sb = STRBUF_INIT;
	char text[4096], kind[64];
	size_t i;

	ensure(v, ui);
	w = v->m.w;
	if (!w)
		return 0;
	fprintf(f, "# hotstack ui: waits of %s%s\n", sanitized(ui->model->path),
		w->range_ignored ? " (system calls and I/O: whole recording)" : "");
	fprintf(f, "# on_cpu_s %.6f blocked_s %.6f runnable_s %.6f\n", w->cpu_ns / 1e9,
		w->offcpu_ns / 1e9, w->runqueue_ns / 1e9);
	fprintf(f, "## off-CPU stacks: samples blocked_s stack (root first)\n");
	for (i = 0; i < w->nstacks; i++) {
		size_t k;

		strbuf_reset(&sb);
		for (k = 0; k < w->stacks[i].nframes; k++) {
			if (k)
				strbuf_add(&sb, ";", 1);
			strbuf_adds(&sb, w->stacks[i].frames[k]);
		}
		fprintf(f, "%llu %.6f %s\n", (unsigned long long)w->stacks[i].count,
			w->stacks[i].ns / 1e9, sanitize(text, sizeof(text), sb.buf ? sb.buf : ""));
	}
	fprintf(f, "## system calls: name count total_s p50_s p99_s max_s errors\n");
	for (i = 0; i < w->ncalls; i++) {
		const struct syscall_row *s = &w->calls[i];

		fprintf(f, "%s %llu %.6f %.6f %.6f %.6f %llu\n", sanitize(text, sizeof(text), s->name),
			(unsigned long long)s->count, s->total_ns / 1e9, s->p50_ns / 1e9,
			s->p99_ns / 1e9, s->max_ns / 1e9, (unsigned long long)s->errors);
	}
	fprintf(f, "## I/O: kind calls waited_s bytes_read bytes_written target\n");
	for (i = 0; i < w->nio; i++) {
		const struct io_row *io = &w->io[i];

		fprintf(f, "%s %llu %.6f %llu %llu %s\n", sanitize(kind, sizeof(kind), io->kind),
			(unsigned long long)io->calls, io->wait_ns / 1e9,
			(unsigned long long)io->bytes_read, (unsigned long long)io->bytes_written,
			sanitize(text, sizeof(text), io->target));
	}
	strbuf_release(&sb);
	return 0;
}

static const struct ui_help wv_help[] = {
	{ "Enter, Right, l", "the stack that waited, kernel frames included (off-CPU stack, "
			     "or where a call blocked)" },
	{ "Enter (in a stack)", "open that function in the call tree" },
	{ "q, Esc", "close the stack" },
	{ "Up Down, j k", "move (headings are skipped)" },
	{ "5, 6", "Threads and Timeline views set the thread and time range shown here" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_waits = {
	.name = "Waits",
	.tab = "Wait",
	.digit = '4',
	.modes = UI_MODE_BROWSE,
	.create = wv_create,
	.destroy = wv_destroy,
	.reload = wv_reload,
	.draw = wv_draw,
	.status = wv_status,
	.crumb = wv_crumb,
	.key = wv_key,
	.back = wv_back,
	.search = wv_search,
	.click = wv_click,
	.export = wv_export,
	.export_ext = "txt",
	.help = wv_help,
	.footer = "Enter:stack",
};
