/* model-compare.c - diff's model for the UI, computed in the background */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "model-compare.h"
#include "model-query.h"
#include "model.h"
#include "profile.h"
#include "query.h"

struct mcompare_job {
	pthread_t thread;
	pthread_mutex_t lock;
	bool done, abandoned;
	/* input: copies, the UI may go away first */
	char **files[2];
	size_t nfiles[2];
	char *per;
	struct ui_filter f;
	int64_t mark_ns;	/* live baseline: before [from, mark), after [mark, to) */
	/* output */
	struct diff *d;
	struct diff_result *r;
	char *error;
	struct mctree *tree;
	struct mcflame *flame;
};

static void free_trees(struct mctree **tree, struct mcflame **flame)
{
	if (*tree)
		mctree_release(*tree);
	free(*tree);
	*tree = NULL;
	if (*flame)
		mcflame_release(*flame);
	free(*flame);
	*flame = NULL;
}

static void job_free(struct mcompare_job *j)
{
	size_t i;
	int s;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < j->nfiles[s]; i++)
			free(j->files[s][i]);
		free(j->files[s]);
	}
	free(j->per);
	diff_result_free(j->r);
	diff_free(j->d);
	free(j->error);
	free_trees(&j->tree, &j->flame);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* --per as diff takes it: run, second, or N1,N2 (work per run of each
 * side). Returns 0 or -EINVAL. */
static int parse_per(const char *per, enum diff_unit *unit, double work[2])
{
	char *end;

	work[0] = work[1] = 0;
	if (!per) {
		*unit = DIFF_PER_RUN;
		return 1;	/* natural: decided from the recordings */
	}
	if (!strcmp(per, "run")) {
		*unit = DIFF_PER_RUN;
		return 0;
	}
	if (!strcmp(per, "second") || !strcmp(per, "s")) {
		*unit = DIFF_PER_SECOND;
		return 0;
	}
	*unit = DIFF_PER_WORK;
	work[0] = strtod(per, &end);
	if (end == per || *end != ',' || work[0] <= 0)
		return -EINVAL;
	per = end + 1;
	work[1] = strtod(per, &end);
	if (end == per || *end || work[1] <= 0)
		return -EINVAL;
	return 0;
}

/* Load every recording into j->d and compute; 0 or -errno with j->error. */
static int compute(struct mcompare_job *j)
{
	struct diff_opts o = DIFF_OPTS_INIT;
	double work[2];
	bool natural;
	size_t i;
	int s, err;

	err = parse_per(j->per, &o.unit, work);
	if (err < 0) {
		j->error = xasprintf("--per wants run, second or N1,N2, not '%s'", sanitized(j->per));
		return err;
	}
	natural = err > 0;
	o.stacks = true;
	j->d = diff_new();
	for (s = 0; s < 2; s++)
		for (i = 0; i < j->nfiles[s]; i++) {
			struct profile_filter pf;
			struct profile *p = NULL;
			struct store *st;

			/* checked when the UI started (ui_model_open()) */
			err = query_open(j->files[s][i], &st, &j->error);
			if (err)
				return err;
			struct ui_filter f = j->f;

			if (j->mark_ns > 0 && s == 0)
				f.to_ns = j->mark_ns;
			else if (j->mark_ns > 0)
				f.from_ns = j->mark_ns;
			mq_query_filter(st, &f, &pf);
			err = profile_load(st, &pf, &p, &j->error);
			if (!err)
				err = diff_add_profile(j->d, (enum diff_side)s, st, p, work[s],
						       &j->error);
			if (!err)
				err = diff_add_syscalls(j->d, st, &j->error);
			if (!err && natural && diff_natural_unit(p) != DIFF_PER_RUN)
				o.unit = DIFF_PER_SECOND;
			profile_free(p);
			query_close(st);
			if (err)
				return query_explain(j->files[s][i], err, &j->error);
		}
	err = diff_compute(j->d, &o, &j->r, &j->error);
	if (err)
		return err;
	/* the views' trees too: building them is no work for a key */
	j->tree = xmalloc(sizeof(*j->tree));
	mctree_init(j->tree);
	mctree_make(j->tree, j->r);
	j->flame = xcalloc(1, sizeof(*j->flame));
	mcflame_make(j->flame, j->r);
	return 0;
}

