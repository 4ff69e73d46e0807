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
};

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
	return diff_compute(j->d, &o, &j->r, &j->error);
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
		diff_result_free(m->result);
		diff_free(m->d);
		free(m->error);
		m->d = j->d;
		m->result = j->r;
		m->error = j->error;
		m->filter = *f;
		m->gen++;
		j->d = NULL;
		j->r = NULL;
		j->error = NULL;
		job_free(j);
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
	diff_result_free(m->result);
	diff_free(m->d);
	free(m->error);
	m->d = j->d;
	m->result = j->error ? NULL : j->r;
	m->error = j->error;
	if (j->error) {
		diff_result_free(j->r);
		diff_free(m->d);
		m->d = NULL;
	}
	m->filter = j->f;
	m->gen++;
	j->d = NULL;
	j->r = NULL;
	j->error = NULL;
	job_free(j);
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
		free(t->nodes[i].path);
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

static int new_node(struct mctree *t, int parent, const char *path, size_t len)
{
	struct mctree_node *n;
	const char *semi;

	xgrow(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes));
	n = &t->nodes[t->n];
	memset(n, 0, sizeof(*n));
	n->path = xstrndup(path, len);
	semi = strrchr(n->path, ';');
	n->name = semi ? semi + 1 : n->path;
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

/* Add diff row i (rows come in diff's order, so children are created, and
 * kept, in diff's order too). */
static void add_path(struct mctree *t, struct hashmap *map, const struct diff_row *d, int i)
{
	const char *path = d->name, *p = path;
	int node = 0;

	t->nodes[0].before += d->before;
	t->nodes[0].after += d->after;
	t->nodes[0].npaths++;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = (size_t)((end ? end : p + strlen(p)) - path);
		uint64_t v = t->n;

		if (!hashmap_get_or_put(map, path, len, &v))
			new_node(t, node, path, len);
		node = (int)v;
		t->nodes[node].before += d->before;
		t->nodes[node].after += d->after;
		t->nodes[node].npaths++;
		if (t->nodes[node].first < 0)
			t->nodes[node].first = i;
		p = end ? end + 1 : p + strlen(p);
	}
	if (node > 0 && t->nodes[node].row < 0)
		t->nodes[node].row = i;
}

/* A node that is a compared path and has callees gets a child "(self)"
 * for its own row, placed among its siblings in diff's order. */
static void add_self(struct mctree *t, struct hashmap *map, const struct diff_result *r,
		     int node)
{
	struct strbuf sb = STRBUF_INIT;
	struct mctree_node *pn;
	int row = t->nodes[node].row, kid;
	size_t k;

	strbuf_addf(&sb, "%s;(self)", t->nodes[node].path);
	kid = new_node(t, node, sb.buf, sb.len);
	hashmap_put(map, sb.buf, sb.len, (uint64_t)kid);
	strbuf_release(&sb);
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

static int find_path(const struct hashmap *map, const char *path)
{
	uint64_t v;

	return hashmap_get(map, path, strlen(path), &v) ? (int)v : -1;
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
			t->open[t->nopen++] = xstrdup(t->nodes[i].path);
		}
	if (cur > 0) {
		free(t->cursor_path);
		t->cursor_path = xstrdup(t->nodes[cur].path);
	}
}

void mctree_build(struct mctree *t, const struct diff_result *r)
{
	struct hashmap map;
	bool first = !t->n && !t->nopen && !t->cursor_path;
	size_t i, nn;
	int n;

	save_state(t);
	clear_nodes(t);
	t->list.cursor = 0;
	if (!r) {
		mctree_refresh(t);
		return;
	}
	hashmap_init(&map);
	new_node(t, -1, "", 0);
	for (i = 0; i < r->nstacks; i++)
		add_path(t, &map, &r->stacks[i], (int)i);
	for (i = 1, nn = t->n; i < nn; i++)
		if (t->nodes[i].row >= 0 && t->nodes[i].nkids)
			add_self(t, &map, r, (int)i);
	if (first && r->nstacks)	/* the cursor on diff's first path */
		t->cursor_path = xstrdup(r->stacks[0].name);
	for (i = 0; i < t->nopen; i++) {
		n = find_path(&map, t->open[i]);
		if (n > 0)
			t->nodes[n].expanded = true;
	}
	mctree_refresh(t);
	n = t->cursor_path ? find_path(&map, t->cursor_path) : -1;
	if (n > 0 && first && t->nodes[n].self > 0)	/* diff's first row itself */
		n = t->nodes[n].self;
	if (n > 0)
		mctree_select(t, n);
	hashmap_release(&map);
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
