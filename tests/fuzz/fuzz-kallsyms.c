/* fuzz-kallsyms.c - /proc/kallsyms parsing and kernel lookups (symbol.c) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stacktree.h"
#include "symbol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stacktree *t = stacktree_new();
	struct symbolizer *sy = symbolizer_new(t);
	char *text = fuzz_string(data, size);
	size_t i;

	symbolizer_load_kallsyms(sy, text);
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t pc;

		memcpy(&pc, data + i, sizeof(pc));
		symbolizer_kernel(sy, pc);
	}
	free(text);
	symbolizer_free(sy);
	stacktree_free(t);
	return 0;
}
