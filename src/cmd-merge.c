/* cmd-merge.c - hotstack merge: several recordings combined into one
 *
 * Every input is read through the store reader and written again through
 * stacktree.h, so modules (by path and build id), frames and call paths
 * that the inputs share become one; samples of every kind, threads,
 * processes, thread lifetimes and the --waits tables follow, with their
 * node ids and thread ids mapped.
 *
 * Origins: input N (from 1) keeps its metadata as meta keys "origin.N.KEY"
 * (host, command, pids, start_time, ...) plus "origin.N.path" (the file
 * merged) and "origin.N.id_offset"; meta "origins" is their number.
 *
 * Ids: processes and threads keep their ids unless an id is already taken
 * by an earlier input from another host (or by another program on the same
 * host: a reused pid). Then every pid and tid of that input is moved up by
 * (N - 1) * 4194304 (above Linux's largest pid), recorded as
 * origin.N.id_offset.
 * Two recordings of the same process (same host, pid and name) keep one
 * pid, and their samples add up.
 *
 * Time: when every input has a start time and the same slice length,
 * slices are aligned on the earliest start, so the merged timeline is real
 * time; otherwise each input's slices start at 0.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "hashmap.h"
#include "newrec.h"
#include "profile.h"
#include "stacktree.h"
#include "store.h"
#include "util.h"

static const char merge_usage[] =
	"usage: hotstack merge -o ALL.db A.db B.db ...\n"
	"\n"
	"Combine recordings of several processes or hosts into one. Each input's\n"
	"metadata is kept as meta origin.N.* (N = 1, 2, ... in argument order).\n"
	"\n"
	"  -o, --output FILE       the merged recording (required); an existing\n"
	"                          FILE is renamed to FILE.old (FILE.old.N if taken)\n"
	"  -h, --help              print this help\n"
	"\n"
	"Threads and processes keep their ids; when an input's ids clash with an\n"
	"earlier input from another host (or with another program), all its ids are\n"
	"moved up by (N - 1) * 4194304 (see origin.N.id_offset).\n";

#define ID_STRIDE 4194304	/* PID_MAX_LIMIT: no Linux pid reaches it */

struct meta_kv {
	char *key, *value;
};

/* One input, read in full before anything is written. */
struct origin {
	const char *path;
	struct store *st;
	struct meta_kv *meta;
	size_t nmeta, cap_meta;
	int64_t start_time;	/* -1 if unknown */
	int64_t duration_ns;	/* -1 if unknown */
	int64_t slice_ns;
	int id_offset;
	int64_t slice_offset;
	int64_t time_shift_ns;	/* start_time - the earliest start, when aligned */
};

/* pid -> which origin took it and what it is */
struct pid_owner {
	int pid;
	char *host, *name;
};

struct merger {
	struct stacktree *tree;
	struct store *out;
	struct origin *origins;
	size_t norigins;
	struct hashmap pids;		/* pid -> index into owners */
	struct pid_owner *owners;
	size_t nowners, cap_owners;
	struct hashmap tids;		/* tids already used */
	/* per input, while it is copied */
	struct hashmap module_map, frame_map;	/* old id -> new id */
	int64_t *node_old, *node_parent, *node_frame, *node_new;
	size_t nnodes, cap_old, cap_parent, cap_frame;
	struct origin *cur;
	int kind;
	int err;
	int64_t samples;
	/* cmd_merge_picked(): what to copy of each input's samples, and the
	 * sums of the inputs picked as totals, (tid, kind, node) -> index */
	const struct merge_pick *pick;
	int64_t totals_slice;		/* -1 until the first totals input */
	struct hashmap total_map;
	int64_t (*totals)[5];		/* tid, kind, node, count, weight_ns */
	size_t ntotals, cap_totals;
};

static const char *origin_meta(const struct origin *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->nmeta; i++)
		if (!strcmp(o->meta[i].key, key))
			return o->meta[i].value;
	return NULL;
}