/* Take a done job's output into m. */
static void take(struct mcompare *m, struct mcompare_job *j)
{
	diff_result_free(m->result);
	diff_free(m->d);
	free(m->error);
	free_trees(&m->tree, &m->flame);
	m->d = j->d;
	m->result = j->error ? NULL : j->r;
	m->error = j->error;
	if (j->error) {
		diff_result_free(j->r);
		diff_free(m->d);
		m->d = NULL;
	} else {
		m->tree = j->tree;
		m->flame = j->flame;
		j->tree = NULL;
		j->flame = NULL;
	}
	m->filter = j->f;
	m->gen++;
	j->d = NULL;
	j->r = NULL;
	j->error = NULL;
	job_free(j);
}

static void *job_main(void *arg)
{
	struct mcompare_job *j = arg;
	bool abandoned;

	compute(j);
	pthread_mutex_lock(&j->lock);
	j->done = true;
	abandoned = j->abandoned;
	pthread_mutex_unlock(&j->lock);
	if (abandoned)
		job_free(j);
	return NULL;
}

void mcompare_init(struct mcompare *m)
{
	memset(m, 0, sizeof(*m));
}

/* Let the running job go: it frees itself, or is freed here if done. */
static void abandon(struct mcompare *m, struct ui *ui)
{
	struct mcompare_job *j = m->job;
	bool done;

	if (!j)
		return;
	m->job = NULL;
	if (ui && ui->background > 0)
		ui->background--;
	pthread_mutex_lock(&j->lock);
	done = j->done;
	j->abandoned = true;
	pthread_mutex_unlock(&j->lock);
	if (done) {
		pthread_join(j->thread, NULL);
		job_free(j);
	} else {
		pthread_detach(j->thread);
	}
}

void mcompare_release(struct mcompare *m, struct ui *ui)
{
	abandon(m, ui);
	diff_result_free(m->result);
	diff_free(m->d);
	free(m->error);
	free_trees(&m->tree, &m->flame);
	mcompare_init(m);
}

static char **copy_list(const char *const *v, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void mcompare_start(struct mcompare *m, struct ui *ui, const struct ui_filter *f)
{
	const struct ui_opts *o = ui->opts;
	struct mcompare_job *j = xcalloc(1, sizeof(*j));

	abandon(m, ui);
	pthread_mutex_init(&j->lock, NULL);
	j->files[0] = copy_list(o->before, o->nbefore);
	j->nfiles[0] = o->nbefore;
	j->files[1] = copy_list(o->after, o->nafter);
	j->nfiles[1] = o->nafter;
	j->per = o->per ? xstrdup(o->per) : NULL;
	j->f = *f;
	j->mark_ns = ui->live_mark_ns;
	m->job_filter = *f;
	if (pthread_create(&j->thread, NULL, job_main, j)) {
		/* no thread: compute here, the screen waits */
		compute(j);
		j->done = true;
		m->job = NULL;
		take(m, j);
		return;
	}
	m->job = j;
	ui->background++;
}

bool mcompare_poll(struct mcompare *m, struct ui *ui)
{
	struct mcompare_job *j = m->job;
	bool done;

	if (!j)
		return false;
	pthread_mutex_lock(&j->lock);
	done = j->done;
	pthread_mutex_unlock(&j->lock);
	if (!done)
		return false;
	pthread_join(j->thread, NULL);
	m->job = NULL;
	if (ui->background > 0)
		ui->background--;
	take(m, j);
	return true;
}

static struct {
	struct ui *ui;
	struct mcompare m;
	int refs;
} shared;

struct mcompare *mcompare_get(struct ui *ui)
{
	struct mcompare *m;

	if (!shared.refs || shared.ui == ui) {
		if (!shared.refs++) {
			mcompare_init(&shared.m);
			shared.ui = ui;
		}
		return &shared.m;
	}
	m = xmalloc(sizeof(*m));	/* a second UI at once (tests): its own */
	mcompare_init(m);
	return m;
}

void mcompare_put(struct mcompare *m, struct ui *ui)
{
	if (m == &shared.m) {
		if (--shared.refs == 0) {
			mcompare_release(m, ui);
			shared.ui = NULL;
		}
		return;
	}
	mcompare_release(m, ui);
	free(m);
}

static bool same_filter(const struct ui_filter *a, const struct ui_filter *b)
{
	return a->kind == b->kind && a->tid == b->tid && a->from_ns == b->from_ns &&
	       a->to_ns == b->to_ns;
}

void mcompare_want(struct mcompare *m, struct ui *ui, const struct ui_filter *f)
{
	const struct ui_filter *have = m->job ? &m->job_filter : &m->filter;

	if ((m->result || m->error || m->job) && same_filter(have, f))
		return;
	mcompare_start(m, ui, f);
}

void mcompare_wait(struct mcompare *m, struct ui *ui)
{
	while (m->job && !mcompare_poll(m, ui)) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

bool mcompare_busy(const struct mcompare *m)
{
	return m->job != NULL;
}

/* ---- the call tree ---------------------------------------------------- */

void mctree_init(struct mctree *t)
{
	memset(t, 0, sizeof(*t));
}

static void clear_nodes(struct mctree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->nodes[i].name);
		free(t->nodes[i].kids);
	}
	t->n = 0;
	t->nrows = 0;
}

