/* liveprog.c - small programs for tests/bench/live.sh
 *
 * usage: liveprog stamp
 *            prints the CLOCK_MONOTONIC time at main, in ns ("main NS")
 *        liveprog exec FILE COMMAND [ARGS...]
 *            writes the CLOCK_MONOTONIC time to FILE, then execs COMMAND:
 *            with `liveprog exec t0 hotstack record -- liveprog stamp` the
 *            difference is the delay from hotstack's exec to the target's
 *            first instruction
 *        liveprog switch RATE SECONDS
 *            two threads hand a byte back and forth over pipes, paced to
 *            about RATE context switches a second in all (a 1 ms tick
 *            included), for SECONDS; prints the switches the kernel counted
 *            ("switches N seconds S rate R")
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int ping[2], pong[2];

/* the other side: echo every byte back until the pipe closes */
static void *echo_main(void *arg)
{
	char c;

	(void)arg;
	while (read(ping[0], &c, 1) == 1)
		if (write(pong[1], &c, 1) != 1)
			break;
	return NULL;
}

static long switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* a round trip blocks each thread at most once, and a reply can be ready
 * before the read: the pace follows the kernel's own count of switches */
static int run_switch(double rate, double secs)
{
	long long start, end;
	struct timespec tick;
	long base, n;
	pthread_t t;
	char c = 'x';

	if (rate < 1000 || secs <= 0) {
		fprintf(stderr, "liveprog: switch needs RATE >= 1000 and SECONDS > 0\n");
		return 64;
	}
	if (pipe(ping) || pipe(pong) || pthread_create(&t, NULL, echo_main, NULL)) {
		perror("liveprog: switch");
		return 2;
	}
	base = switches();
	start = now_ns();
	end = start + (long long)(secs * 1e9);
	clock_gettime(CLOCK_MONOTONIC, &tick);
	for (;;) {
		long long now = now_ns();
		long due;
		int i;

		if (now >= end)
			break;
		due = (long)((now - start) / 1e9 * rate);
		while (switches() - base < due)
			for (i = 0; i < 4; i++)
				if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
					perror("liveprog: switch");
					return 2;
				}
		tick.tv_nsec += 1000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_sec++;
			tick.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
	}
	close(ping[1]);
	pthread_join(t, NULL);
	n = switches() - base;
	secs = (now_ns() - start) / 1e9;
	printf("switches %ld seconds %.3f rate %.0f\n", n, secs, n / secs);
	return 0;
}

int main(int argc, char **argv)
{
	long long t = now_ns();

	if (argc == 2 && !strcmp(argv[1], "stamp")) {
		printf("main %lld\n", t);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "exec")) {
		FILE *f = fopen(argv[2], "w");

		if (!f || fprintf(f, "%lld\n", now_ns()) < 0 || fclose(f)) {
			perror(argv[2]);
			return 2;
		}
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		return 127;
	}
	if (argc == 4 && !strcmp(argv[1], "switch"))
		return run_switch(atof(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: liveprog stamp | exec FILE COMMAND... | switch RATE SECONDS\n");
	return 64;
}
