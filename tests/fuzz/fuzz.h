/* fuzz.h - shared by the libFuzzer targets and the replay driver
 *
 * Each tests/fuzz/fuzz-NAME.c defines LLVMFuzzerTestOneInput() over one of
 * hotstack's parsers. Built with --enable-fuzzing they link libFuzzer
 * (make fuzz); always, they link replay.c and `make check` replays the
 * corpus and every crash reproducer in tests/fuzz/corpus/NAME/ through them.
 *
 * Bad input makes hotstack's command-level parsers die(): FUZZ_GUARD()
 * turns that into a return from the target (die_hook longjmps back), so
 * only crashes, sanitizer reports and hangs count.
 */
#ifndef HOTSTACK_FUZZ_H
#define HOTSTACK_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

extern jmp_buf fuzz_jmp;
void fuzz_arm(void);
/* Whether the target died (through die()) since fuzz_arm(). */
#define FUZZ_GUARD()                    \
	do {                            \
		fuzz_arm();             \
		if (setjmp(fuzz_jmp))   \
			return 0;       \
	} while (0)

/* data as a NUL-terminated malloc'd string (NULs inside become '\n'). */
char *fuzz_string(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
