/* profile.h - a recording loaded into memory: the query layer of every reader
 *
 * report, info, export and later diff, flame graphs and the UI read a
 * recording through this module, never through SQL. profile_load() reads one
 * selection of samples (kind, thread, module) and builds, once:
 *
 *   modules[], frames[]   as stored; frames[i].func links a frame to its
 *                         function (one function = name + module path)
 *   nodes[]               the stored stack prefix tree, line level; nodes[0]
 *                         is a synthetic root, every other node has a frame
 *   cnodes[]              the call tree: nodes merged by function name (and
 *                         inline-ness) along the path, as a flame graph
 *                         shows it; cnodes[0] is the root; children are
 *                         sorted by name; only paths with samples are kept
 *   funcs[]               per function self and total, percentages
 *
 * Counting rules:
 *   self   samples whose leaf frame belongs to the function. The leaf is the
 *          innermost frame, which may be an inline frame: an inlined
 *          function gets its own self, not the function it was inlined into.
 *   total  samples with the function anywhere on the stack, counted once per
 *          sample however often it recurses.
 *   edges  (callers/callees) samples where F directly calls G (the frame
 *          below F on the path is G), counted once per sample per edge.
 *   pct    100 * count / totals.samples, by sample count; for the time
 *          kinds (offcpu, runqueue, wall: profile_by_time()) a share of
 *          time, 100 * weight_ns / totals.weight_ns, and functions and edges
 *          are ordered by time too: one wait of 18 s is not one sample.
 *
 * Everything below is read-only for users; indices are ints, -1 means none.
 * A loaded profile is never modified: queries only read it (threads may share
 * one). It does not keep the store open.
 */
#ifndef HOTSTACK_PROFILE_H
#define HOTSTACK_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Which samples to load. kind is an enum sample_kind; tid 0 means all
 * threads. module, if not NULL, keeps only samples whose stack has at least
 * one frame in a matching module: a module matches when the basename of its
 * path equals module exactly; when no module of the recording matches
 * exactly, the executable of a process whose name (comm) is module, and
 * the main executable when the recorded command was started as module (a
 * path or file name: "redis-server", a link to redis-check-rdb); when
 * none is, every module whose basename contains module as a substring
 * matches ("libc" finds "libc.so.6"). A module containing '/' is compared
 * with the whole path instead.
 */
struct profile_filter {
	int kind;
	int tid;
	const char *module;
	/* time range: only samples with slice_lo <= slice < slice_hi (slices
	 * of meta slice_ns from the start); slice_hi 0 means no upper bound, so
	 * a zeroed range selects the whole recording */
	int64_t slice_lo, slice_hi;
	/* leave the call tree (cnodes) unbuilt: ncnodes 0 and every node's
	 * cnode -1 until profile_call_tree(); a reader that shows only some
	 * views (the UI) skips a third of the load */
	bool no_call_tree;
};
#define PROFILE_FILTER_INIT { KIND_CPU, 0, NULL, 0, 0, false }

/* Whether f restricts the time range, and whether slice lies inside it. */
bool profile_filter_has_range(const struct profile_filter *f);
bool profile_filter_in_range(const struct profile_filter *f, int64_t slice);
/*
 * The samples rows of f's kind, thread and time range (not its module
 * filter) streamed from st, as store_each_sample() does.
 */
int profile_filter_each_row(struct store *st, const struct profile_filter *f,
			    store_sample_cb cb, void *arg);
/* The same for readers that need no slices: without a range, rows come
 * summed over the recording (slice -1; samples_total in version 2, fast). */
int profile_filter_each_sum(struct store *st, const struct profile_filter *f,
			    store_sample_cb cb, void *arg);
/* Per slice: f's kind, thread and time range summed over stacks (node 0;
 * a slice may come more than once, the caller sums), from the writer's
 * per-slice sums when the recording has them: for totals, no stacks. */
