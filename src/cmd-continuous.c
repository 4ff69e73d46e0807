/* cmd-continuous.c - `hotstack record --continuous DIR`: always on
 *
 * Drives the recorder (recorder.h) at a low rate into rotating recordings
 * DIR/hotstack-YYYYmmddTHHMMSSZ.db (rotate.h), and follows what it commits
 * through a read-only connection to the file being written: each second
 * of samples (a window) goes to the anomaly detector (anomaly.h), whose
 * marks are stored in the recording, and to the Prometheus metrics
 * (metrics.h), served on --metrics ADDR by a thread that never blocks
 * this one.
 *
 * Signals: SIGHUP rotates now; SIGTERM and Ctrl-C finish the current file
 * (committed, marked finished) and exit. The targets are never touched.
 * With --comm NAME, processes of that name are recorded, and a process of
 * that name that starts later (a restart) starts a new file. With --cgroup
 * PATH, every process of that cgroup (a systemd unit's) is recorded through
 * perf's cgroup events, also those that fork or move into it later, in one
 * run of files.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "anomaly.h"
#include "cmd.h"
#include "hashmap.h"
#include "metrics.h"
#include "procfs.h"
#include "recorder.h"
#include "rotate.h"
#include "sampler.h"
#include "store.h"
#include "util.h"

#define NS 1000000000ll
/* The default rate: see hotstack-record(1), CONTINUOUS RECORDING. */
#define CONT_FREQ 29
#define CONT_ROTATE (600 * NS)
/* a window is read once the recording is committed this far past its end
 * (events come out of the ring buffers a little late) */
#define WINDOW_LAG (300 * 1000000ll)

static const char continuous_help[] =
	"usage: hotstack record --continuous DIR -p PID[,PID...] [OPTIONS]\n"
	"       hotstack record --continuous DIR --comm NAME [OPTIONS]\n"
	"       hotstack record --continuous DIR --cgroup PATH [OPTIONS]\n"
	"\n"
	"Record all the time, at a low rate, into rotating recordings\n"
	"DIR/hotstack-YYYYmmddTHHMMSSZ.db (UTC; DIR/latest points at the current one),\n"
	"mark where a function's share of the samples leaves its baseline, and serve\n"
	"Prometheus metrics.\n"
	"\n"
	"  -p, --pid PID[,PID]   the processes to record (all their threads)\n"
	"      --comm NAME       the processes called NAME, also those that start later\n"
	"                        (a restarted service): each new set starts a new file\n"
	"      --cgroup PATH     every process of a cgroup v2 directory and below it, also\n"
	"                        those that start or move in later (a systemd unit:\n"
	"                        system.slice/NAME.service, under /sys/fs/cgroup)\n"
	"  -F, --freq HZ         samples per second per thread (default 29)\n"
	"      --rotate DURATION start a new file this often (default 10m; s, m, h, d)\n"
	"      --keep AGE|COUNT  remove the oldest files beyond an age (24h) or a count\n"
	"                        (48); may be given twice\n"
	"      --max-size SIZE   remove the oldest files beyond a total size (2G)\n"
	"      --waits           also off-CPU time, system call latency and I/O\n"
	"      --user-only       do not record kernel frames\n"
	"      --metrics ADDR    serve Prometheus metrics on ADDR (127.0.0.1:9464)\n"
	"      --metrics-top N   functions exported by name (default 20; the rest\n"
	"                        summed as function=\"[other]\")\n"
	"      --metrics-allow-remote  allow a non-loopback --metrics address\n"
	"  -d, --duration SECS   stop after SECS seconds\n"
	"  -q, --quiet           no messages about rotations and marks\n"
	"  -h, --help            this help\n"
	"\n"
	"SIGHUP starts a new file now; SIGTERM or Ctrl-C finish the current file and\n"
	"exit. See hotstack-record(1), CONTINUOUS RECORDING and ANOMALY MARKS.\n";

/* SIGHUPs received; each one rotates (they are counted, not coalesced) */
static volatile sig_atomic_t stop_signal, hup_count;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_count++;
	else
		stop_signal = sig;
}

