/* fuzz-perfmap.c - /tmp/perf-PID.map parsing and lookup (perfmap.c), fed
 * in two pieces as a growing map is */
#include "config.h"

#include "fuzz.h"
#include "perfmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perfmap m;
	size_t half = size / 2, used, i;

	perfmap_init(&m, 1);
	used = perfmap_parse(&m, (const char *)data, half);
	perfmap_parse(&m, (const char *)data + used, size - used);
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t pc;

		__builtin_memcpy(&pc, data + i, sizeof(pc));
		perfmap_lookup(&m, pc);
		if (m.n)
			perfmap_lookup(&m, m.syms[pc % m.n].start + pc % 64);
	}
	perfmap_release(&m);
	return 0;
}
