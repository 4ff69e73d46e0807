/* jit.c - test target that runs code from anonymous executable memory and
 * describes it in /tmp/perf-PID.map, the way JIT compilers do for perf
 *
 * usage: jit [SECONDS [nomap]]
 *
 * Copies a tiny counting loop into an RWX mapping, writes
 * "ADDR SIZE jitted_hot_loop" to /tmp/perf-PID.map, calls the code until
 * SECONDS (default 2) of wall time passed, removes the map file and exits.
 * With "nomap" it writes no map and prints "ready ADDR SIZE" instead, for
 * tests that plant maps of their own. With "hostile" the code is named
 * HOSTILE_NAME below and the thread HOSTILE_THREAD: markup, a ';' (a folded
 * stack separator) and terminal escapes (C0 ESC and C1 CSI, both as the raw
 * byte 0x9b and as U+009B), for the sanitizing tests.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* x86_64: mov rax, rdi; 1: dec rax; jnz 1b; ret */
static const unsigned char loop_code[] = {
	0x48, 0x89, 0xf8,		/* mov %rdi,%rax */
	0x48, 0xff, 0xc8,		/* dec %rax */
	0x75, 0xfb,			/* jnz -5 */
	0xc3,				/* ret */
};

#define HOSTILE_NAME "</text><script>alert(1)</script>;semi\033[2J\x9b" "1m\xc2\x9b" "2m"
#define HOSTILE_THREAD "\033[31mred\x9b" "1m"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0, end;
	char path[64];
	uint64_t (*fn)(uint64_t);
	void *code;
	FILE *f;

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (code == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(code, loop_code, sizeof(loop_code));
	fn = (uint64_t (*)(uint64_t))code;
	if (argc > 2 && !strcmp(argv[2], "nomap")) {
		printf("ready %lx %zx\n", (unsigned long)(uintptr_t)code, sizeof(loop_code));
		fflush(stdout);
		end = now() + seconds;
		while (now() < end)
			fn(1000000);
		return 0;
	}
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	if (argc > 2 && !strcmp(argv[2], "hostile"))
		prctl(PR_SET_NAME, HOSTILE_THREAD, 0, 0, 0);
	fprintf(f, "%lx %zx %s\n", (unsigned long)(uintptr_t)code, sizeof(loop_code),
		argc > 2 && !strcmp(argv[2], "hostile") ? HOSTILE_NAME : "jitted_hot_loop");
	fclose(f);
	printf("ready\n");
	fflush(stdout);
	end = now() + seconds;
	while (now() < end)
		fn(1000000);
	unlink(path);
	return 0;
}
