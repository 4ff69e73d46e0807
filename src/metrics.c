/* metrics.c - Prometheus exposition of a continuous recording (see metrics.h) */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "hashmap.h"
#include "metrics.h"
#include "util.h"

const double metrics_buckets[METRICS_NBUCKETS] = { 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10 };

struct named {
	char *name, *module;	/* module: functions only */
	double value;		/* cumulative (functions: since exported) */
	double pending;		/* functions: added since the last publish */
	double seen;		/* functions: all ever added, to rank them */
	bool exported;
	uint64_t buckets[METRICS_NBUCKETS + 1];	/* syscalls; last = +Inf only */
};

struct table {
	struct hashmap index;
	struct named *v;
	size_t n, cap;
};

/* A published exposition, shared by reference with the server thread. */
struct blob {
	int refs;
	struct strbuf text;
};

struct metrics {
	unsigned top_n;
	size_t nexported;
	struct table procs, funcs, offcpu, syscalls;
	double other;
	uint64_t samples, lost, anomalies;
	/* published */
	pthread_mutex_t lock;
	struct blob *current;
	/* server */
	bool serving;
	pthread_t thread;
	int listen_fd, stop_pipe[2];
};

static struct named *table_get(struct table *t, const char *name, const char *module)
{
	struct strbuf key = STRBUF_INIT;
	uint64_t idx = t->n;
	struct named *e;

	strbuf_adds(&key, name);
	strbuf_add(&key, "", 1);
	strbuf_adds(&key, module ? module : "");
	if (hashmap_get_or_put(&t->index, key.buf, key.len, &idx)) {
		strbuf_release(&key);
		return &t->v[idx];
	}
	strbuf_release(&key);
	xgrow(&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	e = &t->v[t->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->module = module ? xstrdup(module) : NULL;
	return e;
}

static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].module);
	}
	free(t->v);
	hashmap_release(&t->index);
}

static void blob_unref(struct blob *b)
{
	if (b && --b->refs == 0) {
		strbuf_release(&b->text);
		free(b);
	}
}

struct metrics *metrics_new(unsigned top_n)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->top_n = top_n;
	hashmap_init(&m->procs.index);
	hashmap_init(&m->funcs.index);
	hashmap_init(&m->offcpu.index);
	hashmap_init(&m->syscalls.index);
	pthread_mutex_init(&m->lock, NULL);
	m->listen_fd = m->stop_pipe[0] = m->stop_pipe[1] = -1;
	metrics_publish(m);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->serving) {
		(void)!write(m->stop_pipe[1], "x", 1);
		pthread_join(m->thread, NULL);
	}
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->stop_pipe[0] >= 0) {
		close(m->stop_pipe[0]);
		close(m->stop_pipe[1]);
	}
	table_release(&m->procs);
	table_release(&m->funcs);
	table_release(&m->offcpu);
	table_release(&m->syscalls);
	blob_unref(m->current);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void metrics_add_process_cpu(struct metrics *m, const char *comm, double seconds)
{
	table_get(&m->procs, comm, NULL)->value += seconds;
}

void metrics_add_function_cpu(struct metrics *m, const char *function, const char *module,
			      double seconds)
{
	const char *base = module ? strrchr(module, '/') : NULL;
	struct named *e;

	base = base ? base + 1 : module;
	e = table_get(&m->funcs, function, base ? base : "");
	e->pending += seconds;
	e->seen += seconds;
}

void metrics_add_offcpu(struct metrics *m, const char *kind, double seconds)
{
	table_get(&m->offcpu, kind, NULL)->value += seconds;
}

void metrics_add_syscall_bucket(struct metrics *m, const char *name, int b, uint64_t count)
{
	struct named *e = table_get(&m->syscalls, name, NULL);
	double upper = pow(2.0, (double)(b + 1) / 8.0) * 1e-9;
	int i;

	for (i = 0; i < METRICS_NBUCKETS && upper > metrics_buckets[i] * (1 + 1e-12); i++)
		;
	e->buckets[i] += count;
}

void metrics_add_syscall_time(struct metrics *m, const char *name, double seconds)
{
	table_get(&m->syscalls, name, NULL)->value += seconds;
}

void metrics_add_samples(struct metrics *m, uint64_t samples, uint64_t lost)
{
	m->samples += samples;
	m->lost += lost;
}

void metrics_add_anomaly(struct metrics *m)
{
	m->anomalies++;
}

