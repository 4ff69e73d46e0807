/* profile.c - load a recording into memory and answer every reader's queries
 *
 * Loading reads each table once (modules, frames, stack nodes, then the
 * selected samples rows streamed into an array indexed by node) and then
 * walks the node tree in pre-order a few times. Ids from the file go through
 * an idmap (a dense table when ids are compact, which is what the recorder
 * writes, else binary search), so no per-node SQL query is ever made.
 *
 * "Once per sample" counts (function totals, caller/callee edges) use the
 * classic on-path counter: during a pre-order walk, a function's counter is
 * raised when a node of it is entered and lowered when that node is left;
 * the node's subtree total is added only when the counter goes 0 -> 1, that
 * is at the outermost occurrence on the path.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "hashmap.h"
#include "radix.h"
#include "profile.h"
#include "util.h"

/* ---- string pool: owns every string of a profile ---------------------- */

struct strpool {
	struct strpool *next;
	size_t used, size;
	char data[];
};

static const char *pool_strdup(struct strpool **pool, const char *s)
{
	size_t len = strlen(s) + 1;
	struct strpool *c = *pool;
	char *p;

	if (!c || c->size - c->used < len) {
		size_t size = len > 65536 ? len : 65536;

		c = xmalloc(sizeof(*c) + size);
		c->next = *pool;
		c->used = 0;
		c->size = size;
		*pool = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	c->used += len;
	return p;
}

static const char *pool_strdup_or_null(struct strpool **pool, const char *s)
{
	return s ? pool_strdup(pool, s) : NULL;
}

static void pool_free(struct strpool *pool)
{
	while (pool) {
		struct strpool *next = pool->next;

		free(pool);
		pool = next;
	}
}

/* ---- idmap: file id -> array index ------------------------------------ */

struct idmap {
	/* ascending; NULL while the ids are 1, 2, 3... (what writers make):
	 * then index = id - 1, and nothing is stored */
	int64_t *ids;
	size_t n, cap;
	int *dense;		/* dense[id] = index, when ids are compact */
	int64_t ndense;
};

static void idmap_add(struct idmap *m, int64_t id)
{
	size_t i;

	if (!m->ids) {
		if (id == (int64_t)m->n + 1) {
			m->n++;
			return;
		}
		/* out of sequence: store the ids so far */
		xgrow(&m->ids, &m->cap, m->n + 1, sizeof(*m->ids));
		for (i = 0; i < m->n; i++)
			m->ids[i] = (int64_t)i + 1;
	}
	xgrow(&m->ids, &m->cap, m->n + 1, sizeof(*m->ids));
	m->ids[m->n++] = id;
}

/* Call after the last idmap_add(). Ids must have come in ascending order. */
static void idmap_build(struct idmap *m)
{
	int64_t max;
	size_t i;

	if (!m->ids || !m->n || m->ids[0] < 0)
		return;
	max = m->ids[m->n - 1];
	if (max > (int64_t)m->n * 4 + 1024)
		return;
	m->ndense = max + 1;
	m->dense = xmalloc(m->ndense * sizeof(*m->dense));
	for (i = 0; i < (size_t)m->ndense; i++)
		m->dense[i] = -1;
	for (i = 0; i < m->n; i++)
		m->dense[m->ids[i]] = (int)i;
}

/* The index of id in the order it was added, or -1. */
static int idmap_find(const struct idmap *m, int64_t id)
{
	size_t lo = 0, hi = m->n;

	if (!m->ids)
		return id >= 1 && id <= (int64_t)m->n ? (int)(id - 1) : -1;
	if (m->dense)
		return id >= 0 && id < m->ndense ? m->dense[id] : -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->ids[lo] == id ? (int)lo : -1;
}

static void idmap_release(struct idmap *m)
{
	free(m->ids);
	free(m->dense);
	memset(m, 0, sizeof(*m));
}

/* ---- what a profile shares with its reselections --------------------- */

/*
 * profile_reselect() makes profiles with base's strings and stack nodes,
 * node for node: they share this, and free it with the last of them. It
 * holds the map of stack node ids, so that a reselect does not build one
 * again, and the samples rows that profile_cache_slices() kept in memory,
 * with their node ids already mapped: summing a time range of them costs
 * a few ns a row, reading it from the store 300.
 */
struct cached_row {
	int32_t node, tid;	/* node: an index into nodes[] */
	uint64_t count, weight_ns;
};

struct cached_slice {
	size_t n;
	struct cached_row rows[];
};

#define CACHE_KINDS 4			/* cpu, offcpu, runqueue, all three */
#define CACHE_MAX_SLICE ((int64_t)1 << 22)	/* 4.9 days of 100 ms slices */
#define CACHE_MAX_BYTES ((size_t)256 << 20)

/* Per node flags (walk_tree()) */
enum { NODE_REACHED = 1, NODE_OUTER = 2 };

struct profile_shared {
	int refs;
	struct idmap node_ids;	/* stack_nodes.id -> node index - 1 */
	uint8_t *flags;		/* per node, NODE_* */
	bool ordered;		/* every reached node's parent has a lower index */
	int *order, *func_rank;	/* the profiles' (no selection changes them) */
	pthread_mutex_t lock;	/* what follows; a slice once kept never changes */
	/* the arrays of a freed sharer, for the next reselect: fresh memory
	 * costs a page fault every 4 KB (26 MB of nodes: 10-14 ms) */
	struct profile_node *spare_nodes;
	struct profile_frame *spare_frames;
	struct profile_func *spare_funcs;
	struct cached_slice **slices[CACHE_KINDS];	/* by slice; NULL: not kept */
	size_t nslices[CACHE_KINDS];
	size_t bytes;
};

static struct profile_shared *shared_new(void)
{
	struct profile_shared *sh = xcalloc(1, sizeof(*sh));

	sh->refs = 1;
	pthread_mutex_init(&sh->lock, NULL);
	return sh;
}

/* Drop one owner; true when it was the last (the strings go too). */
static bool shared_put(struct profile_shared *sh)
{
	size_t i;
	int k;

	if (__atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL))
		return false;
	idmap_release(&sh->node_ids);
	free(sh->flags);
	free(sh->order);
	free(sh->func_rank);
	free(sh->spare_nodes);
	free(sh->spare_frames);
	free(sh->spare_funcs);
	for (k = 0; k < CACHE_KINDS; k++) {
		for (i = 0; i < sh->nslices[k]; i++)
			free(sh->slices[k][i]);
		free(sh->slices[k]);
	}
	pthread_mutex_destroy(&sh->lock);
	free(sh);
	return true;
}

/* Keep *a as a spare in *slot if that is empty, else free it. */
static void spare_give(struct profile_shared *sh, void *slot, void *a)
{
	void **s = slot;

	pthread_mutex_lock(&sh->lock);
	if (!*s) {
		*s = a;
		a = NULL;
	}
	pthread_mutex_unlock(&sh->lock);
	free(a);
}

/* The spare in slot, or n fresh elements of size. */
static void *spare_take(struct profile_shared *sh, void *slot, size_t n, size_t size)
{
	void **s = slot, *a;

	pthread_mutex_lock(&sh->lock);
	a = *s;
	*s = NULL;
	pthread_mutex_unlock(&sh->lock);
	return a ? a : xmalloc((n ? n : 1) * size);
}

static int cache_kind(int kind)
{
	if (kind == KIND_SEL_WALL)
		return CACHE_KINDS - 1;
	return kind >= 0 && kind < CACHE_KINDS - 1 ? kind : -1;
}

/* The kept rows of slice, or NULL. */
static const struct cached_slice *cache_get(struct profile_shared *sh, int k, int64_t slice)
{
	const struct cached_slice *cs = NULL;

	pthread_mutex_lock(&sh->lock);
	if (slice >= 0 && (size_t)slice < sh->nslices[k])
		cs = sh->slices[k][slice];
	pthread_mutex_unlock(&sh->lock);
	return cs;
}

/* The end of the run of slices from s (not kept) that are not kept either,
 * before hi: the store is read once for the run. */
static int64_t run_not_kept(struct profile_shared *sh, int k, int64_t s, int64_t hi)
{
	while (++s < hi && !cache_get(sh, k, s))
		;
	return s;
}

/* Keep a copy of rows[0..n) as slice's, unless the budget is spent or
 * another thread kept the slice first. */
