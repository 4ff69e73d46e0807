/* model.h - what the views show, without a terminal: the loaded recording
 * under the UI's filters, a lazily built call tree (top-down or inverted),
 * flame graph layout, and call-path keys that survive a reload
 *
 * Nothing here includes curses or draws; tests/unit/test-ui-model.c drives
 * it on fixture recordings. Indices into a model are valid until the next
 * reload; anything kept across one is a path key (model_path_key()).
 */
#ifndef HOTSTACK_UI_MODEL_H
#define HOTSTACK_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "util.h"
#include "view.h"

struct ui_model {
	char *path;
	struct ui_filter filter;	/* what p was loaded with */
	struct profile *p;
	bool has_waits;			/* recorded with --waits: offcpu/runqueue kinds */
	/* per function self with kernel frames hidden (a kernel leaf's samples
	 * go to its nearest user caller); built on demand, NULL until then */
	struct profile_value *uself;
	uint64_t load_ns;		/* how long the last load took */
	/* the selection loaded before this one, kept so that going back to
	 * it (Esc, a toggle) costs no load; NULL if none */
	struct profile *prev;
	struct ui_filter prev_filter;
	/* reloads open the file without the whole-file check (live.c: a
	 * followed recording, checked at its first open) */
	bool reopen_quick;
};

/* An empty model for path; nothing loaded. */
struct ui_model *model_new(const char *path);
/* (Re)load m->p with filters f; on error m is unchanged. Returns 0 or
 * -errno with a one-line *errmsg. */
int model_load(struct ui_model *m, const struct ui_filter *f, char **errmsg);
void model_free(struct ui_model *m);

/*
 * The same load on a thread of its own, so that keys stay answered while a
 * big recording loads: model_load_start() returns at once; when
 * model_job_done(), model_job_take() installs the result as model_load()
 * does (or returns its error) and frees the job. model_job_abandon() drops
 * a job whose result is no longer wanted (it frees itself when it ends).
 * Only the thread that owns m calls these.
 */
struct model_job;
struct model_job *model_load_start(struct ui_model *m, const struct ui_filter *f);
bool model_job_done(struct model_job *j);
const struct ui_filter *model_job_filter(const struct model_job *j);
int model_job_take(struct ui_model *m, struct model_job *j, char **errmsg);
void model_job_abandon(struct model_job *j);
/* Forget the kept previous selection (the recording changed: live). */
void model_drop_cache(struct ui_model *m);
/* Whether filters a and b select the same samples (kind, thread, time
 * range): then only how they are shown differs, and no load is needed. */
bool model_same_selection(const struct ui_filter *a, const struct ui_filter *b);
/* Take f without loading: f must select what m->p holds (see above). */
void model_set_filter(struct ui_model *m, const struct ui_filter *f);

/*
 * Read ahead for a time range f the user is choosing (st: the model's
 * file): its samples rows are kept in memory, as many as budget_ns allows,
 * so that the load when it is applied reads no store. A failure only
 * leaves that load to read them.
 */
void model_cache_range(struct ui_model *m, struct store *st, const struct ui_filter *f,
		       uint64_t budget_ns);
/* The profile selection for f (kind, thread, time range). */
void model_profile_filter(const struct ui_filter *f, struct profile_filter *pf);
/* f's time range as pf's slices, slices of slice_ns: every slice the
 * range [from_ns, to_ns) touches. */
void model_range_slices(const struct ui_filter *f, int64_t slice_ns, struct profile_filter *pf);

/* Per function its place in name order (profile func_rank). */
const int *model_name_rank(struct ui_model *m);

bool model_frame_is_kernel(const struct profile *p, int frame);
bool model_func_is_kernel(const struct profile *p, int func);
/* Self of func as shown: with kernel frames hidden, including the samples
 * of kernel leaves called from it. */
struct profile_value model_func_self(struct ui_model *m, int func);

/* ---- hotspots ---- */

enum model_sort { MODEL_SORT_SELF, MODEL_SORT_TOTAL, MODEL_SORT_NAME, MODEL_SORT_COUNT };
const char *model_sort_name(enum model_sort s);
/* Functions with samples (kernel functions left out when hidden), sorted;
 * *out malloc'd indices into p->funcs; returns how many. */
size_t model_hotspots(struct ui_model *m, enum model_sort sort, int **out);
/* "name\x1fmodule path": a function's identity across reloads. */
void model_func_key(const struct profile *p, int func, struct strbuf *sb);
/* The function with that key, or -1. */
int model_func_by_key(const struct profile *p, const char *key);

