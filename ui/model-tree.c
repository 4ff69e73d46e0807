/* model-tree.c - the lazy call tree (top-down or inverted) and the flame
 * graph layout over it
 *
 * A tree node stands for a call path of functions (name, module and
 * inline-ness merged along the path, as profile.h's call tree). It keeps
 * the profile nodes ("positions") that reach it; its kids are computed from
 * them only when asked (mtree_build), so opening a recording of 50,000
 * stacks builds one level, not the whole tree.
 *
 *   top-down   positions are profile nodes, each bringing its total; the
 *              kids of a node group the children of its positions by
 *              function. Hidden kernel frames are looked through: their
 *              children count, their own self stays with the node.
 *   inverted   the root's kids group the leaves (self samples) by function;
 *              a node's kids are the callers of its positions, each still
 *              carrying the leaf's samples; a position with no caller left
 *              counts as the node's self ("called from nowhere above").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

void mtree_init(struct mtree *t, const struct profile *p, const int *rank, bool inverted,
		bool hide_kernel)
{
	struct mtree_node *root;
	size_t i, nslots = (p->nfuncs ? p->nfuncs : 1) * 2;

	memset(t, 0, sizeof(*t));
	t->p = p;
	t->rank = rank;
	t->inverted = inverted;
	t->hide_kernel = hide_kernel;
	t->slot = xmalloc(nslots * sizeof(*t->slot));
	for (i = 0; i < nslots; i++)
		t->slot[i] = -1;
	xgrow(&t->nodes, &t->cap, 1, sizeof(*t->nodes));
	t->n = 1;
	root = &t->nodes[0];
	memset(root, 0, sizeof(*root));
	root->parent = -1;
	root->func = -1;
	root->expanded = true;
	root->total = p->nnodes ? p->nodes[0].total.count : 0;
	root->total_w = p->nnodes ? p->nodes[0].total.weight_ns : 0;
}

void mtree_release(struct mtree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->nodes[i].pos);
		free(t->nodes[i].kids);
		free(t->nodes[i].kids_by_name);
	}
	free(t->nodes);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static bool hidden(const struct mtree *t, int node)
{
	return t->hide_kernel && node > 0 && model_frame_is_kernel(t->p, t->p->nodes[node].frame);
}

/* The nearest ancestor of node (node itself included) that is shown; 0 (the
 * root) if none is. */
static int visible(const struct mtree *t, int node)
{
	while (node > 0 && hidden(t, node))
		node = t->p->nodes[node].parent;
	return node > 0 ? node : 0;
}

/* The kids of one node being built: positions are collected first and
 * copied into exact-size arrays at the end (no realloc per position). */
struct pending {
	int kid;
	struct mtree_pos pos;
};

struct kidlist {
	int *kids;
	size_t n, cap;
	struct pending *pend;
	size_t npend, cappend;
};

/* Add samples at profile node pn (shown) to the kid of n for its function. */
static void group(struct mtree *t, int n, struct kidlist *kl, int pn, uint64_t count,
		  uint64_t weight)
{
	const struct profile_frame *fr = &t->p->frames[t->p->nodes[pn].frame];
	int s = fr->func * 2 + fr->is_inline, k = t->slot[s];
	struct mtree_node *kid;
	struct pending *pe;

	if (k < 0) {
		xgrow(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes));
		k = (int)t->n++;
		kid = &t->nodes[k];
		memset(kid, 0, sizeof(*kid));
		kid->parent = n;
		kid->func = fr->func;
		kid->is_inline = fr->is_inline;
		kid->depth = t->nodes[n].depth + 1;
		t->slot[s] = k;
		xgrow(&kl->kids, &kl->cap, kl->n + 1, sizeof(*kl->kids));
		kl->kids[kl->n++] = k;
	}
	kid = &t->nodes[k];
	kid->npos++;
	kid->total += count;
	kid->total_w += weight;
	xgrow(&kl->pend, &kl->cappend, kl->npend + 1, sizeof(*kl->pend));
	pe = &kl->pend[kl->npend++];
	pe->kid = k;
	pe->pos.node = pn;
	pe->pos.count = count;
	pe->pos.weight = weight;
}

