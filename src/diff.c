/* diff.c - compare recordings: the paired model and its statistics
 *
 * Data. Every row (a function, matched by name and module: see
 * module_matches(); a call path, matched by its folded string; the total) is
 * a key. A run keeps one cell per (key, time slice) that has samples, with
 * the self and total weight and count of the key in that slice, plus the
 * per-slice total of the run. Recordings longer than DIFF_MAX_SLICES slices are cut into that many
 * equal groups of consecutive slices.
 *
 * Estimate. A run's value of a key is scale * sum_s x_s, with scale 1 (per
 * run), 1/D (per second of the run's duration D) or 1/work; a side's value
 * is the mean over its runs.
 *
 * Bootstrap. A replicate of a side draws its runs with replacement, then,
 * for each drawn run, ceil(n / L) circular blocks of L consecutive slices
 * (L = round(n^(1/3))), which set multiplicities m_s. The replicate's value
 * of a run is, per second, the rate sum m_s x_s / sum m_s d_s (d_s: slice
 * durations, so partial first and last slices weigh what they last), and
 * per run or unit of work, scale * T * sum m_s x_s / sum m_s t_s with T the
 * run's total and t_s the slice totals: a fixed-work run's CPU time is what
 * it is, only its split between functions is resampled (when the program is
 * preempted its slices hold less and it runs longer, its work unchanged).
 * The replicates give each key's variance and its covariance with the
 * side's total; with several runs the spread of the runs' own values is the
 * part measured between runs.
 *
 * Tests. On the log scale with these standard errors (the delta method)
 * and Student's t with Welch-Satterthwaite degrees of freedom from the
 * blocks and the runs; unlike percentile intervals this gives p-values fine
 * enough for the FDR step. The run-to-run part of the variance is moderated
 * with the assumed opts.run_noise (see side_est()). When a side has fewer
 * than DIFF_MIN_BLOCKS blocks in all, a row's variance is at least the
 * binomial variance of its samples, so a recording too short to resample
 * does not look exact. (Timer sampling of a steady program is systematic,
 * not random: over longer recordings the bootstrap rightly finds less than
 * binomial noise.)
 *
 * Tests and verdicts: see diff.h and hotstack-diff(1).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "hashmap.h"
#include "profile.h"
#include "store.h"
#include "util.h"

#define DIFF_MAX_SLICES 1000
/* A side with fewer blocks than this to resample (under about half a second
 * of recording) gets the binomial variance as a floor. */
#define DIFF_MIN_BLOCKS 3

enum key_type { KEY_FUNC, KEY_STACK, KEY_SYSCALL, KEY_IO };

struct key {
	char *name;
	char *module;		/* for display: "v1->v2" when paired across names */
	enum key_type type;
};

/* A --map OLD=NEW pair of modules. */
struct module_map {
	char *old, *new;
};

struct cell {
	uint32_t key;
	uint32_t slice;
	int64_t self_n, total_n;
	int64_t self_w, total_w;
};

/* A system call or an I/O target of a run (the --waits tables: no time
 * slices). */
struct sys_entry {
	uint32_t key;
	int64_t nr, count;	/* nr: the system call's number; count: calls */
	double time;		/* seconds */
	double var;		/* of time: compound Poisson, seconds^2 */
	double bytes;		/* I/O targets: bytes read and written */
};

struct run {
	enum diff_side side;
	int64_t duration_ns;	/* <= 0: unknown */
	int64_t slice_ns;
	double work;
	struct sys_entry *sys;
	size_t nsys, cap_sys;
	struct cell *cells;
	size_t ncells, cap_cells;
	struct hashmap cell_map;	/* (key, slice) -> cell index */
	int64_t *slice_n, *slice_w;	/* per slice totals */
	size_t nslices, cap_slice_n, cap_slice_w;
};

struct diff {
	struct key *keys;
	size_t nkeys, cap_keys;
	struct hashmap key_map;
	struct run **runs;
	size_t nruns, cap_runs;
	struct module_map *maps;
	size_t nmaps;
};

struct diff *diff_new(void)
{
	struct diff *d = xcalloc(1, sizeof(*d));

	hashmap_init(&d->key_map);
	return d;
}

static void run_free(struct run *r)
{
	free(r->sys);
	free(r->cells);
	hashmap_release(&r->cell_map);
	free(r->slice_n);
	free(r->slice_w);
	free(r);
}

void diff_free(struct diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nkeys; i++) {
		free(d->keys[i].name);
		free(d->keys[i].module);
	}
	free(d->keys);
	hashmap_release(&d->key_map);
	for (i = 0; i < d->nruns; i++)
		run_free(d->runs[i]);
	free(d->runs);
	for (i = 0; i < d->nmaps; i++) {
		free(d->maps[i].old);
		free(d->maps[i].new);
	}
	free(d->maps);
	free(d);
}

/* ---- building --------------------------------------------------------- */

/*
 * The key of (type, name, match): match is what pairs modules across the
 * sides (see module_match()), shown is the module's name for display. A
 * function seen under two shown names (a renamed build) shows "old->new".
 */
static uint32_t intern_key2(struct diff *d, enum key_type type, const char *name,
			    const char *match, const char *shown)
{
	size_t nlen = strlen(name), mlen = strlen(match);
	char *buf = xmalloc(nlen + mlen + 2);
	uint64_t idx = d->nkeys;

	buf[0] = (char)('0' + type);
	memcpy(buf + 1, name, nlen);
	buf[nlen + 1] = '\0';
	memcpy(buf + nlen + 2, match, mlen);
	if (!hashmap_get_or_put(&d->key_map, buf, nlen + mlen + 2, &idx)) {
		xgrow(&d->keys, &d->cap_keys, d->nkeys + 1, sizeof(*d->keys));
		d->keys[d->nkeys].name = xstrdup(name);
		d->keys[d->nkeys].module = xstrdup(shown);
		d->keys[d->nkeys].type = type;
		d->nkeys++;
	} else {
		struct key *k = &d->keys[idx];
		size_t klen = strlen(k->module), slen = strlen(shown);
		bool seen = !strcmp(k->module, shown) ||
			    (klen > slen + 2 && !strcmp(k->module + klen - slen, shown) &&
			     !strncmp(k->module + klen - slen - 2, "->", 2));

		if (!seen && !strstr(k->module, "->")) {
			char *both = xasprintf("%s->%s", k->module, shown);

			free(k->module);
			k->module = both;
		}
	}
	free(buf);
	return (uint32_t)idx;
}

static uint32_t intern_key(struct diff *d, enum key_type type, const char *name,
			   const char *module)
{
	return intern_key2(d, type, name, module, module);
}