static void cache_put(struct profile_shared *sh, int k, int64_t slice,
		      const struct cached_row *rows, size_t n)
{
	size_t size = sizeof(struct cached_slice) + n * sizeof(*rows);
	struct cached_slice *cs;

	if (slice < 0 || slice >= CACHE_MAX_SLICE)
		return;
	pthread_mutex_lock(&sh->lock);
	if (sh->bytes + size > CACHE_MAX_BYTES ||
	    ((size_t)slice < sh->nslices[k] && sh->slices[k][slice])) {
		pthread_mutex_unlock(&sh->lock);
		return;
	}
	if ((size_t)slice >= sh->nslices[k]) {
		size_t n2 = sh->nslices[k] ? sh->nslices[k] : 64;

		while (n2 <= (size_t)slice)
			n2 *= 2;
		sh->slices[k] = xrealloc(sh->slices[k], n2 * sizeof(*sh->slices[k]));
		memset(sh->slices[k] + sh->nslices[k], 0,
		       (n2 - sh->nslices[k]) * sizeof(*sh->slices[k]));
		sh->nslices[k] = n2;
	}
	cs = xmalloc(size);
	cs->n = n;
	if (n)
		memcpy(cs->rows, rows, n * sizeof(*rows));
	sh->slices[k][slice] = cs;
	sh->bytes += size;
	pthread_mutex_unlock(&sh->lock);
}

/* ---- loading ---------------------------------------------------------- */

/*
 * Function interning: (name, module) -> index into funcs, open addressing
 * over the funcs array itself (the generic hashmap copied every key into a
 * malloc of its own: 58,000 of them on a big recording). Sized once, by
 * link_frames(), for every frame and the "[unknown]" one: never past half.
 */
struct func_map {
	int *slot;		/* index into funcs, -1 = empty */
	uint64_t *hash;
	size_t mask;
};

static void func_map_init(struct func_map *m, size_t n)
{
	size_t size = 16, i;

	while (size < 2 * n + 4)
		size *= 2;
	m->slot = xmalloc(size * sizeof(*m->slot));
	m->hash = xmalloc(size * sizeof(*m->hash));
	for (i = 0; i < size; i++)
		m->slot[i] = -1;
	m->mask = size - 1;
}

static void func_map_release(struct func_map *m)
{
	free(m->slot);
	free(m->hash);
	memset(m, 0, sizeof(*m));
}

/* State of one profile_load(). */
struct loader {
	struct profile *p;
	size_t cap_meta, cap_modules, cap_frames, cap_nodes;
	struct idmap module_ids, frame_ids;
	struct idmap *node_ids;		/* in p->shared: reselects use it too */
	int64_t *frame_module_ids;	/* per frame, until resolved */
	int64_t *node_parent_ids;	/* per node, until resolved */
	size_t cap_fmi, cap_npi;
	struct func_map funcs;
	size_t cap_funcs;
	int unknown_frame;
};

