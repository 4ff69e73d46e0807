/* cmd-attach.c - `hotstack attach PID[,PID...]`: the ui views on processes
 * that are running, refreshed about once a second
 *
 * One process: the recorder (recorder.h, as `record -p` drives it) writes a
 * recording, -o FILE or a private temporary one removed at exit, and the
 * UI follows that file (ui/live.h). The UI's key loop calls recorder_poll()
 * between key reads, so every recorder call, ptrace included, happens on
 * the thread that attached. q, Q, Ctrl-C, SIGTERM and SIGHUP detach: the
 * recording is finished and the targets keep running untouched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ui/live.h"
#include "../ui/ui.h"
#include "atomicfile.h"
#include "cmd.h"
#include "procfs.h"
#include "profile.h"
#include "recorder.h"
#include "sampler.h"
#include "util.h"

static const char attach_usage[] =
	"usage: hotstack attach [OPTIONS] PID[,PID...]\n"
	"\n"
	"Watch running processes live: the ui views (hotspots, call tree, flame\n"
	"graph...) on their samples, refreshed about once a second. q detaches and\n"
	"leaves them running. Keys: p pause, r reset, t recent window, b baseline,\n"
	"w write the recording; ? for all keys.\n"
	"\n"
	"  -o, --output FILE     keep the recording in FILE (default: a temporary\n"
	"                        file, removed when attach ends)\n"
	"  -F, --freq HZ         samples per second per thread (default 99)\n"
	"      --user-only       do not record kernel frames\n"
	"      --waits           also record off-CPU time, system calls and I/O\n"
	"      --no-color        no colours (also when NO_COLOR is set)\n"
	"      --no-mouse        leave the mouse to the terminal\n"
	"      --ascii           ASCII drawing only\n"
	"  -h, --help            this help\n"
	"\n"
	"Without a terminal, use 'hotstack record -p PID'. See hotstack-attach(1).\n";

enum { OPT_USER_ONLY = 256, OPT_WAITS, OPT_NO_COLOR, OPT_NO_MOUSE, OPT_ASCII };

struct attach {
	struct recorder *r;
	const char *file;
	char *self;	/* /proc/self/exe resolved, for `merge` on w */
};

static int attach_poll(void *arg, int timeout_ms, const char **errmsg)
{
	struct attach *a = arg;
	int err = recorder_poll(a->r, timeout_ms);

	if (err)
		*errmsg = recorder_error(a->r);
	return err;
}

static bool attach_ended(void *arg)
{
	struct attach *a = arg;

	return recorder_done(a->r);
}

static void attach_describe(void *arg, struct strbuf *sb)
{
	struct attach *a = arg;
	struct recorder_stats st;

	recorder_stats(a->r, &st);
	strbuf_addf(sb, "%llu thr", (unsigned long long)st.threads);
	if (st.processes_ended)
		strbuf_addf(sb, "  %llu/%llu proc ended", (unsigned long long)st.processes_ended,
			    (unsigned long long)st.processes);
}

/* w: everything recorded so far, committed, then copied by `hotstack merge`
 * (read through the store reader, written as a new recording; an existing
 * file moved to .old). */
