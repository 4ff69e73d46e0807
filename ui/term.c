/* term.c - the only file that calls curses: the terminal set up and
 * restored, colours for the canvas roles, keys, mouse, resize
 *
 * The terminal is restored on every way out: q/Q, Ctrl-C (raw mode gives
 * it to us as a key), SIGINT/SIGTERM/SIGHUP from outside (a flag the key
 * loop polls), die() (die_hook) and exit (atexit).
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "view.h"

static SCREEN *screen;
static bool active;
static volatile sig_atomic_t got_signal;
static attr_t role_attr[UI_ROLE_COUNT];

static void term_restore(void)
{
	if (!active)
		return;
	active = false;
	mousemask(0, NULL);
	curs_set(1);
	endwin();
	fflush(stdout);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

struct role_style {
	short fg, bg;
	attr_t color_attr, mono_attr;
};

/* Colours where the terminal has them; attributes always, so nothing
 * depends on colour alone (NO_COLOR). */
static const struct role_style styles[UI_ROLE_COUNT] = {
	[UI_ROLE_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[UI_ROLE_HEADER] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[UI_ROLE_TAB] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_BOLD },
	[UI_ROLE_CRUMB] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[UI_ROLE_STATUS] = { -1, -1, A_BOLD, A_BOLD },
	[UI_ROLE_FOOTER] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[UI_ROLE_FOOTER_KEY] = { -1, -1, A_BOLD, A_BOLD },
	[UI_ROLE_TITLE] = { -1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE },
	[UI_ROLE_CURSOR] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[UI_ROLE_DIM] = { COLOR_BLUE, -1, A_NORMAL, A_DIM },
	[UI_ROLE_MATCH] = { COLOR_BLACK, COLOR_MAGENTA, A_NORMAL, A_UNDERLINE | A_BOLD },
	[UI_ROLE_WARN] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[UI_ROLE_FLAME_PROGRAM] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_NORMAL },
	[UI_ROLE_FLAME_LIBRARY] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_NORMAL },
	[UI_ROLE_FLAME_KERNEL] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_DIM },
	[UI_ROLE_FLAME_UNKNOWN] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_NORMAL },
	[UI_ROLE_FLAME_ROOT] = { COLOR_BLACK, COLOR_WHITE, A_BOLD, A_BOLD },
	[UI_ROLE_FLAME_REST] = { -1, -1, A_DIM, A_DIM },
	[UI_ROLE_SLOWER] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[UI_ROLE_FASTER] = { COLOR_GREEN, -1, A_NORMAL, A_UNDERLINE },
	[UI_ROLE_BAR] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[UI_ROLE_SELECTED] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE },
};

static void setup_colors(bool color)
{
	int r;

	color = color && has_colors() && start_color() == OK;
	if (color)
		use_default_colors();
	for (r = 0; r < UI_ROLE_COUNT; r++) {
		if (!color || (styles[r].fg == -1 && styles[r].bg == -1)) {
			role_attr[r] = color ? styles[r].color_attr : styles[r].mono_attr;
			continue;
		}
		init_pair((short)r, styles[r].fg, styles[r].bg);
		role_attr[r] = COLOR_PAIR(r) | styles[r].color_attr;
	}
}

static void blit(const struct canvas *c)
{
	char run[1024];
	int x, y;

	for (y = 0; y < c->rows && y < LINES; y++) {
		int role = -1, len = 0;

		move(y, 0);
		for (x = 0; x <= c->cols && x <= COLS; x++) {
			const struct ui_cell *ce = x < c->cols && x < COLS ?
							   &c->cells[(size_t)y * c->cols + x] : NULL;

			if (ce && !ce->len)
				continue;
			if (!ce || ce->role != role || len + ce->len >= (int)sizeof(run)) {
				if (len) {
					attrset(role_attr[role]);
					addnstr(run, len);	/* the last cell may fail: fine */
				}
				len = 0;
				if (!ce)
					break;
				role = ce->role;
			}
			memcpy(run + len, ce->ch, ce->len);
			len += ce->len;
		}
	}
	attrset(A_NORMAL);
	if (c->cursor_x >= 0) {
		curs_set(1);
		move(c->cursor_y, c->cursor_x);
	} else {
		curs_set(0);
	}
	refresh();
}

