/* fuzz-symbol.c - the symbolizer and the unwinder on mutated ELF/DWARF files
 *
 * The input is an ELF file. It is written to a memfd and mapped, as an
 * executable mapping (at FUZZ_BASE, or for ET_EXEC at its entry point's
 * page) of a process that has exited, so that space.c opens the mapping by
 * its path, /proc/self/fd/N, and nothing reads /proc of a live process.
 * Then symbolizer_user() (pcinfo.c's names, inlines, lines and FDE ranges
 * through libdw) runs at the entry point and at addresses spread over the
 * file, and unwinder_unwind() runs libdw's CFI over a fake sample at each,
 * whose stack copy is the input; the callers found are symbolized too.
 */
#define _GNU_SOURCE
#include "config.h"

#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "stacktree.h"
#include "symbol.h"
#include "unwind.h"

#define FUZZ_BASE 0x555500000000ull
#define FUZZ_PID 0x3ffffff0
#define FUZZ_SP 0x7ffd00000000ull
#define NPCS 17

static int memfd = -1;

static int put_input(const uint8_t *data, size_t size)
{
	if (memfd < 0)
		memfd = memfd_create("hotstack-fuzz-elf", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 0) < 0)
		return -1;
	return pwrite(memfd, data, size, 0) == (ssize_t)size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unwinder *u;
	struct stacktree *t;
	struct symbolizer *sy;
	struct space *s;
	struct sampler_event ev;
	uint64_t pcs[16], len, entry = 0, base = FUZZ_BASE, pc[NPCS];
	uint16_t type;
	int64_t ids[SYMBOL_MAX_INLINE + 1];
	char path[64];
	bool complete;
	int i;

	if (size < 64 || size > (1 << 20) || put_input(data, size))
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	len = (size + 4095) & ~4095ull;
	memcpy(&type, data + 16, sizeof(type));	/* e_type */
	memcpy(&entry, data + 24, sizeof(entry));	/* e_entry of ELFCLASS64 */
	if (type == ET_EXEC && entry >= 4096 && entry < (1ull << 46))
		base = entry & ~4095ull;
	u = unwinder_new();
	t = stacktree_new();
	sy = symbolizer_new(t);
	s = spaces_get(unwinder_spaces(u), FUZZ_PID, true);
	spaces_exit(unwinder_spaces(u), FUZZ_PID);
	space_add_map(s, base, len, 0, path, NULL, 0);

	pc[0] = type == ET_EXEC ? entry : base + (entry < len ? entry : 0);
	for (i = 1; i < NPCS; i++)
		pc[i] = base + size * (uint64_t)(i - 1) / (NPCS - 1);
	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_SAMPLE;
	ev.pid = ev.tid = FUZZ_PID;
	ev.sample.have_regs = true;
	ev.sample.user_mode = true;
	ev.sample.stack = data;
	ev.sample.stack_size = size & ~7ull;
	for (i = 0; i < NPCS; i++) {
		int n = symbolizer_user(sy, s, pc[i], ids, (int)(sizeof(ids) / sizeof(ids[0])));
		int k;

		if (n < 1)
			abort();
		memset(ev.sample.regs, 0, sizeof(ev.sample.regs));
		ev.sample.regs[6] = FUZZ_SP + 64;	/* rbp */
		ev.sample.regs[7] = FUZZ_SP;		/* rsp */
		ev.sample.regs[16] = pc[i];		/* rip */
		ev.sample.ip = pc[i];
		n = unwinder_unwind(u, s, &ev, pcs, (int)(sizeof(pcs) / sizeof(pcs[0])), &complete);
		/* and the callers it found, as the recorder does */
		for (k = 1; k < n; k++)
			symbolizer_user(sy, s, pcs[k], ids, (int)(sizeof(ids) / sizeof(ids[0])));
	}
	symbolizer_free(sy);
	stacktree_free(t);
	unwinder_free(u);
	return 0;
}