static int load_meta(void *arg, const char *key, const char *value, bool is_int UNUSED,
		     int64_t iv UNUSED)
{
	struct loader *l = arg;
	struct profile *p = l->p;

	if (!key || !value)
		return 0;
	xgrow(&p->meta, &l->cap_meta, p->nmeta + 1, sizeof(*p->meta));
	p->meta[p->nmeta].key = pool_strdup(&p->strings, key);
	p->meta[p->nmeta].value = pool_strdup(&p->strings, value);
	p->nmeta++;
	return 0;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

static int load_module(void *arg, int64_t id, const char *path, const char *build_id,
		       const char *kind, const char *soname, bool is_main)
{
	struct loader *l = arg;
	struct profile *p = l->p;
	struct profile_module *m;

	xgrow(&p->modules, &l->cap_modules, p->nmodules + 1, sizeof(*p->modules));
	m = &p->modules[p->nmodules++];
	m->id = id;
	m->path = pool_strdup(&p->strings, path ? path : "");
	m->name = basename_of(m->path);
	m->build_id = pool_strdup_or_null(&p->strings, build_id);
	m->kind = pool_strdup(&p->strings, kind ? kind : "user");
	m->is_kernel = !strcmp(m->kind, "kernel");
	m->soname = pool_strdup_or_null(&p->strings, soname);
	m->is_main = is_main;
	m->selected = true;
	idmap_add(&l->module_ids, id);
	return 0;
}

/* The index of function (name, module), created if new. */
static int intern_func(struct loader *l, const char *name, int module)
{
	struct profile *p = l->p;
	struct func_map *m = &l->funcs;
	uint64_t h = hash_bytes(name, strlen(name), (uint64_t)(uint32_t)module);
	struct profile_func *f;
	size_t i;

	for (i = h & m->mask; m->slot[i] >= 0; i = (i + 1) & m->mask) {
		f = &p->funcs[m->slot[i]];
		if (m->hash[i] == h && f->module == module && !strcmp(f->name, name))
			return m->slot[i];
	}
	xgrow(&p->funcs, &l->cap_funcs, p->nfuncs + 1, sizeof(*p->funcs));
	f = &p->funcs[p->nfuncs];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->module = module;
	f->hot_frame = -1;
	m->slot[i] = (int)p->nfuncs;
	m->hash[i] = h;
	return (int)p->nfuncs++;
}

static int add_frame(struct loader *l, int64_t id, int64_t module_id, const char *function,
		     const char *linkage, const char *file, int line, bool is_inline,
		     uint64_t offset)
{
	struct profile *p = l->p;
	struct profile_frame *f;

	xgrow(&p->frames, &l->cap_frames, p->nframes + 1, sizeof(*p->frames));
	xgrow(&l->frame_module_ids, &l->cap_fmi, p->nframes + 1, sizeof(*l->frame_module_ids));
	l->frame_module_ids[p->nframes] = module_id;
	f = &p->frames[p->nframes];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->module = -1;
	f->function = pool_strdup(&p->strings, function && *function ? function : "[unknown]");
	f->linkage = linkage && *linkage ? pool_strdup(&p->strings, linkage) : NULL;
	f->file = file && *file ? pool_strdup(&p->strings, file) : NULL;
	f->line = f->file && line > 0 ? line : 0;
	f->is_inline = is_inline;
	f->offset = offset;
	f->func = -1;
	return (int)p->nframes++;
}

static int load_frame(void *arg, int64_t id, int64_t module_id, const char *function,
		      const char *linkage, const char *file, int line, bool is_inline,
		      uint64_t offset)
{
	struct loader *l = arg;

	add_frame(l, id, module_id, function, linkage, file, line, is_inline, offset);
	idmap_add(&l->frame_ids, id);
	return 0;
}

/* Frame index of a node's frame id; missing frames share one "[unknown]". */
static int node_frame(struct loader *l, int64_t frame_id)
{
	int f = idmap_find(&l->frame_ids, frame_id);

	if (f >= 0)
		return f;
	if (l->unknown_frame < 0) {
		l->unknown_frame = add_frame(l, -1, -1, "[unknown]", NULL, NULL, 0, false, 0);
		l->p->frames[l->unknown_frame].func =
			intern_func(l, l->p->frames[l->unknown_frame].function, -1);
	}
	return l->unknown_frame;
}

/* The stored depth is not trusted: walk_tree() recomputes it from the tree. */
static int load_node(void *arg, int64_t id, int64_t parent_id, int64_t frame_id,
		     int depth UNUSED)
{
	struct loader *l = arg;
	struct profile *p = l->p;
	size_t i = p->nnodes;

	if (id <= 0)		/* 0 is the root; negative ids are not written */
		return 0;
	xgrow(&p->nodes, &l->cap_nodes, i + 1, sizeof(*p->nodes));
	xgrow(&l->node_parent_ids, &l->cap_npi, i + 1, sizeof(*l->node_parent_ids));
	memset(&p->nodes[i], 0, sizeof(p->nodes[i]));
	p->nodes[i].id = id;
	/* the frames are read and linked: node_frame() works now */
	p->nodes[i].frame = node_frame(l, frame_id);
	l->node_parent_ids[i] = parent_id;
	/* node i is the (i - 1)th id added: the root has no idmap entry */
	idmap_add(l->node_ids, id);
	p->nnodes++;
	return 0;
}

/*
 * Room for the recording's frames and nodes before they are read: grown
 * one by one, each big array was copied ~15 times over (realloc copies
 * once glibc's mmap threshold has risen), and faulted in again each time.
 */
static void reserve_stacks(struct loader *l, struct store *st)
{
	struct profile *p = l->p;
	int64_t nf, nn;

	if (store_count_stacks(st, &nf, &nn) || nf < 0 || nn < 0)
		return;		/* the reads that follow say what is wrong */
	xgrow(&p->frames, &l->cap_frames, (size_t)nf + 1, sizeof(*p->frames));
	xgrow(&l->frame_module_ids, &l->cap_fmi, (size_t)nf + 1, sizeof(*l->frame_module_ids));
	xgrow(&p->nodes, &l->cap_nodes, (size_t)nn + 1, sizeof(*p->nodes));
	xgrow(&l->node_parent_ids, &l->cap_npi, (size_t)nn + 1, sizeof(*l->node_parent_ids));
}

/* Saturating: a crafted recording's huge counts must not wrap into small
 * totals (three rows of INT64_MAX summed to 9223372036854775805). */
static void value_add(struct profile_value *dst, const struct profile_value *v)
{
	if (__builtin_add_overflow(dst->count, v->count, &dst->count))
		dst->count = UINT64_MAX;
	if (__builtin_add_overflow(dst->weight_ns, v->weight_ns, &dst->weight_ns))
		dst->weight_ns = UINT64_MAX;
}

static int load_sample(void *arg, int64_t slice UNUSED, int tid UNUSED, int64_t node_id,
		       int64_t count, int64_t weight_ns)
{
	struct loader *l = arg;
	int i = idmap_find(l->node_ids, node_id);

	struct profile_value v = { (uint64_t)count, (uint64_t)weight_ns };

	if (i < 0 || count < 0 || weight_ns < 0)
		return 0;
	value_add(&l->p->nodes[i + 1].self, &v);
	return 0;
}

/* Resolve module ids of frames and create functions. */
static void link_frames(struct loader *l)
{
	struct profile *p = l->p;
	size_t i;

	idmap_build(&l->module_ids);
	/* every frame, and node_frame()'s "[unknown]" */
	func_map_init(&l->funcs, p->nframes + 1);
	for (i = 0; i < p->nframes; i++) {
		struct profile_frame *f = &p->frames[i];

		f->module = idmap_find(&l->module_ids, l->frame_module_ids[i]);
		f->func = intern_func(l, f->function, f->module);
	}
}

/*
 * Link nodes into a tree under the root (index 0). A node whose parent is
 * missing hangs off the root; nodes in a parent cycle are never reached.
 * Children keep id order.
 */
static void link_nodes(struct loader *l)
{
	struct profile *p = l->p;
	size_t i;

	idmap_build(l->node_ids);
	p->nodes[0].parent = -1;
	p->nodes[0].frame = -1;
	for (i = 0; i < p->nnodes; i++) {
		p->nodes[i].first_child = -1;
		p->nodes[i].next_sibling = -1;
		p->nodes[i].cnode = -1;
	}
	for (i = 1; i < p->nnodes; i++) {
		struct profile_node *n = &p->nodes[i];
		int64_t pid = l->node_parent_ids[i];
		int parent = pid ? idmap_find(l->node_ids, pid) : -1;

		n->parent = parent < 0 || parent + 1 == (int)i ? 0 : parent + 1;
	}
	for (i = p->nnodes - 1; i >= 1; i--) {
		struct profile_node *parent = &p->nodes[p->nodes[i].parent];

		if (i > 16)
			__builtin_prefetch(&p->nodes[p->nodes[i - 16].parent]);
		p->nodes[i].next_sibling = parent->first_child;
		parent->first_child = (int)i;
	}
}

static bool module_matches(const struct profile_module *m, const char *want, bool exact)
{
	if (strchr(want, '/'))
		return exact ? !strcmp(m->path, want) : strstr(m->path, want) != NULL;
	return exact ? !strcmp(m->name, want) : strstr(m->name, want) != NULL;
}

/* Is want the name of a process (its comm, which the kernel cuts to 15
 * bytes) or the path it was started as (a path, or its file name)? */
static bool process_matches(const char *want, const char *name, const char *started)
{
	size_t n = strlen(want);

	if (name && (!strcmp(name, want) || (n > 15 && strlen(name) == 15 &&
					     !strncmp(name, want, 15))))
		return true;
	return started && (!strcmp(started, want) || !strcmp(basename_of(started), want));
}

struct proc_select {
	struct profile *p;
	bool any;
};

/* A process called want: select the module of its executable. */
static int select_process(void *arg, int pid UNUSED, int ppid UNUSED, const char *name,
			  const char *exe)
{
	struct proc_select *c = arg;
	struct profile *p = c->p;
	size_t i;

	if (!exe || !process_matches(p->filter.module, name, NULL))
		return 0;
	for (i = 0; i < p->nmodules; i++)
		if (!strcmp(p->modules[i].path, exe)) {
			p->modules[i].selected = true;
			c->any = true;
		}
	return 0;
}

/*
 * Select the modules filter.module names: by file name (or path) exactly;
 * else the executable of a process of that name (Debian's redis-server is
 * a link to redis-check-rdb: the process is "redis-server", its module
 * redis-check-rdb) or the main executable when the recorded command was
 * started as that path or file name; else by a part of the file name (or
 * path). p->module_match says which.
 */
static void select_modules(struct profile *p, struct store *st)
{
	const char *want = p->filter.module, *cmd;
	struct proc_select c = { p, false };
	char *first = NULL;
	bool any = false;
	size_t i;

	if (!want)
		return;
	for (i = 0; i < p->nmodules; i++) {
		p->modules[i].selected = module_matches(&p->modules[i], want, true);
		any |= p->modules[i].selected;
	}
	p->module_match = PROFILE_MATCH_MODULE;
	if (any)
		return;
	(void)store_each_process(st, select_process, &c);
	cmd = profile_meta(p, "command");
	if (cmd && *cmd)
		first = xstrndup(cmd, strcspn(cmd, " "));
	if (first && process_matches(want, NULL, first))
		for (i = 0; i < p->nmodules; i++)
			if (p->modules[i].is_main)
				c.any = p->modules[i].selected = true;
	free(first);
	p->module_match = PROFILE_MATCH_PROCESS;
	if (c.any)
		return;
	for (i = 0; i < p->nmodules; i++) {
		p->modules[i].selected = module_matches(&p->modules[i], want, false);
		any |= p->modules[i].selected;
	}
	p->module_match = any ? PROFILE_MATCH_PART : PROFILE_MATCH_NONE;
}

const char *profile_filter_note(const struct profile *p, char *buf, size_t size)
{
	char path[4096], want[1024];

	if (!p->filter.module || p->module_match != PROFILE_MATCH_NONE)
		return NULL;
	snprintf(buf, size, "no module, process or command of '%s' is called '%s': nothing "
		 "selected (-m takes a module's file name, a part of it or a path, or a "
		 "process's name: 'hotstack info' lists them)",
		 sanitize(path, sizeof(path), p->path), sanitize(want, sizeof(want), p->filter.module));
	return buf;
}

/* Drop samples whose stack has no frame in a selected module. */
static void apply_module_filter(struct profile *p, const int *order, size_t n)
{
	bool *keep;
	size_t i;

	if (!p->filter.module)
		return;
	keep = xcalloc(p->nnodes, sizeof(*keep));
	for (i = 0; i < n; i++) {
		struct profile_node *node = &p->nodes[order[i]];
		int m = p->frames[node->frame].module;

		keep[order[i]] = keep[node->parent] || (m >= 0 && p->modules[m].selected);
		if (!keep[order[i]])
			node->self.count = node->self.weight_ns = 0;
	}
	free(keep);
}


static bool value_zero(const struct profile_value *v)
{
	return !v->count && !v->weight_ns;
}

/*
 * Per node totals, frame and function self, and the overall totals: children
 * before their parents. When every parent comes before its children in the
 * nodes array (ordered: what the writers make), that is the array from its
 * end, read in sequence; else the pre-order walk backwards, nearly every
 * node a cache miss (413,000 nodes, 26 MB): the loop then asks for the node
 * PREFETCH steps ahead, and for its frame and parent half as far ahead.
 */
#define PREFETCH 16

static void sum_nodes(struct profile *p, const int *order, size_t n)
{
	const uint8_t *flags = p->shared->flags;
	bool ordered = p->shared->ordered;
	size_t i;

	if (ordered)
		n = p->nnodes - 1;
	for (i = n; i-- > 0;) {
		int at = ordered ? (int)i + 1 : order[i];
		struct profile_node *node = &p->nodes[at];
		struct profile_frame *f;

		if (!ordered && i >= PREFETCH / 2) {
			const struct profile_node *ahead = &p->nodes[order[i - PREFETCH / 2]];

			if (i >= PREFETCH)
				__builtin_prefetch(&p->nodes[order[i - PREFETCH]]);
			__builtin_prefetch(&p->frames[ahead->frame]);
			__builtin_prefetch(&p->nodes[ahead->parent]);
		}
		if (!(flags[at] & NODE_REACHED))
			continue;	/* in a parent cycle: not under the root */
		/* a thread or a time range leaves most nodes empty */
		if (!value_zero(&node->self)) {
			f = &p->frames[node->frame];
			value_add(&node->total, &node->self);
			value_add(&f->self, &node->self);
			value_add(&p->funcs[f->func].self, &node->self);
		}
		if (!value_zero(&node->total))
			value_add(&p->nodes[node->parent].total, &node->total);
	}
	p->totals.samples = p->nodes[0].total.count;
	p->totals.weight_ns = p->nodes[0].total.weight_ns;
}

/*
 * The path of a pre-order walk: entering node order[i] first leaves every
 * path entry at its depth or deeper. The caller keeps one int of state per
 * entry (e.g. the counter it raised) to undo when the entry is left.
 */
struct walk {
	int *node, *state;
	size_t len;
};

static void walk_init(struct walk *w, const struct profile *p)
{
	w->node = xmalloc((p->nnodes + 1) * sizeof(*w->node));
	w->state = xmalloc((p->nnodes + 1) * sizeof(*w->state));
	w->len = 0;
}

static void walk_release(struct walk *w)
{
	free(w->node);
	free(w->state);
}

/*
 * The pre-order walk at load: order[] (the nodes the root reaches, parents
 * before children, root excluded), each node's depth, and what does not
 * change with the selection: which nodes the root reaches, which are the
 * outermost of their function on their path (a function's total is the sum
 * of those: once per sample however often it recurses), and whether the
 * nodes array has parents first. The on-path counter: raised when a node of
 * the function is entered, lowered when it is left.
 */
static void walk_tree(struct profile *p)
{
	struct profile_shared *sh = p->shared;
	int *onpath = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof(*onpath));
	int i = p->nodes[0].first_child;
	struct walk w;

	p->order = sh->order = xmalloc(p->nnodes * sizeof(*p->order));
	p->norder = 0;
	sh->flags = xcalloc(p->nnodes ? p->nnodes : 1, sizeof(*sh->flags));
	sh->ordered = true;
	walk_init(&w, p);
	while (i >= 0) {
		struct profile_node *node = &p->nodes[i];
		int f = p->frames[node->frame].func;

		p->order[p->norder++] = i;
		/* one of them comes next: a pointer chase, fetch both */
		if (node->first_child >= 0)
			__builtin_prefetch(&p->nodes[node->first_child]);
		if (node->next_sibling >= 0)
			__builtin_prefetch(&p->nodes[node->next_sibling]);
		node->depth = p->nodes[node->parent].depth + 1;
		/* w.node holds depths here: the path's nodes are not read again */
		while (w.len && w.node[w.len - 1] >= node->depth) {
			w.len--;
			onpath[w.state[w.len]]--;
		}
		sh->flags[i] = NODE_REACHED | (onpath[f]++ == 0 ? NODE_OUTER : 0);
		w.node[w.len] = node->depth;
		w.state[w.len++] = f;
		if (node->parent >= i)
			sh->ordered = false;
		if (node->first_child >= 0) {
			i = node->first_child;
			continue;
		}
		while (i > 0 && p->nodes[i].next_sibling < 0)
			i = p->nodes[i].parent;
		i = i > 0 ? p->nodes[i].next_sibling : -1;
	}
	walk_release(&w);
	free(onpath);
}

