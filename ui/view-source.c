/* view-source.c - view 7: a function's source file with samples per line
 *
 * Shows the function other views send here (ui_focus(ui, '7', func)), or
 * the hottest function by self samples. The file named by the recording is
 * read through src/source.h: non-blocking, regular files only, size-capped,
 * through the --source-path OLD=NEW rules. When it cannot be read, the
 * sampled lines are listed without their text and the reason is shown.
 * Each line shows its self and total samples (once per sample) for the
 * filters in force; the cursor starts on the hottest line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model-query.h"
#include "model.h"
#include "view.h"

#define NUM_W 24		/* "  line    self   total " */

struct srcview {
	struct msource m;
	bool stale;
	bool chosen;		/* the user (or another view) picked the function */
};

static void *sv_create(struct ui *ui)
{
	struct srcview *v = xcalloc(1, sizeof(*v));

	msource_init(&v->m, ui->opts->source_remap, ui->opts->nsource_remap);
	v->stale = true;
	return v;
}

static void sv_destroy(void *view)
{
	struct srcview *v = view;

	msource_release(&v->m);
	free(v);
}

static void sv_reload(void *view, struct ui *ui UNUSED)
{
	struct srcview *v = view;

	v->stale = true;
}

/* The function with the most self samples, -1 if none. */
static int hottest_func(struct ui *ui)
{
	int *rows, f = -1;

	if (model_hotspots(ui->model, MODEL_SORT_SELF, &rows))
		f = rows[0];
	free(rows);
	return f;
}

static void ensure(struct srcview *v, struct ui *ui)
{
	const struct profile *p = ui_profile(ui);
	int line = v->m.cursor_line, f, row;

	if (!v->stale)
		return;
	v->stale = false;
	f = v->chosen && v->m.func_key ? model_func_by_key(p, v->m.func_key) : hottest_func(ui);
	if (f < 0 && v->chosen) {
		/* not in this selection: keep the key, show nothing */
		char *key = v->m.func_key ? xstrdup(v->m.func_key) : NULL;

		msource_show(&v->m, p, -1);
		v->m.func_key = key;
		return;
	}
	msource_show(&v->m, p, f);
	if (v->chosen && line > 0)	/* the same line as before the reload */
		for (row = 0; row < v->m.list.n; row++)
			if (msource_row_line(&v->m, row) == line)
				v->m.list.cursor = row;
	v->m.cursor_line = msource_row_line(&v->m, v->m.list.cursor);
}

/* Line text with tabs expanded to 8 columns (control bytes stay: the
 * canvas escapes them). */
static void expand_tabs(const char *s, size_t len, struct strbuf *sb)
{
	size_t i, col = 0;

	strbuf_reset(sb);
	strbuf_adds(sb, "");
	for (i = 0; i < len; i++) {
		if (s[i] == '\t') {
			do
				strbuf_add(sb, " ", 1);
			while (++col % 8);
		} else {
			strbuf_add(sb, &s[i], 1);
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				col++;
		}
	}
}

static void count_text(char *buf, size_t size, uint64_t n)
{
	if (n)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else
		buf[0] = '\0';
}