static int read_meta(void *arg, const char *key, const char *value, bool is_int UNUSED,
		     int64_t iv UNUSED)
{
	struct origin *o = arg;

	if (!key || !value)
		return 0;
	xgrow(&o->meta, &o->cap_meta, o->nmeta + 1, sizeof(*o->meta));
	o->meta[o->nmeta].key = xstrdup(key);
	o->meta[o->nmeta].value = xstrdup(value);
	o->nmeta++;
	return 0;
}

/* ---- id clashes -------------------------------------------------------- */

struct ids {
	int *pids, *tids;
	char **pid_names;
	size_t npids, ntids, cap_pids, cap_tids, cap_names;
};

static int collect_process(void *arg, int pid, int ppid UNUSED, const char *name,
			   const char *exe UNUSED)
{
	struct ids *ids = arg;

	xgrow(&ids->pids, &ids->cap_pids, ids->npids + 1, sizeof(*ids->pids));
	xgrow(&ids->pid_names, &ids->cap_names, ids->npids + 1, sizeof(*ids->pid_names));
	ids->pids[ids->npids] = pid;
	ids->pid_names[ids->npids++] = xstrdup(name ? name : "");
	return 0;
}

static int collect_thread(void *arg, int tid, int pid UNUSED, const char *name UNUSED,
			  int64_t samples UNUSED)
{
	struct ids *ids = arg;

	xgrow(&ids->tids, &ids->cap_tids, ids->ntids + 1, sizeof(*ids->tids));
	ids->tids[ids->ntids++] = tid;
	return 0;
}

/*
 * Decide origin i's id offset: 0 unless one of its pids belongs to another
 * host or program, or one of its tids is used by another origin's process
 * that it does not share.
 */
static int place_ids(struct merger *m, struct origin *o, size_t i, char **errmsg)
{
	const char *host = origin_meta(o, "host");
	struct ids ids = { 0 };
	bool clash = false;
	size_t k;
	int ret;

	ret = store_each_process(o->st, collect_process, &ids);
	if (!ret)
		ret = store_each_thread(o->st, KIND_CPU, collect_thread, &ids);
	if (ret) {
		*errmsg = xasprintf("cannot read '%s': %s", sanitized(o->path),
				    store_last_error(o->st));
		goto out;
	}
	for (k = 0; k < ids.npids && !clash; k++) {
		uint64_t owner;

		if (hashmap_get(&m->pids, &ids.pids[k], sizeof(int), &owner)) {
			const struct pid_owner *w = &m->owners[owner];

			clash = !host || !w->host || strcmp(host, w->host) ||
				strcmp(ids.pid_names[k], w->name);
		}
	}
	/* a tid taken by a process this origin does not share */
	for (k = 0; k < ids.ntids && !clash; k++) {
		uint64_t dummy;
		size_t j;
		bool shared = false;

		if (!hashmap_get(&m->tids, &ids.tids[k], sizeof(int), &dummy))
			continue;
		for (j = 0; j < ids.npids && !shared; j++)
			shared = hashmap_get(&m->pids, &ids.pids[j], sizeof(int), &dummy);
		clash = !shared;
	}
	if (clash) {
		if (i >= INT_MAX / ID_STRIDE) {
			*errmsg = xasprintf("too many inputs with clashing thread ids (at most %d)",
					    INT_MAX / ID_STRIDE - 1);
			ret = -E2BIG;
			goto out;
		}
		o->id_offset = (int)i * ID_STRIDE;
	}
	for (k = 0; k < ids.npids; k++) {
		int pid = ids.pids[k] + o->id_offset;
		uint64_t idx = m->nowners;

		if (hashmap_get_or_put(&m->pids, &pid, sizeof(pid), &idx))
			continue;
		xgrow(&m->owners, &m->cap_owners, m->nowners + 1, sizeof(*m->owners));
		m->owners[m->nowners].pid = pid;
		m->owners[m->nowners].host = host ? xstrdup(host) : NULL;
		m->owners[m->nowners].name = xstrdup(ids.pid_names[k]);
		m->nowners++;
	}
	for (k = 0; k < ids.ntids; k++) {
		int tid = ids.tids[k] + o->id_offset;

		hashmap_put(&m->tids, &tid, sizeof(tid), 1);
	}
out:
	for (k = 0; k < ids.npids; k++)
		free(ids.pid_names[k]);
	free(ids.pid_names);
	free(ids.pids);
	free(ids.tids);
	return ret;
}

