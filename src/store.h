/* store.h - the SQLite recording: schema, writer and reader
 *
 * store.c is the only file that includes sqlite3.h. A recording is a product
 * interface documented in hotstack-recording(5); this header is its API.
 *
 * Schema version 2 (all times in nanoseconds; what version 2 added over
 * version 1 is marked [v2]: a version 1 file is still read, and what it
 * lacks is computed on the fly or reported absent):
 *
 *   meta(key TEXT PRIMARY KEY, value)           -- one row per fact, see below
 *   processes(pid INTEGER PRIMARY KEY, ppid, name, exe)
 *   threads(tid INTEGER PRIMARY KEY, pid, name, start_ns, end_ns)
 *   modules(id INTEGER PRIMARY KEY, path, build_id, kind, soname, main)
 *           -- kind: 'user', 'kernel', 'jit', 'vdso', 'anon'
 *           -- [v2] soname: DT_SONAME of a shared object, NULL if none
 *           -- [v2] main: 1 for the main executable of a recorded process
 *           --      (readers also treat path = processes.exe as main)
 *   frames(id INTEGER PRIMARY KEY, module_id, function, file, line,
 *          inline, offset, linkage_name)
 *           -- one row per distinct (module, function, linkage_name, file,
 *           -- line, inline); function is the readable (demangled) name,
 *           -- never NULL: unknown code is "module+0xoffset";
 *           -- inline=1 marks a frame inlined into its parent frame
 *           -- [v2] linkage_name: the mangled name when it differs from
 *           --      function, else NULL
 *   stack_nodes(id INTEGER PRIMARY KEY, parent_id, frame_id, depth)
 *           -- prefix tree of call paths, root first: parent_id 0 is the
 *           -- root; depth 1 is the outermost frame (e.g. _start)
 *   sample_kinds(id INTEGER PRIMARY KEY, name, unit)
 *           -- 0 'cpu', 1 'offcpu' (blocked), 2 'runqueue' (preempted)
 *   samples(slice, tid, kind, node_id, count, weight_ns,
 *           PRIMARY KEY(slice, tid, kind, node_id)) WITHOUT ROWID
 *           -- aggregated: slice = (time - start) / slice_ns; node_id is the
 *           -- leaf of the sampled stack
 *   samples_total(kind, tid, node_id, count, weight_ns,
 *           PRIMARY KEY(kind, tid, node_id)) WITHOUT ROWID
 *           -- [v2] samples summed over all slices, kept by the writer in
 *           -- the same transaction, so whole-recording reads are fast
 *   slice_totals(slice, tid, kind, count, weight_ns,
 *           PRIMARY KEY(slice, tid, kind)) WITHOUT ROWID
 *           -- [v2] samples summed over nodes per slice, thread and kind,
 *           -- kept by the writer in the same transaction, for the
 *           -- timeline; a file written before the table was added lacks
 *           -- it and is read from samples
 *
 *   -- --waits tables; [v2] each row belongs to a time slice (the slice in
 *   -- which the recorder flushed it, so within one commit interval), so
 *   -- a time range filters waits too; version 1 rows have no slice
 *   syscalls(slice, tid, nr, name, count, errors, total_ns, max_ns)
 *   syscall_latency(slice, tid, nr, bucket, count)
 *           -- bucket b: [2^(b/8), 2^((b+1)/8)) ns
 *   syscall_errors(slice, tid, nr, errno, count)
 *   syscall_stacks(slice, tid, nr, node_id, count, total_ns)
 *           -- where slow calls blocked
 *   io(slice, tid, target, kind, calls, bytes_read, bytes_written, wait_ns)
 *
 *   anomalies(id INTEGER PRIMARY KEY, start_ns, end_ns, function, module,
 *             baseline, observed, score)
 *           -- [v2] intervals (ns from the start of the recording) where a
 *           -- function's share of samples departed from its baseline share
 *           -- (both fractions 0..1); score: the detector's statistic
 *
 * meta keys: schema_version, hotstack_version, command, pids, mode
 * ("launch"/"attach"), host, kernel, start_time (Unix ns), duration_ns,
 * event, frequency, slice_ns, stack_size, kernel_frames (0/1), samples, lost,
 * unwind_errors, exit_status (launch mode).
 * [v2] writer_pid, last_commit (Unix ns of the writer's last commit) and
 * commits (how many): with the recorder's finished key, a reader following a
 * live recording tells finished, live and stale (writer gone) apart.
 */