struct cont_opts {
	const char *dir;
	pid_t *pids;
	int npids;
	const char *comm;
	const char *cgroup;
	unsigned freq;
	uint64_t rotate_ns;
	struct rotate_keep keep;
	bool waits, user_only, quiet, allow_remote;
	const char *metrics_addr;
	unsigned metrics_top;
	double duration;
};

/* ---- following the recording being written ---- */

struct fn_name {
	char *name, *module;
};

struct follow {
	struct store *rd;
	int64_t start_rt;	/* the file's start_time, Unix ns */
	int64_t slice_ns;
	int64_t next_win;	/* the next window to read */
	bool done;		/* every window read */
	/* node id -> function (index into fns), -1 unknown */
	int *node_fn;
	size_t nnode_fn;
	struct fn_name *fns;
	size_t nfns, capfns;
	struct hashmap tid_comm;	/* tid -> index into comms */
	char **comms;
	size_t ncomms, capcomms;
	/* while reading one window */
	uint64_t *win_count;	/* per function */
	uint64_t *win_weight;
	size_t capwin;
	double *win_comm;	/* CPU seconds per comm */
	size_t capcomm;
	struct hashmap nr_name;	/* syscall nr -> index into sysnames */
	char **sysnames;
	size_t nsysnames, capsysnames;
};

/* reading the dictionary: nodes, frames, modules */
struct dict {
	char **module_paths;
	size_t nmodules;
	int *frame_fn;		/* frame id -> function */
	size_t nframes;
	int64_t *node_frame;	/* node id -> frame id */
	size_t nnodes;
	struct hashmap fn_index;
	struct follow *f;
};

static void grow_to(void *ptrp, size_t *n, size_t id, size_t elem)
{
	size_t cap = *n;

	if (id < *n)
		return;
	xgrow(ptrp, &cap, id + 1, elem);
	memset((char *)*(void **)ptrp + *n * elem, 0, (id + 1 - *n) * elem);
	*n = id + 1;
}

static int dict_module(void *arg, int64_t id, const char *path, const char *build_id UNUSED,
		       const char *kind UNUSED, const char *soname UNUSED, bool is_main UNUSED)
{
	struct dict *d = arg;

	if (id < 0 || id > INT_MAX)
		return 0;
	grow_to(&d->module_paths, &d->nmodules, (size_t)id, sizeof(*d->module_paths));
	free(d->module_paths[id]);
	d->module_paths[id] = xstrdup(path ? path : "");
	return 0;
}

static int intern_fn(struct follow *f, struct hashmap *index, const char *name, const char *module)
{
	struct strbuf key = STRBUF_INIT;
	uint64_t idx = f->nfns;

	strbuf_adds(&key, module);
	strbuf_add(&key, "", 1);
	strbuf_adds(&key, name);
	if (!hashmap_get_or_put(index, key.buf, key.len, &idx)) {
		xgrow(&f->fns, &f->capfns, f->nfns + 1, sizeof(*f->fns));
		f->fns[f->nfns].name = xstrdup(name);
		f->fns[f->nfns].module = xstrdup(module);
		f->nfns++;
	}
	strbuf_release(&key);
	return (int)idx;
}

static int dict_frame(void *arg, int64_t id, int64_t module_id, const char *function,
		      const char *linkage UNUSED, const char *file UNUSED, int line UNUSED,
		      bool is_inline UNUSED, uint64_t offset UNUSED)
{
	struct dict *d = arg;
	const char *module = module_id >= 0 && (size_t)module_id < d->nmodules &&
					     d->module_paths[module_id]
				     ? d->module_paths[module_id]
				     : "";

	if (id < 0 || id > INT_MAX)
		return 0;
	grow_to(&d->frame_fn, &d->nframes, (size_t)id, sizeof(*d->frame_fn));
	d->frame_fn[id] = intern_fn(d->f, &d->fn_index, function ? function : "?", module);
	return 0;
}

static int dict_node(void *arg, int64_t id, int64_t parent_id UNUSED, int64_t frame_id,
		     int depth UNUSED)
{
	struct dict *d = arg;

	if (id < 0 || id > INT_MAX)
		return 0;
	grow_to(&d->node_frame, &d->nnodes, (size_t)id, sizeof(*d->node_frame));
	d->node_frame[id] = frame_id;
	return 0;
}