static void clear_open(struct mctree *t)
{
	size_t i;

	for (i = 0; i < t->nopen; i++)
		free(t->open[i]);
	free(t->open);
	t->open = NULL;
	t->nopen = 0;
}

void mctree_release(struct mctree *t)
{
	clear_nodes(t);
	clear_open(t);
	free(t->nodes);
	free(t->rows);
	free(t->cursor_path);
	mctree_init(t);
}

/*
 * Nodes are found by parent and name (a hashmap key of both), not by the
 * whole path: hashing every prefix of every path cost 1 s for 50,000
 * paths 24 frames deep.
 */
void mcompare_kid_key(struct strbuf *sb, int parent, const char *name, size_t len)
{
	strbuf_reset(sb);
	strbuf_add(sb, (const char *)&parent, sizeof(parent));
	strbuf_add(sb, name, len);
}

static int new_node(struct mctree *t, int parent, const char *name, size_t len)
{
	struct mctree_node *n;

	xgrow(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes));
	n = &t->nodes[t->n];
	memset(n, 0, sizeof(*n));
	n->name = xstrndup(name, len);
	n->parent = parent;
	n->depth = parent >= 0 ? t->nodes[parent].depth + 1 : 0;
	n->row = n->first = n->self = -1;
	if (parent >= 0) {
		struct mctree_node *pn = &t->nodes[parent];

		xgrow(&pn->kids, &pn->cap, pn->nkids + 1, sizeof(*pn->kids));
		pn->kids[pn->nkids++] = (int)t->n;
	}
	return (int)t->n++;
}

void mctree_path(const struct mctree *t, int node, struct strbuf *sb)
{
	int *up = xmalloc((size_t)(t->nodes[node].depth + 1) * sizeof(*up)), n, k = 0;

	for (n = node; n > 0; n = t->nodes[n].parent)
		up[k++] = n;
	strbuf_adds(sb, "");
	while (k-- > 0) {
		strbuf_adds(sb, t->nodes[up[k]].name);
		if (k)
			strbuf_add(sb, ";", 1);
	}
	free(up);
}

/* node's path as a malloc'd string */
static char *path_of(const struct mctree *t, int node)
{
	struct strbuf sb = STRBUF_INIT;

	mctree_path(t, node, &sb);
	return sb.buf;
}

/* Add diff row i (rows come in diff's order, so children are created, and
 * kept, in diff's order too). */