/* Function totals (once per sample: walk_tree()), and each function's
 * hottest frame. Any order of nodes does. */
static void sum_funcs(struct profile *p)
{
	const uint8_t *flags = p->shared->flags;
	uint64_t *below = xcalloc(p->nframes ? p->nframes : 1, sizeof(*below));
	size_t i;

	for (i = 1; i < p->nnodes; i++) {
		const struct profile_node *node = &p->nodes[i];

		if (value_zero(&node->total))
			continue;
		if (flags[i] & NODE_OUTER)
			value_add(&p->funcs[p->frames[node->frame].func].total, &node->total);
		below[node->frame] += node->total.count;
	}
	for (i = 0; i < p->nfuncs; i++) {
		struct profile_func *f = &p->funcs[i];
		struct profile_value all = { p->totals.samples, p->totals.weight_ns };

		f->self_pct = profile_share(p, &f->self, &all);
		f->total_pct = profile_share(p, &f->total, &all);
	}
	for (i = 0; i < p->nframes; i++) {
		struct profile_frame *fr = &p->frames[i];
		struct profile_func *f = &p->funcs[fr->func];
		struct profile_frame *best = f->hot_frame >= 0 ? &p->frames[f->hot_frame] : NULL;

		if (!below[i])
			continue;
		if (!best || fr->self.count > best->self.count ||
		    (fr->self.count == best->self.count &&
		     (below[i] > below[f->hot_frame] ||
		      (below[i] == below[f->hot_frame] && fr->file && !best->file))))
			f->hot_frame = (int)i;
	}
	free(below);
}

/* ---- call tree -------------------------------------------------------- */

/* A function's name and module path, gathered so that sorting compares
 * them without going through funcs[] and modules[]; prefix holds 8 bytes
 * of the name big-endian (zero after its end): sort_names() sorts by them,
 * 8 bytes at a time. */
struct name_key {
	uint64_t prefix;
	const char *name, *path;
	int func;
};

static uint64_t name_prefix(const char *s)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v = v << 8 | (unsigned char)*s;
		if (*s)
			s++;
	}
	return v;
}

/* Name order from byte *off on (the bytes before are the same), then
 * module path, then index. */
static int cmp_names_from(const void *a, const void *b, void *off)
{
	const struct name_key *x = a, *y = b;
	int c = strcmp(x->name + *(size_t *)off, y->name + *(size_t *)off);

	if (!c)
		c = strcmp(x->path, y->path);
	return c ? c : (x->func > y->func) - (x->func < y->func);
}

/*
 * Sort keys into cmp_names_from() order; every name has off bytes or more
 * and the same ones before off. By radix on the next 8 bytes, then each run
 * that shares them on the 8 after, and so on: a name's bytes are read
 * once or twice, not once per comparison (qsort of 53,000 names spent
 * most of its time in calls to the comparison). Small runs, and names
 * past 256 bytes (C++ templates), go to qsort.
 */
static void sort_names(struct name_key *keys, size_t n, size_t off)
{
	size_t i, j;

	if (n < 2)
		return;
	if (n <= 16 || off >= 256) {
		qsort_r(keys, n, sizeof(*keys), cmp_names_from, &off);
		return;
	}
	for (i = 0; i < n; i++)
		keys[i].prefix = name_prefix(keys[i].name + off);
	radix_sort(keys, n, sizeof(*keys), offsetof(struct name_key, prefix));
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && keys[j].prefix == keys[i].prefix; j++)
			;
		if (j - i < 2)
			continue;
		/* all 8 bytes within the names: what follows decides; else
		 * the names are the same, and their paths decide */
		if (keys[i].prefix & 0xff) {
			sort_names(keys + i, j - i, off + 8);
		} else {
			size_t end = strlen(keys[i].name);

			qsort_r(keys + i, j - i, sizeof(*keys), cmp_names_from, &end);
		}
	}
}

/* Name order of two functions, by rank (rank_funcs() ran). */
static int cmp_func_names(const struct profile *p, int a, int b)
{
	return (p->func_rank[a] > p->func_rank[b]) - (p->func_rank[a] < p->func_rank[b]);
}

/*
 * p->func_rank[f]: the place of function f in name order (name, module
 * path, then index: every rank differs), so that sorting the call tree's
 * children (hundreds of thousands on a big recording) and the UI's rows
 * compares integers rather than strings.
 */
static void rank_funcs(struct profile *p)
{
	struct name_key *keys = xmalloc((p->nfuncs + 1) * sizeof(*keys));
	size_t i;

	for (i = 0; i < p->nfuncs; i++) {
		keys[i].name = p->funcs[i].name;
		keys[i].path = p->funcs[i].module >= 0 ? p->modules[p->funcs[i].module].path : "";
		keys[i].func = (int)i;
	}
	sort_names(keys, p->nfuncs, 0);
	p->func_rank = xmalloc((p->nfuncs + 1) * sizeof(*p->func_rank));
	for (i = 0; i < p->nfuncs; i++)
		p->func_rank[keys[i].func] = (int)i;
	free(keys);
}

struct cnode_order {
	const struct profile *p;
	const int *rank;
};

static int cmp_cnodes(const void *a, const void *b, void *arg)
{
	const struct cnode_order *o = arg;
	const struct profile_cnode *ca = &o->p->cnodes[*(const int *)a];
	const struct profile_cnode *cb = &o->p->cnodes[*(const int *)b];
	int ra = o->rank[ca->func], rb = o->rank[cb->func];

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return ca->is_inline - cb->is_inline;
}

static void sort_cnode_children(struct profile *p)
{
	struct cnode_order o = { p, p->func_rank };
	int *kids = NULL;
	size_t cap = 0, i;

	for (i = 0; i < p->ncnodes; i++) {
		size_t n = 0, k;
		int c;

		for (c = p->cnodes[i].first_child; c >= 0; c = p->cnodes[c].next_sibling) {
			xgrow(&kids, &cap, n + 1, sizeof(*kids));
			kids[n++] = c;
		}
		if (n < 2)
			continue;
		qsort_r(kids, n, sizeof(*kids), cmp_cnodes, &o);
		p->cnodes[i].first_child = kids[0];
		for (k = 0; k < n; k++)
			p->cnodes[kids[k]].next_sibling = k + 1 < n ? kids[k + 1] : -1;
	}
	free(kids);
}