/* Reads every node's leaf function again (new call paths appeared). */
static void follow_load_dict(struct follow *f)
{
	struct dict d;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.f = f;
	hashmap_init(&d.fn_index);
	/* the functions known so far keep their indices */
	for (i = 0; i < f->nfns; i++) {
		struct strbuf key = STRBUF_INIT;

		strbuf_adds(&key, f->fns[i].module);
		strbuf_add(&key, "", 1);
		strbuf_adds(&key, f->fns[i].name);
		hashmap_put(&d.fn_index, key.buf, key.len, i);
		strbuf_release(&key);
	}
	store_each_module(f->rd, dict_module, &d);
	store_each_frame(f->rd, dict_frame, &d);
	store_each_node(f->rd, dict_node, &d);
	free(f->node_fn);
	f->nnode_fn = d.nnodes;
	f->node_fn = xmalloc((d.nnodes ? d.nnodes : 1) * sizeof(*f->node_fn));
	for (i = 0; i < d.nnodes; i++) {
		int64_t fr = d.node_frame[i];

		f->node_fn[i] = fr > 0 && (size_t)fr < d.nframes ? d.frame_fn[fr] : -1;
	}
	for (i = 0; i < d.nmodules; i++)
		free(d.module_paths[i]);
	free(d.module_paths);
	free(d.frame_fn);
	free(d.node_frame);
	hashmap_release(&d.fn_index);
}

struct comm_load {
	struct follow *f;
	struct hashmap pid_name;	/* pid -> index into names */
	char **names;
	size_t nnames, cap;
};

static int load_process(void *arg, int pid, int ppid UNUSED, const char *name,
			const char *exe UNUSED)
{
	struct comm_load *c = arg;

	xgrow(&c->names, &c->cap, c->nnames + 1, sizeof(*c->names));
	c->names[c->nnames] = xstrdup(name ? name : "?");
	hashmap_put(&c->pid_name, &pid, sizeof(pid), c->nnames++);
	return 0;
}

static int load_thread(void *arg, int tid, int pid, const char *name, int64_t samples UNUSED)
{
	struct comm_load *c = arg;
	struct follow *f = c->f;
	uint64_t idx;
	const char *comm = name ? name : "?";

	if (hashmap_get(&c->pid_name, &pid, sizeof(pid), &idx))
		comm = c->names[idx];
	xgrow(&f->comms, &f->capcomms, f->ncomms + 1, sizeof(*f->comms));
	f->comms[f->ncomms] = xstrdup(comm);
	hashmap_put(&f->tid_comm, &tid, sizeof(tid), f->ncomms++);
	return 0;
}

static void follow_load_threads(struct follow *f)
{
	struct comm_load c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.f = f;
	hashmap_init(&c.pid_name);
	store_each_process(f->rd, load_process, &c);
	store_each_thread(f->rd, KIND_CPU, load_thread, &c);
	for (i = 0; i < c.nnames; i++)
		free(c.names[i]);
	free(c.names);
	hashmap_release(&c.pid_name);
}

static void follow_close(struct follow *f)
{
	size_t i;

	store_free(f->rd);
	for (i = 0; i < f->nfns; i++) {
		free(f->fns[i].name);
		free(f->fns[i].module);
	}
	for (i = 0; i < f->ncomms; i++)
		free(f->comms[i]);
	free(f->comms);
	for (i = 0; i < f->nsysnames; i++)
		free(f->sysnames[i]);
	free(f->sysnames);
	free(f->win_comm);
	free(f->fns);
	free(f->node_fn);
	free(f->win_count);
	free(f->win_weight);
	hashmap_release(&f->tid_comm);
	hashmap_release(&f->nr_name);
	memset(f, 0, sizeof(*f));
}

static int follow_open(struct follow *f, const char *path, char **errmsg)
{
	char *v;
	int err;

	memset(f, 0, sizeof(*f));
	hashmap_init(&f->tid_comm);
	hashmap_init(&f->nr_name);
	err = store_open(path, &f->rd, errmsg);
	if (err)
		return err;
	v = store_get_meta(f->rd, "start_time");
	f->start_rt = int_or(v, (int64_t)realtime_ns());
	free(v);
	v = store_get_meta(f->rd, "slice_ns");
	f->slice_ns = int_or(v, (int64_t)STORE_SLICE_NS);
	free(v);
	if (f->slice_ns <= 0 || NS % f->slice_ns)
		f->slice_ns = (int64_t)STORE_SLICE_NS;
	return 0;
}