void metrics_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_adds(sb, "\\\\");
		else if (*s == '"')
			strbuf_adds(sb, "\\\"");
		else if (*s == '\n')
			strbuf_adds(sb, "\\n");
		else
			strbuf_add(sb, s, 1);
	}
}

static void header(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void number(struct strbuf *sb, double v)
{
	if (isinf(v))
		strbuf_adds(sb, v > 0 ? "+Inf" : "-Inf");
	else
		strbuf_addf(sb, "%.15g", v);
}

static void labelled(struct strbuf *sb, const char *name, const char *label, const char *value,
		     double v)
{
	strbuf_addf(sb, "%s{%s=\"", name, label);
	metrics_escape(sb, value);
	strbuf_adds(sb, "\"} ");
	number(sb, v);
	strbuf_adds(sb, "\n");
}

static int named_cmp(const void *a, const void *b)
{
	const struct named *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	if (c)
		return c;
	return strcmp((*x)->module ? (*x)->module : "", (*y)->module ? (*y)->module : "");
}

static int seen_cmp(const void *a, const void *b)
{
	const struct named *const *x = a, *const *y = b;

	if ((*x)->seen != (*y)->seen)
		return (*x)->seen > (*y)->seen ? -1 : 1;
	return named_cmp(a, b);
}

/* The entries of t sorted by name (and module); malloc'd, n = t->n. */
static struct named **sorted(const struct table *t, int (*cmp)(const void *, const void *))
{
	struct named **v = xmalloc((t->n ? t->n : 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < t->n; i++)
		v[i] = &t->v[i];
	if (t->n)
		qsort(v, t->n, sizeof(*v), cmp);
	return v;
}

/* New functions join the exported ones while there are fewer than top_n;
 * then what came since the last publish goes to each function's series
 * or to [other]. */
static void settle_functions(struct metrics *m)
{
	struct named **v;
	size_t i;

	if (m->nexported < m->top_n) {
		v = sorted(&m->funcs, seen_cmp);
		for (i = 0; i < m->funcs.n && m->nexported < m->top_n; i++) {
			if (!v[i]->exported && v[i]->seen > 0) {
				v[i]->exported = true;
				m->nexported++;
			}
		}
		free(v);
	}
	for (i = 0; i < m->funcs.n; i++) {
		struct named *e = &m->funcs.v[i];

		if (e->exported)
			e->value += e->pending;
		else
			m->other += e->pending;
		e->pending = 0;
	}
}

static void format_hotstack(struct metrics *m, struct strbuf *sb)
{
	struct named **v;
	size_t i;
	int b;

	header(sb, "hotstack_cpu_seconds_total", "counter",
	       "CPU time of the recorded processes, by process name (from samples)");
	v = sorted(&m->procs, named_cmp);
	for (i = 0; i < m->procs.n; i++)
		labelled(sb, "hotstack_cpu_seconds_total", "comm", v[i]->name, v[i]->value);
	free(v);

	header(sb, "hotstack_function_cpu_seconds_total", "counter",
	       "CPU time whose innermost frame is in the function (self time); the top "
	       "functions by name, all others in function=\"[other]\"");
	v = sorted(&m->funcs, named_cmp);
	for (i = 0; i < m->funcs.n; i++) {
		if (!v[i]->exported)
			continue;
		strbuf_adds(sb, "hotstack_function_cpu_seconds_total{function=\"");
		metrics_escape(sb, v[i]->name);
		strbuf_adds(sb, "\",module=\"");
		metrics_escape(sb, v[i]->module ? v[i]->module : "");
		strbuf_adds(sb, "\"} ");
		number(sb, v[i]->value);
		strbuf_adds(sb, "\n");
	}
	free(v);
	strbuf_adds(sb, "hotstack_function_cpu_seconds_total{function=\"[other]\",module=\"\"} ");
	number(sb, m->other);
	strbuf_adds(sb, "\n");

	header(sb, "hotstack_offcpu_seconds_total", "counter",
	       "Time threads spent off-CPU (record --waits), by kind: blocked or runqueue");
	v = sorted(&m->offcpu, named_cmp);
	for (i = 0; i < m->offcpu.n; i++)
		labelled(sb, "hotstack_offcpu_seconds_total", "kind", v[i]->name, v[i]->value);
	free(v);

	header(sb, "hotstack_syscall_duration_seconds", "histogram",
	       "Latency of system calls (record --waits), by system call");
	v = sorted(&m->syscalls, named_cmp);
	for (i = 0; i < m->syscalls.n; i++) {
		uint64_t cum = 0;

		for (b = 0; b <= METRICS_NBUCKETS; b++) {
			cum += v[i]->buckets[b];
			strbuf_adds(sb, "hotstack_syscall_duration_seconds_bucket{syscall=\"");
			metrics_escape(sb, v[i]->name);
			strbuf_adds(sb, "\",le=\"");
			number(sb, b < METRICS_NBUCKETS ? metrics_buckets[b] : INFINITY);
			strbuf_addf(sb, "\"} %llu\n", (unsigned long long)cum);
		}
		strbuf_adds(sb, "hotstack_syscall_duration_seconds_sum{syscall=\"");
		metrics_escape(sb, v[i]->name);
		strbuf_adds(sb, "\"} ");
		number(sb, v[i]->value);
		strbuf_adds(sb, "\nhotstack_syscall_duration_seconds_count{syscall=\"");
		metrics_escape(sb, v[i]->name);
		strbuf_addf(sb, "\"} %llu\n", (unsigned long long)cum);
	}
	free(v);

	header(sb, "hotstack_samples_total", "counter", "On-CPU samples recorded");
	strbuf_addf(sb, "hotstack_samples_total %llu\n", (unsigned long long)m->samples);
	header(sb, "hotstack_samples_lost_total", "counter",
	       "Samples the kernel or the recorder dropped");
	strbuf_addf(sb, "hotstack_samples_lost_total %llu\n", (unsigned long long)m->lost);
	header(sb, "hotstack_anomalies_total", "counter",
	       "Intervals marked where a function's share of samples left its baseline");
	strbuf_addf(sb, "hotstack_anomalies_total %llu\n", (unsigned long long)m->anomalies);
}

void metrics_publish(struct metrics *m)
{
	struct blob *b = xcalloc(1, sizeof(*b)), *old;

	b->refs = 1;
	settle_functions(m);
	format_hotstack(m, &b->text);
	pthread_mutex_lock(&m->lock);
	old = m->current;
	m->current = b;
	pthread_mutex_unlock(&m->lock);
	if (old) {
		pthread_mutex_lock(&m->lock);
		blob_unref(old);
		pthread_mutex_unlock(&m->lock);
	}
}

/* hotstack's own process_* metrics, from /proc/self */
static void format_process(struct strbuf *sb)
{
	double ticks = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0, rss = 0, btime = 0;
	char *text = NULL, *p;
	struct rlimit rl;
	struct dirent *de;
	long fds = 0;
	DIR *d;

	if (read_file("/proc/self/stat", &text) > 0 && (p = strrchr(text, ')')) &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
			  "%*d %*d %llu %llu %llu", &utime, &stime, &start, &vsize, &rss) == 5) {
		free(text);
		text = NULL;
		if (read_file("/proc/stat", &text) > 0 && (p = strstr(text, "\nbtime ")))
			btime = strtoull(p + 7, NULL, 10);
		header(sb, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.");
		strbuf_adds(sb, "process_cpu_seconds_total ");
		number(sb, (double)(utime + stime) / ticks);
		strbuf_adds(sb, "\n");
		header(sb, "process_resident_memory_bytes", "gauge",
		       "Resident memory size in bytes.");
		strbuf_adds(sb, "process_resident_memory_bytes ");
		number(sb, (double)rss * page);
		strbuf_adds(sb, "\n");
		header(sb, "process_virtual_memory_bytes", "gauge",
		       "Virtual memory size in bytes.");
		strbuf_addf(sb, "process_virtual_memory_bytes %llu\n", vsize);
		if (btime) {
			header(sb, "process_start_time_seconds", "gauge",
			       "Start time of the process since unix epoch in seconds.");
			strbuf_adds(sb, "process_start_time_seconds ");
			number(sb, (double)btime + (double)start / ticks);
			strbuf_adds(sb, "\n");
		}
	}
	free(text);
	d = opendir("/proc/self/fd");
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				fds++;
		closedir(d);
		header(sb, "process_open_fds", "gauge", "Number of open file descriptors.");
		strbuf_addf(sb, "process_open_fds %ld\n", fds - 1);	/* less opendir's own */
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		header(sb, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
		strbuf_addf(sb, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
	}
}

void metrics_format(struct metrics *m, bool with_process, struct strbuf *sb)
{
	struct blob *b;

	pthread_mutex_lock(&m->lock);
	b = m->current;
	b->refs++;
	pthread_mutex_unlock(&m->lock);
	strbuf_add(sb, b->text.buf ? b->text.buf : "", b->text.len);
	pthread_mutex_lock(&m->lock);
	blob_unref(b);
	pthread_mutex_unlock(&m->lock);
	if (with_process)
		format_process(sb);
}

/* ---- the HTTP/1.0 server ---- */

static bool send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void respond(int fd, const char *status, const char *type, const char *body, size_t len,
		    bool head)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", status, type, len);
	if (send_all(fd, sb.buf, sb.len) && !head)
		send_all(fd, body, len);
	strbuf_release(&sb);
}

static void serve_one(struct metrics *m, int fd)
{
	struct timeval tv = { 2, 0 };
	char req[8192], method[16], path[256];
	size_t len = 0;
	bool head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "%15s %255s", method, path) != 2) {
		respond(fd, "400 Bad Request", "text/plain", "bad request\n", 12, false);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		respond(fd, "405 Method Not Allowed", "text/plain", "GET only\n", 9, false);
		return;
	}
	if (!strcmp(path, "/metrics") || !strncmp(path, "/metrics?", 9)) {
		struct strbuf sb = STRBUF_INIT;

		metrics_format(m, true, &sb);
		respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
			sb.buf ? sb.buf : "", sb.len, head);
		strbuf_release(&sb);
	} else if (!strcmp(path, "/")) {
		static const char body[] = "hotstack: metrics at /metrics\n";

		respond(fd, "200 OK", "text/plain", body, sizeof(body) - 1, head);
	} else {
		respond(fd, "404 Not Found", "text/plain", "not found\n", 10, head);
	}
}

