/* heartbeat.c - a target for the attach tests (t90*): spins in hot_old()
 * until SIGUSR1, then in hot_new(); every 20 ms of wall time it notes the
 * longest gap between two of its loop turns, and once a second it prints
 * "beat N maxgap_us G" (G: the longest gap since the last beat), so a test
 * sees whether the process was ever stopped for long.
 * With an argument SECS it exits after SECS seconds; a second argument MS
 * beats every MS milliseconds instead of every second (the fault-injection
 * tests, tests/faults, check each run's gaps within a tenth of a second).
 * Each beat also says "maxstop_us S": the longest gap less the time the
 * process waited for a CPU in it (run_delay of /proc/self/schedstat), so
 * the time it was held stopped or blocked, not what a loaded machine's
 * scheduler took (S is G where schedstat is missing).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t switched;
static volatile unsigned long sink;

static void on_usr1(int sig)
{
	(void)sig;
	switched = 1;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

__attribute__((noinline)) static void hot_old(void)
{
	unsigned long i;

	for (i = 0; i < 20000; i++)
		sink += i * 3;
}

__attribute__((noinline)) static void hot_new(void)
{
	unsigned long i;

	for (i = 0; i < 20000; i++)
		sink ^= i * 7;
}

/* The time this process waited on a runqueue so far (ns), or -1. */
static long long run_delay(int fd)
{
	char buf[128];
	long long run, wait;
	ssize_t n;

	if (fd < 0 || (n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return -1;
	buf[n] = '\0';
	return sscanf(buf, "%lld %lld", &run, &wait) == 2 ? wait : -1;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	long long period = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) * 1000LL : 1000000;
	long long start = now_us(), last = start, next_beat = start + period, gap = 0, stop = 0;
	int sched_fd = open("/proc/self/schedstat", O_RDONLY | O_CLOEXEC);
	long long waited = run_delay(sched_fd);
	unsigned long beat = 0;

	signal(SIGUSR1, on_usr1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("heartbeat pid %d\n", (int)getpid());
	for (;;) {
		long long t, w, held;

		if (switched)
			hot_new();
		else
			hot_old();
		t = now_us();
		w = run_delay(sched_fd);
		held = t - last - (w >= 0 && waited >= 0 ? (w - waited) / 1000 : 0);
		waited = w;
		if (t - last > gap)
			gap = t - last;
		if (held > stop)
			stop = held;
		last = t;
		if (t >= next_beat) {
			printf("beat %lu maxgap_us %lld maxstop_us %lld%s\n", ++beat, gap, stop,
			       switched ? " new" : "");
			gap = stop = 0;
			next_beat += period;
		}
		if (secs > 0 && t - start >= (long long)(secs * 1e6))
			return 0;
	}
}