/* ---- one window ---- */

struct cont {
	struct cont_opts o;
	struct recorder *r;
	struct follow f;
	struct anomaly_detector *det;
	struct metrics *metrics;
	uint64_t lost_seen;	/* recorder lost counter already published */
	uint64_t marks;
};

struct win_read {
	struct cont *c;
	bool missing;		/* a node or thread not in the caches */
};

static int win_cpu(void *arg, int64_t slice UNUSED, int tid, int64_t node, int64_t count,
		   int64_t weight)
{
	struct win_read *w = arg;
	struct follow *f = &w->c->f;
	uint64_t idx;
	int fn;

	if (node < 0 || (size_t)node >= f->nnode_fn ||
	    !hashmap_get(&f->tid_comm, &tid, sizeof(tid), &idx)) {
		w->missing = true;
		return 0;
	}
	fn = f->node_fn[node];
	if (fn < 0)
		return 0;
	if (f->capwin < f->nfns) {
		size_t old = f->capwin;

		xgrow(&f->win_count, &f->capwin, f->nfns, sizeof(*f->win_count));
		f->win_weight = xrealloc(f->win_weight, f->capwin * sizeof(*f->win_weight));
		memset(f->win_count + old, 0, (f->capwin - old) * sizeof(*f->win_count));
		memset(f->win_weight + old, 0, (f->capwin - old) * sizeof(*f->win_weight));
	}
	if (f->capcomm < f->ncomms) {
		size_t old = f->capcomm;

		xgrow(&f->win_comm, &f->capcomm, f->ncomms, sizeof(*f->win_comm));
		memset(f->win_comm + old, 0, (f->capcomm - old) * sizeof(*f->win_comm));
	}
	f->win_count[fn] += (uint64_t)count;
	f->win_weight[fn] += (uint64_t)weight;
	f->win_comm[idx] += (double)weight / 1e9;
	return 0;
}

static int win_offcpu(void *arg, int64_t slice UNUSED, int tid UNUSED, int64_t node UNUSED,
		      int64_t count UNUSED, int64_t weight)
{
	double *sum = arg;

	*sum += (double)weight / 1e9;
	return 0;
}

static int win_syscall(void *arg, const int64_t *ints, const char *const *texts)
{
	struct cont *c = arg;
	struct follow *f = &c->f;
	uint64_t idx;

	if (!hashmap_get(&f->nr_name, &ints[0], sizeof(ints[0]), &idx)) {
		xgrow(&f->sysnames, &f->capsysnames, f->nsysnames + 1, sizeof(*f->sysnames));
		f->sysnames[f->nsysnames] = xstrdup(texts[0] ? texts[0] : "?");
		idx = f->nsysnames++;
		hashmap_put(&f->nr_name, &ints[0], sizeof(ints[0]), idx);
	}
	metrics_add_syscall_time(c->metrics, f->sysnames[idx], (double)ints[3] / 1e9);
	return 0;
}

static int win_latency(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	struct cont *c = arg;
	uint64_t idx;

	if (hashmap_get(&c->f.nr_name, &ints[0], sizeof(ints[0]), &idx))
		metrics_add_syscall_bucket(c->metrics, c->f.sysnames[idx], (int)ints[1],
					   (uint64_t)ints[2]);
	return 0;
}

static int store_mark(void *arg, const struct store_anomaly *a)
{
	struct cont *c = arg;
	struct store_anomaly m = *a;
	int64_t start = a->start_ns - c->f.start_rt, end = a->end_ns - c->f.start_rt;
	char func[256];
	int err;

	/* detector times are Unix ns; the recording's are from its start (a
	 * mark that began in the previous file starts at 0 in this one) */
	m.id = 0;
	m.start_ns = start > 0 ? start : 0;
	m.end_ns = end > m.start_ns ? end : m.start_ns;
	err = recorder_add_anomaly(c->r, &m);
	if (c->metrics)
		metrics_add_anomaly(c->metrics);
	c->marks++;
	if (!c->o.quiet) {
		time_t t0 = (time_t)(a->start_ns / NS), t1 = (time_t)(a->end_ns / NS);
		char s0[32], s1[32];
		struct tm tm;

		strftime(s0, sizeof(s0), "%H:%M:%S", localtime_r(&t0, &tm));
		strftime(s1, sizeof(s1), "%H:%M:%S", localtime_r(&t1, &tm));
		fprintf(stderr, "%s: anomaly %s-%s: '%s' %.1f%% of samples (baseline %.1f%%)\n",
			progname, s0, s1, sanitize(func, sizeof(func), a->function),
			100 * a->observed, 100 * a->baseline);
	}
	return err;
}

