/* symbol.h - addresses to frames: function, module, source line, inlines
 *
 * User code is symbolized with libdw through the process's Dwfl (space.h):
 * DWARF names, file:line and inlined calls where debug info exists (also
 * found by build-id under /usr/lib/debug), .symtab/.dynsym otherwise, and
 * "module+0xoffset" when there is no symbol at all. JIT code is looked up
 * in /tmp/perf-PID.map; kernel addresses in /proc/kallsyms.
 * Results are cached per (module, file offset), so each distinct pc is
 * symbolized once whatever the process.
 */
#ifndef HOTSTACK_SYMBOL_H
#define HOTSTACK_SYMBOL_H

#include <stddef.h>
#include <stdint.h>

#include "space.h"
#include "stacktree.h"

#define SYMBOL_MAX_INLINE 32

struct symbolizer;

struct symbolizer *symbolizer_new(struct stacktree *tree);
void symbolizer_free(struct symbolizer *sy);
/*
 * Frame ids for a user pc in space s, innermost first: the inlined calls
 * at pc (if any), then the function holding pc. Stores at most max ids and
 * returns how many (at least 1).
 */
int symbolizer_user(struct symbolizer *sy, struct space *s, uint64_t pc, int64_t *ids, int max);
/* Loads /proc/kallsyms now rather than at the first kernel frame, so the
 * recording loop does not stall on it while samples pile up. */
void symbolizer_load_kernel(struct symbolizer *sy);
/* Frame id for a kernel pc (from /proc/kallsyms, loaded on first use). */
int64_t symbolizer_kernel(struct symbolizer *sy, uint64_t pc);

/* One line of /proc/kallsyms, "ADDR TYPE NAME [\t[MODULE]]", of any
 * length: name and module point into the line (not NUL-terminated). */
struct kallsyms_line {
	uint64_t addr;
	char type;
	const char *name;
	size_t namelen;
	const char *module;	/* "[mod]", or NULL for the kernel itself */
	size_t modlen;
};
/* Parses the len bytes at line into *out; returns 1 for a function symbol
 * (type t, T, w or W at a non-zero address), else 0. The one kallsyms
 * line reader: the symbolizer and blocked.c's wait-site lookup use it. */
int kallsyms_parse_line(const char *line, size_t len, struct kallsyms_line *out);

/* Exposed for tests: parse kallsyms text; returns the number of symbols. */
int symbolizer_load_kallsyms(struct symbolizer *sy, const char *text);

#endif
