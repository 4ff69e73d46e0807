/* cmd-record.c - `hotstack record`: sample a command or running processes
 *
 * The options, launching the command (fork, then exec once the events are
 * open), the status line and the closing summary. The recording itself
 * (sources, unwinding, aggregation, commits) is the recorder's
 * (recorder.h), which `attach` drives too.
 *
 * The target is never stopped or signalled by hotstack: perf events are
 * passive, and closing them (also when hotstack is killed) detaches
 * everything. A launched command is left running if the recording stops
 * first (-d, Ctrl-C sent to hotstack alone).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "procfs.h"
#include "ptsampler.h"
#include "recorder.h"
#include "sampler.h"
#include "util.h"

#define DEFAULT_FREQ 99
#define DEFAULT_STACK 16384

static const char record_help[] =
	"usage: hotstack record [OPTIONS] -- COMMAND [ARGS...]\n"
	"       hotstack record [OPTIONS] -p PID[,PID...]\n"
	"       hotstack record [OPTIONS] --cgroup PATH\n"
	"\n"
	"Sample a command (every thread and child process, from exec to exit) or\n"
	"running processes (all their threads, also threads created later) with\n"
	"perf_event_open, unwind every sample from DWARF CFI and write a recording.\n"
	"\n"
	"  -o, --output FILE     recording to write (default ./hotstack.db; an existing\n"
	"                        file is renamed to FILE.old, or FILE.old.N if taken)\n"
	"  -p, --pid PID[,PID]   attach to running processes instead of launching\n"
	"      --cgroup PATH     record every process of a cgroup v2 directory and below\n"
	"                        it, also those that start or move in later (root or\n"
	"                        CAP_PERFMON; PATH absolute or under /sys/fs/cgroup)\n"
	"  -F, --freq HZ         samples per second per thread (default 99, at most\n"
	"                        kernel.perf_event_max_sample_rate)\n"
	"  -d, --duration SECS   stop after SECS seconds (the target keeps running)\n"
	"  -e, --event EVENT     cpu-clock (default), task-clock, or cycles where the\n"
	"                        machine has hardware counters\n"
	"      --user-only       do not record kernel frames\n"
	"      --stack-size BYTES  user stack copied per sample (default 16384, max 65528)\n"
	"  -m, --mmap-pages N    ring buffer pages per CPU, a power of two (default:\n"
	"                        sized for half a second of samples)\n"
	"      --waits           also record what threads wait on: off-CPU time with\n"
	"                        stacks, system call latency, I/O per file and socket\n"
	"                        (needs root or CAP_PERFMON; off by default)\n"
	"      --no-waits        do not record waits (the default)\n"
	"      --method METHOD   perf (perf_event_open), ptrace (stop, copy and resume\n"
	"                        the threads, 49 Hz by default: where perf events are\n"
	"                        not allowed) or auto (default: perf, else ptrace)\n"
	"  -q, --quiet           no status line\n"
	"  -v, --verbose         more messages\n"
	"  -h, --help            this help\n"
	"\n"
	"Ctrl-C, SIGTERM or SIGHUP stop the recording cleanly; the target keeps running.\n"
	"Exit status: 0 ok, 1 no sample was recorded, 2 error, 64 usage.\n"
	"See hotstack-record(1).\n";

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- option parsing ---- */

struct record_opts {
	const char *output;
	pid_t *pids;
	int npids;
	const char *cgroup;
	unsigned freq;
	double duration;
	enum sampler_clock event;
	bool user_only;
	uint32_t stack_size;
	unsigned mmap_pages;
	bool waits;
	bool quiet;
	bool freq_given;
	enum recorder_method method;
	char **command;
};