/* ---- copying one input ------------------------------------------------- */

static int copy_module(void *arg, int64_t id, const char *path, const char *build_id,
		       const char *kind, const char *soname, bool is_main)
{
	struct merger *m = arg;
	const char *k = kind ? kind : "user";
	int64_t nid;

	/* stacktree keeps the kind pointer: use the static names */
	if (!strcmp(k, "kernel"))
		k = "kernel";
	else if (!strcmp(k, "jit"))
		k = "jit";
	else if (!strcmp(k, "vdso"))
		k = "vdso";
	else if (!strcmp(k, "anon"))
		k = "anon";
	else
		k = "user";
	nid = stacktree_module(m->tree, path ? path : "", build_id, k);
	stacktree_module_info(m->tree, nid, soname, is_main);
	hashmap_put(&m->module_map, &id, sizeof(id), (uint64_t)nid);
	return 0;
}

static int copy_frame(void *arg, int64_t id, int64_t module_id, const char *function,
		      const char *linkage, const char *file, int line, bool is_inline,
		      uint64_t offset)
{
	struct merger *m = arg;
	uint64_t mod = 0;
	int64_t nid;

	hashmap_get(&m->module_map, &module_id, sizeof(module_id), &mod);
	nid = stacktree_frame_linkage(m->tree, (int64_t)mod,
				      function && *function ? function : "[unknown]", linkage, file,
				      line, is_inline, offset);
	hashmap_put(&m->frame_map, &id, sizeof(id), (uint64_t)nid);
	return 0;
}

static int read_node(void *arg, int64_t id, int64_t parent_id, int64_t frame_id, int depth UNUSED)
{
	struct merger *m = arg;

	if (id <= 0)
		return 0;
	xgrow(&m->node_old, &m->cap_old, m->nnodes + 1, sizeof(*m->node_old));
	xgrow(&m->node_parent, &m->cap_parent, m->nnodes + 1, sizeof(*m->node_parent));
	xgrow(&m->node_frame, &m->cap_frame, m->nnodes + 1, sizeof(*m->node_frame));
	m->node_old[m->nnodes] = id;
	m->node_parent[m->nnodes] = parent_id;
	m->node_frame[m->nnodes] = frame_id;
	m->nnodes++;
	return 0;
}

