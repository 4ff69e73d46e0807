/* fixture.c - small recordings built through the store writer, for tests */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "util.h"

struct fx_frame {
	char *name;
	int module, line;
	bool is_inline;
};

struct fx_node {
	int64_t parent, frame;
};

struct fixture {
	struct store *st;
	struct fx_frame *frames;
	size_t nframes, cap_frames;
	struct fx_node *nodes;
	size_t nnodes, cap_nodes;
	int64_t slice;
	int64_t samples;
};

static const struct {
	const char *tag, *path, *kind;
} modules[] = {
	{ "prog", "/usr/bin/prog", "user" },
	{ "libc", "/lib/x86_64-linux-gnu/libc.so.6", "user" },
	{ "libcrypto", "/usr/lib/libcrypto.so.3", "user" },
	{ "prog2", "/usr/bin/prog2", "user" },
	{ "kernel", "[kernel.kallsyms]", "kernel" },
};

static void check(int ret, const char *what)
{
	if (ret)
		die("fixture: %s failed: %d", what, ret);
}

struct fixture *fixture_create(const char *path)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	bool renamed;
	char *err;
	size_t i;

	if (store_create(path, &fx->st, &renamed, &err))
		die("fixture: %s", err);
	check(store_begin(fx->st), "begin");
	check(store_set_meta(fx->st, "command", "prog --test"), "meta");
	check(store_set_meta(fx->st, "mode", "launch"), "meta");
	check(store_set_meta_int(fx->st, "duration_ns", 2000000000), "meta");
	check(store_set_meta_int(fx->st, "lost", 3), "meta");
	check(store_set_meta_int(fx->st, "unwind_errors", 1), "meta");
	for (i = 0; i < ARRAY_SIZE(modules); i++)
		check(store_add_module(fx->st, (int64_t)i + 1, modules[i].path, NULL,
				       modules[i].kind, NULL, i == 0), "module");
	check(store_add_process(fx->st, 100, 1, "prog", "/usr/bin/prog"), "process");
	return fx;
}

static int64_t intern_frame(struct fixture *fx, const char *spec)
{
	char *name = xstrdup(spec), *p;
	struct fx_frame f = { NULL, 0, 0, false };
	size_t i, len = strlen(name);

	if (len && name[len - 1] == '!') {
		f.is_inline = true;
		name[--len] = '\0';
	}
	p = strrchr(name, ':');
	if (p && p[1] && strspn(p + 1, "0123456789") == strlen(p + 1)) {
		f.line = atoi(p + 1);
		*p = '\0';
	}
	p = strrchr(name, '@');
	if (p) {
		for (i = 0; i < ARRAY_SIZE(modules); i++)
			if (!strcmp(p + 1, modules[i].tag))
				f.module = (int)i;
		*p = '\0';
	}
	f.name = name;
	for (i = 0; i < fx->nframes; i++) {
		struct fx_frame *g = &fx->frames[i];

		if (!strcmp(g->name, f.name) && g->module == f.module && g->line == f.line &&
		    g->is_inline == f.is_inline) {
			free(name);
			return (int64_t)i + 1;
		}
	}
	xgrow(&fx->frames, &fx->cap_frames, fx->nframes + 1, sizeof(*fx->frames));
	fx->frames[fx->nframes++] = f;
	if (f.line) {
		char *file = xasprintf("%s.c", f.name);

		check(store_add_frame(fx->st, (int64_t)fx->nframes, f.module + 1, f.name, NULL,
				      file, f.line, f.is_inline, 16 * fx->nframes), "frame");
		free(file);
	} else {
		check(store_add_frame(fx->st, (int64_t)fx->nframes, f.module + 1, f.name, NULL,
				      NULL, 0, f.is_inline, 16 * fx->nframes), "frame");
	}
	return (int64_t)fx->nframes;
}

static int64_t intern_node(struct fixture *fx, int64_t parent, int64_t frame, int depth)
{
	size_t i;

	for (i = 0; i < fx->nnodes; i++)
		if (fx->nodes[i].parent == parent && fx->nodes[i].frame == frame)
			return (int64_t)i + 1;
	xgrow(&fx->nodes, &fx->cap_nodes, fx->nnodes + 1, sizeof(*fx->nodes));
	fx->nodes[fx->nnodes].parent = parent;
	fx->nodes[fx->nnodes].frame = frame;
	fx->nnodes++;
	check(store_add_node(fx->st, (int64_t)fx->nnodes, parent, frame, depth), "node");
	return (int64_t)fx->nnodes;
}

void fixture_stackv(struct fixture *fx, int tid, int kind, int64_t count, int64_t weight_ns,
		    const char *const *frames, size_t nframes)
{
	int64_t node = 0;
	size_t i;

	for (i = 0; i < nframes; i++)
		node = intern_node(fx, node, intern_frame(fx, frames[i]), (int)i + 1);
	check(store_add_thread(fx->st, tid, 100, "worker"), "thread");
	check(store_add_samples(fx->st, fx->slice, tid, kind, node, count, weight_ns), "samples");
	fx->samples += count;
}

void fixture_stack(struct fixture *fx, int tid, int64_t count, const char *stack)
{
	char *copy = xstrdup(stack), *save = NULL, *tok;
	const char **frames = NULL;
	size_t n = 0, cap = 0;

	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		xgrow(&frames, &cap, n + 1, sizeof(*frames));
		frames[n++] = tok;
	}
	fixture_stackv(fx, tid, KIND_CPU, count, count * 1000000, frames, n);
	free(frames);
	free(copy);
}

void fixture_set_slice(struct fixture *fx, int64_t slice)
{
	fx->slice = slice;
}

struct store *fixture_store(struct fixture *fx)
{
	return fx->st;
}

void fixture_close(struct fixture *fx)
{
	size_t i;

	check(store_set_meta_int(fx->st, "samples", fx->samples), "meta");
	check(store_close(fx->st), "close");
	for (i = 0; i < fx->nframes; i++)
		free(fx->frames[i].name);
	free(fx->frames);
	free(fx->nodes);
	free(fx);
}

char *fixture_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/hotstack-test.XXXXXX", base && *base ? base : "/tmp");

	if (!mkdtemp(dir))
		die("fixture: cannot create '%s'", dir);
	return dir;
}

static int rm_one(const char *path, const struct stat *sb UNUSED, int type UNUSED,
		  struct FTW *ftw UNUSED)
{
	return remove(path);
}

void fixture_rmdir(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