void diff_map_module(struct diff *d, const char *old, const char *new)
{
	d->maps = xrealloc(d->maps, (d->nmaps + 1) * sizeof(*d->maps));
	d->maps[d->nmaps].old = xstrdup(old);
	d->maps[d->nmaps].new = xstrdup(new);
	d->nmaps++;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* "libfoo.so.1.2" and "libfoo-1.2.so" -> "libfoo.so": a library's name
 * without its version, into sb; false if name is no shared object's. */
static bool unversioned_so(const char *name, struct strbuf *sb)
{
	const char *so = strstr(name, ".so"), *p, *stem_end;

	while (so && so[3] && so[3] != '.')
		so = strstr(so + 1, ".so");
	if (!so || so == name)
		return false;
	for (p = so + 3; *p; p++)
		if (*p != '.' && (*p < '0' || *p > '9'))
			return false;
	/* a version before ".so": "-1.2" or "-1" */
	stem_end = so;
	for (p = so; p > name && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'); p--)
		;
	if (p < so && p > name + 1 && p[-1] == '-' && p[0] >= '0' && p[0] <= '9')
		stem_end = p - 1;
	strbuf_reset(sb);
	strbuf_add(sb, name, (size_t)(stem_end - name));
	strbuf_adds(sb, ".so");
	return true;
}

/* What the store says of a module that the profile does not keep. */
struct mod_extra {
	char *soname;
	bool is_main;
};

struct mod_extra_ctx {
	struct hashmap by_id;		/* module id -> index into p->modules */
	struct mod_extra *extra;	/* per profile module */
};

static int collect_module(void *arg, int64_t id, const char *path UNUSED,
			  const char *build_id UNUSED, const char *kind UNUSED, const char *soname,
			  bool is_main)
{
	struct mod_extra_ctx *c = arg;
	uint64_t i;

	if (!hashmap_get(&c->by_id, &id, sizeof(id), &i))
		return 0;
	free(c->extra[i].soname);
	c->extra[i].soname = soname && *soname ? xstrdup(soname) : NULL;
	c->extra[i].is_main = is_main;
	return 0;
}

/*
 * The match string of every module of p (malloc'd, freed by the caller),
 * what pairs a module of one side with its twin on the other:
 *
 *   "=OLD"     a --map OLD=NEW pair (by file name or path): OLD before, NEW
 *              after
 *   "[main]"   the main executable, when the recording has one program
 *              (one file name among the modules run as a process's exe):
 *              ./v1 pairs with ./v2
 *   NAME.so    a shared object: its DT_SONAME, else its file name, without
 *              the version (libfoo.so.1 and libfoo-1.2.so are libfoo.so),
 *              so a renamed twin pairs by its soname, and a recording
 *              without sonames (schema version 1) pairs with one that has
 *              them
 *   NAME       else the file name
 */
static char **module_matches(struct diff *d, enum diff_side side, struct store *st,
			     const struct profile *p)
{
	struct mod_extra_ctx c;
	char **out = xcalloc(p->nmodules ? p->nmodules : 1, sizeof(*out));
	const char *main_name = NULL, *name;
	bool one_main = true;
	struct strbuf sb = STRBUF_INIT;
	size_t i, k;

	c.extra = xcalloc(p->nmodules ? p->nmodules : 1, sizeof(*c.extra));
	hashmap_init(&c.by_id);
	for (i = 0; i < p->nmodules; i++)
		hashmap_put(&c.by_id, &p->modules[i].id, sizeof(p->modules[i].id), i);
	/* a module the store cannot describe is matched by its file name */
	(void)store_each_module(st, collect_module, &c);
	for (i = 0; i < p->nmodules; i++) {
		if (!c.extra[i].is_main)
			continue;
		if (main_name && strcmp(main_name, p->modules[i].name))
			one_main = false;
		main_name = p->modules[i].name;
	}
	for (i = 0; i < p->nmodules; i++) {
		const struct profile_module *m = &p->modules[i];

		for (k = 0; k < d->nmaps && !out[i]; k++) {
			const char *want = side == DIFF_BEFORE ? d->maps[k].old : d->maps[k].new;

			if (!strcmp(m->name, want) || !strcmp(m->path, want))
				out[i] = xasprintf("=%s", base_name(d->maps[k].old));
		}
		if (out[i])
			continue;
		name = c.extra[i].soname && !m->is_kernel ? c.extra[i].soname : m->name;
		if (c.extra[i].is_main && one_main)
			out[i] = xstrdup("[main]");
		else if (!m->is_kernel && unversioned_so(name, &sb))
			out[i] = xstrdup(sb.buf);
		else
			out[i] = xstrdup(name);
	}
	for (i = 0; i < p->nmodules; i++)
		free(c.extra[i].soname);
	free(c.extra);
	hashmap_release(&c.by_id);
	strbuf_release(&sb);
	return out;
}

size_t diff_add_run(struct diff *d, enum diff_side side, int64_t duration_ns, int64_t slice_ns,
		    double work)
{
	struct run *r = xcalloc(1, sizeof(*r));

	r->side = side;
	r->duration_ns = duration_ns;
	r->slice_ns = slice_ns > 0 ? slice_ns : (int64_t)STORE_SLICE_NS;
	r->work = work;
	hashmap_init(&r->cell_map);
	xgrow(&d->runs, &d->cap_runs, d->nruns + 1, sizeof(*d->runs));
	d->runs[d->nruns] = r;
	return d->nruns++;
}

static void run_grow_slices(struct run *r, size_t slice)
{
	size_t n = slice + 1, i;

	if (n <= r->nslices)
		return;
	xgrow(&r->slice_n, &r->cap_slice_n, n, sizeof(*r->slice_n));
	xgrow(&r->slice_w, &r->cap_slice_w, n, sizeof(*r->slice_w));
	for (i = r->nslices; i < n; i++)
		r->slice_n[i] = r->slice_w[i] = 0;
	r->nslices = n;
}

static struct cell *run_cell(struct run *r, uint32_t key, uint32_t slice)
{
	uint32_t k[2] = { key, slice };
	uint64_t idx = r->ncells;

	if (!hashmap_get_or_put(&r->cell_map, k, sizeof(k), &idx)) {
		xgrow(&r->cells, &r->cap_cells, r->ncells + 1, sizeof(*r->cells));
		memset(&r->cells[r->ncells], 0, sizeof(r->cells[0]));
		r->cells[r->ncells].key = key;
		r->cells[r->ncells].slice = slice;
		r->ncells++;
	}
	return &r->cells[idx];
}

/* a += b, saturating at INT64_MAX: counts and weights come from a
 * recording, and a crafted one can hold any 64-bit values (b >= 0). */
static void add_sat(int64_t *a, int64_t b)
{
	if (__builtin_add_overflow(*a, b, a))
		*a = INT64_MAX;
}

/* Add count and weight to a cell's self and total (self only if self). */
static void cell_add(struct cell *c, bool self, int64_t count, int64_t weight_ns)
{
	if (self) {
		add_sat(&c->self_n, count);
		add_sat(&c->self_w, weight_ns);
	}
	add_sat(&c->total_n, count);
	add_sat(&c->total_w, weight_ns);
}

/* Add to the run's per slice totals, growing them to hold slice s. */
static void slice_add(struct run *r, uint32_t s, int64_t count, int64_t weight_ns)
{
	run_grow_slices(r, s);
	add_sat(&r->slice_n[s], count);
	add_sat(&r->slice_w[s], weight_ns);
}

/* Slices beyond this are treated as this one (corrupt input). */
#define SLICE_LIMIT 100000000

static uint32_t clamp_slice(int64_t slice)
{
	return slice < 0 ? 0 : slice > SLICE_LIMIT ? SLICE_LIMIT : (uint32_t)slice;
}

void diff_add_sample(struct diff *d, size_t run, int64_t slice, const char *name,
		     const char *module, int64_t count, int64_t weight_ns)
{
	struct run *r = d->runs[run];
	uint32_t s = clamp_slice(slice);
	struct cell *c;

	if (count < 0 || weight_ns < 0)
		return;
	slice_add(r, s, count, weight_ns);
	c = run_cell(r, intern_key(d, KEY_FUNC, name, module ? module : ""), s);
	cell_add(c, true, count, weight_ns);
	c = run_cell(r, intern_key(d, KEY_STACK, name, ""), s);
	cell_add(c, true, count, weight_ns);
}

/* State of one diff_add_profile(). */
struct adder {
	struct diff *d;
	struct run *r;
	const struct profile *p;
	uint32_t *func_key;	/* per profile function */
	uint32_t *stack_key;	/* per call tree node, UINT32_MAX until made */
	uint64_t *stamp;	/* per key: the row that last counted it */
	size_t nstamp;
	uint64_t row;
	int64_t slice_lo;	/* a time range's first slice: the run's slice 0 */
	int64_t group;		/* the recording's slices per slice of the run */
	struct strbuf sb;
};

static int add_profile_row(void *arg, int64_t slice, int tid UNUSED, int node, int64_t count,
			   int64_t weight_ns)
{
	struct adder *a = arg;
	const struct profile *p = a->p;
	uint32_t s = clamp_slice((slice - a->slice_lo) / a->group), key;
	int n, cnode;

	if (count < 0 || weight_ns < 0)
		return 0;
	slice_add(a->r, s, count, weight_ns);
	a->row++;
	/* self: the leaf's function; total: every function on the path once */
	for (n = node; n > 0; n = p->nodes[n].parent) {
		key = a->func_key[p->frames[p->nodes[n].frame].func];
		if (a->stamp[key] == a->row)
			continue;
		a->stamp[key] = a->row;
		cell_add(run_cell(a->r, key, s), n == node, count, weight_ns);
	}
	cnode = p->nodes[node].cnode;
	if (cnode > 0) {
		if (a->stack_key[cnode] == UINT32_MAX) {
			strbuf_reset(&a->sb);
			strbuf_adds(&a->sb, "");
			profile_cnode_path(p, cnode, &a->sb);
			a->stack_key[cnode] = intern_key(a->d, KEY_STACK, a->sb.buf, "");
		}
		cell_add(run_cell(a->r, a->stack_key[cnode], s), true, count, weight_ns);
	}
	return 0;
}

int diff_add_profile(struct diff *d, enum diff_side side, struct store *st,
		     const struct profile *p, double work, char **errmsg)
{
	struct adder a;
	size_t i, run;
	char **match;
	int ret;

	int64_t slice_ns = profile_meta_int(p, "slice_ns", (int64_t)STORE_SLICE_NS);
	int64_t lo = 0, dur = p->totals.duration_ns;

	*errmsg = NULL;
	if (profile_filter_has_range(&p->filter) && slice_ns > 0) {
		/* a time range is a run of its own length, from its start */
		lo = p->filter.slice_lo > 0 ? p->filter.slice_lo : 0;
		if (p->filter.slice_hi > lo)
			dur = (p->filter.slice_hi - lo) * slice_ns;
		else if (dur > 0)
			dur = dur > lo * slice_ns ? dur - lo * slice_ns : -1;
	}
	memset(&a, 0, sizeof(a));
	/* the resampling groups a long run's slices to DIFF_MAX_SLICES: group
	 * them as they come, so an hour is 1000 slices of cells, not 36,000 */
	a.group = 1;
	if (dur > 0 && slice_ns > 0) {
		int64_t n = dur / slice_ns + (dur % slice_ns != 0);

		if (n > DIFF_MAX_SLICES && n <= SLICE_LIMIT)
			a.group = (n + DIFF_MAX_SLICES - 1) / DIFF_MAX_SLICES;
	}
	run = diff_add_run(d, side, dur, slice_ns * a.group, work);
	a.slice_lo = lo;
	a.d = d;
	a.r = d->runs[run];
	a.p = p;
	a.func_key = xmalloc((p->nfuncs ? p->nfuncs : 1) * sizeof(*a.func_key));
	match = module_matches(d, side, st, p);
	for (i = 0; i < p->nfuncs; i++) {
		int m = p->funcs[i].module;

		a.func_key[i] = intern_key2(d, KEY_FUNC, p->funcs[i].name, m >= 0 ? match[m] : "",
					    profile_func_module(p, (int)i));
	}
	for (i = 0; i < p->nmodules; i++)
		free(match[i]);
	free(match);
	a.stack_key = xmalloc((p->ncnodes ? p->ncnodes : 1) * sizeof(*a.stack_key));
	for (i = 0; i < p->ncnodes; i++)
		a.stack_key[i] = UINT32_MAX;
	/* stack keys are made while streaming: size the stamps for them too */
	a.nstamp = d->nkeys + p->ncnodes + 1;
	a.stamp = xcalloc(a.nstamp, sizeof(*a.stamp));
	ret = profile_each_sample(st, p, add_profile_row, &a);
	if (ret)
		*errmsg = xasprintf("cannot read the samples of '%s': %s", sanitized(p->path),
				    store_last_error(st));
	strbuf_release(&a.sb);
	free(a.func_key);
	free(a.stack_key);
	free(a.stamp);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

/* ---- system calls ----------------------------------------------------- */

struct sys_adder {
	struct diff *d;
	struct run *r;
};

static int add_syscall_row(void *arg, const int64_t *ints, const char *const *texts)
{
	struct sys_adder *a = arg;
	struct run *r = a->r;
	struct sys_entry *e;
	char buf[32];
	const char *name = texts[0];

	if (ints[1] <= 0 || ints[3] < 0)
		return 0;
	if (!name || !*name) {
		snprintf(buf, sizeof(buf), "syscall_%lld", (long long)ints[0]);
		name = buf;
	}
	xgrow(&r->sys, &r->cap_sys, r->nsys + 1, sizeof(*r->sys));
	e = &r->sys[r->nsys++];
	memset(e, 0, sizeof(*e));
	e->key = intern_key(a->d, KEY_SYSCALL, name, "");
	e->nr = ints[0];
	e->count = ints[1];
	e->time = (double)ints[3] / 1e9;
	e->var = -1;	/* until the histogram says */
	return 0;
}

/*
 * The name an I/O target is matched by across runs: its numbers (process
 * ids in temporary file names, pipe inodes, descriptors, ports) become "N";
 * a socket keeps the numbers of its addresses, only its ports go.
 */
static void io_match_name(struct strbuf *sb, const char *target, const char *kind)
{
	bool socket = strstr(target, " -> ") || (kind && (!strncmp(kind, "tcp", 3) ||
							  !strncmp(kind, "udp", 3)));
	const char *p = target;

	strbuf_reset(sb);
	strbuf_adds(sb, "");
	while (*p) {
		if (*p >= '0' && *p <= '9' && (!socket || (p > target && p[-1] == ':'))) {
			while (*p >= '0' && *p <= '9')
				p++;
			strbuf_add(sb, "N", 1);
		} else if (socket && *p >= '0' && *p <= '9') {
			while (*p >= '0' && *p <= '9')
				strbuf_add(sb, p++, 1);
		} else {
			strbuf_add(sb, p++, 1);
		}
	}
}

/* ints: calls, bytes_read, bytes_written, wait_ns; texts: target, kind */
static int add_io_row(void *arg, const int64_t *ints, const char *const *texts)
{
	struct sys_adder *a = arg;
	struct run *r = a->r;
	struct strbuf name = STRBUF_INIT;
	struct sys_entry *e = NULL;
	uint32_t key;
	size_t i;

	if (ints[0] <= 0 || ints[3] < 0 || !texts[0])
		return 0;
	io_match_name(&name, texts[0], texts[1]);
	key = intern_key(a->d, KEY_IO, name.buf, texts[1] ? texts[1] : "");
	strbuf_release(&name);
	/* targets that match by name add up */
	for (i = 0; i < r->nsys && !e; i++)
		if (r->sys[i].key == key)
			e = &r->sys[i];
	if (!e) {
		xgrow(&r->sys, &r->cap_sys, r->nsys + 1, sizeof(*r->sys));
		e = &r->sys[r->nsys++];
		memset(e, 0, sizeof(*e));
		e->key = key;
		e->nr = -1;
		e->var = -1;	/* no histogram */
	}
	add_sat(&e->count, ints[0]);
	e->time += (double)ints[3] / 1e9;
	e->bytes += (double)ints[1] + (double)ints[2];
	return 0;
}

/* Latency bucket b holds calls of [2^(b/8), 2^((b+1)/8)) ns: add count times
 * the square of its middle to the call's compound Poisson variance. */
static int add_syscall_latency(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	struct sys_adder *a = arg;
	double mid = exp2(((double)ints[1] + 0.5) / 8) / 1e9;
	size_t i;

	for (i = 0; i < a->r->nsys; i++) {
		struct sys_entry *e = &a->r->sys[i];

		if (e->nr == ints[0] && ints[2] > 0) {
			e->var = (e->var < 0 ? 0 : e->var) + (double)ints[2] * mid * mid;
			break;
		}
	}
	return 0;
}

int diff_add_syscalls(struct diff *d, struct store *st, char **errmsg)
{
	struct sys_adder a;
	size_t i;
	int ret;

	*errmsg = NULL;
	if (!d->nruns)
		return 0;
	a.d = d;
	a.r = d->runs[d->nruns - 1];
	ret = store_each_syscall(st, 0, add_syscall_row, &a);
	if (!ret)
		ret = store_each_syscall_latency(st, 0, add_syscall_latency, &a);
	if (!ret)
		ret = store_each_io(st, 0, add_io_row, &a);
	if (ret) {
		*errmsg = xasprintf("cannot read the system calls and I/O of '%s': %s",
				    sanitized(store_path(st)), store_last_error(st));
		return ret < 0 ? ret : -EIO;
	}
	/* no histogram (I/O): assume exponential latencies, E[t^2] = 2 mean^2 */
	for (i = 0; i < a.r->nsys; i++) {
		struct sys_entry *e = &a.r->sys[i];

		if (e->var < 0)
			e->var = 2 * e->time * e->time / (double)e->count;
	}
	return 0;
}

/* ---- random numbers: xoshiro256** seeded by splitmix64 ---------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *g, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		g->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *g)
{
	uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply; the bias is below 2^-32). */
static size_t rng_below(struct rng *g, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(g) * n) >> 64);
}

/* ---- Student's t distribution --------------------------------------- */

/* Continued fraction of the incomplete beta function (Lentz's method). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;
	int m;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 500; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double ibeta(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

/* Two-sided p-value of t with df degrees of freedom (normal: df infinite). */
static double p_two_sided(double t, double df)
{
	if (isnan(t))
		return 1;
	if (!(df < 1e7))
		return erfc(fabs(t) / M_SQRT2);
	return ibeta(df / 2, 0.5, df / (df + t * t));
}

/* The log of the constant factor of Student's t density with df degrees
 * of freedom: the same at every c, so computed once per t_crit(). */
static double t_log_norm(double df)
{
	return df < 1e7 ? lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) : 0;
}