/* Reads window w of the current file (slices [w*k, (w+1)*k)) into the
 * detector and the metrics. */
static void read_window(struct cont *c, int64_t w)
{
	struct follow *f = &c->f;
	int64_t k = NS / f->slice_ns, lo = w * k, hi = lo + k - 1;
	struct win_read wr = { c, false };
	uint64_t total = 0;
	size_t i;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (f->capwin) {
			memset(f->win_count, 0, f->capwin * sizeof(*f->win_count));
			memset(f->win_weight, 0, f->capwin * sizeof(*f->win_weight));
		}
		if (f->capcomm)
			memset(f->win_comm, 0, f->capcomm * sizeof(*f->win_comm));
		wr.missing = false;
		store_each_sample_range(f->rd, KIND_CPU, 0, lo, hi, win_cpu, &wr);
		if (!wr.missing)
			break;
		/* new call paths or threads since the caches were read */
		follow_load_dict(f);
		follow_load_threads(f);
	}
	for (i = 0; c->metrics && i < f->ncomms && i < f->capcomm; i++)
		if (f->win_comm[i] > 0)
			metrics_add_process_cpu(c->metrics, f->comms[i], f->win_comm[i]);
	anomaly_window_begin(c->det, f->start_rt + w * NS, f->start_rt + (w + 1) * NS);
	for (i = 0; i < f->nfns && i < f->capwin; i++) {
		if (!f->win_count[i])
			continue;
		anomaly_window_add(c->det, f->fns[i].name, f->fns[i].module, f->win_count[i]);
		total += f->win_count[i];
		if (c->metrics)
			metrics_add_function_cpu(c->metrics, f->fns[i].name, f->fns[i].module,
						 (double)f->win_weight[i] / 1e9);
	}
	anomaly_window_end(c->det, total, store_mark, c);
	if (!c->metrics)
		return;
	metrics_add_samples(c->metrics, total, 0);
	if (c->o.waits) {
		double blocked = 0, runq = 0;

		store_each_sample_range(f->rd, KIND_OFFCPU, 0, lo, hi, win_offcpu, &blocked);
		store_each_sample_range(f->rd, KIND_RUNQUEUE, 0, lo, hi, win_offcpu, &runq);
		metrics_add_offcpu(c->metrics, "blocked", blocked);
		metrics_add_offcpu(c->metrics, "runqueue", runq);
		if (store_set_wait_range(f->rd, lo, hi)) {
			store_each_syscall(f->rd, 0, win_syscall, c);
			store_each_syscall_latency(f->rd, 0, win_latency, c);
		}
	}
}

/* Reads the windows committed far enough; all of them (the last one
 * partial) when the file is complete. */
static void follow_step(struct cont *c, bool complete)
{
	struct follow *f = &c->f;
	struct recorder_stats st;
	char *v;
	int64_t dur, w;
	bool read;

	if (!f->rd || f->done)
		return;
	v = store_get_meta(f->rd, "duration_ns");
	dur = int_or(v, 0);
	free(v);
	for (w = f->next_win; (w + 1) * NS + WINDOW_LAG <= dur; w++)
		read_window(c, w);
	if (complete && w * NS < dur)
		read_window(c, w++);
	read = w != f->next_win;
	f->next_win = w;
	if (complete)
		f->done = true;
	/* new numbers once a window was read */
	if (c->metrics && read) {
		recorder_stats(c->r, &st);
		if (st.lost > c->lost_seen)
			metrics_add_samples(c->metrics, 0, st.lost - c->lost_seen);
		c->lost_seen = st.lost;
		metrics_publish(c->metrics);
	}
}