#ifndef HOTSTACK_STORE_H
#define HOTSTACK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 2
#define STORE_SLICE_NS 100000000ull	/* 100 ms time slices */

enum sample_kind {
	KIND_CPU = 0,		/* on-CPU samples; weight = sampled CPU time */
	KIND_OFFCPU = 1,	/* blocked off-CPU; weight = ns waited */
	KIND_RUNQUEUE = 2,	/* preempted, runnable but waiting for a CPU */
	KIND_SEL_WALL = 100,	/* a selection, not a stored kind: all of them */
};

struct store;

/*
 * Writer. store_create() makes a new recording at path. An existing file at
 * path is moved aside first, to path.old or the first free path.old.N
 * (move_aside() in atomicfile.h: an older copy is never replaced), and
 * *renamed is set to true; store_moved_to() names where it went. The file
 * is created 0600 (its -wal and -shm get the same mode from SQLite): recordings hold command lines, paths and
 * socket addresses. Under sudo (root with SUDO_UID/SUDO_GID set) it is
 * handed to the invoking user before SQLite creates its -wal and -shm. The
 * database uses WAL and synchronous=NORMAL; all store_add_* calls must sit
 * between store_begin() and store_commit(). On error, returns a negative errno and sets *errmsg
 * (malloc'd, one line).
 */
int store_create(const char *path, struct store **out, bool *renamed, char **errmsg);
/* Where store_create() moved an existing file at its path; NULL if none. */
const char *store_moved_to(const struct store *st);
int store_begin(struct store *st);
/* Commits, recording meta last_commit and commits in the same transaction. */
int store_commit(struct store *st);
int store_set_meta(struct store *st, const char *key, const char *value);
int store_set_meta_int(struct store *st, const char *key, int64_t value);
int store_add_process(struct store *st, int pid, int ppid, const char *name, const char *exe);
/* Inserts or replaces the thread's row (threads get renamed). */
int store_add_thread(struct store *st, int tid, int pid, const char *name);
/* soname may be NULL; is_main: the main executable of a recorded process. */
int store_add_module(struct store *st, int64_t id, const char *path,
		     const char *build_id, const char *kind, const char *soname, bool is_main);
/* linkage may be NULL (or equal to function: then stored as NULL). */
int store_add_frame(struct store *st, int64_t id, int64_t module_id, const char *function,
		    const char *linkage, const char *file, int line, bool is_inline,
		    uint64_t offset);
int store_add_node(struct store *st, int64_t id, int64_t parent_id, int64_t frame_id, int depth);
/* Adds count and weight to the (slice, tid, kind, node) row, creating it,
 * and to the samples_total row of (kind, tid, node). */
int store_add_samples(struct store *st, int64_t slice, int tid, int kind, int64_t node_id,
		      int64_t count, int64_t weight_ns);
/* Thread lifetime within the recording (ns from its start); the thread's
 * row must exist. */
int store_set_thread_times(struct store *st, int tid, int64_t start_ns, int64_t end_ns);
/* The slice the following --waits rows belong to (default 0). */
void store_set_wait_slice(struct store *st, int64_t slice);
/* --waits tables; each adds to the row of its key (see the schema). */
int store_add_syscall(struct store *st, int tid, int64_t nr, const char *name, int64_t count,
		      int64_t errors, int64_t total_ns, int64_t max_ns);
int store_add_syscall_latency(struct store *st, int tid, int64_t nr, int bucket, int64_t count);
int store_add_syscall_error(struct store *st, int tid, int64_t nr, int err, int64_t count);
int store_add_syscall_stack(struct store *st, int tid, int64_t nr, int64_t node_id, int64_t count,
			    int64_t total_ns);
int store_add_io(struct store *st, int tid, const char *target, const char *kind, int64_t calls,
		 int64_t bytes_read, int64_t bytes_written, int64_t wait_ns);