/* The density of Student's t (normal: df infinite) at c; log_norm is
 * t_log_norm(df). */
static double t_density(double c, double df, double log_norm)
{
	if (!(df < 1e7))
		return exp(-c * c / 2) / sqrt(2 * M_PI);
	return exp(log_norm - (df + 1) / 2 * log1p(c * c / df));
}

/*
 * The critical value c with p_two_sided(c, df) == p, 0 < p < 1, to 1e-12
 * of c: Newton's method on the density, kept inside a bracket that each
 * step narrows (a step that would leave it bisects instead). Each step is an
 * incomplete beta function, up to 500 terms for a large df, and every row
 * takes three: the 100 steps of plain bisection made this most of the time
 * of a diff of 50,000 functions; Newton's takes about 5.
 */
static double t_crit(double p, double df)
{
	double lo = 0, hi = 1, c, log_norm = t_log_norm(df);
	int i;

	while (p_two_sided(hi, df) > p && hi < 1e6)
		hi *= 2;
	c = (lo + hi) / 2;
	for (i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double f = p_two_sided(c, df) - p, d = t_density(c, df, log_norm), next;

		if (f == 0)
			return c;
		if (f > 0)	/* p falls as c grows: c is below the root */
			lo = c;
		else
			hi = c;
		next = d > 0 ? c + f / (2 * d) : (lo + hi) / 2;
		if (!(next > lo && next < hi))
			next = (lo + hi) / 2;
		if (fabs(next - c) <= 1e-13 * c)
			return next;
		c = next;
	}
	return c;
}