/* ---- files ---- */

static char *new_path(struct cont *c)
{
	char *path = NULL;
	int err = rotate_new_path(c->o.dir, realtime_ns(), &path);

	if (err)
		die("cannot name a new recording in '%s': %s", sanitized(c->o.dir),
		    strerror(-err));
	return path;
}

static void after_new_file(struct cont *c, const char *path)
{
	char *errmsg = NULL;
	int removed = 0;

	if (rotate_set_latest(c->o.dir, path))
		warn("cannot update '%s/latest': %s", sanitized(c->o.dir), strerror(errno));
	if (rotate_prune(c->o.dir, &c->o.keep, realtime_ns(), path, &removed))
		warn("cannot remove old recordings in '%s': %s", sanitized(c->o.dir),
		     strerror(errno));
	else if (removed && verbose)
		debug("removed %d old recording(s)", removed);
	if (follow_open(&c->f, path, &errmsg))
		die("%s", errmsg);
	if (!c->o.quiet && verbose)
		fprintf(stderr, "%s: recording to '%s'\n", progname, sanitized(path));
}

static void open_recorder(struct cont *c, const pid_t *pids, int npids, int argc, char **argv)
{
	struct recorder_config cfg;
	char *path = new_path(c), *errmsg = NULL;
	bool renamed;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.output = path;
	cfg.pids = pids;
	cfg.npids = npids;
	cfg.cgroup = c->o.cgroup;
	cfg.method = RECORDER_PERF;
	cfg.freq = c->o.freq;
	cfg.user_only = c->o.user_only;
	cfg.waits = c->o.waits;
	cfg.argc = argc;
	cfg.argv = argv;
	/* a commit a second: the fixed cost of an always-on recorder (a
	 * killed one loses at most its last second) */
	cfg.commit_ns = NS;
	err = recorder_open(&c->r, &cfg, &renamed, &errmsg);
	if (err)
		die("%s", errmsg ? errmsg : strerror(-err));
	if (recorder_start(c->r))
		die("%s", recorder_error(c->r));
	after_new_file(c, path);
	free(path);
}

static void rotate_now(struct cont *c)
{
	char *path = new_path(c), *errmsg = NULL;

	/* the old file's windows first, so its marks go into it */
	if (recorder_commit(c->r))
		die("%s", recorder_error(c->r));
	follow_step(c, true);
	follow_close(&c->f);
	if (recorder_rotate(c->r, path, &errmsg))
		die("%s", errmsg ? errmsg : recorder_error(c->r));
	after_new_file(c, path);
	free(path);
}

/* The last windows, the runs still going marked, then the file finished. */
static void finish_recorder(struct cont *c)
{
	if (recorder_commit(c->r))
		die("%s", recorder_error(c->r));
	follow_step(c, true);
	anomaly_flush(c->det, store_mark, c);
	if (c->metrics)
		metrics_publish(c->metrics);
	follow_close(&c->f);
	if (recorder_finish(c->r, -1))
		die("%s", recorder_error(c->r));
	recorder_free(c->r);
	c->r = NULL;
}

/* ---- --comm: the processes of a name ---- */

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The processes called name, sorted; returns how many (*out malloc'd). */
static int find_comm(const char *name, pid_t **out)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t *v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char comm[64];
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]) ||
		    parse_long(de->d_name, 1, INT_MAX, &pid) || (pid_t)pid == getpid())
			continue;
		if (procfs_comm((pid_t)pid, 0, comm, sizeof(comm)) || strcmp(comm, name))
			continue;
		if (procfs_state((pid_t)pid, 0) == 'Z')
			continue;
		xgrow(&v, &cap, n + 1, sizeof(*v));
		v[n++] = (pid_t)pid;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), pid_cmp);
	*out = v;
	return (int)n;
}

/* ---- options ---- */

bool cmd_record_is_continuous(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--continuous") || !strncmp(argv[i], "--continuous=", 13))
			return true;
	return false;
}

