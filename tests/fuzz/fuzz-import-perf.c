/* fuzz-import-perf.c - `hotstack import` of perf script text (cmd-import.c) */
#include "config.h"

#include "cmd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_GUARD();
	import_parse((const char *)data, size, 2);
	return 0;
}
