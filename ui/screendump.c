/* screendump.c - the UI without a terminal: a fixed-size screen driven by a
 * key script and printed as text, for golden screens and timing
 *
 * Script: characters stand for themselves; <Name> for the others: <Enter>
 * <Esc> <Tab> <S-Tab> <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End>
 * <Space> <BS> <lt> (a '<') <C-c> <F1>..<F10>; <click X Y>, <double X Y>,
 * <wheelup X Y>, <wheeldown X Y> for the mouse; <resize COLSxROWS>; <dump>
 * prints the screen so far, followed by a line "--". The final screen is
 * always printed. Unknown names are an error (-EINVAL).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model.h"
#include "view.h"

static const struct {
	const char *name;
	int key;
} names[] = {
	{ "Enter", UI_KEY_ENTER }, { "Esc", UI_KEY_ESC }, { "Tab", UI_KEY_TAB },
	{ "S-Tab", UI_KEY_BTAB }, { "Up", UI_KEY_UP }, { "Down", UI_KEY_DOWN },
	{ "Left", UI_KEY_LEFT }, { "Right", UI_KEY_RIGHT }, { "PgUp", UI_KEY_PGUP },
	{ "PgDn", UI_KEY_PGDN }, { "Home", UI_KEY_HOME }, { "End", UI_KEY_END },
	{ "Space", ' ' }, { "BS", UI_KEY_BACKSPACE }, { "lt", '<' }, { "C-c", 3 },
	{ "F1", UI_KEY_F1 }, { "F3", UI_KEY_F1 + 2 }, { "F10", UI_KEY_F10 },
};

/* Draw, after the background work views started is done: the same keys
 * give the same screens. */
static void settle(struct ui *ui, struct canvas *c)
{
	int waited = 0;

	ui_draw(ui, c);
	/* a view takes its result when drawn; give up after 10 minutes */
	while (ui->background && waited++ < 600000) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
		ui_draw(ui, c);
	}
}

static void dump(struct ui *ui, struct canvas *c, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	int y;

	ui_draw(ui, c);
	for (y = 0; y < c->rows; y++) {
		strbuf_reset(&sb);
		canvas_row_text(c, y, &sb);
		fprintf(out, "%s\n", sb.buf ? sb.buf : "");
	}
	strbuf_release(&sb);
}

/* CPU time of this process, ns: the timings next to wall time, since a
 * loaded machine stretches wall time. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *key_label(int key, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].key == key) {
			snprintf(buf, size, "<%s>", names[i].name);
			return buf;
		}
	snprintf(buf, size, key >= 0x20 && key < 0x7f ? "%c" : "\\x%02x", key);
	return buf;
}

int ui_headless(const struct ui_opts *o, struct ui_model *m, int cols, int rows,
		const char *script, FILE *out, bool timing)
{
	struct ui *ui;
	struct canvas c;
	const char *s = script ? script : "";
	uint64_t t0 = monotonic_ns(), c0 = cpu_ns(), worst = 0, worst_cpu = 0;
	int err = 0, nkeys = 0;

	ui = ui_new(o, m, ui_locale_utf8(o));
	canvas_init(&c, cols, rows, ui_locale_utf8(o));
	settle(ui, &c);
	/* process cpu: since the start, the load and the checks included */
	if (timing)
		fprintf(stderr, "ui: load %.1f ms, first screen %.1f ms (cpu %.1f ms), "
			"process cpu %.1f ms\n", m->load_ns / 1e6, (monotonic_ns() - t0) / 1e6,
			(cpu_ns() - c0) / 1e6, cpu_ns() / 1e6);
	while (*s && !ui->quit) {
		int key = (unsigned char)*s, x, y, w, h;
		char name[32], label[32];
		const char *end;
		uint64_t k0, kc0, dt, dc;
		size_t i, len;

		if (*s != '<') {
			s++;
		} else {
			end = strchr(s, '>');
			if (!end || (len = (size_t)(end - s - 1)) >= sizeof(name)) {
				err = -EINVAL;
				break;
			}
			memcpy(name, s + 1, len);
			name[len] = '\0';
			s = end + 1;
			if (!strcmp(name, "dump")) {
				dump(ui, &c, out);
				fprintf(out, "--\n");
				continue;
			}
			if (sscanf(name, "resize %dx%d", &w, &h) == 2) {
				canvas_resize(&c, w, h);
				ui_draw(ui, &c);
				continue;
			}
			if (sscanf(name, "click %d %d", &x, &y) == 2 ||
			    sscanf(name, "double %d %d", &x, &y) == 2 ||
			    sscanf(name, "wheelup %d %d", &x, &y) == 2 ||
			    sscanf(name, "wheeldown %d %d", &x, &y) == 2) {
				int b = name[0] == 'c' ? UI_BUTTON_LEFT :
					name[0] == 'd' ? UI_BUTTON_DOUBLE :
					!strncmp(name, "wheelup", 7) ? UI_BUTTON_WHEEL_UP :
								     UI_BUTTON_WHEEL_DOWN;

				ui_draw(ui, &c);
				ui_mouse(ui, x, y, b);
				continue;
			}
			key = -1;
			for (i = 0; i < ARRAY_SIZE(names); i++)
				if (!strcasecmp(names[i].name, name))
					key = names[i].key;
			if (key < 0) {
				err = -EINVAL;
				break;
			}
		}
		k0 = monotonic_ns();
		kc0 = cpu_ns();
		ui_key(ui, key);	/* on what the last draw showed, then draw */
		settle(ui, &c);
		dt = monotonic_ns() - k0;
		dc = cpu_ns() - kc0;
		nkeys++;
		if (dt > worst)
			worst = dt;
		if (dc > worst_cpu)
			worst_cpu = dc;
		if (timing)
			fprintf(stderr, "ui: key %s %.1f ms (cpu %.1f ms)\n",
				key_label(key, label, sizeof(label)), dt / 1e6, dc / 1e6);
	}
	if (timing && nkeys)
		fprintf(stderr, "ui: %d keys, slowest %.1f ms (cpu %.1f ms)\n", nkeys, worst / 1e6,
			worst_cpu / 1e6);
	if (!err)
		dump(ui, &c, out);
	canvas_release(&c);
	ui_free(ui);
	return err;
}