/*
 * Welch-Satterthwaite: the degrees of freedom of a sum of variance parts
 * var[i], each estimated with df[i] degrees of freedom (INFINITY: known).
 */
static double satterthwaite(const double *var, const double *df, size_t n)
{
	double sum = 0, den = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		sum += var[i];
		if (isfinite(df[i]) && var[i] > 0)
			den += var[i] * var[i] / df[i];
	}
	return den > 0 ? sum * sum / den : INFINITY;
}

/* ---- per side estimates ----------------------------------------------- */

/* A run prepared for resampling: slices grouped to at most DIFF_MAX_SLICES. */
struct prep {
	const struct run *r;
	size_t n;		/* groups */
	size_t group;		/* slices per group */
	double *dur;		/* seconds per group */
	double *tot;		/* total per group (weight or count) */
	double total;		/* sum of tot */
	double duration;	/* seconds */
	double scale;		/* value = scale * sum x: 1/D, 1 or 1/work */
	size_t block;		/* L */
	double *m;		/* multiplicities, scratch */
	/* the run's resampled cells summed per (key, group): an hour holds
	 * 36,000 slices, the resampling 1000 groups at most */
	struct gcell {
		uint32_t key, group;
		double x;
	} *cells;		/* in group order (each key's in the order made) */
	size_t ncells;
	size_t *gstart;		/* group g's cells: [gstart[g], gstart[g + 1]) */
};

struct side_stats {
	size_t nruns;
	struct prep *preps;
	/* per key: point value (compared measure), other measure, samples */
	double *val, *other;
	uint64_t *samples;
	double *var, *cov;	/* bootstrap variance, covariance with the total */
	double *between;	/* variance of the mean of the runs' values (>= 2 runs) */
	double *key_cpu_per_s;	/* compared measure per wall second */
	bool *present;		/* key has samples on this side */
	double total, total_var, total_between;
	/* degrees of freedom of the variance within runs (blocks - runs) */
	double df_within;
	double sys_total, io_total;	/* time in system calls, waiting for I/O */
	bool has_sys, has_io;
	uint64_t total_samples;
	double cpu_per_s;	/* mean over runs: total weight / duration */
	double duration, work;	/* means over runs */
};

static double cell_value(const struct cell *c, bool total, bool counts)
{
	if (counts)
		return (double)(total ? c->total_n : c->self_n);
	return (double)(total ? c->total_w : c->self_w) / 1e9;
}

/* Does the key compare total weight (a function with opts.total)? */
static bool key_total(const struct diff *d, uint32_t key, const struct diff_opts *o)
{
	return o->total && d->keys[key].type == KEY_FUNC;
}

static void prep_run(struct prep *pr, const struct run *r, const struct diff_opts *o, bool counts)
{
	size_t n = r->nslices, i;
	double slice_s = r->slice_ns / 1e9, last;

	pr->r = r;
	if (r->duration_ns > 0) {
		/* rounded up without overflow; a crafted duration is capped */
		int64_t q = r->duration_ns / r->slice_ns + (r->duration_ns % r->slice_ns != 0);
		size_t want = (size_t)(q > SLICE_LIMIT ? SLICE_LIMIT : q);

		if (want > n)
			n = want;
	}
	if (!n)
		n = 1;
	pr->group = (n + DIFF_MAX_SLICES - 1) / DIFF_MAX_SLICES;
	pr->n = (n + pr->group - 1) / pr->group;
	pr->dur = xcalloc(pr->n, sizeof(*pr->dur));
	pr->tot = xcalloc(pr->n, sizeof(*pr->tot));
	pr->m = xcalloc(pr->n, sizeof(*pr->m));
	/* every slice is full but the last, which ends with the recording */
	last = slice_s;
	if (r->duration_ns > 0) {
		double rest = r->duration_ns / 1e9 - (double)(n - 1) * slice_s;

		if (rest > 0 && rest < slice_s)
			last = rest;
	}
	for (i = 0; i < n; i++)
		pr->dur[i / pr->group] += i + 1 == n ? last : slice_s;
	for (i = 0; i < r->nslices; i++)
		pr->tot[i / pr->group] += counts ? (double)r->slice_n[i] : r->slice_w[i] / 1e9;
	pr->duration = pr->total = 0;
	for (i = 0; i < pr->n; i++) {
		pr->duration += pr->dur[i];
		pr->total += pr->tot[i];
	}
	switch (o->unit) {
	case DIFF_PER_RUN:
		pr->scale = 1;
		break;
	case DIFF_PER_SECOND:
		pr->scale = 1 / pr->duration;
		break;
	case DIFF_PER_WORK:
		pr->scale = 1 / (r->work > 0 ? r->work : 1);
		break;
	}
	pr->block = (size_t)lround(cbrt((double)pr->n));
	if (pr->block < 1)
		pr->block = 1;
}

/*
 * The cells in group order, stable (a counting sort): a replicate then
 * skips the groups it did not draw (a third of them) and reads the rest in
 * sequence; each key's cells keep their order, so its sums are the same.
 */
static void sort_by_group(struct prep *pr)
{
	struct gcell *sorted = xmalloc((pr->ncells ? pr->ncells : 1) * sizeof(*sorted));
	size_t *at = xcalloc(pr->n + 1, sizeof(*at)), g, i;

	pr->gstart = xcalloc(pr->n + 1, sizeof(*pr->gstart));
	for (i = 0; i < pr->ncells; i++)
		pr->gstart[pr->cells[i].group + 1]++;
	for (g = 0; g < pr->n; g++)
		pr->gstart[g + 1] += pr->gstart[g];
	memcpy(at, pr->gstart, (pr->n + 1) * sizeof(*at));
	for (i = 0; i < pr->ncells; i++)
		sorted[at[pr->cells[i].group]++] = pr->cells[i];
	free(pr->cells);
	pr->cells = sorted;
	free(at);
}

/* pr->cells: the cells the resampling counts, summed per (key, group). */
static void group_cells(const struct diff *d, struct prep *pr, const struct diff_opts *o,
			bool counts)
{
	const struct run *r = pr->r;
	struct hashmap map;
	size_t i, cap = 0;

	hashmap_init(&map);
	pr->cells = NULL;
	pr->ncells = 0;
	for (i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];
		uint32_t k[2] = { c->key, (uint32_t)(c->slice / pr->group) };
		uint64_t at = pr->ncells;

		if (!o->stacks && d->keys[c->key].type == KEY_STACK)
			continue;
		if (!hashmap_get_or_put(&map, k, sizeof(k), &at)) {
			xgrow(&pr->cells, &cap, pr->ncells + 1, sizeof(*pr->cells));
			pr->cells[at] = (struct gcell){ k[0], k[1], 0 };
			pr->ncells++;
		}
		pr->cells[at].x += cell_value(c, key_total(d, c->key, o), counts);
	}
	hashmap_release(&map);
	sort_by_group(pr);
}