int profile_filter_each_slice_sum(struct store *st, const struct profile_filter *f,
				  store_sample_cb cb, void *arg);
/* Per thread: one row per tid (slice -1, node 0) with f's kind and time
 * range summed, whatever f's thread; for the Threads view. */
int profile_filter_each_thread(struct store *st, const struct profile_filter *f,
			       store_sample_cb cb, void *arg);

struct profile_value {
	uint64_t count;		/* samples */
	uint64_t weight_ns;	/* their weight: CPU time for KIND_CPU */
};

struct profile_module {
	int64_t id;
	const char *path;	/* never NULL ("" if unknown) */
	const char *name;	/* basename of path */
	const char *build_id;	/* may be NULL */
	const char *kind;	/* "user", "kernel", "jit", "vdso", "anon" */
	bool is_kernel;
	const char *soname;	/* DT_SONAME, NULL if unknown (version 1 files) */
	bool is_main;		/* the main executable of a recorded process */
	bool selected;		/* matches filter.module (true when no filter) */
};

struct profile_frame {
	int64_t id;
	int module;		/* index into modules, -1 if unknown */
	const char *function;	/* never NULL; readable (demangled) */
	const char *linkage;	/* the mangled name, NULL if none or the same */
	const char *file;	/* may be NULL */
	int line;		/* 0 if unknown */
	bool is_inline;		/* inlined into the frame above it (its caller) */
	uint64_t offset;
	int func;		/* index into funcs */
	struct profile_value self;	/* samples whose leaf is this frame */
};

struct profile_func {
	const char *name;
	int module;		/* index into modules, -1 if unknown */
	struct profile_value self, total;
	double self_pct, total_pct;
	/* the frame where the function spends most: most self samples, then
	 * most samples below it, then one with a source file; -1 if none */
	int hot_frame;
};

struct profile_node {
	int64_t id;		/* stack_nodes.id; 0 for the root */
	int parent;		/* -1 for the root */
	int first_child, next_sibling;
	int frame;		/* index into frames, -1 for the root */
	int depth;		/* 0 for the root, 1 for the outermost frame */
	int cnode;		/* its call tree node, -1 if it has no samples */
	struct profile_value self, total;	/* total = self + children */
};

struct profile_cnode {
	int parent;		/* -1 for the root */
	int first_child, next_sibling;	/* children in name order */
	int func;		/* index into funcs, -1 for the root */
	bool is_inline;
	int depth;
	struct profile_value self, total;
};

struct profile_totals {
	uint64_t samples;	/* selected samples: sum of all self counts */
	uint64_t weight_ns;
	int64_t lost;		/* meta lost, unwind_errors; 0 if absent */
	int64_t unwind_errors;
	int64_t duration_ns;	/* meta duration_ns; -1 if the recording did not finish */
};

struct profile_meta {
	const char *key, *value;
};

/* How filter.module selected its modules (see struct profile_filter). */
enum profile_match {
	PROFILE_MATCH_MODULE,	/* a module's file name or path (or no filter) */
	PROFILE_MATCH_PROCESS,	/* a process's name or the command's path */
	PROFILE_MATCH_PART,	/* a part of a module's file name or path */
	PROFILE_MATCH_NONE,	/* nothing: the selection is empty */
};

struct profile {
	char *path;
	struct profile_filter filter;	/* filter.module points into the profile */
	enum profile_match module_match;
	struct profile_totals totals;
	struct profile_meta *meta;
	size_t nmeta;
	struct profile_module *modules;
	size_t nmodules;
	struct profile_frame *frames;
	size_t nframes;
	struct profile_func *funcs;
	size_t nfuncs;
	struct profile_node *nodes;
	size_t nnodes;
	struct profile_cnode *cnodes;
	size_t ncnodes;
	int *order;		/* nodes reachable from the root, pre-order, root excluded */
	/* per function its place in name order (name, module path, index):
	 * every rank differs; sorting by it is an int compare */
	int *func_rank;
	size_t norder;
	struct strpool *strings;	/* owns every string above */
	/* with the profiles profile_reselect() made from it: the strings'
	 * owners, the map of node ids, rows kept by profile_cache_slices() */
	struct profile_shared *shared;
	int refs;		/* profile_ref(); profile_free() drops one */
};