/* Give every kid its positions, in the order they were found. */
static void place(struct mtree *t, struct kidlist *kl)
{
	size_t i;

	for (i = 0; i < kl->n; i++) {
		struct mtree_node *kid = &t->nodes[kl->kids[i]];

		kid->pos = xmalloc(kid->npos * sizeof(*kid->pos));
		kid->npos = 0;
	}
	for (i = 0; i < kl->npend; i++) {
		struct mtree_node *kid = &t->nodes[kl->pend[i].kid];

		kid->pos[kid->npos++] = kl->pend[i].pos;
	}
	free(kl->pend);
}

static const struct mtree *cmp_tree;

static int cmp_kids(const void *a, const void *b)
{
	const struct mtree_node *x = &cmp_tree->nodes[*(const int *)a];
	const struct mtree_node *y = &cmp_tree->nodes[*(const int *)b];
	int c = (x->total < y->total) - (x->total > y->total);

	if (!c)
		c = (cmp_tree->rank[x->func] > cmp_tree->rank[y->func]) -
		    (cmp_tree->rank[x->func] < cmp_tree->rank[y->func]);
	return c ? c : x->is_inline - y->is_inline;
}

static void build_topdown(struct mtree *t, int n, struct kidlist *kl)
{
	const struct profile *p = t->p;
	int *stack = NULL;
	size_t i, sn = 0, scap = 0;

	for (i = 0; i < t->nodes[n].npos || (n == 0 && i == 0); i++) {
		int pn = n == 0 ? 0 : t->nodes[n].pos[i].node, c;

		for (c = p->nodes[pn].first_child; c >= 0; c = p->nodes[c].next_sibling) {
			xgrow(&stack, &scap, sn + 1, sizeof(*stack));
			stack[sn++] = c;
		}
		while (sn) {
			int x = stack[--sn];

			if (!p->nodes[x].total.count)
				continue;
			if (hidden(t, x)) {
				for (c = p->nodes[x].first_child; c >= 0; c = p->nodes[c].next_sibling) {
					xgrow(&stack, &scap, sn + 1, sizeof(*stack));
					stack[sn++] = c;
				}
				continue;
			}
			group(t, n, kl, x, p->nodes[x].total.count, p->nodes[x].total.weight_ns);
		}
	}
	free(stack);
}

static void build_inverted(struct mtree *t, int n, struct kidlist *kl)
{
	const struct profile *p = t->p;
	uint64_t self = 0, self_w = 0;
	size_t i;

	if (n == 0) {
		for (i = 1; i < p->nnodes; i++) {
			int v;

			if (!p->nodes[i].self.count)
				continue;
			v = visible(t, (int)i);
			if (!v) {
				self += p->nodes[i].self.count;
				self_w += p->nodes[i].self.weight_ns;
				continue;
			}
			group(t, n, kl, v, p->nodes[i].self.count, p->nodes[i].self.weight_ns);
		}
	} else {
		for (i = 0; i < t->nodes[n].npos; i++) {
			struct mtree_pos pos = t->nodes[n].pos[i];
			int up = visible(t, p->nodes[pos.node].parent);

			if (!up) {
				self += pos.count;
				self_w += pos.weight;
				continue;
			}
			group(t, n, kl, up, pos.count, pos.weight);
		}
	}
	t->nodes[n].self = self;
	t->nodes[n].self_w = self_w;
}

void mtree_build(struct mtree *t, int n)
{
	struct kidlist kl = { NULL, 0, 0, NULL, 0, 0 };
	struct mtree_node *nd;
	size_t i;

	if (t->nodes[n].built)
		return;
	if (t->inverted)
		build_inverted(t, n, &kl);
	else
		build_topdown(t, n, &kl);
	place(t, &kl);
	nd = &t->nodes[n];	/* group() may have moved the array */
	for (i = 0; i < kl.n; i++) {
		const struct mtree_node *k = &t->nodes[kl.kids[i]];

		t->slot[k->func * 2 + k->is_inline] = -1;
	}
	cmp_tree = t;
	if (kl.n > 1)
		qsort(kl.kids, kl.n, sizeof(*kl.kids), cmp_kids);
	nd->kids = kl.kids;
	nd->nkids = kl.n;
	if (!t->inverted) {
		uint64_t sum = 0, sum_w = 0;

		for (i = 0; i < kl.n; i++) {
			sum += t->nodes[kl.kids[i]].total;
			sum_w += t->nodes[kl.kids[i]].total_w;
		}
		nd->self = nd->total - sum;
		nd->self_w = nd->total_w - sum_w;
	}
	nd->built = true;
}

