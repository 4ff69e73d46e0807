/* fuzz-import-folded.c - `hotstack import` of folded stacks (cmd-import.c) */
#include "config.h"

#include "cmd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_arm();
	if (setjmp(fuzz_jmp)) {
		import_parse_abort();	/* a die() on bad input */
		return 0;
	}
	import_parse((const char *)data, size, 1);
	return 0;
}