static void add_path(struct mctree *t, struct hashmap *map, struct strbuf *key,
		     const struct diff_row *d, int i)
{
	const char *p = d->name;
	int node = 0;

	t->nodes[0].before += d->before;
	t->nodes[0].after += d->after;
	t->nodes[0].npaths++;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		uint64_t v = t->n;

		mcompare_kid_key(key, node, p, len);
		if (!hashmap_get_or_put(map, key->buf, key->len, &v))
			new_node(t, node, p, len);
		node = (int)v;
		t->nodes[node].before += d->before;
		t->nodes[node].after += d->after;
		t->nodes[node].npaths++;
		if (t->nodes[node].first < 0)
			t->nodes[node].first = i;
		p = end ? end + 1 : p + len;
	}
	if (node > 0 && t->nodes[node].row < 0)
		t->nodes[node].row = i;
}

/* A node that is a compared path and has callees gets a child "(self)"
 * for its own row, placed among its siblings in diff's order. */
static void add_self(struct mctree *t, struct hashmap *map, struct strbuf *key,
		     const struct diff_result *r, int node)
{
	struct mctree_node *pn;
	int row = t->nodes[node].row, kid;
	size_t k;

	kid = new_node(t, node, "(self)", 6);
	mcompare_kid_key(key, node, "(self)", 6);
	hashmap_put(map, key->buf, key->len, (uint64_t)kid);
	t->nodes[kid].row = t->nodes[kid].first = row;
	t->nodes[kid].npaths = 1;
	t->nodes[kid].before = r->stacks[row].before;
	t->nodes[kid].after = r->stacks[row].after;
	t->nodes[node].self = kid;
	pn = &t->nodes[node];
	for (k = pn->nkids - 1; k > 0 && t->nodes[pn->kids[k - 1]].first > row; k--)
		pn->kids[k] = pn->kids[k - 1];
	pn->kids[k] = kid;
}

/* The node of a folded path, or -1: down from the root, a kid by name. */
static int find_path(const struct mctree *t, const char *path)
{
	const char *p = path;
	int node = 0;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p), k;
		const struct mctree_node *n = &t->nodes[node];

		for (k = 0; k < n->nkids; k++) {
			const char *name = t->nodes[n->kids[k]].name;

			if (!strncmp(name, p, len) && !name[len])
				break;
		}
		if (k == n->nkids)
			return -1;
		node = n->kids[k];
		p = end ? end + 1 : p + len;
	}
	return node > 0 ? node : -1;
}

static void show(struct mctree *t, int node)
{
	const struct mctree_node *n = &t->nodes[node];
	size_t k;

	if (node > 0) {
		xgrow(&t->rows, &t->rcap, t->nrows + 1, sizeof(*t->rows));
		t->rows[t->nrows++] = node;
	}
	if (node == 0 || n->expanded)
		for (k = 0; k < n->nkids; k++)
			show(t, n->kids[k]);
}

void mctree_refresh(struct mctree *t)
{
	t->nrows = 0;
	if (t->n)
		show(t, 0);
	t->list.n = (int)t->nrows;
	if (t->list.cursor >= t->list.n)
		t->list.cursor = t->list.n ? t->list.n - 1 : 0;
	if (t->list.cursor < 0)
		t->list.cursor = 0;
}

int mctree_cursor(const struct mctree *t)
{
	if (t->list.cursor < 0 || (size_t)t->list.cursor >= t->nrows)
		return -1;
	return t->rows[t->list.cursor];
}

void mctree_select(struct mctree *t, int node)
{
	size_t i;
	int n;

	for (n = node > 0 ? t->nodes[node].parent : -1; n > 0; n = t->nodes[n].parent)
		t->nodes[n].expanded = true;
	mctree_refresh(t);
	for (i = 0; i < t->nrows; i++)
		if (t->rows[i] == node)
			t->list.cursor = (int)i;
}

/* Remember what is open and where the cursor is, by path. */
static void save_state(struct mctree *t)
{
	int cur = mctree_cursor(t);
	size_t i;

	if (!t->n)
		return;
	clear_open(t);
	for (i = 1; i < t->n; i++)
		if (t->nodes[i].expanded) {
			t->open = xrealloc(t->open, (t->nopen + 1) * sizeof(*t->open));
			t->open[t->nopen++] = path_of(t, (int)i);
		}
	if (cur > 0) {
		free(t->cursor_path);
		t->cursor_path = path_of(t, cur);
	}
}