struct store_anomaly {
	int64_t id;
	int64_t start_ns, end_ns;	/* from the start of the recording */
	const char *function, *module;	/* module may be NULL */
	double baseline, observed;	/* shares of samples, 0..1 */
	double score;
};
/* Adds an anomaly mark; a->id 0 takes the next id. */
int store_add_anomaly(struct store *st, const struct store_anomaly *a);
/* Commits anything pending, checkpoints the WAL and closes. Frees st. */
int store_close(struct store *st);

/*
 * Reader. store_open() opens an existing recording read-only and checks it:
 * not a file, empty, not SQLite, corrupt, not a hotstack recording, or a
 * newer schema version all fail with -EINVAL/-errno and a one-line *errmsg
 * saying what is wrong and what to do. A recording is recognised by
 * PRAGMA application_id 'HSTR' plus a meta table; its schema version is the
 * larger of PRAGMA user_version and meta schema_version (the writer sets
 * both). The file is never modified, and a recording whose recorder was
 * killed (a WAL file beside it) reads up to its last commit. PRAGMA
 * quick_check runs on open: it reads the whole file once.
 */
int store_open(const char *path, struct store **out, char **errmsg);
/*
 * As store_open() without the quick_check, so without reading the whole
 * file: for readers that open the same recording again and again (a
 * follower refreshing once a second, a continuous recorder's own files)
 * after one store_open() has checked it. Everything else is checked.
 */
int store_open_quick(const char *path, struct store **out, char **errmsg);
/* Returns a malloc'd value or NULL if the key is absent. */
char *store_get_meta(struct store *st, const char *key);
void store_free(struct store *st);

/* The path given to store_open()/store_create(). */
const char *store_path(const struct store *st);
/* SQLite's message for the last failed call on st (reader or writer). */
const char *store_last_error(struct store *st);

/*
 * Row iteration. Each store_each_* calls cb once per row, in id order; text
 * arguments may be NULL and are valid only during the call. A non-zero
 * return from cb stops the loop and is returned; otherwise the result is 0
 * or a negative errno (see store_last_error()).
 */
typedef int (*store_meta_cb)(void *arg, const char *key, const char *value, bool is_int,
			     int64_t int_value);
typedef int (*store_process_cb)(void *arg, int pid, int ppid, const char *name,
				const char *exe);
/* samples: sum of count of the thread's samples of the kind asked for. */
typedef int (*store_thread_cb)(void *arg, int tid, int pid, const char *name, int64_t samples);
/* soname NULL if unknown; is_main as stored, or (version 1) path equal to
 * a recorded process's exe. */
typedef int (*store_module_cb)(void *arg, int64_t id, const char *path, const char *build_id,
			       const char *kind, const char *soname, bool is_main);
/* linkage: the mangled name, NULL when the same as function or unknown. */
typedef int (*store_frame_cb)(void *arg, int64_t id, int64_t module_id, const char *function,
			      const char *linkage, const char *file, int line, bool is_inline,
			      uint64_t offset);
typedef int (*store_node_cb)(void *arg, int64_t id, int64_t parent_id, int64_t frame_id,
			     int depth);
typedef int (*store_sample_cb)(void *arg, int64_t slice, int tid, int64_t node_id,
			       int64_t count, int64_t weight_ns);

/* Meta rows in key order; is_int says the value was stored as an integer. */
int store_each_meta(struct store *st, store_meta_cb cb, void *arg);
int store_each_process(struct store *st, store_process_cb cb, void *arg);
/* Threads in tid order, including tids that have samples but no threads row
 * (pid 0, name NULL). */
int store_each_thread(struct store *st, int kind, store_thread_cb cb, void *arg);
int store_each_module(struct store *st, store_module_cb cb, void *arg);
int store_each_frame(struct store *st, store_frame_cb cb, void *arg);
int store_each_node(struct store *st, store_node_cb cb, void *arg);
/*
 * The samples rows of one kind and one thread (tid 0 = all threads), in no
 * particular order; node_id is the leaf. The caller sums: streaming the rows
 * into an array indexed by node is ~5x faster than SQL GROUP BY node_id
 * (1M rows: 50 ms against 270 ms).
 */
int store_each_sample(struct store *st, int kind, int tid, store_sample_cb cb, void *arg);
/* As store_each_sample, only slices slice_lo..slice_hi (inclusive; -1 for
 * an open end). */
int store_each_sample_range(struct store *st, int kind, int tid, int64_t slice_lo,
			    int64_t slice_hi, store_sample_cb cb, void *arg);
