/* ptsample-check.c - drives the ptrace fallback sampler (ptsampler.h) the
 * way `record --method ptrace` will, for the tests
 *
 * usage: ptsample-check [-F HZ] [-d SECS] [-a] -- COMMAND [ARGS...]
 *        ptsample-check [-F HZ] [-d SECS] [-a] -p PID
 *
 * Samples the command (launched and sampled from its exec) or the running
 * process for SECS seconds (default: until it exits), unwinds every sample
 * after the fact with the recorder's unwinder (unwind.h) over the maps the
 * SEV_MMAP events gave, names the frames (pcinfo.h) and prints:
 *   samples N          SEV_SAMPLE events
 *   threads N          distinct thread ids sampled
 *   names A,B,...      thread names seen in SEV_COMM events
 *   execs N            SEV_COMM exec events
 *   complete P         percent of samples unwound to main or start_thread
 *   stop_max_us N      longest stop of one thread
 *   stop_mean_us N     mean stop per stopped thread
 *   window_max_us N    longest snapshot
 *   snapshots N late N failed N not_on_cpu N   ptsampler_stats()
 *   self FUNC P        the 10 functions with most self samples, in percent
 * The command's own output goes to stdout before this report. Exit status:
 * 0, or 1 if no sample was taken, 2 on errors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hashmap.h"
#include "pcinfo.h"
#include "ptsampler.h"
#include "unwind.h"
#include "util.h"

#define MAX_FRAMES 512

struct count {
	char *name;
	uint64_t n;
};

struct check {
	struct unwinder *u;
	struct hashmap index;	/* function name -> index in counts */
	struct count *counts;
	size_t ncounts, counts_cap;
	struct hashmap tids;
	char names[4096];
	uint64_t samples, complete, execs;
	uint64_t pcs[MAX_FRAMES];
};

static void count_self(struct check *c, const char *name)
{
	uint64_t idx = c->ncounts;

	if (!hashmap_get_or_put(&c->index, name, strlen(name), &idx)) {
		xgrow(&c->counts, &c->counts_cap, c->ncounts + 1, sizeof(*c->counts));
		c->counts[c->ncounts].name = xstrdup(name);
		c->counts[c->ncounts].n = 0;
		c->ncounts++;
	}
	c->counts[idx].n++;
}

static void on_sample(struct check *c, const struct sampler_event *ev)
{
	struct space *s = spaces_get(unwinder_spaces(c->u), (pid_t)ev->pid, true);
	struct pcinfo pi[PCINFO_MAX_INLINE + 1];
	bool complete, reached = false;
	uint64_t one = 1;
	int n, i, k, m;

	c->samples++;
	hashmap_put(&c->tids, &ev->tid, sizeof(ev->tid), one);
	n = unwinder_unwind(c->u, s, ev, c->pcs, MAX_FRAMES, &complete);
	for (i = 0; i < n; i++) {
		m = pcinfo_lookup(s, c->pcs[i], pi, PCINFO_MAX_INLINE + 1);
		for (k = 0; k < m; k++) {
			if (i == 0 && k == 0)
				count_self(c, pi[k].function);
			if (!strcmp(pi[k].function, "main") || !strcmp(pi[k].function, "start_thread"))
				reached = true;
			pcinfo_release(&pi[k]);
		}
	}
	if (reached)
		c->complete++;
}

static void on_event(void *arg, const struct sampler_event *ev)
{
	struct check *c = arg;
	struct spaces *sp = unwinder_spaces(c->u);

	switch (ev->type) {
	case SEV_SAMPLE:
		on_sample(c, ev);
		break;
	case SEV_MMAP:
		space_add_map(spaces_get(sp, (pid_t)ev->pid, true), ev->mmap.start, ev->mmap.len,
			      ev->mmap.pgoff, ev->mmap.filename, NULL, 0);
		break;
	case SEV_COMM:
		if (ev->comm.exec) {
			spaces_exec(sp, (pid_t)ev->pid);
			c->execs++;
		}
		if (!strstr(c->names, ev->comm.comm) &&
		    strlen(c->names) + strlen(ev->comm.comm) + 2 < sizeof(c->names)) {
			if (c->names[0])
				strcat(c->names, ",");
			strcat(c->names, ev->comm.comm);
		}
		break;
	case SEV_EXIT:
		if (ev->pid == ev->tid)
			spaces_exit(sp, (pid_t)ev->pid);
		break;
	default:
		break;
	}
}