/* Index of old node id (nodes come in id order), or -1. */
static ssize_t node_index(const struct merger *m, int64_t id)
{
	size_t lo = 0, hi = m->nnodes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->node_old[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nnodes && m->node_old[lo] == id ? (ssize_t)lo : -1;
}

/*
 * New ids of every node: parents first. A node whose parent is missing
 * hangs off the root, as profile.c reads it; a cycle is cut the same way.
 */
static void map_nodes(struct merger *m)
{
	size_t *stack = xmalloc((m->nnodes + 1) * sizeof(*stack)), i;
	bool *busy = xcalloc(m->nnodes + 1, sizeof(*busy));

	m->node_new = xcalloc(m->nnodes + 1, sizeof(*m->node_new));
	for (i = 0; i < m->nnodes; i++) {
		size_t sp = 0;

		if (m->node_new[i])
			continue;
		stack[sp++] = i;
		while (sp) {
			size_t n = stack[sp - 1];
			ssize_t parent = m->node_parent[n] ? node_index(m, m->node_parent[n]) : -1;
			uint64_t frame = 0;
			int64_t pnew = 0;

			if (parent >= 0 && !m->node_new[parent] && !busy[parent]) {
				busy[n] = true;
				stack[sp++] = (size_t)parent;
				continue;
			}
			if (parent >= 0)
				pnew = m->node_new[parent];	/* 0 (root) for a cycle */
			hashmap_get(&m->frame_map, &m->node_frame[n], sizeof(int64_t), &frame);
			if (!frame)	/* a node without a frame row: an unknown frame */
				frame = (uint64_t)stacktree_frame(m->tree, 0, "[unknown]", NULL, 0,
								  false, 0);
			m->node_new[n] = stacktree_node(m->tree, pnew, (int64_t)frame);
			busy[n] = false;
			sp--;
		}
	}
	free(stack);
	free(busy);
}

static int64_t new_node(const struct merger *m, int64_t old)
{
	ssize_t i = node_index(m, old);

	return i >= 0 ? m->node_new[i] : 0;
}

static int copy_sample(void *arg, int64_t slice, int tid, int64_t node_id, int64_t count,
		       int64_t weight_ns)
{
	struct merger *m = arg;
	int64_t node = new_node(m, node_id);

	if (!node || count < 0 || weight_ns < 0)
		return 0;
	m->samples += count;
	if (m->pick && m->pick[m->cur - m->origins].totals) {
		int64_t key[3] = { tid + m->cur->id_offset, m->kind, node };
		uint64_t i = m->ntotals;

		if (!hashmap_get_or_put(&m->total_map, key, sizeof(key), &i)) {
			xgrow(&m->totals, &m->cap_totals, m->ntotals + 1, sizeof(*m->totals));
			memcpy(m->totals[m->ntotals], key, sizeof(key));
			m->totals[m->ntotals][3] = m->totals[m->ntotals][4] = 0;
			m->ntotals++;
		}
		m->totals[i][3] += count;
		m->totals[i][4] += weight_ns;
		return 0;
	}
	return store_add_samples(m->out, slice + m->cur->slice_offset, tid + m->cur->id_offset,
				 m->kind, node, count, weight_ns);
}

static int copy_process(void *arg, int pid, int ppid, const char *name, const char *exe)
{
	struct merger *m = arg;
	int off = m->cur->id_offset;

	return store_add_process(m->out, pid + off, ppid > 0 ? ppid + off : ppid, name, exe);
}

static int copy_thread(void *arg, int tid, int pid, const char *name, int64_t samples UNUSED)
{
	struct merger *m = arg;
	int off = m->cur->id_offset;

	return store_add_thread(m->out, tid + off, pid > 0 ? pid + off : pid, name);
}

static int copy_thread_time(void *arg, const int64_t *v, const char *const *texts UNUSED)
{
	struct merger *m = arg;
	int64_t shift = m->cur->time_shift_ns;

	if (v[2] < 0 && v[3] < 0)
		return 0;
	return store_set_thread_times(m->out, (int)v[0] + m->cur->id_offset,
				      v[2] >= 0 ? v[2] + shift : v[2],
				      v[3] >= 0 ? v[3] + shift : v[3]);
}

/* The --waits rows of one thread; cur_tid is the new tid. */
struct waits_ctx {
	struct merger *m;
	int tid;
};

static int copy_syscall(void *arg, const int64_t *v, const char *const *t)
{
	struct waits_ctx *w = arg;

	return store_add_syscall(w->m->out, w->tid, v[0], t[0], v[1], v[2], v[3], v[4]);
}

static int copy_latency(void *arg, const int64_t *v, const char *const *t UNUSED)
{
	struct waits_ctx *w = arg;

	return store_add_syscall_latency(w->m->out, w->tid, v[0], (int)v[1], v[2]);
}

static int copy_error(void *arg, const int64_t *v, const char *const *t UNUSED)
{
	struct waits_ctx *w = arg;

	return store_add_syscall_error(w->m->out, w->tid, v[0], (int)v[1], v[2]);
}

static int copy_syscall_stack(void *arg, const int64_t *v, const char *const *t UNUSED)
{
	struct waits_ctx *w = arg;
	int64_t node = new_node(w->m, v[1]);

	return node ? store_add_syscall_stack(w->m->out, w->tid, v[0], node, v[2], v[3]) : 0;
}

static int copy_io(void *arg, const int64_t *v, const char *const *t)
{
	struct waits_ctx *w = arg;

	return store_add_io(w->m->out, w->tid, t[0], t[1], v[0], v[1], v[2], v[3]);
}

static int copy_waits(void *arg, int tid, int pid UNUSED, const char *name UNUSED,
		      int64_t samples UNUSED)
{
	struct merger *m = arg;
	struct waits_ctx w = { m, tid + m->cur->id_offset };
	struct store *st = m->cur->st;
	int ret;

	if (tid <= 0)	/* tid 0 would select every thread */
		return 0;
	ret = store_each_syscall(st, tid, copy_syscall, &w);
	if (!ret)
		ret = store_each_syscall_latency(st, tid, copy_latency, &w);
	if (!ret)
		ret = store_each_syscall_error(st, tid, copy_error, &w);
	if (!ret)
		ret = store_each_syscall_stack(st, tid, copy_syscall_stack, &w);
	if (!ret)
		ret = store_each_io(st, tid, copy_io, &w);
	return ret;
}

static int copy_origin(struct merger *m, struct origin *o)
{
	struct store *st = o->st;
	int ret, kind;

	m->cur = o;
	hashmap_init(&m->module_map);
	hashmap_init(&m->frame_map);
	m->nnodes = 0;
	ret = store_each_module(st, copy_module, m);
	if (!ret)
		ret = store_each_frame(st, copy_frame, m);
	if (!ret)
		ret = store_each_node(st, read_node, m);
	if (!ret) {
		map_nodes(m);
		ret = stacktree_flush(m->tree, m->out);
	}
	for (kind = 0; !ret && strcmp(profile_kind_name(kind), "unknown"); kind++) {
		const struct merge_pick *p = m->pick ? &m->pick[o - m->origins] : NULL;

		m->kind = kind;
		if (!p)
			ret = store_each_sample(st, kind, 0, copy_sample, m);
		else if (p->totals)
			ret = store_each_sample_total(st, kind, 0, copy_sample, m);
		else
			ret = store_each_sample_range(st, kind, 0, p->lo, p->hi, copy_sample, m);
	}
	if (!ret && m->pick && m->pick[o - m->origins].totals && m->totals_slice < 0)
		m->totals_slice = o->slice_offset;
	if (!ret)
		ret = store_each_process(st, copy_process, m);
	if (!ret)
		ret = store_each_thread(st, KIND_CPU, copy_thread, m);
	if (!ret)
		ret = store_each_thread_time(st, copy_thread_time, m);
	if (!ret)
		ret = store_each_thread(st, KIND_CPU, copy_waits, m);
	free(m->node_new);
	m->node_new = NULL;
	hashmap_release(&m->module_map);
	hashmap_release(&m->frame_map);
	return ret;
}

/* ---- merged metadata ---------------------------------------------------- */

/* The value of key if every origin has the same one, else NULL. */
static const char *common_meta(const struct merger *m, const char *key)
{
	const char *v = origin_meta(&m->origins[0], key);
	size_t i;

	for (i = 1; v && i < m->norigins; i++) {
		const char *w = origin_meta(&m->origins[i], key);

		if (!w || strcmp(v, w))
			return NULL;
	}
	return v;
}

/* The distinct values of key, joined by sep ("" if none). */
static char *joined_meta(const struct merger *m, const char *key, const char *sep)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	strbuf_adds(&sb, "");
	for (i = 0; i < m->norigins; i++) {
		const char *v = origin_meta(&m->origins[i], key);
		bool seen = false;

		if (!v)
			continue;
		for (j = 0; j < i && !seen; j++) {
			const char *w = origin_meta(&m->origins[j], key);

			seen = w && !strcmp(v, w);
		}
		if (!seen)
			strbuf_addf(&sb, "%s%s", sb.len ? sep : "", v);
	}
	return sb.buf;
}