/* Samples over all slices, slice -1: from samples_total when the recording
 * has it (version 2: one row per kind, tid and node), else the samples rows
 * themselves. A (tid, node) may come more than once (several kinds, or a
 * version 1 file): the caller sums, as for store_each_sample(). The fast
 * path for whole-recording readers. */
int store_each_sample_total(struct store *st, int kind, int tid, store_sample_cb cb, void *arg);
/* Samples per time slice and thread (node_id 0) in slices slice_lo..slice_hi
 * (inclusive, -1 open), for the timeline and totals: from slice_totals when
 * the recording has it (one row per slice, tid and kind), else the samples
 * rows themselves. A (slice, tid) may come more than once (several kinds,
 * or an older file): the caller sums. */
int store_each_slice_sum(struct store *st, int kind, int tid, int64_t slice_lo, int64_t slice_hi,
			 store_sample_cb cb, void *arg);
/* Samples of kind summed per thread over slices slice_lo..slice_hi
 * (inclusive, -1 open): one row per tid, slice -1, node_id 0; from
 * slice_totals when the recording has it. */
int store_each_thread_sum(struct store *st, int kind, int64_t slice_lo, int64_t slice_hi,
			  store_sample_cb cb, void *arg);

/* As store_each_sample_range() and store_each_thread_sum() for a time
 * range that is there (slice_lo >= 0, slice_hi -1 open): read as a range
 * of the primary key, not a scan of every row (10x faster for a tenth). */
int store_each_sample_slices(struct store *st, int kind, int tid, int64_t slice_lo,
			     int64_t slice_hi, store_sample_cb cb, void *arg);
int store_each_thread_sum_slices(struct store *st, int kind, int64_t slice_lo, int64_t slice_hi,
				 store_sample_cb cb, void *arg);

/*
 * The --waits tables, summed over threads unless tid != 0, and over the
 * slices of the range store_set_wait_range() set (all by default). A row gives its
 * integer columns in ints[] and text columns in texts[], in the order the
 * function documents. Recordings made without --waits (or before these
 * tables existed) give no rows.
 */
typedef int (*store_row_cb)(void *arg, const int64_t *ints, const char *const *texts);
/* ints: nr, count, errors, total_ns, max_ns; texts: name */
int store_each_syscall(struct store *st, int tid, store_row_cb cb, void *arg);
/* ints: nr, bucket, count */
int store_each_syscall_latency(struct store *st, int tid, store_row_cb cb, void *arg);
/* ints: nr, errno, count */
int store_each_syscall_error(struct store *st, int tid, store_row_cb cb, void *arg);
/* ints: nr, node_id, count, total_ns */
int store_each_syscall_stack(struct store *st, int tid, store_row_cb cb, void *arg);
/* ints: calls, bytes_read, bytes_written, wait_ns; texts: target, kind */
int store_each_io(struct store *st, int tid, store_row_cb cb, void *arg);
/* ints: tid, pid, start_ns (-1 unknown), end_ns (-1 until the end); texts: name */
int store_each_thread_time(struct store *st, store_row_cb cb, void *arg);
/* Limit the --waits readers to slices lo..hi (inclusive, -1 open). Returns
 * false, and changes nothing, when the recording's waits have no slices
 * (version 1): the caller says the range does not apply to them. */
bool store_set_wait_range(struct store *st, int64_t slice_lo, int64_t slice_hi);
/* Anomaly marks in start order; none when the recording has no table. */
typedef int (*store_anomaly_cb)(void *arg, const struct store_anomaly *a);
int store_each_anomaly(struct store *st, store_anomaly_cb cb, void *arg);
/* The schema version of an open recording (1 or 2). */
int store_schema_version(struct store *st);

struct store_counts {
	int64_t processes, threads, modules, frames, nodes;
	int64_t sample_rows;	/* rows of the samples table */
	int64_t samples;	/* sum of count over all kinds */
};
int store_get_counts(struct store *st, struct store_counts *c);
/* The rows of frames and stack_nodes alone (3 ms on 413,000 nodes), for a
 * reader to size its arrays before store_each_frame() and store_each_node(). */
int store_count_stacks(struct store *st, int64_t *frames, int64_t *nodes);

#endif