/* ---- the call tree (lazy) ---- */

/* A profile node and the samples it brings to a tree node. */
struct mtree_pos {
	int node;
	uint64_t count, weight;
};

struct mtree_node {
	int parent;		/* -1 for the root */
	int func;		/* index into p->funcs; -1 for the root */
	bool is_inline;
	bool built;		/* kids (and self) computed */
	bool expanded;		/* shown open in the tree view */
	int depth;		/* root 0 */
	uint64_t total, total_w;	/* samples through this path */
	uint64_t self, self_w;		/* valid once built */
	struct mtree_pos *pos;
	size_t npos;
	int *kids;		/* by total desc, then name */
	size_t nkids;
	int *kids_by_name;	/* the same in name order (flame graphs), built on first use */
};

struct mtree {
	const struct profile *p;
	const int *rank;	/* model_name_rank(): kids in name order */
	bool inverted;		/* bottom-up: the root's kids are leaf functions,
				 * a node's kids its callers */
	bool hide_kernel;
	struct mtree_node *nodes;	/* nodes[0] is the root; may move on growth */
	size_t n, cap;
	int *slot;		/* scratch: func*2+inline -> kid, -1 */
};

/* A tree over p; rank is model_name_rank() of p's model (kept, not owned). */
void mtree_init(struct mtree *t, const struct profile *p, const int *rank, bool inverted,
		bool hide_kernel);
void mtree_release(struct mtree *t);
/* Compute node n's kids and self if not done yet. */
void mtree_build(struct mtree *t, int n);
/* The function's name ("all" for the root). */
const char *mtree_name(const struct mtree *t, int n);
/* Append the path key of n ("" for the root): one element per node below
 * the root, "\x1e" + name + "\x1f" + module path + ("\x1fi" if inline). */
void mtree_path_key(const struct mtree *t, int n, struct strbuf *sb);
/* The node with that path key, building kids on the way; if the whole path
 * is not there, the deepest node of its prefix that is (*exact false). */
int mtree_find(struct mtree *t, const char *key, bool *exact);
/* Open the nodes whose path keys are in keys (sorted here), from the root
 * down: a node under a closed one stays closed. Returns how many opened. */
size_t mtree_open_keys(struct mtree *t, char **keys, size_t nkeys);
/* Open n and all its ancestors. */
void mtree_reveal(struct mtree *t, int n);
/* Open n, and below it each node that is its parent's only child, down to
 * the first that branches (or is a leaf): "_start > __libc_start_main >
 * main" opens in one key, as a path with nothing to choose should. */
void mtree_open(struct mtree *t, int n);
/* Expand (or collapse) n and all below it; expanding stops at max nodes
 * built, to keep a key press fast; returns nodes opened. */
size_t mtree_expand_all(struct mtree *t, int n, bool open, size_t max);
/* The visible rows (root's kids and below, pre-order through expanded
 * nodes) into *rows (realloc'd); returns how many. */
size_t mtree_rows(const struct mtree *t, int **rows, size_t *cap);
/* Pre-order successor of n over the whole tree (building kids), or -1 at
 * the end; with prev, the predecessor. For search. */
int mtree_next(struct mtree *t, int n, bool prev);
/* Folded stacks of the paths below n (n's path included), root first, with
 * self counts: what `e` writes from the tree and flame views. */
void mtree_folded(struct mtree *t, int n, FILE *f);

/* ---- the flame graph layout ---- */

struct mflame_box {
	int node;		/* mtree node, -1 for merged narrow frames */
	int parent;		/* box index, -1 for the zoom root */
	int depth;		/* 0 = the zoom root */
	int x, w;		/* columns */
	uint64_t count;		/* samples (merged ones: their sum) */
	int nmerged;		/* frames merged into this one (node -1) */
};

struct mflame {
	struct mflame_box *boxes;	/* by depth, then x */
	size_t n, cap;
	int maxdepth;
};

/* Lay out the tree below zoom in width columns: kids in name order, as wide
 * as their share; kids narrower than one column merged into one box after
 * their siblings (shown if it is at least a column wide). */
void mflame_layout(struct mflame *fl, struct mtree *t, int zoom, int width);
void mflame_release(struct mflame *fl);
/* The box at (x, depth), or -1. */
int mflame_at(const struct mflame *fl, int x, int depth);
/* The box of node, or -1. */
int mflame_find(const struct mflame *fl, int node);

#endif
