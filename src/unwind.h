/* unwind.h - DWARF CFI unwinding of sampled user stacks with libdw
 *
 * Each sample carries the user registers and a copy of the top of the user
 * stack; libdw evaluates the CFI (.eh_frame/.debug_frame) of the modules
 * reported in the process's persistent Dwfl (space.h) over that copy.
 * Chosen over libunwind for the copied-stack case because it reads
 * .debug_frame too, needs no eh_frame_hdr plumbing of our own, shares its
 * Dwfl with the symbolizer, and measured as fast here (~360k unwinds/s).
 */
#ifndef HOTSTACK_UNWIND_H
#define HOTSTACK_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "sampler.h"
#include "space.h"

#define UNWIND_MAX_FRAMES 1024

struct unwinder;

struct unwinder *unwinder_new(void);
void unwinder_free(struct unwinder *u);
/* The address spaces the unwinder unwinds in (owned by the unwinder). */
struct spaces *unwinder_spaces(struct unwinder *u);

/*
 * Unwinds the user stack of a sample taken in space s. pcs[0] is the
 * interrupted user pc; the following entries are call sites (return
 * address - 1, so they symbolize to the calling line). Returns the number
 * of frames; *complete is true if the unwind reached the outermost frame
 * (CFI marked the end), false if it stopped early (missing CFI, stack copy
 * too short, depth limit).
 */
int unwinder_unwind(struct unwinder *u, struct space *s, const struct sampler_event *ev,
		    uint64_t *pcs, int max, bool *complete);

#endif