static void sv_draw(void *view, struct ui *ui, struct canvas *c, const struct ui_rect *r)
{
	struct srcview *v = view;
	struct msource *m = &v->m;
	const struct profile *p = ui_profile(ui);
	struct strbuf sb = STRBUF_INIT;
	const struct source_file *file;
	int page, i, y = r->y;

	ensure(v, ui);
	canvas_fill(c, r->x, y, r->w, UI_ROLE_TITLE);
	if (m->func < 0) {
		canvas_text(c, r->x, y, r->w, UI_ROLE_TITLE, "Source");
		canvas_text(c, r->x + 2, y + 2, r->w - 2, UI_ROLE_DIM,
			    v->chosen ? "(the function has no samples in this selection)" :
					"(no samples in this selection)");
		return;
	}
	if (!m->lines || !m->lines->nfiles) {
		canvas_textf(c, r->x, y, r->w, UI_ROLE_TITLE, "%s", p->funcs[m->func].name);
		canvas_text(c, r->x + 2, y + 2, r->w - 2, UI_ROLE_DIM,
			    "(the recording has no source lines for this function: built without "
			    "debug information?)");
		return;
	}
	file = &m->lines->files[m->file];
	strbuf_addf(&sb, "%6s %7s %7s  %s", "line", "self", "total", file->path);
	if (m->text && strcmp(m->text->path, file->path))
		strbuf_adds(&sb, " (via --source-path)");
	if (m->lines->nfiles > 1)
		strbuf_addf(&sb, " [file %zu/%zu, f: next]", m->file + 1, m->lines->nfiles);
	canvas_text_elided(c, r->x, y++, r->w, UI_ROLE_TITLE, sb.buf, CANVAS_ELIDE_MIDDLE);
	if (!m->text) {
		canvas_text_elided(c, r->x, y, r->w, UI_ROLE_WARN, m->error ? m->error : "unreadable",
				   CANVAS_ELIDE_MIDDLE);
		canvas_fill(c, r->x, ++y, r->w, UI_ROLE_NORMAL);
		y++;
	}
	page = r->y + r->h - y;
	ui_list_fit(&m->list, page);
	for (i = 0; i < page && m->list.top + i < m->list.n; i++, y++) {
		int row = m->list.top + i, n = msource_row_line(m, row);
		const struct source_line *sl = msource_line(m, n);
		enum ui_role role = row == m->list.cursor ? UI_ROLE_CURSOR :
				    sl ? UI_ROLE_NORMAL : UI_ROLE_DIM;
		char self[24], total[24];
		const char *text;
		size_t len;

		count_text(self, sizeof(self), sl ? sl->self.count : 0);
		count_text(total, sizeof(total), sl ? sl->total.count : 0);
		canvas_fill(c, r->x, y, r->w, role);
		canvas_textf(c, r->x, y, NUM_W, role, "%6d %7s %7s", n, self, total);
		if (sl && sl->total.count && role != UI_ROLE_CURSOR)
			canvas_set_role(c, r->x + 7, y, 15, UI_ROLE_BAR);
		canvas_text(c, r->x + NUM_W - 1, y, 1, UI_ROLE_DIM, canvas_glyph(c, UI_GLYPH_VLINE));
		if (m->text && (text = source_text_line(m->text, (size_t)n, &len))) {
			expand_tabs(text, len, &sb);
			canvas_text(c, r->x + NUM_W + 1, y, r->w - NUM_W - 1, role, sb.buf);
		}
	}
	strbuf_release(&sb);
}

static void sv_status(void *view, struct ui *ui, struct strbuf *sb)
{
	struct srcview *v = view;
	const struct msource *m = &v->m;
	const struct profile *p = ui_profile(ui);
	const struct source_line *sl;
	double all = p->totals.samples ? (double)p->totals.samples : 1;
	int n;

	if (m->func < 0 || !m->lines || !m->lines->nfiles)
		return;
	n = msource_row_line(m, m->list.cursor);
	strbuf_addf(sb, "%s  %s:%d", p->funcs[m->func].name, m->lines->files[m->file].path, n);
	sl = msource_line(m, n);
	if (sl)
		strbuf_addf(sb, "  self %llu (%.2f%%)  total %llu (%.2f%%)",
			    (unsigned long long)sl->self.count, 100.0 * sl->self.count / all,
			    (unsigned long long)sl->total.count, 100.0 * sl->total.count / all);
	if (m->text && strcmp(m->text->path, m->lines->files[m->file].path))
		strbuf_addf(sb, "  read from %s", m->text->path);
}

static void show(struct srcview *v, struct ui *ui, int func)
{
	v->chosen = true;
	msource_show(&v->m, ui_profile(ui), func);
	v->m.cursor_line = msource_row_line(&v->m, v->m.list.cursor);
	v->stale = false;
}

static int sv_focus(void *view, struct ui *ui, int func)
{
	struct srcview *v = view;

	show(v, ui, func);
	return 0;
}

/* The next (dir 1) or previous function by self samples. */
static void step_func(struct srcview *v, struct ui *ui, int dir)
{
	int *rows, n = (int)model_hotspots(ui->model, MODEL_SORT_SELF, &rows), i, at = -1;

	for (i = 0; i < n; i++)
		if (rows[i] == v->m.func)
			at = i;
	if (n) {
		at = at < 0 ? 0 : (at + dir + n) % n;
		show(v, ui, rows[at]);
	}
	free(rows);
}

