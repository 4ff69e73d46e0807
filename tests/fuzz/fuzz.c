/* fuzz.c - die() guard and helpers for the fuzz targets (fuzz.h) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fuzz.h"
#include "util.h"

jmp_buf fuzz_jmp;

static void fuzz_die_hook(void)
{
	longjmp(fuzz_jmp, 1);
}

void fuzz_arm(void)
{
	die_hook = fuzz_die_hook;
}

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	size_t i;

	memcpy(s, data, size);
	for (i = 0; i < size; i++)
		if (!s[i])
			s[i] = '\n';
	s[size] = '\0';
	return s;
}

/* main.c's helpers, which cmd-import.c refers to; the targets have no main.c */
int cmd_wants_help(int argc UNUSED, char **argv UNUSED)
{
	return 0;
}

int cmd_print_help(const char *text UNUSED)
{
	return 0;
}

void cmd_warn_moved(const char *path UNUSED, const char *moved_to UNUSED)
{
}