const char *mtree_name(const struct mtree *t, int n)
{
	return t->nodes[n].func < 0 ? "all" : t->p->funcs[t->nodes[n].func].name;
}

static void key_elem(const struct mtree *t, int n, struct strbuf *sb)
{
	const struct mtree_node *nd = &t->nodes[n];

	strbuf_add(sb, "\x1e", 1);
	model_func_key(t->p, nd->func, sb);
	if (nd->is_inline)
		strbuf_add(sb, "\x1fi", 2);
}

void mtree_path_key(const struct mtree *t, int n, struct strbuf *sb)
{
	if (n <= 0)
		return;
	mtree_path_key(t, t->nodes[n].parent, sb);
	key_elem(t, n, sb);
}

int mtree_find(struct mtree *t, const char *key, bool *exact)
{
	struct strbuf el = STRBUF_INIT;
	const char *s = key ? key : "";
	int cur = 0;

	if (exact)
		*exact = true;
	while (*s == '\x1e') {
		const char *e = strchr(s + 1, '\x1e');
		size_t len = e ? (size_t)(e - s) : strlen(s), i;
		int found = -1;

		mtree_build(t, cur);
		for (i = 0; i < t->nodes[cur].nkids && found < 0; i++) {
			strbuf_reset(&el);
			key_elem(t, t->nodes[cur].kids[i], &el);
			if (el.len == len && !memcmp(el.buf, s, len))
				found = t->nodes[cur].kids[i];
		}
		if (found < 0) {
			if (exact)
				*exact = false;
			break;
		}
		cur = found;
		s += len;
	}
	strbuf_release(&el);
	return cur;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void open_below(struct mtree *t, int n, struct strbuf *key, char **keys, size_t nkeys,
		       size_t *opened)
{
	size_t i, len = key->len;

	mtree_build(t, n);
	for (i = 0; i < t->nodes[n].nkids; i++) {
		int k = t->nodes[n].kids[i];
		char *kb;

		key->len = len;
		key_elem(t, k, key);
		kb = key->buf;
		if (!bsearch(&kb, keys, nkeys, sizeof(*keys), cmp_strp))
			continue;
		t->nodes[k].expanded = true;
		(*opened)++;
		open_below(t, k, key, keys, nkeys, opened);
	}
	key->len = len;
	if (key->buf)
		key->buf[len] = '\0';
}

size_t mtree_open_keys(struct mtree *t, char **keys, size_t nkeys)
{
	struct strbuf key = STRBUF_INIT;
	size_t opened = 0;

	if (!nkeys)
		return 0;
	qsort(keys, nkeys, sizeof(*keys), cmp_strp);
	strbuf_add(&key, "", 0);
	open_below(t, 0, &key, keys, nkeys, &opened);
	strbuf_release(&key);
	return opened;
}

void mtree_reveal(struct mtree *t, int n)
{
	for (n = t->nodes[n].parent; n >= 0; n = t->nodes[n].parent) {
		mtree_build(t, n);
		t->nodes[n].expanded = true;
	}
}

/* Deeper chains of only children (deep recursion) open a step at a time. */
#define OPEN_CHAIN_MAX 64

void mtree_open(struct mtree *t, int n)
{
	int i;

	mtree_build(t, n);
	t->nodes[n].expanded = true;
	for (i = 0; i < OPEN_CHAIN_MAX && t->nodes[n].nkids == 1; i++) {
		n = t->nodes[n].kids[0];
		mtree_build(t, n);
		if (!t->nodes[n].nkids)
			break;
		t->nodes[n].expanded = true;
	}
}

size_t mtree_expand_all(struct mtree *t, int n, bool open, size_t max)
{
	int *stack = NULL;
	size_t sn = 0, cap = 0, done = 0, i;

	xgrow(&stack, &cap, 1, sizeof(*stack));
	stack[sn++] = n;
	while (sn) {
		int x = stack[--sn];

		if (open) {
			if (done >= max)
				break;
			mtree_build(t, x);
			if (!t->nodes[x].nkids)
				continue;
			t->nodes[x].expanded = true;
			done++;
		} else {
			if (!t->nodes[x].expanded)
				continue;
			if (x)
				t->nodes[x].expanded = false;
			done++;
		}
		xgrow(&stack, &cap, sn + t->nodes[x].nkids, sizeof(*stack));
		for (i = t->nodes[x].nkids; i > 0; i--)
			stack[sn++] = t->nodes[x].kids[i - 1];
	}
	free(stack);
	return done;
}

size_t mtree_rows(const struct mtree *t, int **rows, size_t *cap)
{
	int *stack = NULL;
	size_t sn = 0, scap = 0, n = 0, i;

	xgrow(&stack, &scap, t->nodes[0].nkids + 1, sizeof(*stack));
	for (i = t->nodes[0].nkids; i > 0; i--)
		stack[sn++] = t->nodes[0].kids[i - 1];
	while (sn) {
		int x = stack[--sn];
		const struct mtree_node *nd = &t->nodes[x];

		xgrow(rows, cap, n + 1, sizeof(**rows));
		(*rows)[n++] = x;
		if (!nd->expanded || !nd->built)
			continue;
		xgrow(&stack, &scap, sn + nd->nkids, sizeof(*stack));
		for (i = nd->nkids; i > 0; i--)
			stack[sn++] = nd->kids[i - 1];
	}
	free(stack);
	return n;
}

static int kid_index(const struct mtree *t, int parent, int n)
{
	size_t i;

	for (i = 0; i < t->nodes[parent].nkids; i++)
		if (t->nodes[parent].kids[i] == n)
			return (int)i;
	return -1;
}

int mtree_next(struct mtree *t, int n, bool prev)
{
	int par, i;

	if (!prev) {
		mtree_build(t, n);
		if (t->nodes[n].nkids)
			return t->nodes[n].kids[0];
		for (; n > 0; n = par) {
			par = t->nodes[n].parent;
			i = kid_index(t, par, n);
			if (i >= 0 && (size_t)i + 1 < t->nodes[par].nkids)
				return t->nodes[par].kids[i + 1];
		}
		return -1;
	}
	if (n <= 0)
		return -1;
	par = t->nodes[n].parent;
	i = kid_index(t, par, n);
	if (i <= 0)
		return par > 0 ? par : -1;
	n = t->nodes[par].kids[i - 1];
	for (;;) {
		mtree_build(t, n);
		if (!t->nodes[n].nkids)
			return n;
		n = t->nodes[n].kids[t->nodes[n].nkids - 1];
	}
}

/* One frame of a folded line: the name with ';' and controls as '_', and
 * the suffix export uses for inline and kernel frames. */
static void folded_name(const struct mtree *t, int n, struct strbuf *sb)
{
	const char *s = mtree_name(t, n);

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		strbuf_add(sb, ch == ';' || ch < 0x20 || ch == 0x7f ? "_" : s, 1);
	}
	if (t->nodes[n].is_inline)
		strbuf_adds(sb, "_[i]");
	else if (model_func_is_kernel(t->p, t->nodes[n].func))
		strbuf_adds(sb, "_[k]");
}

