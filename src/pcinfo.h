/* pcinfo.h - one address to frames (function, module, file:line, inlined
 * calls) through the process's libdw Dwfl (space.h)
 *
 * The one place that asks libdw what is at an address: the recorder's
 * symbolizer (symbol.c) interns what it returns, with a cache per (module,
 * offset); one-shot output such as `hotstack stacks` prints it directly.
 */
#ifndef HOTSTACK_PCINFO_H
#define HOTSTACK_PCINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "space.h"

#define PCINFO_MAX_INLINE 32

struct pcinfo {
	char *function;		/* never NULL: "module+0xoff" when unknown;
				 * readable: demangled (demangle.h), inline
				 * frames qualified ("ns::Acc::step(int)") */
	char *linkage;		/* the linkage (mangled) name when it differs
				 * from function, else NULL */
	char *module;		/* path of the mapping, "[unknown]" if unmapped */
	char *file;		/* source file or NULL */
	int line;		/* 0 if unknown */
	bool is_inline;		/* an inlined call inside the next entry */
	uint64_t offset;	/* pc - start of the function symbol, or of the
				 * module (file offset) when there is no symbol */
	bool have_symbol;	/* offset is from the function symbol */
};

/*
 * Describes pc (an exact pc or a call site) in space s: the inlined calls
 * at pc innermost first, then the function holding it. Fills at most max
 * entries and returns how many (at least 1 when max >= 1). Free each with
 * pcinfo_release.
 */
int pcinfo_lookup(struct space *s, uint64_t pc, struct pcinfo *out, int max);
void pcinfo_release(struct pcinfo *p);

/*
 * [*start, *end): the range of the FDE holding addr, an address of the ELF
 * file (load bias removed), from the linker's .eh_frame_hdr search table.
 * Code without a symbol is named after its FDE's start, one name per
 * function. Returns 0, or -ENOENT (no table, addr in no FDE). Exposed for
 * the unit tests.
 */
int pcinfo_fde_range(Elf *elf, uint64_t addr, uint64_t *start, uint64_t *end);

#endif
