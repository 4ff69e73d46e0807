/* export-speedscope.c - a recording in speedscope's file format
 *
 * {"$schema": "https://www.speedscope.app/file-format-schema.json",
 *  "shared": {"frames": [{"name", "file", "line"}]},
 *  "profiles": [{"type": "sampled", "name", "unit", "startValue",
 *                "endValue", "samples": [[frame, ...]], "weights": [...]}],
 *  "name", "activeProfileIndex", "exporter"}
 *
 * The profile gives the stacks and the selection; the per-thread split is
 * read from the store's samples rows once more (the profile sums threads),
 * keeping the rows the profile kept (see add_row()).
 * Written compactly (one profile per line) because stacks repeat frames.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "json.h"
#include "hashmap.h"
#include "store.h"
#include "util.h"

struct cell {
	int tid, node;
	int64_t first_slice;
	uint64_t count, weight_ns;
};

struct thread_info {
	int tid;
	char *name;
};

struct ss {
	const struct profile *p;
	int *dense;		/* node id -> node index, when ids are compact */
	int64_t ndense;
	struct hashmap cells_index;
	struct cell *cells;
	size_t ncells, cap_cells;
	struct thread_info *threads;
	size_t nthreads, cap_threads;
};

/* Node index of a stored node id: a dense table when the ids are compact
 * (the recorder's are), else a binary search (nodes[1..] are in id order). */
static int node_index(const struct ss *s, int64_t id)
{
	const struct profile *p = s->p;
	size_t lo = 1, hi = p->nnodes;

	if (s->dense)
		return id > 0 && id < s->ndense ? s->dense[id] : -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nnodes && p->nodes[lo].id == id ? (int)lo : -1;
}

/*
 * A samples row. As profile_each_sample() (which this inlines for speed:
 * its binary search costs a third of the export on big recordings), a row
 * counts when the profile kept its node: reached from the root (depth > 0)
 * and, with --module, in the selection (self samples left in the profile).
 */
static int add_row(void *arg, int64_t slice, int tid, int64_t node_id, int64_t count,
		   int64_t weight_ns)
{
	struct ss *s = arg;
	int n = node_index(s, node_id);
	const struct profile_node *node;
	int key[2];
	uint64_t idx = s->ncells;
	struct cell *c;

	if (n <= 0 || count < 0 || weight_ns < 0)
		return 0;
	node = &s->p->nodes[n];
	if (!node->depth || (!node->self.count && !node->self.weight_ns))
		return 0;
	key[0] = tid;
	key[1] = n;
	if (!hashmap_get_or_put(&s->cells_index, key, sizeof(key), &idx)) {
		xgrow(&s->cells, &s->cap_cells, s->ncells + 1, sizeof(*s->cells));
		c = &s->cells[s->ncells++];
		memset(c, 0, sizeof(*c));
		c->tid = tid;
		c->node = n;
		c->first_slice = slice;
	}
	c = &s->cells[idx];
	if (slice < c->first_slice)
		c->first_slice = slice;
	c->count += (uint64_t)count;
	c->weight_ns += (uint64_t)weight_ns;
	return 0;
}

static int add_thread(void *arg, int tid, int pid UNUSED, const char *name, int64_t samples UNUSED)
{
	struct ss *s = arg;

	xgrow(&s->threads, &s->cap_threads, s->nthreads + 1, sizeof(*s->threads));
	s->threads[s->nthreads].tid = tid;
	s->threads[s->nthreads].name = name ? xstrdup(name) : NULL;
	s->nthreads++;
	return 0;
}

static int cmp_cells(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->first_slice != y->first_slice)
		return x->first_slice < y->first_slice ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

static const char *thread_name(const struct ss *s, int tid)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return s->threads[i].name;
	return NULL;
}

static void write_frames(const struct profile *p, FILE *f)
{
	size_t i;

	fputs("\"shared\":{\"frames\":[", f);
	for (i = 0; i < p->nfuncs; i++) {
		const struct profile_func *fn = &p->funcs[i];
		const struct profile_frame *hot = fn->hot_frame >= 0 ? &p->frames[fn->hot_frame] : NULL;
		const char *mod = fn->module >= 0 ? p->modules[fn->module].path : NULL;

		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		json_write_string(f, fn->name);
		if (hot && hot->file) {
			fputs(",\"file\":", f);
			json_write_string(f, hot->file);
			if (hot->line > 0)
				fprintf(f, ",\"line\":%d", hot->line);
		} else if (mod && *mod) {
			fputs(",\"file\":", f);
			json_write_string(f, mod);
		}
		fputc('}', f);
	}
	fputs("]},\n", f);
}

