/* source.h - source lines of a function with their samples, and reading
 * the source file they point to: the query behind the UI's source view
 *
 * source_lines() groups the frames of one function by (file, line):
 *   self   samples whose leaf frame is at that line;
 *   total  samples with a frame of the function at that line anywhere on
 *          the stack, counted once per sample (recursion).
 *
 * source_open() reads a file named by a recording. The recording is
 * untrusted and the UI may run as root, so the file is opened read-only,
 * non-blocking and without becoming a controlling terminal; it must be a
 * regular file (fstat after open: FIFOs, devices, sockets and directories
 * are refused) outside /proc, /sys, debugfs and tracefs, and at most
 * SOURCE_MAX_BYTES long. A path remap, as gdb's substitute-path, lets a
 * build made elsewhere be found: a rule OLD=NEW rewrites a path that starts
 * with the directory OLD (OLD itself, or OLD followed by '/'); the matching
 * rules are tried in the order given, then the recorded path itself.
 */
#ifndef HOTSTACK_SOURCE_H
#define HOTSTACK_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define SOURCE_MAX_BYTES (16u << 20)

struct source_line {
	int line;
	struct profile_value self, total;
};

struct source_file {
	const char *path;		/* as recorded; points into the profile */
	struct source_line *lines;	/* by line number */
	size_t nlines;
	struct profile_value self;	/* sum of the lines' self */
	uint64_t max_total;		/* the largest line total */
};

struct source_lines {
	int func;
	struct source_file *files;	/* most self samples first, then path */
	size_t nfiles;
	struct profile_value no_line;	/* self of its frames without a line */
};

/* The lines of function func (an index into p->funcs); never fails. */
struct source_lines *source_lines(const struct profile *p, int func);
void source_lines_free(struct source_lines *s);

struct source_remap {
	char *from, *to;
};
/* Parse "OLD=NEW" (OLD not empty; NEW may be). Returns 0 or -EINVAL. */
int source_remap_parse(const char *arg, struct source_remap *out);
void source_remap_release(struct source_remap *r);
/* path rewritten by the first matching rule (malloc'd), or NULL. */
char *source_remap_path(const struct source_remap *maps, size_t nmaps, const char *path);

struct source_text {
	char *path;		/* the file that was read */
	char *data;		/* its bytes, NUL-terminated; raw: sanitize to print */
	size_t size;
	size_t *starts;		/* line i (1-based) starts at data + starts[i - 1] */
	size_t nlines;
};

/*
 * Read the file a recording calls path, through the remap rules. Returns 0,
 * or a negative errno with a one-line *errmsg (malloc'd): -ENOENT when no
 * candidate exists, -EINVAL for a file that is not a regular file, -EFBIG
 * when too large, or what open/read failed with.
 */
int source_open(const char *path, const struct source_remap *maps, size_t nmaps,
		struct source_text **out, char **errmsg);
/* Line n (1-based) without its newline: its start, *len its length; NULL
 * past the end. */
const char *source_text_line(const struct source_text *s, size_t n, size_t *len);
void source_text_free(struct source_text *s);

#endif