static int cmp_count(const void *a, const void *b)
{
	const struct count *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->name, y->name);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

int main(int argc, char **argv)
{
	struct ptsampler_config cfg = { 0 };
	struct ptsampler_stats st;
	struct ptsampler *ps;
	struct check c;
	struct sigaction sa;
	double secs = 0;
	pid_t child = 0, attach = 0;
	int go[2], opt, status = -1, err;
	char *errmsg = NULL;
	uint64_t end = 0;
	size_t i;

	while ((opt = getopt(argc, argv, "+F:d:ap:")) != -1) {
		switch (opt) {
		case 'F':
			cfg.freq = (unsigned)atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'a':
			cfg.all_threads = true;
			break;
		case 'p':
			attach = (pid_t)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: ptsample-check [-F HZ] [-d SECS] [-a] -- COMMAND... | -p PID\n");
			return 2;
		}
	}
	if (!attach && optind >= argc) {
		fprintf(stderr, "ptsample-check: give a command or -p PID\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!attach) {
		if (pipe2(go, O_CLOEXEC)) {
			perror("ptsample-check: pipe");
			return 2;
		}
		child = fork();
		if (child == 0) {
			char b;

			close(go[1]);
			if (read(go[0], &b, 1) != 1)
				_exit(127);
			execvp(argv[optind], argv + optind);
			_exit(127);
		}
		close(go[0]);
	}
	err = ptsampler_open(&ps, &cfg, child, &attach, attach ? 1 : 0, &errmsg);
	if (err) {
		fprintf(stderr, "ptsample-check: %s\n", errmsg ? errmsg : strerror(-err));
		free(errmsg);
		if (child) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return 2;
	}
	if (child && write(go[1], "x", 1) != 1) {
		perror("ptsample-check: write");
		return 2;
	}
	if (child)
		close(go[1]);

	memset(&c, 0, sizeof(c));
	c.u = unwinder_new();
	hashmap_init(&c.index);
	hashmap_init(&c.tids);
	if (secs > 0)
		end = monotonic_ns() + (uint64_t)(secs * 1e9);
	while (!stop) {
		err = ptsampler_poll(ps, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ptsample-check: poll: %s\n", strerror(-err));
			break;
		}
		ptsampler_drain(ps, on_event, &c);
		if (child && waitpid(child, &status, WNOHANG) == child)
			break;
		if (ptsampler_done(ps) || (end && monotonic_ns() >= end))
			break;
	}
	ptsampler_disable(ps);
	ptsampler_drain(ps, on_event, &c);
	ptsampler_stats(ps, &st);
	ptsampler_close(ps);
	if (child && status < 0)
		waitpid(child, &status, 0);
	fflush(stdout);

	printf("samples %" PRIu64 "\n", c.samples);
	printf("threads %zu\n", c.tids.count);
	printf("names %s\n", c.names);
	printf("execs %" PRIu64 "\n", c.execs);
	printf("complete %.2f\n", c.samples ? 100.0 * (double)c.complete / (double)c.samples : 0.0);
	printf("stop_max_us %" PRIu64 "\n", st.stop_ns_max / 1000);
	printf("stop_mean_us %" PRIu64 "\n",
	       st.samples + st.not_on_cpu ? st.stop_ns_total / (st.samples + st.not_on_cpu) / 1000 : 0);
	printf("window_max_us %" PRIu64 "\n", st.window_ns_max / 1000);
	printf("snapshots %" PRIu64 " late %" PRIu64 " failed %" PRIu64 " not_on_cpu %" PRIu64 "\n",
	       st.snapshots, st.late, st.failed, st.not_on_cpu);
	qsort(c.counts, c.ncounts, sizeof(*c.counts), cmp_count);
	for (i = 0; i < c.ncounts && i < 10; i++)
		printf("self %s %.2f\n", c.counts[i].name,
		       100.0 * (double)c.counts[i].n / (double)c.samples);
	if (child && status >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
		fprintf(stderr, "ptsample-check: the command ended with status 0x%x\n", status);

	for (i = 0; i < c.ncounts; i++)
		free(c.counts[i].name);
	free(c.counts);
	hashmap_release(&c.index);
	hashmap_release(&c.tids);
	unwinder_free(c.u);
	return c.samples ? 0 : 1;
}