static void *server_main(void *arg)
{
	struct metrics *m = arg;

	for (;;) {
		struct pollfd p[2] = { { m->listen_fd, POLLIN, 0 }, { m->stop_pipe[0], POLLIN, 0 } };
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_one(m, fd);
		close(fd);
	}
	return NULL;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(a);
	}
	return false;
}

int metrics_serve(struct metrics *m, const char *addr, bool allow_remote, int *port,
		  char **errmsg)
{
	struct addrinfo hints, *res = NULL;
	char host[256], *colon;
	const char *portstr;
	int fd = -1, one = 1, err;
	long pn;

	*errmsg = NULL;
	if (strlen(addr) >= sizeof(host))
		goto bad;
	strcpy(host, addr);
	colon = strrchr(host, ':');
	if (!colon || colon == host)
		goto bad;
	*colon = '\0';
	portstr = colon + 1;
	if (parse_long(portstr, 0, 65535, &pn))
		goto bad;
	if (host[0] == '[') {
		size_t l = strlen(host);

		if (l < 3 || host[l - 1] != ']')
			goto bad;
		memmove(host, host + 1, l - 2);
		host[l - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	err = getaddrinfo(host, portstr, &hints, &res);
	if (err) {
		*errmsg = xasprintf("cannot resolve '%s': %s", sanitized(addr), gai_strerror(err));
		return -EINVAL;
	}
	if (!allow_remote && !is_loopback(res->ai_addr)) {
		*errmsg = xasprintf("'%s' is not a loopback address: metrics are served on "
				    "127.0.0.1 or [::1] unless --metrics-allow-remote is given",
				    sanitized(addr));
		freeaddrinfo(res);
		return -EPERM;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0)
		goto sys;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 16))
		goto sys;
	if (port) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		*port = -1;
		if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
			*port = ntohs(ss.ss_family == AF_INET6
					      ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
	}
	freeaddrinfo(res);
	res = NULL;
	if (pipe2(m->stop_pipe, O_CLOEXEC))
		goto sys;
	m->listen_fd = fd;
	err = pthread_create(&m->thread, NULL, server_main, m);
	if (err) {
		m->listen_fd = -1;
		errno = err;
		goto sys;
	}
	m->serving = true;
	return 0;
sys:
	err = -errno;
	*errmsg = xasprintf("cannot serve metrics on '%s': %s", sanitized(addr), strerror(errno));
	if (fd >= 0)
		close(fd);
	if (res)
		freeaddrinfo(res);
	return err;
bad:
	*errmsg = xasprintf("bad metrics address '%s': give HOST:PORT, e.g. 127.0.0.1:9464",
			    sanitized(addr));
	return -EINVAL;
}