/* The folded path of n: root first (for an inverted tree, the reverse of
 * the tree path). */
static void folded_path(const struct mtree *t, int n, struct strbuf *sb)
{
	int path[4096];
	int depth = 0, i;

	for (; n > 0 && depth < (int)ARRAY_SIZE(path); n = t->nodes[n].parent)
		path[depth++] = n;
	for (i = 0; i < depth; i++) {
		int x = t->inverted ? path[i] : path[depth - 1 - i];

		if (i)
			strbuf_add(sb, ";", 1);
		folded_name(t, x, sb);
	}
}

void mtree_folded(struct mtree *t, int n, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	int *stack = NULL;
	size_t sn = 0, cap = 0, i;

	xgrow(&stack, &cap, 1, sizeof(*stack));
	stack[sn++] = n;
	while (sn) {
		int x = stack[--sn];

		mtree_build(t, x);
		if (x > 0 && t->nodes[x].self) {
			strbuf_reset(&sb);
			folded_path(t, x, &sb);
			fprintf(f, "%s %llu\n", sb.buf, (unsigned long long)t->nodes[x].self);
		}
		xgrow(&stack, &cap, sn + t->nodes[x].nkids, sizeof(*stack));
		for (i = t->nodes[x].nkids; i > 0; i--)
			stack[sn++] = t->nodes[x].kids[i - 1];
	}
	free(stack);
	strbuf_release(&sb);
}

