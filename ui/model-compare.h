/* model-compare.h - the before/after comparison behind `hotstack ui BEFORE
 * AFTER`: diff's model (src/diff.h) computed in the background
 *
 * A comparison is computed by a worker thread (loading every recording
 * and bootstrapping intervals takes longer than a key press): mcompare_start()
 * hands the filters to a new job and returns at once; mcompare_poll() takes
 * a finished job's result. While a job runs, the previous result stays on
 * screen with a marker, and ui->background counts the jobs not yet taken,
 * so the terminal loop redraws when one finishes and the headless mode
 * waits for it (screens stay deterministic). A job whose result is no
 * longer wanted finishes and frees itself.
 *
 * Rows are diff's, in diff's order (the size of the real change first):
 * functions, and call paths for the call-path view.
 */
#ifndef HOTSTACK_UI_MODEL_COMPARE_H
#define HOTSTACK_UI_MODEL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "diff.h"
#include "view.h"

struct mcompare_job;
struct mctree;
struct mcflame;

struct mcompare {
	struct diff *d;			/* owns what result points into */
	struct diff_result *result;	/* NULL until the first job ends */
	char *error;			/* the last job's failure */
	struct mcompare_job *job;	/* running, or NULL */
	struct ui_filter filter;	/* what result was computed for */
	struct ui_filter job_filter;	/* what the running job computes */
	unsigned gen;			/* bumped when a result (or error) is taken */
	/* the call tree and flame graph of result, built by the job too (50,000
	 * paths make 400,000 nodes: 1 s, too long for a key); NULL once a
	 * view took them (mcompare_tree_into(), mcompare_flame_into()) */
	struct mctree *tree;
	struct mcflame *flame;
};

/*
 * The comparison the views of one UI share (the Compare view and the flame
 * graph by change compute it once): the first get creates it, the last
 * put releases it.
 */
struct mcompare *mcompare_get(struct ui *ui);
void mcompare_put(struct mcompare *m, struct ui *ui);
/* Start a job unless the result (or the running job) is for filter f
 * already. */
void mcompare_want(struct mcompare *m, struct ui *ui, const struct ui_filter *f);

void mcompare_init(struct mcompare *m);
/* Abandons a running job (it frees itself when done). */
void mcompare_release(struct mcompare *m, struct ui *ui);
/* Compute the comparison of ui->opts' recordings for filter f in the
 * background; a job already running is abandoned. */
void mcompare_start(struct mcompare *m, struct ui *ui, const struct ui_filter *f);
/* Take the running job's result if it is done; returns true if the model
 * changed. */
bool mcompare_poll(struct mcompare *m, struct ui *ui);
/* Wait for the running job and take its result (tests). */
void mcompare_wait(struct mcompare *m, struct ui *ui);
bool mcompare_busy(const struct mcompare *m);

/*
 * The comparison's call tree: diff's call paths (result->stacks, folded
 * "root;...;leaf") merged by their prefixes. Each node's before and after
 * are the sums of the paths below it (its own path included): its total
 * time per unit; a node that is a compared path and has nothing below
 * carries that path's diff row (interval, verdict); one with callees gets
 * a child "(self)" that carries it. Children are in
 * diff's order: the child with the first path below it in result->stacks
 * first, so the real change leads at every level. Expansion and the
 * cursor are kept by path across recomputations (mctree_build()).
 */
struct mctree_node {
	char *name;		/* this frame (mctree_path(): the whole path) */
	int parent, depth;	/* node 0 is the root: parent -1, depth 0 */
	int *kids;
	size_t nkids, cap;
	int row;		/* the diff row (result->stacks) of this path, or -1 */
	int self;		/* a path with callees: its child "(self)" with
				 * that row (placed in diff's order), else -1 */
	int first;		/* the first diff row below (diff's order) */
	size_t npaths;		/* compared paths below, this one included */
	double before, after;	/* sums of the paths below */
	bool expanded;
};

struct mctree {
	struct mctree_node *nodes;
	size_t n, cap;
	int *rows;		/* shown nodes, top-down */
	size_t nrows, rcap;
	struct ui_list list;
	char *cursor_path;	/* kept across rebuilds */
	char **open;		/* paths expanded, kept across rebuilds */
	size_t nopen;
};

void mctree_init(struct mctree *t);
void mctree_release(struct mctree *t);
/* Rebuild from r (NULL: empty) keeping what was open and the cursor; the
 * first time, the path of diff's first row is opened. */
void mctree_build(struct mctree *t, const struct diff_result *r);
/* The same in two steps: the nodes of r into an empty tree (any thread),
 * then into t (fresh is left empty). */
void mctree_make(struct mctree *fresh, const struct diff_result *r);
void mctree_adopt(struct mctree *t, struct mctree *fresh, const struct diff_result *r);
/* m's tree into t: the one the job built, or built here. */
void mcompare_tree_into(struct mcompare *m, struct mctree *t);
/* The hashmap key of the child called name[0..len) of node parent, into
 * sb: trees of paths find nodes by it (the call tree and flame graph of
 * the comparison). */
void mcompare_kid_key(struct strbuf *sb, int parent, const char *name, size_t len);
/* Append node's folded path from the root (root excluded) to sb. */
void mctree_path(const struct mctree *t, int node, struct strbuf *sb);
/* The shown rows again after nodes were opened or closed. */
void mctree_refresh(struct mctree *t);
/* The node under the cursor, or -1. */
int mctree_cursor(const struct mctree *t);
/* Put the cursor on node (opening its callers). */
void mctree_select(struct mctree *t, int node);
/* Open (on) or close everything below node, node included. */
void mctree_expand_all(struct mctree *t, int node, bool on);
/* The diff row that stands for node: its own path when nothing is below,
 * else NULL (a sum of several paths: no interval of its own). */
const struct diff_row *mctree_row(const struct mctree *t, const struct diff_result *r, int node);
/* The change of node's sums in percent of before (NAN when before is 0). */
double mctree_change(const struct mctree *t, int node);

/*
 * The comparison's flame graph: diff's call paths merged by prefix, node 0
 * the root ("all"), each node's children in name order, its before and
 * after the sums of the paths below.
 */
struct mcflame_node {
	char *name;
	int parent, first_child, next_sibling, depth;
	double before, after;
	int x, w;		/* laid out columns (the view's); w 0: too narrow */
};

struct mcflame {
	struct mcflame_node *nodes;
	size_t n, cap;
	int maxdepth;
};

void mcflame_make(struct mcflame *f, const struct diff_result *r);
void mcflame_release(struct mcflame *f);
/* m's flame graph into f (released first): the job's, or built here. */
void mcompare_flame_into(struct mcompare *m, struct mcflame *f);

/* The glyph (UI_GLYPH_UP slower, DOWN faster) or ASCII mark of a verdict,
 * and the role its row is drawn in. */
const char *mcompare_mark(const struct canvas *c, enum diff_verdict v);
enum ui_role mcompare_role(enum diff_verdict v);

#endif