void mctree_make(struct mctree *fresh, const struct diff_result *r)
{
	struct strbuf key = STRBUF_INIT;
	struct hashmap map;	/* parent and name -> node */
	size_t i, nn;

	if (!r)
		return;
	hashmap_init(&map);
	new_node(fresh, -1, "", 0);
	for (i = 0; i < r->nstacks; i++)
		add_path(fresh, &map, &key, &r->stacks[i], (int)i);
	for (i = 1, nn = fresh->n; i < nn; i++)
		if (fresh->nodes[i].row >= 0 && fresh->nodes[i].nkids)
			add_self(fresh, &map, &key, r, (int)i);
	hashmap_release(&map);
	strbuf_release(&key);
}

void mctree_adopt(struct mctree *t, struct mctree *fresh, const struct diff_result *r)
{
	bool first = !t->n && !t->nopen && !t->cursor_path;
	size_t i;
	int n;

	save_state(t);
	clear_nodes(t);
	free(t->nodes);
	t->nodes = fresh->nodes;
	t->n = fresh->n;
	t->cap = fresh->cap;
	fresh->nodes = NULL;
	fresh->n = fresh->cap = 0;
	t->list.cursor = 0;
	if (!r || !t->n) {
		mctree_refresh(t);
		return;
	}
	if (first && r->nstacks)	/* the cursor on diff's first path */
		t->cursor_path = xstrdup(r->stacks[0].name);
	for (i = 0; i < t->nopen; i++) {
		n = find_path(t, t->open[i]);
		if (n > 0)
			t->nodes[n].expanded = true;
	}
	mctree_refresh(t);
	n = t->cursor_path ? find_path(t, t->cursor_path) : -1;
	if (n > 0 && first && t->nodes[n].self > 0)	/* diff's first row itself */
		n = t->nodes[n].self;
	if (n > 0)
		mctree_select(t, n);
}

void mctree_build(struct mctree *t, const struct diff_result *r)
{
	struct mctree fresh;

	mctree_init(&fresh);
	mctree_make(&fresh, r);
	mctree_adopt(t, &fresh, r);
	mctree_release(&fresh);
}

void mcompare_tree_into(struct mcompare *m, struct mctree *t)
{
	if (!m->tree) {
		mctree_build(t, m->result);
		return;
	}
	mctree_adopt(t, m->tree, m->result);
	mctree_release(m->tree);
	free(m->tree);
	m->tree = NULL;
}

/* ---- the flame graph -------------------------------------------------- */

/* The child of parent called name[0..len), created if new (kids are put
 * in name order by sort_kids() once all are there). */
static int flame_node(struct mcflame *f, struct hashmap *kids, struct strbuf *key, int parent,
		      const char *name, size_t len)
{
	struct mcflame_node *nd;
	uint64_t at = f->n;

	mcompare_kid_key(key, parent, name, len);
	if (hashmap_get_or_put(kids, key->buf, key->len, &at))
		return (int)at;
	xgrow(&f->nodes, &f->cap, f->n + 1, sizeof(*f->nodes));
	nd = &f->nodes[f->n];
	memset(nd, 0, sizeof(*nd));
	nd->name = xstrndup(name, len);
	nd->parent = parent;
	nd->depth = f->nodes[parent].depth + 1;
	nd->first_child = -1;
	nd->next_sibling = f->nodes[parent].first_child;
	f->nodes[parent].first_child = (int)f->n;
	if (nd->depth > f->maxdepth)
		f->maxdepth = nd->depth;
	return (int)f->n++;
}

static int cmp_names(const void *a, const void *b, void *arg)
{
	const struct mcflame_node *nodes = arg;

	return strcmp(nodes[*(const int *)a].name, nodes[*(const int *)b].name);
}

/* Every node's children in name order: one sort each, not a scan of the
 * siblings per insert (50,000 paths fanning out: 940 ms). */
