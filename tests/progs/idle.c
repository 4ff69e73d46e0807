/* idle.c - a server at rest: every thread asleep in the kernel, for the
 * tests of what hotstack reads without stopping anything
 *
 * usage: idle SECONDS [vla]
 *   main thread ("idle")   epoll_wait() on a pipe nobody writes, through
 *                          serve() -> wait_events()
 *   "sleeper"              nanosleep() of SECONDS, through nap() -> nap_long()
 *   "reader"               read() on a pipe, through drain() -> read_pipe():
 *                          standard input if it is a pipe or FIFO (each "e"
 *                          read makes it print "eintr N" then read on; at
 *                          EOF it ends), else a pipe nobody writes
 *   "vla" (with vla)       nanosleep() from a function with a variable-length
 *                          array (its frame is found through rbp, not rsp)
 * Prints "ready" once every thread is in place. Each call that fails with
 * EINTR is counted and retried for the time left; at the end (SECONDS)
 * prints "eintr N" and exits 0. Built -O2 without frame pointers, as
 * distributions build servers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double seconds;
static int pipe_epoll[2], pipe_read[2];
static volatile int ready_count;
static volatile long eintr_count;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timespec span(double s)
{
	struct timespec ts;

	if (s < 0)
		s = 0;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	return ts;
}

static void mark_ready(void)
{
	__atomic_add_fetch(&ready_count, 1, __ATOMIC_SEQ_CST);
}

static void count_eintr(void)
{
	__atomic_add_fetch(&eintr_count, 1, __ATOMIC_SEQ_CST);
}

static __attribute__((noinline)) int wait_events(int ep, double end)
{
	struct epoll_event ev;
	int n;

	for (;;) {
		double left = end - now();

		if (left <= 0)
			return 0;
		n = epoll_wait(ep, &ev, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR) {
			count_eintr();
			continue;
		}
		if (n <= 0)
			return n;
	}
}

static __attribute__((noinline)) int serve(double end)
{
	struct epoll_event ev;
	int ep = epoll_create1(0), r;

	if (ep < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, pipe_epoll[0], &ev))
		return -1;
	r = wait_events(ep, end);
	close(ep);
	return r;
}

static __attribute__((noinline)) void nap_long(double end)
{
	struct timespec ts = span(end - now());

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		count_eintr();
}

static __attribute__((noinline)) void nap(double end)
{
	mark_ready();
	nap_long(end);
}

static void *sleeper(void *arg)
{
	pthread_setname_np(pthread_self(), "sleeper");
	nap(*(double *)arg);
	return NULL;
}

static __attribute__((noinline)) void read_pipe(int fd)
{
	char c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR) {
			count_eintr();
			continue;
		}
		if (n == 1 && c == 'e') {
			printf("eintr %ld\n", __atomic_load_n(&eintr_count, __ATOMIC_SEQ_CST));
			fflush(stdout);
		}
		if (n <= 0)
			break;	/* EOF: the write end is closed at the end */
	}
}

static __attribute__((noinline)) void drain(int fd)
{
	mark_ready();
	read_pipe(fd);
}

static void *reader(void *arg)
{
	struct stat st;
	int fd = pipe_read[0];

	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	if (!fstat(0, &st) && S_ISFIFO(st.st_mode))
		fd = 0;
	drain(fd);
	return NULL;
}

/* a variable-length array makes gcc address the frame through rbp */
static __attribute__((noinline)) void nap_vla(double end, int n)
{
	volatile char buf[n];
	struct timespec ts = span(end - now());

	buf[0] = 1;
	mark_ready();
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		count_eintr();
	buf[n - 1] = buf[0];
}

static void *vla(void *arg)
{
	pthread_setname_np(pthread_self(), "vla");
	nap_vla(*(double *)arg, 64 + (int)(*(double *)arg) % 7);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[3];
	int nthreads = 2, i;
	double end;

	if (argc < 2 || argc > 3 || (seconds = atof(argv[1])) <= 0 ||
	    (argc == 3 && strcmp(argv[2], "vla"))) {
		fprintf(stderr, "usage: idle SECONDS [vla]\n");
		return 2;
	}
	if (pipe(pipe_epoll) || pipe(pipe_read)) {
		perror("idle: pipe");
		return 1;
	}
	end = now() + seconds;
	pthread_setname_np(pthread_self(), "idle");
	if (pthread_create(&t[0], NULL, sleeper, &end) || pthread_create(&t[1], NULL, reader, NULL) ||
	    (argc == 3 && (nthreads = 3, pthread_create(&t[2], NULL, vla, &end)))) {
		fprintf(stderr, "idle: pthread_create failed\n");
		return 1;
	}
	/* the threads reach their calls; serve() blocks a moment later */
	while (__atomic_load_n(&ready_count, __ATOMIC_SEQ_CST) < nthreads)
		usleep(1000);
	printf("ready\n");
	fflush(stdout);
	serve(end);
	close(pipe_read[1]);
	/* not the reader: it may read a standard input that stays open */
	for (i = 0; i < nthreads; i++)
		if (i != 1)
			pthread_join(t[i], NULL);
	printf("eintr %ld\n", eintr_count);
	return 0;
}