/*
 * The call tree's interning: (parent cnode, function, inline) -> cnode, in
 * an open-addressing table of integer keys sized once for every node, not
 * the generic byte-keyed hashmap (which cost 0.17 s of a 1 s load on
 * 413,000 nodes).
 */
struct cnode_map {
	uint64_t *keys;		/* key + 1; 0 = empty */
	int *vals;
	size_t mask;
};

static void cnode_map_init(struct cnode_map *m, size_t n)
{
	size_t size = 16;

	while (size < 2 * n + 2)
		size *= 2;
	m->keys = xcalloc(size, sizeof(*m->keys));
	m->vals = xmalloc(size * sizeof(*m->vals));
	m->mask = size - 1;
}

/* The slot for key: holding it, or empty (keys[slot] == 0). */
static size_t cnode_map_slot(const struct cnode_map *m, uint64_t key)
{
	uint64_t h = key + 1;
	size_t i;

	/* splitmix64's finalizer */
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	for (i = h & m->mask; m->keys[i] && m->keys[i] != key + 1; i = (i + 1) & m->mask)
		;
	return i;
}

static void build_cnodes(struct profile *p, const int *order, size_t n)
{
	struct cnode_map map;
	size_t cap = 0, i;

	/* one cnode per node at most: the table never fills past half */
	cnode_map_init(&map, n);
	xgrow(&p->cnodes, &cap, 1, sizeof(*p->cnodes));
	memset(&p->cnodes[0], 0, sizeof(p->cnodes[0]));
	p->cnodes[0].parent = p->cnodes[0].first_child = p->cnodes[0].next_sibling = -1;
	p->cnodes[0].func = -1;
	p->cnodes[0].total = p->nodes[0].total;
	p->ncnodes = 1;
	p->nodes[0].cnode = 0;
	for (i = 0; i < n; i++) {
		struct profile_node *node = &p->nodes[order[i]];
		const struct profile_frame *f = &p->frames[node->frame];
		struct profile_cnode *c;
		int parent, idx;
		uint64_t key;
		size_t slot;

		if (value_zero(&node->total))
			continue;
		parent = p->nodes[node->parent].cnode;
		key = (uint64_t)(uint32_t)parent << 32 | (uint64_t)(uint32_t)f->func << 1 |
		      (f->is_inline ? 1 : 0);
		slot = cnode_map_slot(&map, key);
		if (map.keys[slot]) {
			idx = map.vals[slot];
		} else {
			idx = (int)p->ncnodes;
			map.keys[slot] = key + 1;
			map.vals[slot] = idx;
			xgrow(&p->cnodes, &cap, p->ncnodes + 1, sizeof(*p->cnodes));
			c = &p->cnodes[p->ncnodes++];
			memset(c, 0, sizeof(*c));
			c->parent = parent;
			c->func = f->func;
			c->is_inline = f->is_inline;
			c->depth = p->cnodes[parent].depth + 1;
			c->first_child = -1;
			c->next_sibling = p->cnodes[parent].first_child;
			p->cnodes[parent].first_child = idx;
		}
		c = &p->cnodes[idx];
		node->cnode = idx;
		value_add(&c->self, &node->self);
		value_add(&c->total, &node->total);
	}
	free(map.keys);
	free(map.vals);
	sort_cnode_children(p);
}

int profile_hottest_node(const struct profile *p, int func)
{
	struct hashmap paths;	/* a path's functions, leaf first -> its group */
	struct {
		uint64_t count;
		int node;
	} *group = NULL;
	size_t ngroups = 0, cap = 0, keycap = 0, i;
	uint32_t *key = NULL;
	uint64_t best_count = 0;
	int best = -1;

	hashmap_init(&paths);
	for (i = 0; i < p->norder; i++) {
		int at = p->order[i], n;
		const struct profile_node *node = &p->nodes[at];
		size_t len = 0;
		uint64_t g = ngroups;

		if (p->frames[node->frame].func != func || value_zero(&node->total))
			continue;
		for (n = at; n > 0; n = p->nodes[n].parent) {
			const struct profile_frame *f = &p->frames[p->nodes[n].frame];

			xgrow(&key, &keycap, len + 1, sizeof(*key));
			key[len++] = (uint32_t)f->func << 1 | (f->is_inline ? 1 : 0);
		}
		if (!hashmap_get_or_put(&paths, key, len * sizeof(*key), &g)) {
			xgrow(&group, &cap, ngroups + 1, sizeof(*group));
			group[ngroups].count = 0;
			group[ngroups++].node = at;
		}
		group[g].count += node->total.count;
	}
	for (i = 0; i < ngroups; i++)
		if (best < 0 || group[i].count > best_count) {
			best = group[i].node;
			best_count = group[i].count;
		}
	hashmap_release(&paths);
	free(group);
	free(key);
	return best;
}

/* ---- time range ------------------------------------------------------- */

bool profile_filter_has_range(const struct profile_filter *f)
{
	return f->slice_lo > 0 || f->slice_hi > 0;
}

bool profile_filter_in_range(const struct profile_filter *f, int64_t slice)
{
	return slice >= f->slice_lo && (f->slice_hi <= 0 || slice < f->slice_hi);
}

/* The store's range is inclusive with -1 for an open end. */
static int64_t store_hi(const struct profile_filter *f)
{
	return f->slice_hi > 0 ? f->slice_hi - 1 : -1;
}

int profile_filter_each_row(struct store *st, const struct profile_filter *f,
			    store_sample_cb cb, void *arg)
{
	if (!profile_filter_has_range(f))
		return store_each_sample(st, f->kind, f->tid, cb, arg);
	if (f->slice_hi > 0 && f->slice_hi <= f->slice_lo)
		return 0;	/* an empty range */
	return store_each_sample_slices(st, f->kind, f->tid, f->slice_lo < 0 ? 0 : f->slice_lo,
					store_hi(f), cb, arg);
}

int profile_filter_each_sum(struct store *st, const struct profile_filter *f,
			    store_sample_cb cb, void *arg)
{
	if (!profile_filter_has_range(f))
		return store_each_sample_total(st, f->kind, f->tid, cb, arg);
	return profile_filter_each_row(st, f, cb, arg);
}

int profile_filter_each_slice_sum(struct store *st, const struct profile_filter *f,
				  store_sample_cb cb, void *arg)
{
	if (!profile_filter_has_range(f))
		return store_each_slice_sum(st, f->kind, f->tid, -1, -1, cb, arg);
	if (f->slice_hi > 0 && f->slice_hi <= f->slice_lo)
		return 0;	/* an empty range */
	return store_each_slice_sum(st, f->kind, f->tid, f->slice_lo < 0 ? 0 : f->slice_lo,
				    store_hi(f), cb, arg);
}

int profile_filter_each_thread(struct store *st, const struct profile_filter *f,
			       store_sample_cb cb, void *arg)
{
	if (!profile_filter_has_range(f))
		return store_each_thread_sum(st, f->kind, -1, -1, cb, arg);
	if (f->slice_hi > 0 && f->slice_hi <= f->slice_lo)
		return 0;	/* an empty range */
	return store_each_thread_sum_slices(st, f->kind, f->slice_lo < 0 ? 0 : f->slice_lo,
					    store_hi(f), cb, arg);
}

/* ---- public ----------------------------------------------------------- */

/* Everything that follows from the nodes' self counts: totals per node,
 * frame and function, hot frames, the call tree unless deferred. */
static void derive(struct profile *p)
{
	apply_module_filter(p, p->order, p->norder);
	sum_nodes(p, p->order, p->norder);
	sum_funcs(p);
	if (!p->filter.no_call_tree)
		profile_call_tree(p);
	p->totals.lost = profile_meta_int(p, "lost", 0);
	p->totals.unwind_errors = profile_meta_int(p, "unwind_errors", 0);
	p->totals.duration_ns = profile_meta_int(p, "duration_ns", -1);
}

/* A new profile, its string pool counted (shared by reselected ones). */
static struct profile *profile_alloc(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));

	p->refs = 1;
	p->shared = shared_new();
	return p;
}