static int write_meta(struct merger *m, const char **paths)
{
	static const char *const same_or_omit[] = {
		"event", "frequency", "slice_ns", "stack_size", "kernel", "mode",
	};
	struct store *st = m->out;
	int64_t lost = 0, unwind_errors = 0, start = -1, end = -1, longest = -1;
	bool all_times = true;
	char *s;
	size_t i, k;
	int err = 0;

	for (i = 0; i < m->norigins; i++) {
		struct origin *o = &m->origins[i];

		lost += int_or(origin_meta(o, "lost"), 0);
		unwind_errors += int_or(origin_meta(o, "unwind_errors"), 0);
		if (o->start_time >= 0 && o->duration_ns >= 0) {
			if (start < 0 || o->start_time < start)
				start = o->start_time;
			if (o->start_time + o->duration_ns > end)
				end = o->start_time + o->duration_ns;
		} else {
			all_times = false;
		}
		if (o->duration_ns > longest)
			longest = o->duration_ns;
	}
	s = joined_meta(m, "command", " + ");
	err = store_set_meta(st, "command", *s ? s : "merge");
	free(s);
	s = joined_meta(m, "host", ",");
	if (!err && *s)
		err = store_set_meta(st, "host", s);
	free(s);
	for (k = 0; !err && k < ARRAY_SIZE(same_or_omit); k++) {
		const char *v = common_meta(m, same_or_omit[k]);

		if (v && strcmp(same_or_omit[k], "mode"))
			err = store_set_meta(st, same_or_omit[k], v);
	}
	if (!err)
		err = store_set_meta(st, "mode", "merge");
	if (!err)
		err = store_set_meta(st, "hotstack_version", PACKAGE_VERSION);
	if (!err && all_times && start >= 0) {
		err = store_set_meta_int(st, "start_time", start);
		if (!err)
			err = store_set_meta_int(st, "duration_ns", end - start);
	} else if (!err && longest >= 0 && all_times) {
		err = store_set_meta_int(st, "duration_ns", longest);
	}
	if (!err)
		err = store_set_meta_int(st, "samples", m->samples);
	if (!err)
		err = store_set_meta_int(st, "lost", lost);
	if (!err)
		err = store_set_meta_int(st, "unwind_errors", unwind_errors);
	for (i = 0, k = 0; i < m->norigins; i++)
		if (int_or(origin_meta(&m->origins[i], "kernel_frames"), 0) > 0)
			k = 1;
	if (!err)
		err = store_set_meta_int(st, "kernel_frames", (int64_t)k);
	if (!err)
		err = store_set_meta_int(st, "origins", (int64_t)m->norigins);
	/* pids: every origin's, moved by its offset */
	if (!err) {
		struct strbuf pids = STRBUF_INIT;

		strbuf_adds(&pids, "");
		for (i = 0; i < m->nowners; i++)
			strbuf_addf(&pids, "%s%d", i ? "," : "", m->owners[i].pid);
		if (pids.len)
			err = store_set_meta(st, "pids", pids.buf);
		strbuf_release(&pids);
	}
	for (i = 0; !err && i < m->norigins; i++) {
		struct origin *o = &m->origins[i];
		char *rp = realpath(paths[i], NULL), *key;

		key = xasprintf("origin.%zu.path", i + 1);
		err = store_set_meta(st, key, rp ? rp : paths[i]);
		free(key);
		free(rp);
		key = xasprintf("origin.%zu.id_offset", i + 1);
		if (!err)
			err = store_set_meta_int(st, key, o->id_offset);
		free(key);
		for (k = 0; !err && k < o->nmeta; k++) {
			key = xasprintf("origin.%zu.%s", i + 1, o->meta[k].key);
			err = store_set_meta(st, key, o->meta[k].value);
			free(key);
		}
	}
	return err;
}