static void parse_options(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'C' },
		{ "freq", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "event", required_argument, NULL, 'e' },
		{ "user-only", no_argument, NULL, 'U' },
		{ "stack-size", required_argument, NULL, 'S' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "waits", no_argument, NULL, 'W' },
		{ "method", required_argument, NULL, 'M' },
		{ "no-waits", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned max_rate = sampler_max_rate();
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->output = "hotstack.db";
	o->freq = DEFAULT_FREQ;
	o->stack_size = DEFAULT_STACK;
	opterr = 0;
	/* '+': stop at the first non-option, the command */
	while ((c = getopt_long(argc, argv, "+o:p:F:d:e:m:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			/* a file name, not a directory: the .old, -wal and -shm
			 * files are made beside it */
			if (!*optarg || optarg[strlen(optarg) - 1] == '/')
				die_usage("record: -o needs the name of a file to write, not '%s'",
					  sanitized(optarg));
			o->output = optarg;
			break;
		case 'p':
			cmd_parse_pids("record", optarg, "-p needs a process id", &o->pids, &o->npids);
			break;
		case 'C':
			if (!*optarg)
				die_usage("record: --cgroup needs a cgroup v2 directory, e.g. "
					  "system.slice/NAME.service");
			o->cgroup = optarg;
			break;
		case 'F':
			if (parse_long(optarg, 1, LONG_MAX, &v))
				die_usage("record: -F needs a frequency of at least 1 Hz, not '%s'",
					  sanitized(optarg));
			if (v > (long)max_rate)
				die_usage("record: -F %ld is above kernel.perf_event_max_sample_rate (%u): "
					  "use at most %u, or raise the sysctl",
					  v, max_rate, max_rate);
			o->freq = (unsigned)v;
			o->freq_given = true;
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration))
				die_usage("record: -d needs a positive number of seconds, not '%s'",
					  sanitized(optarg));
			break;
		case 'e':
			if (sampler_parse_event(optarg, &o->event))
				die_usage("record: unknown event '%s': use cpu-clock, task-clock or cycles",
					  sanitized(optarg));
			break;
		case 'U':
			o->user_only = true;
			break;
		case 'S':
			if (parse_long(optarg, 1024, 65528, &v))
				die_usage("record: --stack-size must be between 1024 and 65528 bytes");
			o->stack_size = (uint32_t)(v & ~7L);
			break;
		case 'm':
			if (parse_long(optarg, 1, 65536, &v) || (v & (v - 1)))
				die_usage("record: --mmap-pages must be a power of two from 1 to 65536");
			o->mmap_pages = (unsigned)v;
			break;
		case 'W':
			o->waits = true;
			break;
		case 'M':
			if (!strcmp(optarg, "perf"))
				o->method = RECORDER_PERF;
			else if (!strcmp(optarg, "ptrace"))
				o->method = RECORDER_PTRACE;
			else if (!strcmp(optarg, "auto"))
				o->method = RECORDER_AUTO;
			else
				die_usage("record: unknown method '%s': use perf, ptrace or auto",
					  sanitized(optarg));
			break;
		case 'N':
			o->waits = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			exit(cmd_print_help(record_help));
		default:
			if (optopt)
				die_usage("record: unknown option or missing argument '-%c'", optopt);
			die_usage("record: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o->command = argv + optind;
	if ((o->npids > 0) + !!o->command + !!o->cgroup > 1)
		die_usage("record: give one of -p PID, --cgroup PATH and a command, not two");
	if (!o->npids && !o->command && !o->cgroup)
		die_usage("record: nothing to record: give a command after '--', -p PID or "
			  "--cgroup PATH");
	if (o->cgroup && o->method == RECORDER_PTRACE)
		die_usage("record: --cgroup needs perf events; it cannot be used with --method ptrace");
	if (o->method == RECORDER_PTRACE && o->waits)
		die_usage("record: --waits needs perf events; it cannot be used with --method ptrace");
	if (o->method == RECORDER_PTRACE && o->freq > PTSAMPLER_MAX_FREQ)
		die_usage("record: --method ptrace samples at most %d Hz", PTSAMPLER_MAX_FREQ);
}

/* ---- launching ---- */

struct launch {
	pid_t pid;
	int go_fd;	/* write a byte to let the child exec */
	int err_fd;	/* the child writes errno here if exec fails */
};

static void launch_fork(struct launch *l, char **command)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	l->pid = fork();
	if (l->pid < 0)
		die("fork: %s", strerror(errno));
	if (l->pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		/* wait until the events are open */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(command[0], command);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	l->go_fd = go[1];
	l->err_fd = err[0];
}

/* Lets the child exec; returns 0 or the exec errno. */
static int launch_go(struct launch *l)
{
	int e = 0;
	ssize_t n;

	if (write(l->go_fd, "x", 1) != 1)
		return errno;
	close(l->go_fd);
	do {
		n = read(l->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(l->err_fd);
	return n == sizeof(e) ? e : 0;
}

static void launch_abort(struct launch *l)
{
	/* the child has not exec'd yet: it is ours to end */
	kill(l->pid, SIGKILL);
	waitpid(l->pid, NULL, 0);
}

static void check_pids(const struct record_opts *o)
{
	int i;

	for (i = 0; i < o->npids; i++) {
		if (o->pids[i] == getpid())
			die("cannot record hotstack itself (pid %d)", (int)o->pids[i]);
		if (!procfs_exists(o->pids[i]))
			die("no process with pid %d", (int)o->pids[i]);
	}
}

/* Fails early, before anything is launched, if the output cannot be made. */
static void check_output_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if (access(dir, W_OK | X_OK)) {
		char shown[PATH_MAX];

		die("cannot write the recording in '%s': %s; choose another place with -o",
		    sanitize(shown, sizeof(shown), dir), strerror(errno));
	}
	free(dir);
}

static void print_status(const struct recorder *r, bool final)
{
	struct recorder_stats st;
	double secs;

	recorder_stats(r, &st);
	secs = (double)st.elapsed_ns / 1e9;
	fprintf(stderr, "\r\033[K%s: %.1fs  %" PRIu64 " samples  %.0f/s  %" PRIu64 " lost%s",
		progname, secs, st.samples, secs > 0 ? (double)st.samples / secs : 0.0, st.lost,
		final ? "\n" : "");
	fflush(stderr);
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct recorder_config cfg;
	struct recorder_stats st;
	struct recorder *r;
	struct launch l = { 0 };
	char *errmsg = NULL;
	bool renamed = false, status_line;
	uint64_t start_ns, last_status, end_ns = 0;
	int err, child_status = -1;
	struct stat stbuf;

	/* always on: its own options and loop (cmd-continuous.c) */
	if (cmd_record_is_continuous(argc, argv))
		return cmd_record_continuous(argc, argv);
	/* -h is parsed with the options: it must not be taken from COMMAND's
	 * arguments (hotstack record ls -h) */
	parse_options(argc, argv, &o);

	check_output_dir(o.output);
	if (o.npids)
		check_pids(&o);

	memset(&cfg, 0, sizeof(cfg));
	cfg.output = o.output;
	cfg.pids = o.pids;
	cfg.npids = o.npids;
	cfg.cgroup = o.cgroup;
	cfg.method = o.method;
	cfg.event = o.event;
	/* 0: the method's default rate (perf 99 Hz, ptrace 49 Hz) */
	cfg.freq = o.freq_given ? o.freq : 0;
	cfg.user_only = o.user_only;
	cfg.stack_size = o.stack_size;
	cfg.mmap_pages = o.mmap_pages;
	cfg.waits = o.waits;
	cfg.command = o.command;
	cfg.argc = argc;
	cfg.argv = argv;
	if (o.command) {
		launch_fork(&l, o.command);
		cfg.launch_pid = l.pid;
		/* the command starts once its events are open; the file is
		 * made while it runs (its samples wait in the queue) */
		cfg.create_later = true;
	}
	/* before the file is made: a Ctrl-C during the start-up stops the
	 * recording cleanly instead of leaving a file cut short */
	install_signals();
	err = recorder_open(&r, &cfg, &renamed, &errmsg);
	if (err) {
		if (o.command)
			launch_abort(&l);
		die("%s", errmsg ? errmsg : strerror(-err));
	}

	if (o.command) {
		int e = launch_go(&l);

		if (e) {
			waitpid(l.pid, NULL, 0);
			recorder_discard(r);
			die("cannot run '%s': %s", sanitized(o.command[0]),
			    e == ENOENT ? "command not found" : strerror(e));
		}
		err = recorder_create(r, &renamed, &errmsg);
		if (err) {
			/* the command runs: it is left running, unrecorded */
			recorder_free(r);
			die("%s; '%s' (pid %d) keeps running", errmsg ? errmsg : strerror(-err),
			    sanitized(o.command[0]), (int)l.pid);
		}
	}
	if (renamed)
		cmd_warn_moved(o.output, recorder_moved_to(r));
	if (recorder_start(r))
		die("%s", recorder_error(r));

	/* a launched command writes to this terminal too: a line refreshed
	 * in place would run into its output */
	status_line = !o.quiet && !o.command && isatty(STDERR_FILENO);
	start_ns = last_status = monotonic_ns();
	if (o.duration > 0)
		end_ns = start_ns + (uint64_t)(o.duration * 1e9);
	for (;;) {
		uint64_t now;
		bool finished = false;

		if (recorder_poll(r, 100))
			die("%s", recorder_error(r));
		now = monotonic_ns();
		/* the command ended: recorder_finish() picks up its tail */
		if (o.command && waitpid(l.pid, &child_status, WNOHANG) == l.pid)
			finished = true;
		if (recorder_done(r))
			finished = true;
		if (stop_signal || (end_ns && now >= end_ns))
			finished = true;
		if (finished)
			break;
		if (status_line && now - last_status >= 250000000ull) {
			print_status(r, false);
			last_status = now;
		}
	}
	if (recorder_finish(r, child_status))
		die("%s", recorder_error(r));
	if (status_line)
		print_status(r, true);
	recorder_stats(r, &st);
	recorder_free(r);
	debug("lost: %" PRIu64 " in the kernel's ring buffers, %" PRIu64
	      " dropped from a full queue (peak %.1f MiB) while unwinding fell behind, "
	      "at most %.3f s behind the targets",
	      st.lost - st.queue_dropped, st.queue_dropped, (double)st.queue_peak_bytes / 1048576,
	      (double)st.max_lag_ns / 1e9);

	if (!o.quiet) {
		double mb = stat(o.output, &stbuf) ? 0 : (double)stbuf.st_size / 1e6;

		fprintf(stderr, "%s: wrote %" PRIu64 " samples (%" PRIu64 " lost, %" PRIu64
				" not unwound to the end) to '%s' (%.2f MB)\n",
			progname, st.samples, st.lost, st.unwind_errors, sanitized(o.output), mb);
		if (o.command && child_status < 0)
			fprintf(stderr, "%s: recording stopped; '%s' (pid %d) keeps running\n",
				progname, sanitized(o.command[0]), (int)l.pid);
		else if (child_status > 0 && WIFEXITED(child_status))
			fprintf(stderr, "%s: note: the command exited with status %d\n", progname,
				WEXITSTATUS(child_status));
	}
	free(o.pids);
	if (!st.samples) {
		warn("no sample was recorded: %s",
		     st.lost ? "the kernel dropped them all (try a larger --mmap-pages or a smaller "
			       "--stack-size)"
			     : "the target did not run on a CPU while recording");
		return EXIT_PARTIAL;
	}
	return EXIT_OK;
}