static void sort_kids(struct mcflame *f)
{
	int *kids = NULL, c;
	size_t cap = 0, n, i, k;

	for (i = 0; i < f->n; i++) {
		n = 0;
		for (c = f->nodes[i].first_child; c >= 0; c = f->nodes[c].next_sibling) {
			xgrow(&kids, &cap, n + 1, sizeof(*kids));
			kids[n++] = c;
		}
		if (n < 2)
			continue;
		qsort_r(kids, n, sizeof(*kids), cmp_names, f->nodes);
		f->nodes[i].first_child = kids[0];
		for (k = 0; k < n; k++)
			f->nodes[kids[k]].next_sibling = k + 1 < n ? kids[k + 1] : -1;
	}
	free(kids);
}

void mcflame_make(struct mcflame *f, const struct diff_result *r)
{
	struct strbuf key = STRBUF_INIT;
	struct hashmap kids;	/* parent and name -> node */
	size_t i;

	mcflame_release(f);
	xgrow(&f->nodes, &f->cap, 1, sizeof(*f->nodes));
	memset(&f->nodes[0], 0, sizeof(f->nodes[0]));
	f->nodes[0].name = xstrdup("all");
	f->nodes[0].parent = f->nodes[0].first_child = f->nodes[0].next_sibling = -1;
	f->n = 1;
	hashmap_init(&kids);
	for (i = 0; r && i < r->nstacks; i++) {
		const char *p = r->stacks[i].name, *semi;
		int node = 0;

		f->nodes[0].before += r->stacks[i].before;
		f->nodes[0].after += r->stacks[i].after;
		while (*p) {
			semi = strchr(p, ';');
			node = flame_node(f, &kids, &key, node, p,
					  semi ? (size_t)(semi - p) : strlen(p));
			f->nodes[node].before += r->stacks[i].before;
			f->nodes[node].after += r->stacks[i].after;
			if (!semi)
				break;
			p = semi + 1;
		}
	}
	hashmap_release(&kids);
	strbuf_release(&key);
	sort_kids(f);
}

void mcflame_release(struct mcflame *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->nodes[i].name);
	free(f->nodes);
	memset(f, 0, sizeof(*f));
}

void mcompare_flame_into(struct mcompare *m, struct mcflame *f)
{
	if (!m->flame) {
		mcflame_make(f, m->result);
		return;
	}
	mcflame_release(f);
	*f = *m->flame;
	free(m->flame);
	m->flame = NULL;
}

static void expand_all(struct mctree *t, int node, bool on)
{
	size_t k;

	if (node > 0)
		t->nodes[node].expanded = on && t->nodes[node].nkids;
	for (k = 0; k < t->nodes[node].nkids; k++)
		expand_all(t, t->nodes[node].kids[k], on);
}

void mctree_expand_all(struct mctree *t, int node, bool on)
{
	if (node < 0 || (size_t)node >= t->n)
		return;
	expand_all(t, node, on);
	mctree_refresh(t);
}

const struct diff_row *mctree_row(const struct mctree *t, const struct diff_result *r, int node)
{
	const struct mctree_node *n = &t->nodes[node];

	if (!r || n->row < 0 || n->nkids || (size_t)n->row >= r->nstacks)
		return NULL;
	return &r->stacks[n->row];
}

double mctree_change(const struct mctree *t, int node)
{
	const struct mctree_node *n = &t->nodes[node];

	return n->before > 0 ? 100.0 * (n->after - n->before) / n->before : NAN;
}

const char *mcompare_mark(const struct canvas *c, enum diff_verdict v)
{
	switch (v) {
	case DIFF_SLOWER:
	case DIFF_NEW:
		return canvas_glyph(c, UI_GLYPH_UP);
	case DIFF_FASTER:
	case DIFF_GONE:
		return canvas_glyph(c, UI_GLYPH_DOWN);
	case DIFF_SAME:
		return "=";
	default:
		return "?";
	}
}

enum ui_role mcompare_role(enum diff_verdict v)
{
	switch (v) {
	case DIFF_SLOWER:
	case DIFF_NEW:
		return UI_ROLE_SLOWER;
	case DIFF_FASTER:
	case DIFF_GONE:
		return UI_ROLE_FASTER;
	case DIFF_SAME:
		return UI_ROLE_NORMAL;
	default:
		return UI_ROLE_DIM;
	}
}