static int attach_save(void *arg, const char *path, char **errmsg)
{
	struct attach *a = arg;
	int pfd[2], status, err;
	char buf[512];
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	err = recorder_commit(a->r);
	if (err) {
		*errmsg = xstrdup(recorder_error(a->r));
		return err;
	}
	if (!strcmp(path, a->file)) {
		*errmsg = xstrdup("that is the file being written");
		return -EINVAL;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(pfd[1], 2);
		execl(a->self, "hotstack", "merge", "-o", path, a->file, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	buf[0] = '\0';
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			len += (size_t)n;
	buf[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	*errmsg = xstrdup(len ? buf : "merge failed");
	return -EIO;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "freq", required_argument, NULL, 'F' },
		{ "user-only", no_argument, NULL, OPT_USER_ONLY },
		{ "waits", no_argument, NULL, OPT_WAITS },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
		{ "no-mouse", no_argument, NULL, OPT_NO_MOUSE },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ui_opts uo = { .color = true, .mouse = true, .kind = KIND_CPU };
	struct recorder_config cfg;
	struct ui_live_source src;
	struct attach a = { 0 };
	struct ui_live *live;
	struct ui_model *m;
	const char *output = NULL, *nc = getenv("NO_COLOR");
	char *tmpdir = NULL, *tmpfile = NULL, *err = NULL;
	const char *tmp = getenv("TMPDIR");
	char *side[3] = { NULL, NULL, NULL }, *moved_to = NULL;
	unsigned freq = 0, max_rate = sampler_max_rate();
	pid_t *pids = NULL;
	int npids = 0, c, i, rc;
	bool waits = false, user_only = false, renamed = false;
	long v;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(attach_usage);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:p:F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg || optarg[strlen(optarg) - 1] == '/')
				die_usage("attach: -o needs the name of a file to write, not '%s'",
					  sanitized(optarg));
			output = optarg;
			break;
		case 'p':
			cmd_parse_pids("attach", optarg, "no process id given", &pids, &npids);
			break;
		case 'F':
			if (parse_long(optarg, 1, LONG_MAX, &v))
				die_usage("attach: -F needs a frequency of at least 1 Hz, not '%s'",
					  sanitized(optarg));
			if (v > (long)max_rate)
				die_usage("attach: -F %ld is above kernel.perf_event_max_sample_rate (%u)",
					  v, max_rate);
			freq = (unsigned)v;
			break;
		case OPT_USER_ONLY:
			user_only = true;
			break;
		case OPT_WAITS:
			waits = true;
			break;
		case OPT_NO_COLOR:
			uo.color = false;
			break;
		case OPT_NO_MOUSE:
			uo.mouse = false;
			break;
		case OPT_ASCII:
			uo.ascii = true;
			break;
		case ':':
			die_usage("attach: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			die_usage("attach: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	for (; optind < argc; optind++)
		cmd_parse_pids("attach", argv[optind], "no process id given", &pids, &npids);
	if (!npids)
		die_usage("attach: which process? (hotstack attach PID[,PID...])");
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		die("'hotstack attach' needs a terminal; without one use 'hotstack record -p %d'",
		    (int)pids[0]);
	for (i = 0; i < npids; i++) {
		if (pids[i] == getpid())
			die("cannot attach to hotstack itself (pid %d)", (int)pids[i]);
		if (!procfs_exists(pids[i]))
			die("no process with pid %d", (int)pids[i]);
	}
	if (nc && *nc)
		uo.color = false;
	a.self = realpath("/proc/self/exe", NULL);
	if (!output) {
		/* private: a directory only we can enter, removed at exit */
		if (!tmp || *tmp != '/')
			tmp = "/tmp";
		tmpdir = xmalloc(strlen(tmp) + 32);
		sprintf(tmpdir, "%s/hotstack-attach.XXXXXX", tmp);
		if (!mkdtemp(tmpdir))
			die("cannot make a temporary directory in '%s': %s; use -o FILE",
			    sanitized(tmp), strerror(errno));
		tmpfile = xmalloc(strlen(tmpdir) + 16);
		sprintf(tmpfile, "%s/attach.db", tmpdir);
		output = tmpfile;
		for (i = 0; i < 3; i++) {
			side[i] = xmalloc(strlen(tmpfile) + 8);
			sprintf(side[i], "%s%s", tmpfile, i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		}
		tmp_guard_arm((const char *const *)side, 3);
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.output = output;
	cfg.pids = pids;
	cfg.npids = npids;
	cfg.method = RECORDER_AUTO;
	cfg.freq = freq;
	cfg.user_only = user_only;
	cfg.stack_size = 16384;
	cfg.waits = waits;
	cfg.argc = argc;
	cfg.argv = argv;
	if (recorder_open(&a.r, &cfg, &renamed, &err))
		die("%s", err);
	if (renamed)	/* told when the screen is given back */
		moved_to = xstrdup(recorder_moved_to(a.r));
	if (recorder_start(a.r) || recorder_commit(a.r))
		die("%s", recorder_error(a.r));
	a.file = output;
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	uo.path = output;
	/* the baseline mark (b) compares this one recording with itself */
	uo.before = uo.after = &a.file;
	uo.nbefore = uo.nafter = 1;
	if (ui_model_open(&uo, &m, &err)) {
		recorder_finish(a.r, -1);
		die("%s", err);
	}
	src.arg = &a;
	src.poll = attach_poll;
	src.ended = attach_ended;
	src.describe = attach_describe;
	src.save = attach_save;
	live = ui_live_attach(&src);
	uo.live_setup = ui_live_setup;
	uo.live_arg = live;
	rc = ui_browse(&uo, m);
	/* detach: the events closed, the targets untouched */
	if (recorder_finish(a.r, -1))
		error("%s", recorder_error(a.r));
	recorder_free(a.r);
	ui_live_free(live);
	ui_model_free(m);
	if (tmpfile) {
		for (i = 0; i < 3; i++)
			unlink(side[i]);
		rmdir(tmpdir);
		tmp_guard_disarm();
	} else {
		cmd_warn_moved(output, moved_to);
	}
	free(moved_to);
	for (i = 0; i < 3; i++)
		free(side[i]);
	free(tmpfile);
	free(tmpdir);
	free(a.self);
	free(pids);
	return rc == 130 || rc == 128 + 15 || rc == 128 + 1 ? EXIT_OK : rc;
}
