/* source.c - a function's source lines with samples, and reading source
 * files named by an untrusted recording */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "source.h"
#include "util.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

/* ---- lines with samples ----------------------------------------------- */

/* (file, line) of one frame of the function */
struct line_key {
	int file;		/* index into files */
	int line;		/* index into the file's lines */
};

static int cmp_lines(const void *a, const void *b)
{
	const struct source_line *x = a, *y = b;

	return x->line - y->line;
}

static int cmp_files(const void *a, const void *b)
{
	const struct source_file *x = a, *y = b;

	if (x->self.count != y->self.count)
		return x->self.count > y->self.count ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int find_file(struct source_lines *s, const char *path, size_t *cap)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].path, path))
			return (int)i;
	xgrow(&s->files, cap, s->nfiles + 1, sizeof(*s->files));
	memset(&s->files[s->nfiles], 0, sizeof(s->files[0]));
	s->files[s->nfiles].path = path;
	return (int)s->nfiles++;
}

static int find_line(struct source_file *f, int line)
{
	size_t i;

	for (i = 0; i < f->nlines; i++)
		if (f->lines[i].line == line)
			return (int)i;
	f->lines = xrealloc(f->lines, (f->nlines + 1) * sizeof(*f->lines));
	memset(&f->lines[f->nlines], 0, sizeof(f->lines[0]));
	f->lines[f->nlines].line = line;
	return (int)f->nlines++;
}

static void value_add(struct profile_value *dst, const struct profile_value *v)
{
	dst->count += v->count;
	dst->weight_ns += v->weight_ns;
}

/* Totals once per sample: a pre-order walk with an on-path counter per
 * line, adding a node's total at the outermost node of that line. */
static void sum_totals(const struct profile *p, struct source_lines *s,
		       const struct line_key *keys, const int *frame_key, size_t nkeys)
{
	int *onpath = xcalloc(nkeys ? nkeys : 1, sizeof(*onpath));
	int *stack_node = xmalloc((p->nnodes + 1) * sizeof(*stack_node));
	int *stack_key = xmalloc((p->nnodes + 1) * sizeof(*stack_key));
	size_t len = 0, i;

	for (i = 0; i < p->norder; i++) {
		const struct profile_node *node = &p->nodes[p->order[i]];
		int k;

		while (len && p->nodes[stack_node[len - 1]].depth >= node->depth) {
			len--;
			if (stack_key[len] >= 0)
				onpath[stack_key[len]]--;
		}
		if (!node->total.count && !node->total.weight_ns)
			continue;
		k = frame_key[node->frame];
		if (k >= 0 && onpath[k]++ == 0)
			value_add(&s->files[keys[k].file].lines[keys[k].line].total, &node->total);
		stack_node[len] = p->order[i];
		stack_key[len++] = k;
	}
	free(onpath);
	free(stack_node);
	free(stack_key);
}

struct source_lines *source_lines(const struct profile *p, int func)
{
	struct source_lines *s = xcalloc(1, sizeof(*s));
	int *frame_key = xmalloc((p->nframes ? p->nframes : 1) * sizeof(*frame_key));
	struct line_key *keys = NULL;
	size_t nkeys = 0, cap_keys = 0, cap_files = 0, i, j;

	s->func = func;
	for (i = 0; i < p->nframes; i++) {
		const struct profile_frame *fr = &p->frames[i];
		struct line_key key;
		size_t k;

		frame_key[i] = -1;
		if (fr->func != func)
			continue;
		if (!fr->file || fr->line <= 0) {
			value_add(&s->no_line, &fr->self);
			continue;
		}
		key.file = find_file(s, fr->file, &cap_files);
		key.line = find_line(&s->files[key.file], fr->line);
		for (k = 0; k < nkeys; k++)
			if (keys[k].file == key.file && keys[k].line == key.line)
				break;
		if (k == nkeys) {
			xgrow(&keys, &cap_keys, nkeys + 1, sizeof(*keys));
			keys[nkeys++] = key;
		}
		frame_key[i] = (int)k;
		value_add(&s->files[key.file].lines[key.line].self, &fr->self);
	}
	sum_totals(p, s, keys, frame_key, nkeys);
	free(keys);
	free(frame_key);
	for (i = 0; i < s->nfiles; i++) {
		struct source_file *f = &s->files[i];

		qsort(f->lines, f->nlines, sizeof(*f->lines), cmp_lines);
		for (j = 0; j < f->nlines; j++) {
			value_add(&f->self, &f->lines[j].self);
			if (f->lines[j].total.count > f->max_total)
				f->max_total = f->lines[j].total.count;
		}
	}
	if (s->nfiles > 1)
		qsort(s->files, s->nfiles, sizeof(*s->files), cmp_files);
	return s;
}

void source_lines_free(struct source_lines *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].lines);
	free(s->files);
	free(s);
}

/* ---- path remap ------------------------------------------------------- */

int source_remap_parse(const char *arg, struct source_remap *out)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return -EINVAL;
	out->from = xstrndup(arg, (size_t)(eq - arg));
	out->to = xstrdup(eq + 1);
	/* "/build/" matches as "/build" does */
	while (strlen(out->from) > 1 && out->from[strlen(out->from) - 1] == '/')
		out->from[strlen(out->from) - 1] = '\0';
	return 0;
}