/* Fill pr->m with circular moving-block multiplicities. */
static void draw_blocks(struct prep *pr, struct rng *g)
{
	size_t filled = 0, t;

	memset(pr->m, 0, pr->n * sizeof(*pr->m));
	while (filled < pr->n) {
		size_t start = rng_below(g, pr->n);

		for (t = 0; t < pr->block && filled < pr->n; t++, filled++)
			pr->m[(start + t) % pr->n] += 1;
	}
}

/*
 * The factor that turns a replicate's sum of m * x into the run's value:
 * per second, the rate sum m*x / sum m*d; per run or unit of work, the run's
 * total times the replicate's share sum m*x / sum m*tot (a fixed-work run's
 * CPU time is what it is: when the program is preempted its slices hold less
 * and it runs longer). 0 when the drawn slices are all empty.
 */
static double replicate_factor(const struct prep *pr, enum diff_unit unit)
{
	double dsum = 0, xsum = 0;
	size_t i;

	for (i = 0; i < pr->n; i++) {
		dsum += pr->m[i] * pr->dur[i];
		xsum += pr->m[i] * pr->tot[i];
	}
	if (unit == DIFF_PER_SECOND)
		return dsum > 0 ? 1 / dsum : 0;
	return xsum > 0 ? pr->scale * pr->total / xsum : 0;
}

static void side_release(struct side_stats *s)
{
	size_t i;

	for (i = 0; i < s->nruns; i++) {
		free(s->preps[i].dur);
		free(s->preps[i].tot);
		free(s->preps[i].m);
		free(s->preps[i].cells);
		free(s->preps[i].gstart);
	}
	free(s->preps);
	free(s->val);
	free(s->other);
	free(s->samples);
	free(s->var);
	free(s->cov);
	free(s->between);
	free(s->key_cpu_per_s);
	free(s->present);
}

/* Binomial variance of a key's value: n of the side's N samples. */
static double binomial_var(double value, uint64_t n, uint64_t total_n)
{
	double p, per_sample;

	if (!n || !total_n)
		return 0;
	p = (double)n / (double)total_n;
	if (p > 1)
		p = 1;
	per_sample = value / (double)n;
	return per_sample * per_sample * (double)n * (1 - p);
}

/*
 * System calls of a side: per run scale * time, its compound Poisson
 * variance within the run, the spread between runs; val, var, between as
 * for the other keys (var = within / R^2 + between).
 */
static void side_syscalls(const struct diff *d, struct side_stats *s)
{
	double R = (double)s->nruns;
	size_t j, i, k;

	for (j = 0; j < s->nruns; j++) {
		const struct prep *pr = &s->preps[j];

		for (i = 0; i < pr->r->nsys; i++) {
			const struct sys_entry *e = &pr->r->sys[i];
			double v = pr->scale * e->time;

			s->val[e->key] += v / R;
			s->between[e->key] += v * v;
			s->var[e->key] += pr->scale * pr->scale * e->var / (R * R);
			s->samples[e->key] += (uint64_t)e->count;
			s->other[e->key] += pr->scale *
					    (e->nr < 0 ? e->bytes : (double)e->count) / R;
			s->key_cpu_per_s[e->key] += e->time / pr->duration / R;
			s->present[e->key] = true;
			if (e->nr < 0)
				s->has_io = true;
			else
				s->has_sys = true;
		}
	}
	for (k = 0; k < d->nkeys; k++) {
		bool io = d->keys[k].type == KEY_IO;

		if ((d->keys[k].type != KEY_SYSCALL && !io) || !s->present[k])
			continue;
		s->between[k] = R > 1 ? fmax(0, (s->between[k] - R * s->val[k] * s->val[k]) /
						(R - 1) / R) : 0;
		s->var[k] += s->between[k];
		if (io)
			s->io_total += s->val[k];
		else
			s->sys_total += s->val[k];
	}
}

static void side_compute(const struct diff *d, enum diff_side side, const struct diff_opts *o,
			 bool counts, struct side_stats *s)
{
	size_t nk = d->nkeys ? d->nkeys : 1, i, j, b, k, grp, npresent = 0;
	double *acc, *d1, *d2, *dt, t1 = 0, t2 = 0, blocks = 0;
	uint32_t *present_list;
	struct rng g;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < d->nruns; i++)
		s->nruns += d->runs[i]->side == side;
	s->preps = xcalloc(s->nruns ? s->nruns : 1, sizeof(*s->preps));
	for (i = 0, j = 0; i < d->nruns; i++)
		if (d->runs[i]->side == side) {
			prep_run(&s->preps[j], d->runs[i], o, counts);
			group_cells(d, &s->preps[j++], o, counts);
		}
	s->val = xcalloc(nk, sizeof(*s->val));
	s->other = xcalloc(nk, sizeof(*s->other));
	s->samples = xcalloc(nk, sizeof(*s->samples));
	s->var = xcalloc(nk, sizeof(*s->var));
	s->cov = xcalloc(nk, sizeof(*s->cov));
	s->between = xcalloc(nk, sizeof(*s->between));
	s->key_cpu_per_s = xcalloc(nk, sizeof(*s->key_cpu_per_s));
	s->present = xcalloc(nk, sizeof(*s->present));

	/* point estimates: the mean over runs of scale * sum x; between[] first
	 * collects the sum of squares of the runs' values */
	for (j = 0; j < s->nruns; j++) {
		struct prep *pr = &s->preps[j];
		const struct run *r = pr->r;
		double f = pr->scale / (double)s->nruns;

		for (i = 0; i < r->ncells; i++) {
			const struct cell *c = &r->cells[i];
			bool t = key_total(d, c->key, o);
			double x = cell_value(c, t, counts);

			s->cov[c->key] += pr->scale * x;	/* this run's value, for now */
			s->val[c->key] += f * x;
			s->other[c->key] += f * cell_value(c, !t, counts);
			s->samples[c->key] += (uint64_t)(t ? c->total_n : c->self_n);
			s->key_cpu_per_s[c->key] += x / pr->duration / (double)s->nruns;
			s->present[c->key] = true;
		}
		for (i = 0; i < r->ncells; i++) {
			uint32_t key = r->cells[i].key;

			s->between[key] += s->cov[key] * s->cov[key];
			s->cov[key] = 0;
		}
		s->total_between += pr->scale * pr->total * pr->scale * pr->total;
		s->total += f * pr->total;
		s->cpu_per_s += pr->total / pr->duration / (double)s->nruns;
		for (i = 0; i < r->nslices; i++)
			s->total_samples += (uint64_t)r->slice_n[i];
		s->duration += pr->duration / (double)s->nruns;
		s->work += r->work / (double)s->nruns;
		blocks += (double)pr->n / (double)pr->block;
	}
	/* variance of the mean of R run values: (S2 - R mean^2) / (R - 1) / R */
	for (k = 0; k < d->nkeys; k++) {
		double R = (double)s->nruns;

		s->between[k] = s->nruns > 1 ?
				fmax(0, (s->between[k] - R * s->val[k] * s->val[k]) / (R - 1) / R) : 0;
	}
	s->total_between = s->nruns > 1 ?
			   fmax(0, (s->total_between - (double)s->nruns * s->total * s->total) /
				   ((double)s->nruns - 1) / (double)s->nruns) : 0;
	s->df_within = fmax(blocks - (double)s->nruns, 1);
	present_list = xmalloc(nk * sizeof(*present_list));
	for (k = 0; k < d->nkeys; k++)
		if (s->present[k])
			present_list[npresent++] = (uint32_t)k;

	/* bootstrap replicates, kept as deviations from the point estimates */
	acc = xcalloc(nk, sizeof(*acc));
	d1 = xcalloc(nk, sizeof(*d1));
	d2 = xcalloc(nk, sizeof(*d2));
	dt = xcalloc(nk, sizeof(*dt));
	rng_seed(&g, o->seed * 2 + (uint64_t)side);
	for (b = 0; s->nruns && b < o->resamples; b++) {
		double tot = 0, dev;

		for (k = 0; k < npresent; k++)
			acc[present_list[k]] = 0;
		for (j = 0; j < s->nruns; j++) {
			struct prep *pr = &s->preps[rng_below(&g, s->nruns)];
			double f = 0, t = 0;
			int tries;

			for (tries = 0; tries < 8 && f == 0; tries++) {
				draw_blocks(pr, &g);
				f = replicate_factor(pr, o->unit);
			}
			f /= (double)s->nruns;
			for (grp = 0; grp < pr->n; grp++) {
				double m = pr->m[grp], fm = f * m;

				if (!m)
					continue;	/* not drawn */
				for (i = pr->gstart[grp]; i < pr->gstart[grp + 1]; i++)
					acc[pr->cells[i].key] += fm * pr->cells[i].x;
			}
			for (i = 0; i < pr->n; i++)
				t += pr->m[i] * pr->tot[i];
			tot += f * t;
		}
		dev = tot - s->total;
		t1 += dev;
		t2 += dev * dev;
		for (k = 0; k < npresent; k++) {
			uint32_t key = present_list[k];
			double x = acc[key] - s->val[key];

			d1[key] += x;
			d2[key] += x * x;
			dt[key] += x * dev;
		}
	}
	if (o->resamples && s->nruns) {
		double B = (double)o->resamples, mt = t1 / B;

		s->total_var = fmax(0, t2 / B - mt * mt);
		for (k = 0; k < npresent; k++) {
			uint32_t key = present_list[k];
			double mx = d1[key] / B;

			s->var[key] = fmax(0, d2[key] / B - mx * mx);
			s->cov[key] = dt[key] / B - mx * mt;
			if (blocks < DIFF_MIN_BLOCKS)
				s->var[key] = fmax(s->var[key],
						   binomial_var(s->val[key], s->samples[key],
								s->total_samples));
		}
	}
	free(acc);
	free(d1);
	free(d2);
	free(dt);
	free(present_list);
	side_syscalls(d, s);
}