static int map_key(int ch, struct ui *ui)
{
	MEVENT ev;

	switch (ch) {
	case KEY_UP: return UI_KEY_UP;
	case KEY_DOWN: return UI_KEY_DOWN;
	case KEY_LEFT: return UI_KEY_LEFT;
	case KEY_RIGHT: return UI_KEY_RIGHT;
	case KEY_PPAGE: return UI_KEY_PGUP;
	case KEY_NPAGE: return UI_KEY_PGDN;
	case KEY_HOME: return UI_KEY_HOME;
	case KEY_END: return UI_KEY_END;
	case KEY_BTAB: return UI_KEY_BTAB;
	case KEY_ENTER: case '\r': case '\n': return UI_KEY_ENTER;
	case KEY_BACKSPACE: case 8: case 127: return UI_KEY_BACKSPACE;
	case KEY_RESIZE: return UI_KEY_RESIZE;
	case KEY_MOUSE:
		if (getmouse(&ev) == OK) {
			int b = 0;

			if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
				b = UI_BUTTON_DOUBLE;
			else if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))
				b = UI_BUTTON_LEFT;
			else if (ev.bstate & BUTTON4_PRESSED)
				b = UI_BUTTON_WHEEL_UP;
#ifdef BUTTON5_PRESSED
			else if (ev.bstate & BUTTON5_PRESSED)
				b = UI_BUTTON_WHEEL_DOWN;
#endif
			if (b)
				ui_mouse(ui, ev.x, ev.y, b);
		}
		return UI_KEY_NONE;
	default:
		break;
	}
	if (ch >= KEY_F(1) && ch <= KEY_F(10))
		return UI_KEY_F1 + (ch - KEY_F(1));
	if (ch >= KEY_MIN)
		return UI_KEY_NONE;
	return ch;
}

static struct canvas *screen_canvas;

/* A load is about to block: say so on the status line at once. */
static void show_busy(struct ui *ui, const char *what)
{
	if (!screen_canvas || !active)
		return;
	ui_message(ui, false, "%s", what);
	ui_draw(ui, screen_canvas);
	blit(screen_canvas);
	ui->message[0] = '\0';
}

int ui_browse(const struct ui_opts *o, struct ui_model *m)
{
	struct sigaction sa;
	struct canvas c;
	struct ui *ui;
	bool utf8 = ui_locale_utf8(o);
	int rc = EXIT_OK;

	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		error("cannot drive terminal type '%s': set TERM to one this system knows",
		      sanitized(getenv("TERM") ? getenv("TERM") : ""));
		return EXIT_ERROR;
	}
	active = true;
	die_hook = term_restore;
	atexit(term_restore);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(200);
	setup_colors(o->color);
	if (o->mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
			  | BUTTON5_PRESSED
#endif
			  , NULL);
		mouseinterval(200);
	}
	ui = ui_new(o, m, utf8);
	canvas_init(&c, COLS, LINES, utf8);
	screen_canvas = &c;
	ui->busy = show_busy;
	if (ui->live_tick)
		timeout(50);	/* live: the recording is read between keys */
	ui->async = true;	/* loads on a thread: keys stay answered */
	for (;;) {
		int ch;

		if (c.cols != COLS || c.rows != LINES)
			canvas_resize(&c, COLS, LINES);
		ui_draw(ui, &c);
		blit(&c);
		do {
			ch = getch();
			if (ui->live_tick && ui->live_tick(ui) && ch == ERR)
				break;
		} while (ch == ERR && !got_signal && !ui->background);
		if (got_signal) {
			rc = 128 + got_signal;
			break;
		}
		if (ch == ERR)
			continue;	/* background work may be done: draw again */
		if (ch == 0x0c) {	/* Ctrl-L: the screen was garbled, draw it all */
			clearok(curscr, TRUE);
			continue;
		}
		if (ui_key(ui, map_key(ch, ui))) {
			rc = ui->exit_code;
			break;
		}
	}
	term_restore();
	screen_canvas = NULL;
	canvas_release(&c);
	ui_free(ui);
	delscreen(screen);
	screen = NULL;
	return rc;
}