/* ---- flame layout ---- */

static int cmp_by_name(const void *a, const void *b)
{
	const struct mtree_node *x = &cmp_tree->nodes[*(const int *)a];
	const struct mtree_node *y = &cmp_tree->nodes[*(const int *)b];
	int c = (cmp_tree->rank[x->func] > cmp_tree->rank[y->func]) -
		(cmp_tree->rank[x->func] < cmp_tree->rank[y->func]);

	return c ? c : x->is_inline - y->is_inline;
}

static void add_box(struct mflame *fl, int node, int parent, int depth, int x, int w,
		    uint64_t count, int nmerged)
{
	struct mflame_box *b;

	xgrow(&fl->boxes, &fl->cap, fl->n + 1, sizeof(*fl->boxes));
	b = &fl->boxes[fl->n++];
	b->node = node;
	b->parent = parent;
	b->depth = depth;
	b->x = x;
	b->w = w;
	b->count = count;
	b->nmerged = nmerged;
	if (depth > fl->maxdepth)
		fl->maxdepth = depth;
}

/* Node n's kids in name order, sorted once and kept. */
static const int *kids_by_name(struct mtree *t, int n)
{
	struct mtree_node *nd = &t->nodes[n];

	if (!nd->kids_by_name) {
		nd->kids_by_name = xmalloc((nd->nkids ? nd->nkids : 1) * sizeof(int));
		memcpy(nd->kids_by_name, nd->kids, nd->nkids * sizeof(int));
		cmp_tree = t;
		qsort(nd->kids_by_name, nd->nkids, sizeof(int), cmp_by_name);
	}
	return nd->kids_by_name;
}

void mflame_layout(struct mflame *fl, struct mtree *t, int zoom, int width)
{
	const int *sorted;
	size_t i, k;

	fl->n = 0;
	fl->maxdepth = 0;
	if (width < 1)
		width = 1;
	add_box(fl, zoom, -1, 0, 0, width, t->nodes[zoom].total, 0);
	for (i = 0; i < fl->n; i++) {
		struct mflame_box b = fl->boxes[i];
		uint64_t total, cum = 0, rest = 0;
		int nrest = 0;

		if (b.node < 0)
			continue;
		mtree_build(t, b.node);
		total = t->nodes[b.node].total;
		if (!total || !t->nodes[b.node].nkids)
			continue;
		sorted = kids_by_name(t, b.node);
		for (k = 0; k < t->nodes[b.node].nkids; k++) {
			uint64_t kc = t->nodes[sorted[k]].total;
			int x0, x1;

			if (kc * (uint64_t)b.w < total) {
				rest += kc;
				nrest++;
				continue;
			}
			x0 = b.x + (int)(cum * (uint64_t)b.w / total);
			x1 = b.x + (int)((cum + kc) * (uint64_t)b.w / total);
			cum += kc;
			add_box(fl, sorted[k], (int)i, b.depth + 1, x0, x1 - x0, kc, 0);
		}
		if (rest) {
			int x0 = b.x + (int)(cum * (uint64_t)b.w / total);
			int x1 = b.x + (int)((cum + rest) * (uint64_t)b.w / total);

			if (x1 > x0)
				add_box(fl, -1, (int)i, b.depth + 1, x0, x1 - x0, rest, nrest);
		}
	}
}

void mflame_release(struct mflame *fl)
{
	free(fl->boxes);
	memset(fl, 0, sizeof(*fl));
}

int mflame_at(const struct mflame *fl, int x, int depth)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (fl->boxes[i].depth == depth && x >= fl->boxes[i].x &&
		    x < fl->boxes[i].x + fl->boxes[i].w)
			return (int)i;
	return -1;
}

int mflame_find(const struct mflame *fl, int node)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (fl->boxes[i].node == node)
			return (int)i;
	return -1;
}
