/* waits.c - a program that waits in known ways for known times
 *
 * usage: waits [SECONDS] [DIR]   (default 1.0 s; DIR for the fsync file, /tmp)
 *
 * Threads, each blocking in one kind of call for about SECONDS:
 *   pipe-reader  read() of a pipe that pipe-writer feeds one byte per 10 ms
 *   syncer       write() + fsync() of DIR/hotstack-waits-PID.tmp
 *   sleeper      nanosleep() of 5 ms at a time
 *   cond-waiter  pthread_cond_wait() on a condition cond-signaler signals
 *                every 10 ms, under a mutex it holds half the time
 *   server       accept() then recv() on 127.0.0.1, from client, which
 *                connects after 100 ms and sends 16 bytes every 10 ms
 * Each thread measures the time it spent inside its blocking call and the
 * program prints one line per call: "truth CALL SECONDS", the ground truth
 * a profiler's wait times are checked against.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static double seconds = 1.0;
static const char *dir = "/tmp";
static int pipefd[2];
static int listen_fd;
static unsigned short port;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ticks;
static volatile int stop_signaler;

static double t_read, t_fsync, t_sleep, t_cond, t_accept, t_recv;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static NOINLINE void *pipe_writer(void *arg)
{
	int i, n = (int)(seconds * 100);

	(void)arg;
	for (i = 0; i < n; i++) {
		pause_ms(10);
		if (write(pipefd[1], "x", 1) != 1)
			break;
	}
	close(pipefd[1]);
	return NULL;
}

static NOINLINE void *wait_pipe(void *arg)
{
	char c;

	(void)arg;
	for (;;) {
		double t0 = now();
		ssize_t n = read(pipefd[0], &c, 1);

		t_read += now() - t0;
		if (n <= 0)
			break;
	}
	return NULL;
}

static NOINLINE void *sync_file(void *arg)
{
	char path[4096], buf[4096];
	double end = now() + seconds;
	int fd;

	(void)arg;
	memset(buf, 'w', sizeof(buf));
	snprintf(path, sizeof(path), "%s/hotstack-waits-%d.tmp", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return NULL;
	}
	while (now() < end) {
		double t0;

		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
		t0 = now();
		fsync(fd);
		t_fsync += now() - t0;
	}
	close(fd);
	unlink(path);
	return NULL;
}

static NOINLINE void *sleep_ticks(void *arg)
{
	double end = now() + seconds;

	(void)arg;
	while (now() < end) {
		struct timespec ts = { 0, 5000000L };
		double t0 = now();

		nanosleep(&ts, NULL);
		t_sleep += now() - t0;
	}
	return NULL;
}

static NOINLINE void *cond_signaler(void *arg)
{
	(void)arg;
	while (!stop_signaler) {
		pthread_mutex_lock(&lock);
		ticks++;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&lock);
		pause_ms(10);
	}
	return NULL;
}

static NOINLINE void *wait_cond(void *arg)
{
	double end = now() + seconds;
	int seen = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (now() < end) {
		double t0 = now();

		while (ticks == seen)
			pthread_cond_wait(&cond, &lock);
		t_cond += now() - t0;
		seen = ticks;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static NOINLINE void *client(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, i, n = (int)((seconds - 0.1) * 100);
	char msg[16];

	(void)arg;
	pause_ms(100);
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		return NULL;
	}
	memset(msg, 'm', sizeof(msg));
	for (i = 0; i < n; i++) {
		pause_ms(10);
		if (send(fd, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
			break;
	}
	close(fd);
	return NULL;
}

static NOINLINE int accept_client(void)
{
	double t0 = now();
	int fd = accept(listen_fd, NULL, NULL);

	t_accept += now() - t0;
	return fd;
}

static NOINLINE void *recv_messages(void *arg)
{
	char buf[64];
	int fd = accept_client();

	(void)arg;
	if (fd < 0)
		return NULL;
	for (;;) {
		double t0 = now();
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		t_recv += now() - t0;
		if (n <= 0)
			break;
	}
	close(fd);
	return NULL;
}

static int listen_loopback(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 4) || getsockname(listen_fd, (struct sockaddr *)&sa, &len)) {
		perror("listen");
		return -1;
	}
	port = ntohs(sa.sin_port);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void *(*fn)(void *);
	} threads[] = {
		{ "pipe-writer", pipe_writer }, { "pipe-reader", wait_pipe },
		{ "syncer", sync_file },	{ "sleeper", sleep_ticks },
		{ "cond-signaler", cond_signaler }, { "cond-waiter", wait_cond },
		{ "server", recv_messages },	{ "client", client },
	};
	pthread_t tids[sizeof(threads) / sizeof(threads[0])];
	size_t i, n = sizeof(threads) / sizeof(threads[0]);

	if (argc > 1)
		seconds = atof(argv[1]);
	if (argc > 2)
		dir = argv[2];
	if (argc > 3 || seconds < 0.2 || seconds > 3600) {
		fprintf(stderr, "usage: waits [SECONDS>=0.2] [DIR]\n");
		return 2;
	}
	if (pipe(pipefd) || listen_loopback())
		return 1;
	printf("listening 127.0.0.1:%u\n", port);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		pthread_create(&tids[i], NULL, threads[i].fn, NULL);
		pthread_setname_np(tids[i], threads[i].name);
	}
	for (i = 0; i < n; i++) {
		if (threads[i].fn == cond_signaler)
			continue;
		pthread_join(tids[i], NULL);
	}
	stop_signaler = 1;
	for (i = 0; i < n; i++)
		if (threads[i].fn == cond_signaler)
			pthread_join(tids[i], NULL);
	printf("truth read %.6f\ntruth fsync %.6f\ntruth nanosleep %.6f\n"
	       "truth cond_wait %.6f\ntruth accept %.6f\ntruth recv %.6f\n",
	       t_read, t_fsync, t_sleep, t_cond, t_accept, t_recv);
	return 0;
}