/* ---- tests and verdicts ----------------------------------------------- */

/*
 * One side's estimate of a row and the parts of its variance:
 *
 *   within    the block bootstrap's variance within runs, df blocks - runs
 *   runs      the run-to-run spread of the row's value, as a variance of
 *             log(value) per run, moderated: the spread measured between
 *             the side's R runs (R - 1 degrees of freedom) pooled with the
 *             assumed spread opts.run_noise, which weighs as much as
 *             DIFF_PRIOR_DF degrees of freedom (as if measured on that many
 *             more runs); the side's mean has R times less of it
 *
 * The pooled estimate is the usual one of a scaled inverse-chi-square prior
 * (as in moderated t statistics): one run relies on the assumption alone,
 * many runs on their own spread.
 */
#define DIFF_PRIOR_DF 4

struct est {
	double x;		/* value */
	double within;		/* variance within runs, value scale */
	double df_within;
	double runs;		/* moderated run-to-run variance of log(value) */
	double df_runs;
	double nruns;
};

static struct est side_est(const struct side_stats *s, const struct diff_opts *o, double x,
			   double var, double between)
{
	double sigma = log1p(o->run_noise / 100), R = (double)s->nruns, s2 = 0, prior;
	struct est e;

	e.x = x;
	e.nruns = R;
	e.df_within = s->df_within;
	/* the bootstrap of several runs holds their spread: take it out */
	e.within = fmax(var - between, 0);
	if (R > 1 && x > 0)
		s2 = R * between / (x * x);
	prior = sigma > 0 ? DIFF_PRIOR_DF : 0;
	e.df_runs = prior + (R - 1);
	e.runs = e.df_runs > 0 ? (prior * sigma * sigma + (R - 1) * s2) / e.df_runs : 0;
	return e;
}

struct test {
	bool ok;		/* both values > 0 (ratio tests) or one (difference) */
	double l, se;		/* statistic (log ratio or difference), standard error */
	double df, crit;	/* degrees of freedom, critical value at alpha */
	double p;
};

/*
 * The variance parts of one side's mean, on the scale of its log (log) or
 * of its value; with_runs = false drops the run-to-run part (it cancels in
 * the odds ratio). Returns the number of parts written.
 */
static size_t var_parts(const struct est *e, bool log_scale, bool with_runs, double *var,
			double *df)
{
	double x2 = e->x * e->x;
	size_t n = 0;

	var[n] = log_scale ? (x2 > 0 ? e->within / x2 : 0) : e->within;
	df[n++] = e->df_within;
	if (with_runs && e->runs > 0) {
		var[n] = e->runs / e->nruns * (log_scale ? 1 : x2);
		df[n++] = e->df_runs;
	}
	return n;
}

static void finish_test(struct test *t, const double *var, const double *df, size_t n,
			double alpha)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += var[i];
	t->se = sqrt(sum);
	t->df = satterthwaite(var, df, n);
	t->crit = t_crit(alpha, t->df);
	if (t->se > 0)
		t->p = p_two_sided(t->l / t->se, t->df);
	else
		t->p = t->l == 0 ? 1 : 0;
}

/* log(after / before), both > 0. */
static struct test log_ratio_test(const struct est *b, const struct est *a, double alpha)
{
	struct test t = { false, 0, 0, INFINITY, 0, 1 };
	double var[4], df[4];
	size_t n;

	if (!(b->x > 0) || !(a->x > 0))
		return t;
	t.ok = true;
	t.l = log(a->x / b->x);
	n = var_parts(b, true, true, var, df);
	n += var_parts(a, true, true, var + n, df + n);
	finish_test(&t, var, df, n, alpha);
	return t;
}

/* after - before, for rows that one side lacks (new, gone). */
static struct test difference_test(const struct est *b, const struct est *a, double alpha)
{
	struct test t = { true, a->x - b->x, 0, INFINITY, 0, 1 };
	double var[4], df[4];
	size_t n;

	n = var_parts(b, false, true, var, df);
	n += var_parts(a, false, true, var + n, df + n);
	finish_test(&t, var, df, n, alpha);
	return t;
}

/* Variance of log(X / (T - X)) by the delta method. */
static double log_odds_var(double x, double vx, double t, double vt, double cxt)
{
	double y = t - x, vy = vt - 2 * cxt + vx, cxy = cxt - vx;

	if (vy < 0)
		vy = 0;
	return vx / (x * x) + vy / (y * y) - 2 * cxy / (x * y);
}

/*
 * The change of the row's odds against the rest of its side: vx, vt and cxt
 * are the bootstrap (co)variances of the row and the side's total.
 */
static struct test odds_test(const struct est *b, double vb, double tb, double vtb, double cb,
			     const struct est *a, double va, double ta, double vta, double ca,
			     double alpha)
{
	struct test t = { true, 0, 0, INFINITY, 0, 1 };
	double var[2], df[2];

	t.l = log(a->x / (ta - a->x)) - log(b->x / (tb - b->x));
	var[0] = fmax(0, log_odds_var(b->x, vb, tb, vtb, cb));
	var[1] = fmax(0, log_odds_var(a->x, va, ta, vta, ca));
	df[0] = b->df_within;
	df[1] = a->df_within;
	finish_test(&t, var, df, 2, alpha);
	return t;
}

struct row_work {
	struct diff_row row;
	bool tested;
	bool rel_ok;
	struct test abs, rel, dif;
	double run_var;		/* assumed run-to-run part of abs.se^2 */
};

static double pct(double l)
{
	return (exp(l) - 1) * 100;
}

/*
 * How many times longer the runs would have to be for an interval of
 * standard error se to fit in target (half-width crit * se < target): the
 * part run_var of se^2 does not shrink with time, the rest shrinks as
 * 1/time. INFINITY when time alone cannot do it.
 */
static double settle_factor(double se, double run_var, double crit, double target)
{
	double room = (target / crit) * (target / crit) - run_var, time_var = se * se - run_var;

	if (!(target > 0) || room <= 0)
		return INFINITY;
	return time_var > 0 ? time_var / room : 1;
}

/* Fill the numbers and tests of a row from its two sides' estimates. */
static void fill_row(struct row_work *w, const struct side_stats *sb, const struct side_stats *sa,
		     const struct est *b, const struct est *a, const double *var,
		     const double *cov, const struct diff_opts *o)
{
	struct diff_row *r = &w->row;

	r->before = b->x;
	r->after = a->x;
	r->delta = a->x - b->x;
	r->share_before = sb->total > 0 ? 100 * r->before / sb->total : 0;
	r->share_after = sa->total > 0 ? 100 * r->after / sa->total : 0;
	r->delta_pct = r->ci_low = r->ci_high = NAN;
	r->rel_pct = r->rel_low = r->rel_high = NAN;
	r->p = r->q = NAN;
	r->more_seconds = NAN;
	w->run_var = b->runs / b->nruns + a->runs / a->nruns;
	w->tested = r->samples_before + r->samples_after >= DIFF_MIN_SAMPLES;

	w->dif = difference_test(b, a, o->alpha);
	r->delta_low = r->delta - w->dif.crit * w->dif.se;
	r->delta_high = r->delta + w->dif.crit * w->dif.se;
	w->abs = log_ratio_test(b, a, o->alpha);
	if (w->abs.ok) {
		r->delta_pct = pct(w->abs.l);
		r->ci_low = pct(w->abs.l - w->abs.crit * w->abs.se);
		r->ci_high = pct(w->abs.l + w->abs.crit * w->abs.se);
	}
	/* relative to the rest: only when the rest has samples to compare */
	w->rel_ok = cov && w->abs.ok &&
		    sb->total_samples - r->samples_before >= DIFF_MIN_SAMPLES &&
		    sa->total_samples - r->samples_after >= DIFF_MIN_SAMPLES &&
		    sb->total > r->before && sa->total > r->after;
	if (w->rel_ok) {
		w->rel = odds_test(b, var[0], sb->total, sb->total_var, cov[0],
				   a, var[1], sa->total, sa->total_var, cov[1], o->alpha);
		r->rel_pct = pct(w->rel.l);
		r->rel_low = pct(w->rel.l - w->rel.crit * w->rel.se);
		r->rel_high = pct(w->rel.l + w->rel.crit * w->rel.se);
	}
	if (!w->tested)
		return;
	if (w->abs.ok) {
		/* both tests must reject (intersection-union): the larger p */
		r->p = w->abs.p;
		if (w->rel_ok)
			r->p = (w->rel.l > 0) != (w->abs.l > 0) && w->rel.l != 0 ? 1 :
			       fmax(w->abs.p, w->rel.p);
	} else if (r->before > 0 || r->after > 0) {
		/* new or gone: is the side that has it different from zero? */
		r->p = w->dif.p;
	}
}