void source_remap_release(struct source_remap *r)
{
	free(r->from);
	free(r->to);
	r->from = r->to = NULL;
}

/* The remapped path if rule r matches path, else NULL. */
static char *remap_one(const struct source_remap *r, const char *path)
{
	size_t n = strlen(r->from);
	const char *rest;

	if (strncmp(path, r->from, n))
		return NULL;
	rest = path + n;
	if (*rest && *rest != '/' && !(n == 1 && r->from[0] == '/'))
		return NULL;	/* "/src" must not match "/srcfoo" */
	if (n == 1 && r->from[0] == '/' && *rest)
		return xasprintf("%s%s%s", r->to, *r->to && r->to[strlen(r->to) - 1] == '/' ?
				 "" : "/", rest);
	return xasprintf("%s%s", r->to, rest);
}

char *source_remap_path(const struct source_remap *maps, size_t nmaps, const char *path)
{
	size_t i;

	for (i = 0; i < nmaps; i++) {
		char *s = remap_one(&maps[i], path);

		if (s)
			return s;
	}
	return NULL;
}

/* ---- reading a source file -------------------------------------------- */

static bool pseudo_fs(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return false;
	return sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC ||
	       sfs.f_type == DEBUGFS_MAGIC || sfs.f_type == TRACEFS_MAGIC;
}

/* Read one candidate; 0 or -errno with *errmsg. */
static int read_candidate(const char *path, struct source_text **out, char **errmsg)
{
	struct source_text *s;
	struct stat stb;
	size_t cap, i;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		*errmsg = xasprintf("cannot open '%s': %s", sanitized(path), strerror(errno));
		return ret;
	}
	if (fstat(fd, &stb) || !S_ISREG(stb.st_mode) || pseudo_fs(fd)) {
		*errmsg = xasprintf("'%s' is not a regular file; not reading it", sanitized(path));
		close(fd);
		return -EINVAL;
	}
	if (stb.st_size > (off_t)SOURCE_MAX_BYTES) {
		*errmsg = xasprintf("'%s' is larger than %u MiB; not reading it", sanitized(path),
				    SOURCE_MAX_BYTES >> 20);
		close(fd);
		return -EFBIG;
	}
	s = xcalloc(1, sizeof(*s));
	cap = (size_t)stb.st_size + 1;
	s->data = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (s->size + 1 >= cap) {
			if (cap > SOURCE_MAX_BYTES) {
				ret = -EFBIG;
				*errmsg = xasprintf("'%s' is larger than %u MiB; not reading it",
						    sanitized(path), SOURCE_MAX_BYTES >> 20);
				break;
			}
			cap *= 2;
			s->data = xrealloc(s->data, cap);
		}
		n = read(fd, s->data + s->size, cap - 1 - s->size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			*errmsg = xasprintf("cannot read '%s': %s", sanitized(path),
					    strerror(errno));
			break;
		}
		if (!n)
			break;
		s->size += (size_t)n;
	}
	close(fd);
	if (ret) {
		source_text_free(s);
		return ret;
	}
	s->data[s->size] = '\0';
	s->path = xstrdup(path);
	cap = 0;
	for (i = 0; i < s->size; i++) {
		if (i == 0 || s->data[i - 1] == '\n') {
			xgrow(&s->starts, &cap, s->nlines + 1, sizeof(*s->starts));
			s->starts[s->nlines++] = i;
		}
	}
	*out = s;
	return 0;
}

int source_open(const char *path, const struct source_remap *maps, size_t nmaps,
		struct source_text **out, char **errmsg)
{
	char *first_err = NULL;
	int first_ret = 0, ret;
	size_t i;

	*out = NULL;
	*errmsg = NULL;
	if (!path || !*path) {
		*errmsg = xstrdup("the recording names no source file here");
		return -ENOENT;
	}
	/* every matching rule in order, then the path as recorded */
	for (i = 0; i <= nmaps; i++) {
		char *cand = i < nmaps ? remap_one(&maps[i], path) : xstrdup(path);
		char *err = NULL;

		if (!cand)
			continue;
		ret = read_candidate(cand, out, &err);
		free(cand);
		if (!ret) {
			free(err);
			free(first_err);
			return 0;
		}
		/* a file that exists but was refused says more than ENOENT */
		if (!first_err || (first_ret == -ENOENT && ret != -ENOENT)) {
			free(first_err);
			first_err = err;
			first_ret = ret;
		} else {
			free(err);
		}
	}
	if (first_ret == -ENOENT) {
		*errmsg = xasprintf("%s; use --source-path OLD=NEW to find it", first_err);
		free(first_err);
	} else {
		*errmsg = first_err;
	}
	return first_ret;
}

const char *source_text_line(const struct source_text *s, size_t n, size_t *len)
{
	size_t start, end;

	if (!n || n > s->nlines)
		return NULL;
	start = s->starts[n - 1];
	end = n < s->nlines ? s->starts[n] : s->size;
	if (end > start && s->data[end - 1] == '\n')
		end--;
	if (end > start && s->data[end - 1] == '\r')
		end--;
	*len = end - start;
	return s->data + start;
}

void source_text_free(struct source_text *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->data);
	free(s->starts);
	free(s);
}
