/* blocker.c - a target for `hotstack stacks`: threads blocked in known
 * system calls, and helpers for the bad-input tests
 *
 * usage: blocker [SECONDS]        threads (named) blocked until SECONDS pass:
 *                                   "reader"  read() on a pipe nobody writes
 *                                   "sleeper" nanosleep() of SECONDS
 *                                   "waiter"  pthread_cond_wait() (futex)
 *                                   "spinner" a busy loop in spin_here()
 *                                 the main thread ("blocker\033[1m", a name
 *                                 with an escape sequence) joins them; prints "ready"
 *                                 once every thread is in place, and at the
 *                                 end "eintr N" (calls that failed with EINTR)
 *                                 and the spinner's checksum
 *        blocker seize PID SECS   hold PID seized with ptrace (another tracer)
 *        blocker zombie SECS      fork a child that exits at once and leave
 *                                 it unreaped; prints its pid
 *        blocker vfork SECS       the main thread waits in vfork() (state D)
 *                                 while the child sleeps SECS; prints "ready"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds = 10;
static int pipefd[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static volatile int done;
static volatile int ready_count;
static volatile long eintr_count;
static volatile uint64_t spin_result;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mark_ready(void)
{
	__atomic_add_fetch(&ready_count, 1, __ATOMIC_SEQ_CST);
}

static void *reader(void *arg)
{
	char c;

	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	mark_ready();
	for (;;) {
		ssize_t n = read(pipefd[0], &c, 1);

		if (n < 0 && errno == EINTR) {
			eintr_count++;
			continue;
		}
		break;	/* EOF: the write end was closed at the end */
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };

	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	mark_ready();
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		eintr_count++;
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waiter");
	pthread_mutex_lock(&lock);
	mark_ready();
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static __attribute__((noinline)) uint64_t spin_here(uint64_t x, long rounds)
{
	long i;

	for (i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void *spinner(void *arg)
{
	uint64_t x;

	(void)arg;
	pthread_setname_np(pthread_self(), "spinner");
	mark_ready();
	do {
		x = spin_here(0x5eed, 1000000);
		__asm__ __volatile__("" : : "r"(x));
	} while (!done);
	spin_result = x;
	return NULL;
}

static int run_threads(void)
{
	void *(*fns[])(void *) = { reader, sleeper, waiter, spinner };
	pthread_t t[4];
	double end;
	int i;

	if (pipe(pipefd)) {
		perror("blocker: pipe");
		return 1;
	}
	end = now() + seconds;
	/* a name a terminal would obey: hotstack must print it escaped */
	pthread_setname_np(pthread_self(), "blocker\033[1m");
	for (i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, fns[i], NULL)) {
			fprintf(stderr, "blocker: pthread_create failed\n");
			return 1;
		}
	while (ready_count < 4)
		usleep(1000);
	usleep(20000);	/* let them reach their calls */
	printf("ready\n");
	fflush(stdout);
	while (now() < end) {
		struct timespec ts = { 0, 50000000 };

		if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
			eintr_count++;
	}
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	close(pipefd[1]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("eintr %ld\nchecksum %016" PRIx64 "\n", eintr_count, spin_result);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "seize") && argc == 4) {
		pid_t pid = (pid_t)atoi(argv[2]);

		if (ptrace(PTRACE_SEIZE, pid, NULL, NULL)) {
			perror("blocker: PTRACE_SEIZE");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		sleep((unsigned)atoi(argv[3]));
		return 0;	/* exiting detaches */
	}
	if (argc > 1 && !strcmp(argv[1], "zombie") && argc == 3) {
		pid_t child = fork();

		if (child == 0)
			_exit(0);
		printf("%d\n", (int)child);
		fflush(stdout);
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "vfork") && argc == 3) {
		unsigned secs = (unsigned)atoi(argv[2]);
		pid_t child;

		printf("ready\n");
		fflush(stdout);
		/* the parent waits in vfork until the child exits */
		child = vfork();
		if (child == 0) {
			struct timespec ts = { (time_t)secs, 0 };

			syscall(SYS_nanosleep, &ts, NULL);
			_exit(0);
		}
		waitpid(child, NULL, 0);
		printf("resumed\n");
		return 0;
	}
	if (argc > 2 || (argc == 2 && (seconds = atof(argv[1])) <= 0)) {
		fprintf(stderr, "usage: blocker [SECONDS] | seize PID SECS | zombie SECS | vfork SECS\n");
		return 2;
	}
	return run_threads();
}