static void parse_options(int argc, char **argv, struct cont_opts *o)
{
	enum { O_CONT = 256, O_COMM, O_ROTATE, O_KEEP, O_MAXSIZE, O_WAITS, O_USER, O_METRICS,
	       O_TOP, O_REMOTE, O_CGROUP };
	static const struct option longopts[] = {
		{ "continuous", required_argument, NULL, O_CONT },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, O_COMM },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "freq", required_argument, NULL, 'F' },
		{ "rotate", required_argument, NULL, O_ROTATE },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "waits", no_argument, NULL, O_WAITS },
		{ "user-only", no_argument, NULL, O_USER },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "metrics-top", required_argument, NULL, O_TOP },
		{ "metrics-allow-remote", no_argument, NULL, O_REMOTE },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned max_rate = sampler_max_rate();
	struct stat sb;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->freq = CONT_FREQ;
	o->rotate_ns = CONT_ROTATE;
	o->metrics_top = METRICS_DEFAULT_TOP;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:F:d:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONT:
			o->dir = optarg;
			break;
		case 'p':
			cmd_parse_pids("record", optarg, "-p needs a process id", &o->pids, &o->npids);
			break;
		case O_COMM:
			if (!*optarg || strlen(optarg) > 15)
				die_usage("record: --comm needs a process name of 1 to 15 characters, "
					  "as in /proc/PID/comm, not '%s'", sanitized(optarg));
			o->comm = optarg;
			break;
		case O_CGROUP:
			if (!*optarg)
				die_usage("record: --cgroup needs a cgroup v2 directory, e.g. "
					  "system.slice/NAME.service");
			o->cgroup = optarg;
			break;
		case 'F':
			if (parse_long(optarg, 1, LONG_MAX, &v) || v > (long)max_rate)
				die_usage("record: -F needs a frequency from 1 to %u Hz, not '%s'",
					  max_rate, sanitized(optarg));
			o->freq = (unsigned)v;
			break;
		case O_ROTATE:
			if (rotate_parse_duration(optarg, &o->rotate_ns) || o->rotate_ns < (uint64_t)NS)
				die_usage("record: --rotate needs a duration of at least 1s (10m, 1h), "
					  "not '%s'", sanitized(optarg));
			break;
		case O_KEEP:
			if (rotate_parse_keep(optarg, &o->keep))
				die_usage("record: --keep needs an age (24h, 7d) or a number of files "
					  "(48), not '%s'", sanitized(optarg));
			break;
		case O_MAXSIZE:
			if (rotate_parse_size(optarg, &o->keep.max_bytes))
				die_usage("record: --max-size needs a size (500M, 2G), not '%s'",
					  sanitized(optarg));
			break;
		case O_WAITS:
			o->waits = true;
			break;
		case O_USER:
			o->user_only = true;
			break;
		case O_METRICS:
			o->metrics_addr = optarg;
			break;
		case O_TOP:
			if (parse_long(optarg, 0, 10000, &v))
				die_usage("record: --metrics-top needs a number from 0 to 10000");
			o->metrics_top = (unsigned)v;
			break;
		case O_REMOTE:
			o->allow_remote = true;
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration))
				die_usage("record: -d needs a positive number of seconds, not '%s'",
					  sanitized(optarg));
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			exit(cmd_print_help(continuous_help));
		default:
			if (optopt)
				die_usage("record: unknown option or missing argument '-%c'", optopt);
			die_usage("record: unknown option '%s' with --continuous",
				  sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		die_usage("record: --continuous records running processes: give -p PID, --comm "
			  "NAME or --cgroup PATH, not a command");
	if (!o->npids && !o->comm && !o->cgroup)
		die_usage("record: --continuous needs -p PID, --comm NAME or --cgroup PATH");
	if ((o->npids > 0) + !!o->comm + !!o->cgroup > 1)
		die_usage("record: give one of -p PID, --comm NAME and --cgroup PATH, not two");
	if (stat(o->dir, &sb) && errno == ENOENT && mkdir(o->dir, 0700))
		die("cannot create '%s': %s", sanitized(o->dir), strerror(errno));
	if (stat(o->dir, &sb) || !S_ISDIR(sb.st_mode))
		die("'%s' is not a directory: --continuous needs one to write recordings in",
		    sanitized(o->dir));
	if (access(o->dir, W_OK | X_OK))
		die("cannot write recordings in '%s': %s", sanitized(o->dir), strerror(errno));
}