int profile_load(struct store *st, const struct profile_filter *f, struct profile **out,
		 char **errmsg)
{
	static const struct profile_filter dflt = PROFILE_FILTER_INIT;
	struct loader l;
	struct profile *p;
	const char *what;
	int ret;

	*out = NULL;
	*errmsg = NULL;
	memset(&l, 0, sizeof(l));
	l.unknown_frame = -1;
	p = l.p = profile_alloc();
	l.node_ids = &p->shared->node_ids;
	p->path = xstrdup(store_path(st));
	p->filter = f ? *f : dflt;
	if (p->filter.module)
		p->filter.module = pool_strdup(&p->strings, p->filter.module);

	/* the root is node 0 */
	xgrow(&p->nodes, &l.cap_nodes, 1, sizeof(*p->nodes));
	xgrow(&l.node_parent_ids, &l.cap_npi, 1, sizeof(*l.node_parent_ids));
	memset(&p->nodes[0], 0, sizeof(p->nodes[0]));
	p->nnodes = 1;

	what = "meta";
	ret = store_each_meta(st, load_meta, &l);
	if (!ret) {
		what = "modules";
		ret = store_each_module(st, load_module, &l);
	}
	if (!ret) {
		what = "frames";
		reserve_stacks(&l, st);
		ret = store_each_frame(st, load_frame, &l);
		idmap_build(&l.frame_ids);
		link_frames(&l);
	}
	if (!ret) {
		what = "stack nodes";
		ret = store_each_node(st, load_node, &l);
		link_nodes(&l);
	}
	if (!ret) {
		what = "samples";
		ret = profile_filter_each_sum(st, &p->filter, load_sample, &l);
	}
	if (ret) {
		*errmsg = xasprintf("cannot read %s of '%s': %s", what,
				    sanitized(store_path(st)), store_last_error(st));
		profile_free(p);
	} else {
		walk_tree(p);
		select_modules(p, st);
		rank_funcs(p);
		p->shared->func_rank = p->func_rank;
		derive(p);
		*out = p;
	}
	idmap_release(&l.module_ids);
	idmap_release(&l.frame_ids);
	free(l.frame_module_ids);
	free(l.node_parent_ids);
	func_map_release(&l.funcs);
	return ret;
}

/* A copy of array a of n elements of size, or NULL for none. */
static void *dup_array(const void *a, size_t n, size_t size)
{
	void *c;

	if (!a)
		return NULL;
	c = xmalloc((n ? n : 1) * size);
	memcpy(c, a, n * size);
	return c;
}

/* The samples of f's range from the rows kept in memory where they are,
 * from the store where not. */
static int reselect_range(struct loader *l, struct store *st, const struct profile_filter *f)
{
	struct profile_shared *sh = l->p->shared;
	int k = cache_kind(f->kind);
	int64_t s, e, lo = f->slice_lo < 0 ? 0 : f->slice_lo;
	int ret = 0;

	if (k < 0 || f->slice_hi <= 0)	/* open-ended: not kept */
		return profile_filter_each_row(st, f, load_sample, l);
	for (s = lo; !ret && s < f->slice_hi; s = e) {
		const struct cached_slice *cs = cache_get(sh, k, s);
		size_t i;

		e = s + 1;
		if (!cs) {	/* a run of slices not kept: one query */
			e = run_not_kept(sh, k, s, f->slice_hi);
			ret = store_each_sample_slices(st, f->kind, f->tid, s, e - 1, load_sample, l);
			continue;
		}
		for (i = 0; i < cs->n; i++) {
			const struct cached_row *r = &cs->rows[i];
			struct profile_value v = { r->count, r->weight_ns };

			if (!f->tid || r->tid == f->tid)
				value_add(&l->p->nodes[r->node].self, &v);
		}
	}
	return ret;
}

int profile_reselect(const struct profile *base, struct store *st,
		     const struct profile_filter *f, struct profile **out, char **errmsg)
{
	struct loader l;
	struct profile *p;
	size_t i;
	int ret;

	if (f->module || base->filter.module || strcmp(base->path, store_path(st)))
		return profile_load(st, f, out, errmsg);
	*out = NULL;
	*errmsg = NULL;
	p = xcalloc(1, sizeof(*p));
	p->refs = 1;
	p->path = xstrdup(base->path);
	p->filter = *f;
	p->module_match = base->module_match;
	p->strings = base->strings;
	p->shared = base->shared;
	__atomic_add_fetch(&p->shared->refs, 1, __ATOMIC_RELAXED);
	p->meta = dup_array(base->meta, p->nmeta = base->nmeta, sizeof(*p->meta));
	p->modules = dup_array(base->modules, p->nmodules = base->nmodules, sizeof(*p->modules));
	p->nframes = base->nframes;
	p->frames = spare_take(p->shared, &p->shared->spare_frames, p->nframes, sizeof(*p->frames));
	if (p->nframes)
		memcpy(p->frames, base->frames, p->nframes * sizeof(*p->frames));
	p->nfuncs = base->nfuncs;
	p->funcs = spare_take(p->shared, &p->shared->spare_funcs, p->nfuncs, sizeof(*p->funcs));
	if (p->nfuncs)
		memcpy(p->funcs, base->funcs, p->nfuncs * sizeof(*p->funcs));
	p->order = base->order;
	p->norder = base->norder;
	p->func_rank = base->func_rank;
	for (i = 0; i < p->nframes; i++)
		memset(&p->frames[i].self, 0, sizeof(p->frames[i].self));
	for (i = 0; i < p->nfuncs; i++) {
		struct profile_func *fn = &p->funcs[i];

		memset(&fn->self, 0, sizeof(fn->self));
		memset(&fn->total, 0, sizeof(fn->total));
		fn->self_pct = fn->total_pct = 0;
		fn->hot_frame = -1;
	}
	/* field by field: base's cnode fields may be written meanwhile by
	 * profile_call_tree() in the thread that owns base */
	p->nnodes = base->nnodes;
	p->nodes = spare_take(p->shared, &p->shared->spare_nodes, p->nnodes, sizeof(*p->nodes));
	for (i = 0; i < p->nnodes; i++) {
		const struct profile_node *b = &base->nodes[i];

		p->nodes[i] = (struct profile_node){
			.id = b->id, .parent = b->parent, .first_child = b->first_child,
			.next_sibling = b->next_sibling, .frame = b->frame, .depth = b->depth,
			.cnode = -1,
		};
	}
	memset(&l, 0, sizeof(l));
	l.p = p;
	l.node_ids = &p->shared->node_ids;	/* only read */
	/* an empty range reads nothing either way */
	ret = profile_filter_has_range(f) ? reselect_range(&l, st, f) :
					    profile_filter_each_sum(st, f, load_sample, &l);
	if (ret) {
		*errmsg = xasprintf("cannot read samples of '%s': %s", sanitized(store_path(st)),
				    store_last_error(st));
		profile_free(p);
		return ret;
	}
	derive(p);
	*out = p;
	return 0;
}

/* Gathering the rows of one run of slices for the cache. */
struct fill {
	struct profile_shared *sh;
	int k;
	int64_t slice;		/* whose rows are gathered; -1 before the first */
	int64_t next;		/* the first slice not yet kept */
	struct cached_row *rows;
	size_t n, cap;
	uint64_t deadline;
	unsigned tick;
	bool late;
};

#define FILL_STOP 1	/* out of time or out of order: not an error */

/* Keep the slices before upto (the gathered one with its rows, the others
 * empty). */
static void fill_flush(struct fill *fl, int64_t upto)
{
	for (; fl->next < upto; fl->next++) {
		bool mine = fl->next == fl->slice;

		cache_put(fl->sh, fl->k, fl->next, mine ? fl->rows : NULL, mine ? fl->n : 0);
	}
	fl->n = 0;
}

static int fill_row(void *arg, int64_t slice, int tid, int64_t node_id, int64_t count,
		    int64_t weight_ns)
{
	struct fill *fl = arg;
	int i;

	if ((++fl->tick & 255) == 0 && monotonic_ns() > fl->deadline) {
		fl->late = true;
		return FILL_STOP;
	}
	if (slice < fl->slice || slice < fl->next)
		return FILL_STOP;	/* not in slice order: keep what is whole */
	if (slice != fl->slice) {
		if (fl->slice >= 0)
			fill_flush(fl, fl->slice + 1);
		fill_flush(fl, slice);	/* the empty ones between */
		fl->slice = slice;
	}
	i = idmap_find(&fl->sh->node_ids, node_id);
	if (i < 0 || count < 0 || weight_ns < 0)
		return 0;
	xgrow(&fl->rows, &fl->cap, fl->n + 1, sizeof(*fl->rows));
	fl->rows[fl->n++] = (struct cached_row){ i + 1, tid, (uint64_t)count, (uint64_t)weight_ns };
	return 0;
}

int profile_cache_slices(const struct profile *p, struct store *st, int kind, int64_t lo,
			 int64_t hi, uint64_t budget_ns)
{
	struct fill fl = { .sh = p->shared, .k = cache_kind(kind), .slice = -1 };
	int64_t s, e;
	int ret = 0;

	if (fl.k < 0 || p->filter.module || strcmp(p->path, store_path(st)))
		return 0;	/* reselect would not use them */
	if (lo < 0)
		lo = 0;
	if (hi > CACHE_MAX_SLICE)
		hi = CACHE_MAX_SLICE;
	fl.deadline = monotonic_ns() + budget_ns;
	for (s = lo; !ret && !fl.late && s < hi; s = e) {
		e = s + 1;
		if (cache_get(fl.sh, fl.k, s))
			continue;
		e = run_not_kept(fl.sh, fl.k, s, hi);
		fl.slice = -1;
		fl.next = s;
		fl.n = 0;
		ret = store_each_sample_slices(st, kind, 0, s, e - 1, fill_row, &fl);
		if (!ret)	/* the run is whole: the last slice and empty ones */
			fill_flush(&fl, e);
		else if (fl.slice >= 0)	/* stopped: what came before is whole */
			fill_flush(&fl, fl.slice);
	}
	free(fl.rows);
	return ret == FILL_STOP ? 0 : ret;
}