/* The verdict of a row whose q is known; also its settle time. */
static void decide(struct row_work *w, const struct diff_opts *o, double duration)
{
	struct diff_row *r = &w->row;
	double lm = log1p(o->min_effect / 100), factor = INFINITY;
	bool sig = w->tested && r->q <= o->alpha;

	if (!w->abs.ok) {
		if (sig && r->before == 0 && r->after > 0)
			r->verdict = DIFF_NEW;
		else if (sig && r->after == 0 && r->before > 0)
			r->verdict = DIFF_GONE;
		else
			r->verdict = r->before == 0 && r->after == 0 ? DIFF_SAME : DIFF_INCONCLUSIVE;
		if (r->verdict == DIFF_INCONCLUSIVE && r->delta != 0)
			factor = settle_factor(w->dif.se, 0, w->dif.crit, fabs(r->delta));
	} else {
		/* on the log scale: min_effect m% is log(1 + m/100) either way */
		bool abs_big = fabs(w->abs.l) >= lm;
		bool rel_big = !w->rel_ok || (fabs(w->rel.l) >= lm &&
					      (w->rel.l > 0) == (w->abs.l > 0));
		double wa = w->abs.crit * w->abs.se, wr = w->rel_ok ? w->rel.crit * w->rel.se : 0;
		bool abs_same = fabs(w->abs.l) + wa <= lm;
		bool rel_same = w->rel_ok && fabs(w->rel.l) + wr <= lm;

		if (sig && abs_big && rel_big)
			r->verdict = w->abs.l < 0 ? DIFF_FASTER : DIFF_SLOWER;
		else if (abs_same || rel_same)
			r->verdict = DIFF_SAME;
		else
			r->verdict = DIFF_INCONCLUSIVE;
		if (r->verdict == DIFF_INCONCLUSIVE) {
			double f_dir = INFINITY, f_same;

			/* the run-to-run part does not shrink with time; the odds
			 * ratio has none (it cancels) */
			if (abs_big && rel_big) {
				f_dir = settle_factor(w->abs.se, w->run_var, w->abs.crit,
						      fabs(w->abs.l));
				if (w->rel_ok)
					f_dir = fmax(f_dir, settle_factor(w->rel.se, 0, w->rel.crit,
									  fabs(w->rel.l)));
			}
			f_same = settle_factor(w->abs.se, w->run_var, w->abs.crit,
					       lm - fabs(w->abs.l));
			if (w->rel_ok)
				f_same = fmin(f_same, settle_factor(w->rel.se, 0, w->rel.crit,
								    lm - fabs(w->rel.l)));
			factor = fmin(f_dir, f_same);
		}
	}
	if (r->verdict != DIFF_INCONCLUSIVE)
		return;
	/* an untested row first needs DIFF_MIN_SAMPLES samples */
	if (!w->tested) {
		uint64_t n = r->samples_before + r->samples_after;
		double fn = n ? (double)DIFF_MIN_SAMPLES / (double)n : INFINITY;

		factor = isinf(factor) ? fn : fmax(factor, fn);
	}
	if (isfinite(factor) && factor <= 1000)
		r->more_seconds = fmax(factor - 1, 0.1) * duration;
	else
		r->more_seconds = INFINITY;
}