/*
 * Load the selection f (NULL = PROFILE_FILTER_INIT) of an open recording.
 * Returns 0, or a negative errno with a one-line *errmsg (malloc'd).
 */
int profile_load(struct store *st, const struct profile_filter *f, struct profile **out,
		 char **errmsg);
/*
 * Another selection f of the recording base was loaded from (st open on
 * that file, unchanged since): base's modules, frames, functions and stack
 * nodes are reused and only the samples are read again, for the filter
 * changes of the UI (a third of the time of profile_load() on 1M
 * samples). Falls back to profile_load() when either has a module filter.
 * base is only read (another thread may own it; see profile_ref()).
 */
int profile_reselect(const struct profile *base, struct store *st,
		     const struct profile_filter *f, struct profile **out, char **errmsg);
/*
 * Keep the samples rows of kind in slices [lo, hi) of st (p's file, unchanged
 * since p was loaded) in memory, for every profile_reselect() from p or from
 * a profile reselected from it: a time range inside them then reads no
 * store (the UI calls this while a range is being selected). Reads until
 * budget_ns have passed, keeping the slices read whole; at most 256 MB are
 * kept. Any thread may call this, also while another reselects. Returns 0
 * or a negative errno (then only the slices read before are kept).
 */
int profile_cache_slices(const struct profile *p, struct store *st, int kind, int64_t lo,
			 int64_t hi, uint64_t budget_ns);
/* One more owner of p: profile_free() frees p when the last one calls it.
 * Returns p. */
struct profile *profile_ref(struct profile *p);
/* Build p's call tree if filter.no_call_tree left it out (else nothing).
 * This writes to p: call it before other threads read p. */
void profile_call_tree(struct profile *p);
/* store_open() + profile_load() + store_free(). */
int profile_open(const char *path, const struct profile_filter *f, struct profile **out,
		 char **errmsg);
void profile_free(struct profile *p);

/* A one-line note for the user when filter.module matched nothing (into
 * buf), else NULL; commands print it as a warning. */
const char *profile_filter_note(const struct profile *p, char *buf, size_t size);

/* The meta value for key, or NULL. */
const char *profile_meta(const struct profile *p, const char *key);
/* The meta value for key as an integer, or dflt if absent or not one. */
int64_t profile_meta_int(const struct profile *p, const char *key, int64_t dflt);
/* The sample kind called name: "cpu", "offcpu" (blocked), "runqueue"
 * (preempted) or "wall" (KIND_SEL_WALL: all three); -1 if unknown. */
int profile_kind_from_name(const char *name);
const char *profile_kind_name(int kind);

/* The function's module basename, "" if unknown. */
const char *profile_func_module(const struct profile *p, int func);

enum profile_sort {
	PROFILE_SORT_SELF,	/* self desc, then total desc, then name */
	PROFILE_SORT_TOTAL,	/* total desc, then self desc, then name */
};
/*
 * Functions with samples in the selection, sorted (ties: name, then module
 * path, so the order is deterministic). *out is a malloc'd array of indices
 * into funcs; returns its length.
 */
size_t profile_sorted_funcs(const struct profile *p, enum profile_sort sort, int **out);
/*
 * The function called name with the most total samples (-1 if none has
 * samples); *nmatch (if not NULL) gets how many functions have that name.
 * Names match by demangle_match(): with or without the parameter list.
 */
int profile_find_func(const struct profile *p, const char *name, int *nmatch);