/* The stack of node n, root first, as frame (function) indices. */
static void write_stack(const struct profile *p, int n, int *path, FILE *f)
{
	size_t depth = 0, i;

	for (; n > 0; n = p->nodes[n].parent)
		path[depth++] = p->frames[p->nodes[n].frame].func;
	fputc('[', f);
	for (i = depth; i-- > 0;)
		fprintf(f, i + 1 < depth ? ",%d" : "%d", path[i]);
	fputc(']', f);
}

static void write_profile(const struct ss *s, const struct cell *c, size_t n, bool ns,
			  int *path, FILE *f)
{
	const char *name = thread_name(s, c[0].tid);
	uint64_t total = 0;
	size_t i;
	char *title;

	for (i = 0; i < n; i++)
		total += ns ? c[i].weight_ns : c[i].count;
	title = name ? xasprintf("%s (thread %d)", name, c[0].tid) :
		       xasprintf("thread %d", c[0].tid);
	fputs("{\"type\":\"sampled\",\"name\":", f);
	json_write_string(f, title);
	free(title);
	fprintf(f, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":%llu,\n\"samples\":[",
		ns ? "nanoseconds" : "none", (unsigned long long)total);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		write_stack(s->p, c[i].node, path, f);
	}
	fputs("],\n\"weights\":[", f);
	for (i = 0; i < n; i++)
		fprintf(f, i ? ",%llu" : "%llu",
			(unsigned long long)(ns ? c[i].weight_ns : c[i].count));
	fputs("]}", f);
}

int export_speedscope(const struct profile *p, const struct export_opts *o, FILE *f)
{
	bool ns = o->weight_set ? o->weight_ns : p->totals.weight_ns > 0;
	const char *cmd = profile_meta(p, "command");
	struct ss s;
	struct store *st;
	char *err;
	int ret;
	size_t i, start, nprof = 0, best = 0;
	uint64_t best_total = 0;
	int *path;

	memset(&s, 0, sizeof(s));
	s.p = p;
	hashmap_init(&s.cells_index);
	st = o->st;
	if (!st) {
		ret = store_open(p->path, &st, &err);
		if (ret) {
			error("%s", err);
			free(err);
			return ret;
		}
	}
	if (p->nnodes > 1 && p->nodes[p->nnodes - 1].id < (int64_t)p->nnodes * 4 + 1024) {
		s.ndense = p->nodes[p->nnodes - 1].id + 1;
		s.dense = xmalloc((size_t)s.ndense * sizeof(*s.dense));
		for (i = 0; i < (size_t)s.ndense; i++)
			s.dense[i] = -1;
		for (i = 1; i < p->nnodes; i++)
			if (p->nodes[i].id > 0 && p->nodes[i].id < s.ndense)
				s.dense[p->nodes[i].id] = (int)i;
	}
	ret = store_each_sample(st, p->filter.kind, p->filter.tid, add_row, &s);
	if (!ret)
		ret = store_each_thread(st, p->filter.kind, add_thread, &s);
	if (ret)
		error("cannot read the samples of '%s': %s", sanitized(p->path),
		      store_last_error(st));
	if (st != o->st)
		store_free(st);
	if (ret)
		goto out;
	if (s.ncells)
		qsort(s.cells, s.ncells, sizeof(*s.cells), cmp_cells);

	path = xmalloc((p->nnodes + 1) * sizeof(*path));
	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n", f);
	write_frames(p, f);
	fputs("\"profiles\":[\n", f);
	for (start = 0; start < s.ncells; start = i) {
		uint64_t total = 0;

		for (i = start; i < s.ncells && s.cells[i].tid == s.cells[start].tid; i++)
			total += ns ? s.cells[i].weight_ns : s.cells[i].count;
		if (nprof)
			fputs(",\n", f);
		write_profile(&s, s.cells + start, i - start, ns, path, f);
		if (total > best_total) {
			best_total = total;
			best = nprof;
		}
		nprof++;
	}
	free(path);
	fputs("],\n\"name\":", f);
	json_write_string(f, cmd ? cmd : p->path);
	fprintf(f, ",\"activeProfileIndex\":%zu,\"exporter\":\"hotstack %s\"}\n", best,
		PACKAGE_VERSION);
out:
	for (i = 0; i < s.nthreads; i++)
		free(s.threads[i].name);
	free(s.threads);
	free(s.cells);
	free(s.dense);
	hashmap_release(&s.cells_index);
	return ret;
}