struct profile *profile_ref(struct profile *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

void profile_call_tree(struct profile *p)
{
	if (!p->ncnodes)
		build_cnodes(p, p->order, p->norder);
}

/*
 * The whole-file PRAGMA quick_check that store_open() runs costs as much as
 * the load itself on a big recording (0.3 s of 1 s for 1M samples in 50,000
 * stacks). A damaged page makes the reads fail anyway, so read first and
 * check only when something failed: a damaged recording still gets
 * store_open()'s message, and a sound one opens in a fraction of the time.
 */
int profile_open(const char *path, const struct profile_filter *f, struct profile **out,
		 char **errmsg)
{
	struct store *st;
	char *checked = NULL;
	int ret = store_open_quick(path, &st, errmsg);

	*out = NULL;
	if (ret)
		return ret;
	ret = profile_load(st, f, out, errmsg);
	store_free(st);
	if (!ret)
		return 0;
	if (store_open(path, &st, &checked)) {
		free(*errmsg);
		*errmsg = checked;
		return ret;
	}
	store_free(st);
	return ret;
}

void profile_free(struct profile *p)
{
	if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(p->path);
	free(p->meta);
	free(p->modules);
	free(p->cnodes);
	if (__atomic_load_n(&p->shared->refs, __ATOMIC_ACQUIRE) > 1) {
		/* all sharers have as many of each: the next reselect takes them */
		spare_give(p->shared, &p->shared->spare_nodes, p->nodes);
		spare_give(p->shared, &p->shared->spare_frames, p->frames);
		spare_give(p->shared, &p->shared->spare_funcs, p->funcs);
	} else {
		free(p->nodes);
		free(p->frames);
		free(p->funcs);
	}
	if (shared_put(p->shared))
		pool_free(p->strings);
	free(p);
}

int64_t profile_meta_int(const struct profile *p, const char *key, int64_t dflt)
{
	return int_or(profile_meta(p, key), dflt);
}

const char *profile_meta(const struct profile *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->nmeta; i++)
		if (!strcmp(p->meta[i].key, key))
			return p->meta[i].value;
	return NULL;
}

static const char *const kind_names[] = {
	[KIND_CPU] = "cpu",
	[KIND_OFFCPU] = "offcpu",
	[KIND_RUNQUEUE] = "runqueue",
};