static bool same_pids(const pid_t *a, int na, const pid_t *b, int nb)
{
	return na == nb && (!na || !memcmp(a, b, (size_t)na * sizeof(*a)));
}

int cmd_record_continuous(int argc, char **argv)
{
	struct cont c;
	struct sigaction sa;
	uint64_t start, next_rotate, next_scan = 0, next_follow = 0, now;
	sig_atomic_t hup_done = 0;
	pid_t *cur = NULL;
	int ncur = 0, i;

	memset(&c, 0, sizeof(c));
	parse_options(argc, argv, &c.o);
	for (i = 0; i < c.o.npids; i++)
		if (!procfs_exists(c.o.pids[i]))
			die("no process with pid %d", (int)c.o.pids[i]);
	c.det = anomaly_new(NULL);
	if (c.o.metrics_addr) {
		char *errmsg = NULL;
		int err;

		const char *colon = strrchr(c.o.metrics_addr, ':');
		int port = 0;

		c.metrics = metrics_new(c.o.metrics_top);
		err = metrics_serve(c.metrics, c.o.metrics_addr, c.o.allow_remote, &port, &errmsg);
		if (err == -EINVAL || err == -EPERM)
			die_usage("record: %s", errmsg);
		if (err)
			die("%s", errmsg);
		/* the port bound, also for port 0 */
		if (!c.o.quiet)
			fprintf(stderr, "%s: metrics on http://%.*s:%d/metrics\n", progname,
				(int)(colon - c.o.metrics_addr), sanitized(c.o.metrics_addr), port);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (c.o.npids || c.o.cgroup) {
		open_recorder(&c, c.o.pids, c.o.npids, argc, argv);
	} else {
		ncur = find_comm(c.o.comm, &cur);
		if (ncur)
			open_recorder(&c, cur, ncur, argc, argv);
		else if (!c.o.quiet)
			fprintf(stderr, "%s: waiting for a process called '%s'\n", progname,
				sanitized(c.o.comm));
	}
	start = monotonic_ns();
	next_rotate = start + c.o.rotate_ns;
	while (!stop_signal) {
		now = monotonic_ns();
		if (c.o.duration > 0 && (double)(now - start) >= c.o.duration * 1e9)
			break;
		if (!c.r) {
			/* --comm, nothing to record yet (nothing to rotate) */
			hup_done = hup_count;
			usleep(200000);
		} else if (recorder_poll(c.r, 200)) {
			die("%s", recorder_error(c.r));
		}
		now = monotonic_ns();
		if (c.r && (hup_done != hup_count || now >= next_rotate)) {
			if (hup_done != hup_count)
				hup_done++;
			rotate_now(&c);
			next_rotate = now + c.o.rotate_ns;
		}
		/* the committed duration is looked at 4 times a second */
		if (c.r && now >= next_follow) {
			follow_step(&c, false);
			next_follow = now + NS / 4;
		}
		if (c.r && recorder_done(c.r) && !c.o.comm)
			break;
		if (c.o.comm && now >= next_scan) {
			pid_t *found;
			int n = find_comm(c.o.comm, &found);

			next_scan = now + NS;
			/* a new process of that name: a new file for the new set */
			if (n && !same_pids(found, n, cur, ncur)) {
				bool grew = false;
				int j, k;

				for (j = 0; j < n && !grew; j++) {
					for (k = 0; k < ncur && cur[k] != found[j]; k++)
						;
					grew = k == ncur;
				}
				if (grew || !c.r) {
					if (c.r)
						finish_recorder(&c);
					free(cur);
					cur = found;
					ncur = n;
					open_recorder(&c, cur, ncur, argc, argv);
					next_rotate = now + c.o.rotate_ns;
					found = NULL;
				}
			} else if (!n && c.r && recorder_done(c.r)) {
				finish_recorder(&c);
				free(cur);
				cur = NULL;
				ncur = 0;
			}
			free(found);
		}
	}
	if (c.r)
		finish_recorder(&c);
	if (!c.o.quiet && c.marks)
		fprintf(stderr, "%s: %llu anomaly mark(s)\n", progname, (unsigned long long)c.marks);
	metrics_free(c.metrics);
	anomaly_free(c.det);
	free(cur);
	free(c.o.pids);
	return EXIT_OK;
}
