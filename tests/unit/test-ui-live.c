/* test-ui-live.c - live mode (ui/live.c) without a terminal: which
 * recordings are followed, the header's live/stale marker, and the attach
 * keys p, r, b (the comparison swapped in for Hotspots and back) over a
 * fake source */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../ui/live.h"
#include "../../ui/model.h"
#include "../../ui/view.h"
#include "fixture.h"
#include "profile.h"
#include "util.h"

static char *dir;

/* A recording of 10 samples; writer_pid as given (0: the one store_create
 * wrote, ours), finished if asked. */
static char *make(const char *name, pid_t writer, bool finished)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct fixture *fx = fixture_create(path);

	fixture_stack(fx, 1, 10, "main;work");
	if (writer)
		assert_int_equal(store_set_meta_int(fixture_store(fx), "writer_pid", writer), 0);
	if (finished)
		assert_int_equal(store_set_meta_int(fixture_store(fx), "finished", 1), 0);
	fixture_close(fx);
	return path;
}

static struct ui_model *open_model(struct ui_opts *o, const char *path)
{
	struct ui_model *m = NULL;
	char *err = NULL;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->kind = KIND_CPU;
	assert_int_equal(ui_model_open(o, &m, &err), 0);
	return m;
}

/* A UI following path, with the model and follower it needs. */
static struct ui *follow_ui(struct ui_opts *o, const char *path, struct ui_model **m,
			    struct ui_live **l)
{
	*m = open_model(o, path);
	*l = ui_live_follow(*m);
	assert_non_null(*l);
	o->live_setup = ui_live_setup;
	o->live_arg = *l;
	return ui_new(o, *m, false);
}

static void follow_free(struct ui *ui, struct ui_model *m, struct ui_live *l)
{
	ui_free(ui);
	ui_live_free(l);
	ui_model_free(m);
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_follow(void **state)
{
	struct ui_opts o;
	char *finished = make("finished.db", 0, true), *growing = make("growing.db", 0, false);
	char *dead = make("dead.db", dead_pid(), false);
	struct ui_model *m;
	struct ui_live *l;
	struct ui *ui;

	(void)state;
	/* finished: nothing to follow */
	m = open_model(&o, finished);
	assert_null(ui_live_follow(m));
	ui_model_free(m);

	/* being written by a live process that just committed: live */
	ui = follow_ui(&o, growing, &m, &l);
	assert_string_equal(ui->live_marker, "live");
	ui_key(ui, 'p');
	assert_string_equal(ui->live_marker, "paused");
	ui_key(ui, 'r');	/* attach only: a message, nothing reset */
	assert_non_null(strstr(ui->message, "hotstack attach"));
	follow_free(ui, m, l);

	/* its writer is gone: stale */
	ui = follow_ui(&o, dead, &m, &l);
	assert_string_equal(ui->live_marker, "stale");
	follow_free(ui, m, l);
	free(finished);
	free(growing);
	free(dead);
}

struct fake {
	int polls;
	bool ended;
};

static int fake_poll(void *arg, int timeout_ms, const char **errmsg)
{
	struct fake *f = arg;

	(void)timeout_ms;
	(void)errmsg;
	f->polls++;
	return 0;
}

static bool fake_ended(void *arg)
{
	return ((struct fake *)arg)->ended;
}

static void test_attach_keys(void **state)
{
	char *path = make("attach.db", 0, false);
	const char *sides[1] = { path };
	struct fake f = { 0, false };
	struct ui_live_source src = { .arg = &f, .poll = fake_poll, .ended = fake_ended };
	struct ui_opts o;
	struct ui_model *m;
	struct ui_live *l;
	struct ui *ui;

	(void)state;
	l = ui_live_attach(&src);
	memset(&o, 0, sizeof(o));
	o.path = path;
	o.kind = KIND_CPU;
	o.before = o.after = sides;
	o.nbefore = o.nafter = 1;
	o.live_setup = ui_live_setup;
	o.live_arg = l;
	m = open_model(&o, path);
	o.before = o.after = sides;
	o.nbefore = o.nafter = 1;
	o.live_setup = ui_live_setup;
	o.live_arg = l;
	ui = ui_new(&o, m, false);
	/* the browse views only; the comparison waits aside */
	assert_string_equal(ui->views[0].ops->name, "Hotspots");
	assert_true(ui_live_tick(ui, true));
	assert_true(f.polls >= 1);
	assert_string_equal(ui->live_marker, "live");

	ui_key(ui, 'b');
	assert_true(ui->live_mark_ns > 0);
	assert_string_equal(ui->views[ui->current].ops->name, "Compare");
	ui_key(ui, 'b');
	assert_int_equal(ui->live_mark_ns, 0);
	assert_string_equal(ui->views[0].ops->name, "Hotspots");

	ui_key(ui, 'b');
	ui_key(ui, 'r');	/* r clears the mark and counts from now */
	assert_int_equal(ui->live_mark_ns, 0);
	assert_string_equal(ui->views[0].ops->name, "Hotspots");
	assert_true(ui->filter.from_ns >= 0);

	ui_key(ui, 'w');
	assert_int_equal(ui->prompt, 'w');
	ui_key(ui, 27);

	f.ended = true;
	ui_live_tick(ui, false);
	assert_non_null(strstr(ui->live_marker, "ended"));
	ui_free(ui);	/* frees the comparison view aside too (ASan) */
	ui_live_free(l);
	ui_model_free(m);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_attach_keys),
	};
	int rc;

	dir = fixture_tmpdir();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fixture_rmdir(dir);
	free(dir);
	return rc;
}