int profile_kind_from_name(const char *name)
{
	size_t i;

	if (!strcmp(name, "wall"))
		return KIND_SEL_WALL;
	for (i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (kind_names[i] && !strcmp(kind_names[i], name))
			return (int)i;
	return -1;
}

const char *profile_kind_name(int kind)
{
	if (kind == KIND_SEL_WALL)
		return "wall";
	if (kind < 0 || (size_t)kind >= ARRAY_SIZE(kind_names) || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

const char *profile_func_module(const struct profile *p, int func)
{
	int m = p->funcs[func].module;

	return m >= 0 ? p->modules[m].name : "";
}

struct sort_ctx {
	const struct profile *p;
	enum profile_sort key;
};

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

/* ---- time kinds ------------------------------------------------------- */

bool profile_by_time(const struct profile *p)
{
	return p->filter.kind != KIND_CPU && p->totals.weight_ns > 0;
}

double profile_share(const struct profile *p, const struct profile_value *v,
		     const struct profile_value *of)
{
	if (profile_by_time(p))
		return of->weight_ns ? 100.0 * (double)v->weight_ns / (double)of->weight_ns : 0;
	return of->count ? 100.0 * (double)v->count / (double)of->count : 0;
}

/* Order two values the way p's percentages go: by time, else by count
 * (then the other). */
static int cmp_value_desc(const struct profile *p, const struct profile_value *a,
			  const struct profile_value *b)
{
	int c;

	if (profile_by_time(p)) {
		c = cmp_u64_desc(a->weight_ns, b->weight_ns);
		return c ? c : cmp_u64_desc(a->count, b->count);
	}
	c = cmp_u64_desc(a->count, b->count);
	return c ? c : cmp_u64_desc(a->weight_ns, b->weight_ns);
}

static bool frame_is_kernel(const struct profile *p, const struct profile_frame *f)
{
	return f->module >= 0 && p->modules[f->module].is_kernel;
}

static bool module_is_shared(const struct profile *p, int module)
{
	return module >= 0 && strstr(p->modules[module].name, ".so");
}

/* Whether a frame of func in module, above the call, is the wait site's
 * caller: for a call in a shared library, the first frame outside it; for
 * the program's own call, the first other function. */
static bool is_site_caller(const struct profile *p, int call_func, int call_module, int func,
			   int module)
{
	return module_is_shared(p, call_module) ? module != call_module : func != call_func;
}

/* The wait site of a leaf node: see profile_wait_sites(). */
static void wait_site_of(const struct profile *p, int leaf, int *call, int *caller)
{
	const struct profile_frame *cf = NULL;
	int n;

	*call = *caller = -1;
	for (n = leaf; n > 0 && p->nodes[n].frame >= 0; n = p->nodes[n].parent) {
		const struct profile_frame *f = &p->frames[p->nodes[n].frame];

		if (frame_is_kernel(p, f))
			continue;
		if (!cf) {
			cf = f;
			*call = f->func;
			continue;
		}
		if (is_site_caller(p, cf->func, cf->module, f->func, f->module)) {
			*caller = f->func;
			return;
		}
	}
	if (!cf && leaf > 0 && p->nodes[leaf].frame >= 0)
		*call = p->frames[p->nodes[leaf].frame].func;
}

int profile_cnode_wait_caller(const struct profile *p, int leaf)
{
	int call = -1, c;

	for (c = leaf; c > 0 && p->cnodes[c].func >= 0; c = p->cnodes[c].parent) {
		const struct profile_func *f = &p->funcs[p->cnodes[c].func];

		if (f->module >= 0 && p->modules[f->module].is_kernel)
			continue;
		if (call < 0)
			call = p->cnodes[c].func;
		else if (is_site_caller(p, call, p->funcs[call].module, p->cnodes[c].func,
					f->module))
			return c;
	}
	return -1;
}

static int cmp_sites(const void *a, const void *b, void *arg)
{
	const struct profile_wait_site *x = a, *y = b;
	const struct profile *p = arg;
	int c = cmp_value_desc(p, &x->value, &y->value);

	if (!c && x->call != y->call)
		c = x->call < 0 ? 1 : y->call < 0 ? -1 : cmp_func_names(p, x->call, y->call);
	if (!c && x->caller != y->caller)
		c = x->caller < 0 ? 1 : y->caller < 0 ? -1 : cmp_func_names(p, x->caller, y->caller);
	return c;
}

size_t profile_wait_sites(const struct profile *p, struct profile_wait_site **out)
{
	struct profile_wait_site *v = NULL;
	struct profile_value all = { p->totals.samples, p->totals.weight_ns };
	struct hashmap map;
	size_t n = 0, cap = 0, i;

	hashmap_init(&map);
	for (i = 1; i < p->nnodes; i++) {
		const struct profile_node *node = &p->nodes[i];
		int key[2];
		uint64_t idx = n;

		if (value_zero(&node->self))
			continue;
		wait_site_of(p, (int)i, &key[0], &key[1]);
		if (!hashmap_get_or_put(&map, key, sizeof(key), &idx)) {
			xgrow(&v, &cap, n + 1, sizeof(*v));
			memset(&v[n], 0, sizeof(v[n]));
			v[n].call = key[0];
			v[n].caller = key[1];
			n++;
		}
		value_add(&v[idx].value, &node->self);
	}
	hashmap_release(&map);
	for (i = 0; i < n; i++)
		v[i].pct = profile_share(p, &v[i].value, &all);
	if (n)
		qsort_r(v, n, sizeof(*v), cmp_sites, (void *)p);
	*out = v;
	return n;
}

static int cmp_funcs(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *ctx = arg;
	int ia = *(const int *)a, ib = *(const int *)b;
	const struct profile_func *fa = &ctx->p->funcs[ia], *fb = &ctx->p->funcs[ib];
	int c;

	if (ctx->key == PROFILE_SORT_SELF) {
		c = cmp_value_desc(ctx->p, &fa->self, &fb->self);
		if (!c)
			c = cmp_value_desc(ctx->p, &fa->total, &fb->total);
	} else {
		c = cmp_value_desc(ctx->p, &fa->total, &fb->total);
		if (!c)
			c = cmp_value_desc(ctx->p, &fa->self, &fb->self);
	}
	if (!c)
		c = cmp_u64_desc(fa->total.weight_ns, fb->total.weight_ns);
	return c ? c : cmp_func_names(ctx->p, ia, ib);
}

size_t profile_sorted_funcs(const struct profile *p, enum profile_sort sort, int **out)
{
	int *idx = xmalloc((p->nfuncs ? p->nfuncs : 1) * sizeof(*idx));
	struct sort_ctx ctx = { p, sort };
	size_t i, n = 0;

	for (i = 0; i < p->nfuncs; i++)
		if (!value_zero(&p->funcs[i].total))
			idx[n++] = (int)i;
	qsort_r(idx, n, sizeof(*idx), cmp_funcs, &ctx);
	*out = idx;
	return n;
}

int profile_find_func(const struct profile *p, const char *name, int *nmatch)
{
	int best = -1, matches = 0;
	size_t i;

	for (i = 0; i < p->nfuncs; i++) {
		const struct profile_func *f = &p->funcs[i];

		if (!demangle_match(name, f->name) || value_zero(&f->total))
			continue;
		matches++;
		if (best < 0 || cmp_u64_desc(f->total.count, p->funcs[best].total.count) < 0 ||
		    (f->total.count == p->funcs[best].total.count &&
		     cmp_func_names(p, (int)i, best) < 0))
			best = (int)i;
	}
	if (nmatch)
		*nmatch = matches;
	return best;
}

static int cmp_edges(const void *a, const void *b, void *arg)
{
	const struct profile_edge *ea = a, *eb = b;
	int c = cmp_value_desc(arg, &ea->value, &eb->value);

	return c ? c : cmp_func_names(arg, ea->func, eb->func);
}

/*
 * Edges between func and its neighbours, once per sample per edge: walks
 * the tree in pre-order (parents before children, by depth).
 */
static size_t edges(const struct profile *p, int func, bool callers, struct profile_edge **out)
{
	struct profile_value *sum = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof(*sum));
	int *onpath = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof(*onpath));
	struct profile_edge *e;
	size_t i, n = 0;
	struct walk w;

	walk_init(&w, p);
	for (i = 0; i < p->norder; i++) {
		const struct profile_node *node = &p->nodes[p->order[i]];
		const struct profile_node *parent = &p->nodes[node->parent];
		int f = p->frames[node->frame].func, key = -1;

		while (w.len && p->nodes[w.node[w.len - 1]].depth >= node->depth) {
			w.len--;
			if (w.state[w.len] >= 0)
				onpath[w.state[w.len]]--;
		}
		if (value_zero(&node->total))
			continue;
		if (node->parent > 0) {
			int pf = p->frames[parent->frame].func;

			if (callers && f == func)
				key = pf;
			else if (!callers && pf == func)
				key = f;
		}
		if (key >= 0 && onpath[key]++ == 0)
			value_add(&sum[key], &node->total);
		w.node[w.len] = p->order[i];
		w.state[w.len++] = key;
	}
	walk_release(&w);
	free(onpath);

	e = xmalloc((p->nfuncs ? p->nfuncs : 1) * sizeof(*e));
	for (i = 0; i < p->nfuncs; i++) {
		if (value_zero(&sum[i]))
			continue;
		e[n].func = (int)i;
		e[n].value = sum[i];
		e[n].pct = profile_share(p, &sum[i], &p->funcs[func].total);
		n++;
	}
	free(sum);
	qsort_r(e, n, sizeof(*e), cmp_edges, (void *)p);
	*out = e;
	return n;
}

size_t profile_callers(const struct profile *p, int func, struct profile_edge **out)
{
	return edges(p, func, true, out);
}

size_t profile_callees(const struct profile *p, int func, struct profile_edge **out)
{
	return edges(p, func, false, out);
}

/* Append a frame name for folded output: ';', controls (C0, DEL, C1) and
 * bytes that are not UTF-8 become '_', so a line is one stack whatever the
 * target named its code, and a terminal shown it runs no escape. */
static void fold_name(struct strbuf *sb, const struct profile *p, const struct profile_cnode *c)
{
	const struct profile_func *f = &p->funcs[c->func];
	size_t start = sb->len, i;

	strbuf_adds(sb, f->name);
	for (i = start; i < sb->len;) {
		unsigned char *ch = (unsigned char *)sb->buf + i;
		size_t n = utf8_len(ch);

		if (*ch == ';' || *ch < 0x20 || *ch == 0x7f || !n) {
			*ch = '_';
			n = 1;
		}
		i += n;
	}
	if (c->is_inline)
		strbuf_adds(sb, "_[i]");
	else if (f->module >= 0 && p->modules[f->module].is_kernel)
		strbuf_adds(sb, "_[k]");
}

static int cmp_folded(const void *a, const void *b)
{
	return strcmp(((const struct profile_folded *)a)->stack,
		      ((const struct profile_folded *)b)->stack);
}

size_t profile_folded(const struct profile *p, struct profile_folded **out)
{
	struct profile_folded *f = NULL;
	struct strbuf sb = STRBUF_INIT;
	int *path = xmalloc((p->ncnodes ? p->ncnodes : 1) * sizeof(*path));
	size_t cap = 0, n = 0, i, j, k;

	for (i = 1; i < p->ncnodes; i++) {
		size_t depth = 0;
		int c;

		if (value_zero(&p->cnodes[i].self))
			continue;
		for (c = (int)i; c > 0; c = p->cnodes[c].parent)
			path[depth++] = c;
		strbuf_reset(&sb);
		for (j = depth; j-- > 0;) {
			fold_name(&sb, p, &p->cnodes[path[j]]);
			if (j)
				strbuf_add(&sb, ";", 1);
		}
		xgrow(&f, &cap, n + 1, sizeof(*f));
		f[n].stack = xstrndup(sb.buf, sb.len);
		f[n].value = p->cnodes[i].self;
		f[n].leaf = (int)i;
		n++;
	}
	strbuf_release(&sb);
	free(path);
	if (n)
		qsort(f, n, sizeof(*f), cmp_folded);
	/* different functions of one name fold to the same line: merge them */
	for (i = 0, k = 0; i < n; i++) {
		if (k && !strcmp(f[k - 1].stack, f[i].stack)) {
			value_add(&f[k - 1].value, &f[i].value);
			free(f[i].stack);
		} else {
			f[k++] = f[i];
		}
	}
	*out = f;
	return k;
}

void profile_folded_free(struct profile_folded *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].stack);
	free(f);
}

/* ---- per-slice access (diff) ------------------------------------------ */

struct node_id_index {
	int64_t id;
	int node;
};

struct each_sample {
	const struct profile *p;
	struct node_id_index *ids;	/* sorted by id */
	size_t nids;
	profile_sample_cb cb;
	void *arg;
};

static int cmp_node_ids(const void *a, const void *b)
{
	const struct node_id_index *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int each_sample_row(void *arg, int64_t slice, int tid, int64_t node_id, int64_t count,
			   int64_t weight_ns)
{
	struct each_sample *e = arg;
	size_t lo = 0, hi = e->nids;
	int node;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->ids[mid].id < node_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= e->nids || e->ids[lo].id != node_id || count < 0 || weight_ns < 0)
		return 0;
	node = e->ids[lo].node;
	/* unreachable nodes keep depth 0; the module filter zeroed the self
	 * of every node it drops */
	if (!e->p->nodes[node].depth || value_zero(&e->p->nodes[node].self))
		return 0;
	return e->cb(e->arg, slice, tid, node, count, weight_ns);
}

int profile_each_sample(struct store *st, const struct profile *p, profile_sample_cb cb,
			void *arg)
{
	struct each_sample e = { p, NULL, 0, cb, arg };
	size_t i;
	int ret;

	e.ids = xmalloc((p->nnodes ? p->nnodes : 1) * sizeof(*e.ids));
	for (i = 1; i < p->nnodes; i++) {
		e.ids[e.nids].id = p->nodes[i].id;
		e.ids[e.nids++].node = (int)i;
	}
	qsort(e.ids, e.nids, sizeof(*e.ids), cmp_node_ids);
	ret = profile_filter_each_row(st, &p->filter, each_sample_row, &e);
	free(e.ids);
	return ret;
}

void profile_cnode_path(const struct profile *p, int cnode, struct strbuf *sb)
{
	int *path, c;
	size_t depth = 0, j;

	if (cnode <= 0 || (size_t)cnode >= p->ncnodes)
		return;
	path = xmalloc((p->cnodes[cnode].depth + 1) * sizeof(*path));
	for (c = cnode; c > 0 && depth <= (size_t)p->cnodes[cnode].depth; c = p->cnodes[c].parent)
		path[depth++] = c;
	for (j = depth; j-- > 0;) {
		fold_name(sb, p, &p->cnodes[path[j]]);
		if (j)
			strbuf_add(sb, ";", 1);
	}
	free(path);
}