static int sv_key(void *view, struct ui *ui, int key)
{
	struct srcview *v = view;
	struct msource *m = &v->m;
	int hot, row;

	ensure(v, ui);
	if (ui_list_key(&m->list, key, ui->body.h - 3) == UI_HANDLED) {
		m->cursor_line = msource_row_line(m, m->list.cursor);
		return UI_HANDLED;
	}
	switch (key) {
	case 'f':
		msource_next_file(m);
		break;
	case '>':
	case '<':
		step_func(v, ui, key == '>' ? 1 : -1);
		break;
	case 'H':
		hot = msource_hottest(m);
		for (row = 0; row < m->list.n; row++)
			if (msource_row_line(m, row) == hot)
				m->list.cursor = row;
		m->cursor_line = hot;
		break;
	case UI_KEY_ENTER:
	case '\r':
		if (m->func >= 0 && ui_focus(ui, '2', m->func))
			ui_message(ui, true, "no call tree view");
		break;
	default:
		return UI_UNHANDLED;
	}
	return UI_HANDLED;
}

static int sv_search(void *view, struct ui *ui, const char *needle, int dir)
{
	struct srcview *v = view;
	struct msource *m = &v->m;
	struct strbuf sb = STRBUF_INIT;
	int i, found = 0;

	if (!m->text || !m->list.n)
		return 0;
	for (i = 1; i <= m->list.n && !found; i++) {
		int row = ((m->list.cursor + dir * i) % m->list.n + m->list.n) % m->list.n;
		size_t len;
		const char *text = source_text_line(m->text, (size_t)row + 1, &len);

		strbuf_reset(&sb);
		strbuf_add(&sb, text ? text : "", text ? len : 0);
		strbuf_adds(&sb, "");
		if (ui_match(sb.buf, needle)) {
			m->list.cursor = row;
			m->cursor_line = row + 1;
			ui_list_fit(&m->list, ui->body.h - 3);
			found = 1;
		}
	}
	strbuf_release(&sb);
	return found;
}

static int sv_click(void *view, struct ui *ui, int x UNUSED, int y, int button)
{
	struct srcview *v = view;
	struct msource *m = &v->m;
	int first = m->text ? 1 : 3;

	if (button == UI_BUTTON_WHEEL_UP || button == UI_BUTTON_WHEEL_DOWN) {
		sv_key(view, ui, button == UI_BUTTON_WHEEL_UP ? UI_KEY_UP : UI_KEY_DOWN);
		return UI_HANDLED;
	}
	if (y < first || m->list.top + y - first >= m->list.n)
		return UI_HANDLED;
	m->list.cursor = m->list.top + y - first;
	m->cursor_line = msource_row_line(m, m->list.cursor);
	return UI_HANDLED;
}

static int sv_export(void *view, struct ui *ui, FILE *f, char **errmsg UNUSED)
{
	struct srcview *v = view;
	struct msource *m = &v->m;
	struct strbuf sb = STRBUF_INIT;
	char text[4096];
	int row;

	ensure(v, ui);
	if (m->func < 0 || !m->lines || !m->lines->nfiles)
		return 0;
	fprintf(f, "# hotstack ui: source of %s in %s\n",
		sanitize(text, sizeof(text), ui_profile(ui)->funcs[m->func].name),
		sanitized(m->lines->files[m->file].path));
	fprintf(f, "%6s %8s %8s  %s\n", "line", "self", "total", "text");
	for (row = 0; row < m->list.n; row++) {
		int n = msource_row_line(m, row);
		const struct source_line *sl = msource_line(m, n);
		size_t len = 0;
		const char *t = m->text ? source_text_line(m->text, (size_t)n, &len) : NULL;

		expand_tabs(t ? t : "", t ? len : 0, &sb);
		fprintf(f, "%6d %8llu %8llu  %s\n", n, (unsigned long long)(sl ? sl->self.count : 0),
			(unsigned long long)(sl ? sl->total.count : 0),
			sanitize(text, sizeof(text), sb.buf));
	}
	strbuf_release(&sb);
	return 0;
}

static const struct ui_help sv_help[] = {
	{ "Up Down, j k", "move through the file" },
	{ "H", "back to the hottest line" },
	{ "< >", "previous or next function by self samples" },
	{ "f", "next source file of the function (inlined code)" },
	{ "Enter", "open the function in the call tree" },
	{ "--source-path OLD=NEW", "(command line) read files built under OLD from NEW" },
	{ NULL, NULL },
};

const struct ui_view_ops ui_view_source = {
	.name = "Source",
	.tab = "Src",
	.digit = '7',
	.modes = UI_MODE_BROWSE,
	.create = sv_create,
	.destroy = sv_destroy,
	.reload = sv_reload,
	.focus = sv_focus,
	.draw = sv_draw,
	.status = sv_status,
	.key = sv_key,
	.search = sv_search,
	.click = sv_click,
	.export = sv_export,
	.export_ext = "txt",
	.help = sv_help,
	.footer = "H:hottest <>:function f:file",
};