static int cmp_p(const void *a, const void *b, void *arg)
{
	const double *p = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (p[x] != p[y])
		return p[x] < p[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

void diff_bh_adjust(const double *p, double *q, size_t n)
{
	size_t *idx = xmalloc((n ? n : 1) * sizeof(*idx)), m = 0, i;
	double prev = 1;

	for (i = 0; i < n; i++) {
		q[i] = NAN;
		if (!isnan(p[i]))
			idx[m++] = i;
	}
	qsort_r(idx, m, sizeof(*idx), cmp_p, (void *)p);
	/* q_(i) = min over j >= i of p_(j) * m / j */
	for (i = m; i-- > 0;) {
		double v = p[idx[i]] * (double)m / (double)(i + 1);

		if (v < prev)
			prev = v;
		q[idx[i]] = prev;
	}
	free(idx);
}

static int verdict_group(enum diff_verdict v)
{
	switch (v) {
	case DIFF_FASTER:
	case DIFF_SLOWER:
	case DIFF_NEW:
	case DIFF_GONE:
		return 0;
	case DIFF_INCONCLUSIVE:
		return 1;
	case DIFF_SAME:
		break;
	}
	return 2;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct diff_row *x = a, *y = b;
	int gx = verdict_group(x->verdict), gy = verdict_group(y->verdict), c;

	if (gx != gy)
		return gx - gy;
	if (fabs(x->delta) != fabs(y->delta))
		return fabs(x->delta) > fabs(y->delta) ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->module, y->module);
}

/* Rows of one key type: fill, test, adjust, decide, sort. */
static struct diff_row *family(const struct diff *d, enum key_type type,
			       const struct side_stats *sb, const struct side_stats *sa,
			       const struct diff_opts *o, double duration, size_t *nout)
{
	struct row_work *w = xmalloc((d->nkeys ? d->nkeys : 1) * sizeof(*w));
	struct diff_row *rows;
	double *p, *q;
	size_t n = 0, i;
	uint32_t k;

	for (k = 0; k < d->nkeys; k++) {
		struct est b = side_est(sb, o, sb->val[k], sb->var[k], sb->between[k]);
		struct est a = side_est(sa, o, sa->val[k], sa->var[k], sa->between[k]);
		double var[2] = { sb->var[k], sa->var[k] }, cov[2] = { sb->cov[k], sa->cov[k] };
		struct diff_row *r = &w[n].row;

		if (d->keys[k].type != type || (!sb->present[k] && !sa->present[k]))
			continue;
		memset(&w[n], 0, sizeof(w[n]));
		r->name = d->keys[k].name;
		r->module = d->keys[k].module;
		r->samples_before = sb->samples[k];
		r->samples_after = sa->samples[k];
		r->other_before = sb->other[k];
		r->other_after = sa->other[k];
		r->cpu_per_s_before = sb->key_cpu_per_s[k];
		r->cpu_per_s_after = sa->key_cpu_per_s[k];
		/* a function with total but no self time has no self row */
		if (!r->samples_before && !r->samples_after && !b.x && !a.x)
			continue;
		if (type == KEY_SYSCALL || type == KEY_IO) {
			double tb = type == KEY_IO ? sb->io_total : sb->sys_total;
			double ta = type == KEY_IO ? sa->io_total : sa->sys_total;

			/* the compound Poisson variance is a model, not an estimate */
			b.df_within = a.df_within = INFINITY;
			fill_row(&w[n], sb, sa, &b, &a, NULL, NULL, o);
			r->share_before = tb > 0 ? 100 * b.x / tb : 0;
			r->share_after = ta > 0 ? 100 * a.x / ta : 0;
		} else {
			fill_row(&w[n], sb, sa, &b, &a, var, cov, o);
		}
		n++;
	}
	p = xmalloc((n ? n : 1) * sizeof(*p));
	q = xmalloc((n ? n : 1) * sizeof(*q));
	for (i = 0; i < n; i++)
		p[i] = w[i].row.p;
	diff_bh_adjust(p, q, n);
	rows = xmalloc((n ? n : 1) * sizeof(*rows));
	for (i = 0; i < n; i++) {
		w[i].row.q = q[i];
		decide(&w[i], o, duration);
		rows[i] = w[i].row;
	}
	qsort(rows, n, sizeof(*rows), cmp_rows);
	free(p);
	free(q);
	free(w);
	*nout = n;
	return rows;
}

/*
 * Give each self row its function's total change (from trows, the rows of
 * a total comparison); a function whose self time is 0 on one side but
 * which is on the stacks of both takes the total's verdict: its work moved
 * into its callees, it is not new or gone.
 */
static void attach_totals(struct diff_row *rows, size_t n, const struct diff_row *trows,
			  size_t nt)
{
	struct hashmap by_name;
	size_t i;

	hashmap_init(&by_name);
	/* a key's name string is its own: its address identifies the key */
	for (i = 0; i < nt; i++)
		hashmap_put(&by_name, &trows[i].name, sizeof(trows[i].name), i);
	for (i = 0; i < n; i++) {
		struct diff_row *r = &rows[i];
		const struct diff_row *t;
		uint64_t k;

		r->total_pct = r->total_low = r->total_high = NAN;
		r->total_verdict = r->verdict;
		if (!hashmap_get(&by_name, &r->name, sizeof(r->name), &k))
			continue;
		t = &trows[k];
		r->total_pct = t->delta_pct;
		r->total_low = t->ci_low;
		r->total_high = t->ci_high;
		r->total_verdict = t->verdict;
		/* only a significant new or gone: a function with a sample or
		 * two of self time on one side stays inconclusive (taking the
		 * verdict of a total that is most of the program's would make a
		 * busier machine look like a change) */
		if ((r->verdict == DIFF_GONE || r->verdict == DIFF_NEW) &&
		    t->before > 0 && t->after > 0) {
			r->verdict = t->verdict;
			r->more_seconds = t->more_seconds;
			r->by_total = true;
		}
	}
	hashmap_release(&by_name);
	qsort(rows, n, sizeof(*rows), cmp_rows);
}

/* The total: one test on its own, with no rest to compare with. */
static void total_row(struct diff_row *out, const struct side_stats *sb,
		      const struct side_stats *sa, const struct diff_opts *o, double duration)
{
	struct est b = side_est(sb, o, sb->total, sb->total_var, sb->total_between);
	struct est a = side_est(sa, o, sa->total, sa->total_var, sa->total_between);
	struct row_work w;
	struct diff_row *r = &w.row;

	memset(&w, 0, sizeof(w));
	r->name = "total";
	r->module = "";
	r->samples_before = sb->total_samples;
	r->samples_after = sa->total_samples;
	r->other_before = sb->total;
	r->other_after = sa->total;
	r->cpu_per_s_before = sb->cpu_per_s;
	r->cpu_per_s_after = sa->cpu_per_s;
	fill_row(&w, sb, sa, &b, &a, NULL, NULL, o);
	r->q = r->p;
	decide(&w, o, duration);
	*out = w.row;
}

int diff_compute(struct diff *d, const struct diff_opts *o, struct diff_result **out,
		 char **errmsg)
{
	struct side_stats s[2];
	struct diff_result *res;
	bool counts = true;
	double duration;
	size_t i, k;

	*out = NULL;
	*errmsg = NULL;
	if (!(o->alpha > 0 && o->alpha < 1) || !(o->min_effect >= 0) || !(o->run_noise >= 0) ||
	    !o->resamples) {
		*errmsg = xasprintf("bad diff options");
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		size_t n = 0;

		for (k = 0; k < d->nruns; k++)
			n += d->runs[k]->side == (enum diff_side)i;
		if (!n) {
			*errmsg = xasprintf("no recording %s", i ? "after" : "before");
			return -EINVAL;
		}
	}
	/* compare weights unless no run has any (then sample counts) */
	for (k = 0; k < d->nruns; k++)
		for (i = 0; i < d->runs[k]->nslices; i++)
			if (d->runs[k]->slice_w[i] > 0)
				counts = false;
	side_compute(d, DIFF_BEFORE, o, counts, &s[0]);
	side_compute(d, DIFF_AFTER, o, counts, &s[1]);
	duration = (s[0].duration + s[1].duration) / 2;

	res = xcalloc(1, sizeof(*res));
	res->opts = *o;
	res->counts = counts;
	for (i = 0; i < 2; i++) {
		res->side[i].runs = s[i].nruns;
		res->side[i].duration_s = s[i].duration;
		res->side[i].samples = s[i].total_samples;
		res->side[i].work = o->unit == DIFF_PER_WORK ? s[i].work : 0;
	}
	for (k = 0; k < d->nkeys; k++)
		res->common += d->keys[k].type == KEY_FUNC && s[0].present[k] && s[1].present[k];
	total_row(&res->total, &s[0], &s[1], o, duration);
	res->rows = family(d, KEY_FUNC, &s[0], &s[1], o, duration, &res->nrows);
	if (!o->total) {
		struct diff_opts ot = *o;
		struct side_stats t[2];
		struct diff_row *trows;
		size_t nt;

		ot.total = true;
		ot.stacks = false;
		side_compute(d, DIFF_BEFORE, &ot, counts, &t[0]);
		side_compute(d, DIFF_AFTER, &ot, counts, &t[1]);
		trows = family(d, KEY_FUNC, &t[0], &t[1], &ot, duration, &nt);
		attach_totals(res->rows, res->nrows, trows, nt);
		res->total_change = true;
		free(trows);
		side_release(&t[0]);
		side_release(&t[1]);
	} else {
		for (i = 0; i < res->nrows; i++) {
			struct diff_row *r = &res->rows[i];

			r->total_pct = r->total_low = r->total_high = NAN;
			r->total_verdict = r->verdict;
		}
	}
	if (o->stacks)
		res->stacks = family(d, KEY_STACK, &s[0], &s[1], o, duration, &res->nstacks);
	if (s[0].has_sys && s[1].has_sys)
		res->syscalls = family(d, KEY_SYSCALL, &s[0], &s[1], o, duration,
				       &res->nsyscalls);
	if (s[0].has_io && s[1].has_io)
		res->io = family(d, KEY_IO, &s[0], &s[1], o, duration, &res->nio);
	side_release(&s[0]);
	side_release(&s[1]);
	*out = res;
	return 0;
}

void diff_result_free(struct diff_result *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r->stacks);
	free(r->syscalls);
	free(r->io);
	free(r);
}

bool diff_row_regressed(const struct diff_row *row, double pct_limit)
{
	return row->verdict == DIFF_SLOWER &&
	       (row->by_total ? row->total_low : row->ci_low) > pct_limit;
}

const char *diff_verdict_name(enum diff_verdict v)
{
	switch (v) {
	case DIFF_SAME:
		return "same";
	case DIFF_FASTER:
		return "faster";
	case DIFF_SLOWER:
		return "slower";
	case DIFF_INCONCLUSIVE:
		return "inconclusive";
	case DIFF_NEW:
		return "new";
	case DIFF_GONE:
		return "gone";
	}
	return "?";
}

const char *diff_unit_name(enum diff_unit u)
{
	switch (u) {
	case DIFF_PER_RUN:
		return "run";
	case DIFF_PER_SECOND:
		return "second";
	case DIFF_PER_WORK:
		return "work";
	}
	return "?";
}

enum diff_unit diff_natural_unit(const struct profile *p)
{
	const char *mode = profile_meta(p, "mode");

	if (mode && !strcmp(mode, "launch") && profile_meta(p, "exit_status") &&
	    p->totals.duration_ns > 0)
		return DIFF_PER_RUN;
	return DIFF_PER_SECOND;
}

/* ---- differential folded stacks --------------------------------------- */

int diff_write_folded(FILE *f, const struct profile *before, const struct profile *after)
{
	struct profile_folded *a, *b;
	size_t na = profile_folded(before, &a), nb = profile_folded(after, &b), i = 0, j = 0;

	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(a[i].stack, b[j].stack);

		if (c < 0) {
			fprintf(f, "%s %llu 0\n", a[i].stack, (unsigned long long)a[i].value.count);
			i++;
		} else if (c > 0) {
			fprintf(f, "%s 0 %llu\n", b[j].stack, (unsigned long long)b[j].value.count);
			j++;
		} else {
			fprintf(f, "%s %llu %llu\n", a[i].stack,
				(unsigned long long)a[i].value.count,
				(unsigned long long)b[j].value.count);
			i++;
			j++;
		}
	}
	profile_folded_free(a, na);
	profile_folded_free(b, nb);
	return ferror(f) ? -EIO : 0;
}