struct profile_edge {
	int func;			/* the caller or callee */
	struct profile_value value;	/* samples through the edge */
	double pct;			/* of the function's total count */
};
/*
 * Direct callers / callees of func, sorted by count desc then name.
 * *out is malloc'd; returns its length. A self-recursive function is its
 * own caller and callee.
 */
size_t profile_callers(const struct profile *p, int func, struct profile_edge **out);
size_t profile_callees(const struct profile *p, int func, struct profile_edge **out);

/*
 * Folded stacks (Brendan Gregg's format): one entry per distinct path of
 * function names, root first, joined by ';', sorted bytewise like
 * stackcollapse output. Names get "_[i]" for inline frames, else "_[k]" for
 * kernel frames. ';', control characters and DEL inside a name become '_' so
 * a line always parses; no other escaping (this is for machines).
 */
struct profile_folded {
	char *stack;
	struct profile_value value;
	int leaf;		/* its call-tree leaf (cnodes; of one of them when
				 * functions of one name merged) */
};
size_t profile_folded(const struct profile *p, struct profile_folded **out);
void profile_folded_free(struct profile_folded *f, size_t n);

/* Whether p's percentages and orders are of time (a time kind with
 * weights), not of sample counts. */
bool profile_by_time(const struct profile *p);
/* 100 * v / of, by time or by count as profile_by_time() says; 0 if of is 0. */
double profile_share(const struct profile *p, const struct profile_value *v,
		     const struct profile_value *of);

/*
 * The call path (function by function, inline-ness kept: as the call tree
 * merges nodes) through func with the most samples, as one stack node at
 * its end: its parents are the path. -1 if func has no samples. Ties go to
 * the path met first in pre-order, the call tree's order. Needs no call
 * tree: on 1M samples in 50,000 stacks, 1-5 ms where building it takes 70.
 */
int profile_hottest_node(const struct profile *p, int func);

/*
 * Off-CPU time by where a user can act on it. Every sampled stack of a wait
 * ends in the scheduler, the same kernel leaf for every wait; a wait site
 * is instead
 *   call    the innermost user-space frame: the blocking call (read,
 *           __nanosleep, pthread_cond_wait, or the program's own function
 *           when it makes the system call itself); for a stack without
 *           user frames, its leaf
 *   caller  the function that made the call: for a call in a shared
 *           library, the first frame outside that library (the program's
 *           function that called read); for a call in the program, the
 *           function that called it; -1 if none
 * Kernel frames stay in the stacks (nodes, folded); they only do not rank.
 * Sites are summed over the selection, most time (or samples) first; pct
 * as the functions'. *out is malloc'd; returns its length.
 */
struct profile_wait_site {
	int call, caller;		/* indices into funcs; caller may be -1 */
	struct profile_value value;
	double pct;
};
size_t profile_wait_sites(const struct profile *p, struct profile_wait_site **out);
/* The caller of the wait site of call-tree leaf (a cnodes index) by that
 * rule, as a cnodes index on the leaf's path; -1 if none. */
int profile_cnode_wait_caller(const struct profile *p, int leaf);

/*
 * The samples rows of p's selection streamed again from st (the recording p
 * was loaded from), for statistics over time: cb gets each row's time slice,
 * thread, the index into p->nodes of its leaf, and its count and weight.
 * Rows that p's module filter drops, or whose node p does not know or did
 * not reach from the root, are skipped; rows come in no particular order.
 * Returns 0, cb's non-zero return, or a negative errno (see
 * store_last_error()).
 */
typedef int (*profile_sample_cb)(void *arg, int64_t slice, int tid, int node, int64_t count,
				 int64_t weight_ns);
int profile_each_sample(struct store *st, const struct profile *p, profile_sample_cb cb,
			void *arg);

/* Append the folded path of call tree node cnode (> 0) to sb, as one line of
 * profile_folded() names it (root first, ';'-joined, no count). */
struct strbuf;
void profile_cnode_path(const struct profile *p, int cnode, struct strbuf *sb);

#endif