/* ---- command ------------------------------------------------------------ */

/* The sums of the inputs picked as totals, at the first one's first slice. */
static int write_totals(struct merger *m)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < m->ntotals; i++)
		ret = store_add_samples(m->out, m->totals_slice, (int)m->totals[i][0],
					(int)m->totals[i][1], m->totals[i][2], m->totals[i][3],
					m->totals[i][4]);
	return ret;
}

int cmd_merge(int argc, char **argv)
{
	return cmd_merge_picked(argc, argv, NULL);
}

int cmd_merge_picked(int argc, char **argv, const struct merge_pick *pick)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct merger m;
	struct newrec rec;
	int64_t min_start = -1, slice_ns = -1;
	bool align = true;
	char *err, *moved_to;
	size_t i, k;
	int c, ret;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(merge_usage);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				die_usage("merge: --output wants a path");
			output = optarg;
			break;
		case ':':
			die_usage("merge: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("merge: unknown option '-%c'", optopt);
			die_usage("merge: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (!output)
		die_usage("merge: where to? (-o ALL.db)");
	if (optind >= argc)
		die_usage("merge: which recordings? (merge -o ALL.db A.db B.db ...)");

	memset(&m, 0, sizeof(m));
	m.pick = pick;
	m.totals_slice = -1;
	hashmap_init(&m.total_map);
	m.norigins = (size_t)(argc - optind);
	m.origins = xcalloc(m.norigins, sizeof(*m.origins));
	hashmap_init(&m.pids);
	hashmap_init(&m.tids);
	for (i = 0; i < m.norigins; i++) {
		struct origin *o = &m.origins[i];

		o->path = argv[optind + i];
		for (k = 0; k < i; k++)
			if (!strcmp(m.origins[k].path, o->path))
				die_usage("merge: '%s' is given twice", sanitized(o->path));
		if (!strcmp(o->path, output))
			die_usage("merge: the output '%s' is also an input", sanitized(output));
		/* an input read as its sums is checked where it is read */
		if ((pick && pick[i].totals ? store_open_quick : store_open)(o->path, &o->st, &err))
			die("%s", err);
		if (store_each_meta(o->st, read_meta, o))
			die("cannot read '%s': %s", sanitized(o->path), store_last_error(o->st));
		o->start_time = int_or(origin_meta(o, "start_time"), -1);
		o->duration_ns = int_or(origin_meta(o, "duration_ns"), -1);
		o->slice_ns = int_or(origin_meta(o, "slice_ns"), (int64_t)STORE_SLICE_NS);
		if (o->start_time < 0 || (slice_ns >= 0 && o->slice_ns != slice_ns))
			align = false;
		slice_ns = o->slice_ns;
		if (o->start_time >= 0 && (min_start < 0 || o->start_time < min_start))
			min_start = o->start_time;
		if (place_ids(&m, o, i, &err))
			die("%s", err);
	}
	for (i = 0; align && i < m.norigins; i++) {
		m.origins[i].time_shift_ns = m.origins[i].start_time - min_start;
		m.origins[i].slice_offset = m.origins[i].time_shift_ns / slice_ns;
	}

	if (newrec_create(&rec, output, &err))
		die("%s", err);
	m.out = rec.st;
	m.tree = stacktree_new();
	ret = store_begin(m.out);
	for (i = 0; !ret && i < m.norigins; i++) {
		ret = copy_origin(&m, &m.origins[i]);
		if (ret)
			die("cannot merge '%s': %s (reading: %s; writing: %s)",
			    sanitized(m.origins[i].path), strerror(ret < 0 ? -ret : EIO),
			    store_last_error(m.origins[i].st), store_last_error(m.out));
		/* read: its page cache goes (a day of inputs is 144 of them) */
		store_free(m.origins[i].st);
		m.origins[i].st = NULL;
	}
	if (!ret)
		ret = write_totals(&m);
	if (!ret)
		ret = write_meta(&m, (const char **)argv + optind);
	if (!ret)
		ret = store_commit(m.out);
	if (ret)
		die("cannot write '%s': %s", sanitized(output), store_last_error(m.out));
	if (newrec_commit(&rec, &moved_to, &err))
		die("%s", err);
	cmd_warn_moved(output, moved_to);
	free(moved_to);
	fprintf(stderr, "%s: merged %zu recordings (%lld samples) into '%s'\n", progname,
		m.norigins, (long long)m.samples, sanitized(output));

	for (i = 0; i < m.norigins; i++) {
		struct origin *o = &m.origins[i];

		store_free(o->st);
		for (k = 0; k < o->nmeta; k++) {
			free(o->meta[k].key);
			free(o->meta[k].value);
		}
		free(o->meta);
	}
	for (i = 0; i < m.nowners; i++) {
		free(m.owners[i].host);
		free(m.owners[i].name);
	}
	free(m.owners);
	free(m.origins);
	free(m.node_old);
	free(m.node_parent);
	free(m.node_frame);
	hashmap_release(&m.pids);
	hashmap_release(&m.tids);
	hashmap_release(&m.total_map);
	free(m.totals);
	stacktree_free(m.tree);
	return EXIT_OK;
}
