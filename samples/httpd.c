/* httpd.c - small multi-threaded HTTP/1.1 backend used as a profiling target
 *
 * usage: httpd [-p PORT] [-t THREADS] [-d DATADIR] [-f]
 *
 * Listens on 127.0.0.1 only (PORT 0, the default, picks a free port) and
 * prints "listening 127.0.0.1:<port>" once ready. THREADS workers (default
 * 4) share one epoll set: each connection is armed EPOLLONESHOT, so exactly
 * one worker handles it at a time and any number of keep-alive connections
 * can share any number of workers.
 *
 * Routes:
 *   GET  /hash?n=N&s=STR  N rounds (1..1000000) of FNV-1a over STR; 200 and
 *                         16 hex digits
 *   POST /store           writes the body to DATADIR/store-<slot>.dat (64
 *                         slots reused in turn; fsync only with -f); 201 and
 *                         the number of bytes written
 *   GET  /stats           counters as JSON
 *   GET  /quit            200 "bye", then a clean shutdown
 *
 * Requests (headers and body) are limited to 64 KiB (413 otherwise); bad
 * syntax gets 400 and chunked bodies 501, all followed by a close. SIGTERM
 * and SIGINT shut down like /quit: stop the listener, join the workers,
 * remove the files written and DATADIR if this process created it
 * (default /tmp/hotstack-httpd-<pid>), exit 0.
 *
 * The request path is parse_request -> parse_query -> hash_payload or
 * store_body -> send_response; those are kept out of line so they show up
 * in a profile.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

#define MAX_REQUEST (64 * 1024)
#define MAX_CONNS 1024
#define MAX_THREADS 256
#define MAX_ROUNDS 1000000UL
#define MAX_HASH_WORK 200000000UL	/* rounds * (len + 1) */
#define STORE_SLOTS 64
#define SEND_TIMEOUT_MS 5000

struct conn {
	int fd;
	bool sent_continue;	/* 100 Continue already sent for this request */
	size_t len;		/* bytes in buf */
	struct conn *prev, *next;
	char buf[MAX_REQUEST];
};

enum parse_result {
	PARSE_OK,
	PARSE_INCOMPLETE,
	PARSE_BAD,		/* 400 */
	PARSE_TOO_LARGE,	/* 413 */
	PARSE_UNSUPPORTED,	/* 501 */
};

struct request {
	const char *method;
	size_t method_len;
	const char *path;
	size_t path_len;
	char *query;		/* NULL if the target has no '?' */
	size_t query_len;
	const char *body;
	size_t body_len;
	size_t header_len;	/* through the blank line */
	size_t total_len;	/* header_len + body_len */
	bool keep_alive;
	bool http10;
	bool expect_continue;
};

struct query {
	unsigned long rounds;
	const char *s;
	size_t s_len;
};

static struct server {
	int listen_fd;
	int epoll_fd;
	int stop_fd;		/* eventfd, readable once shutdown starts */
	int stopping;
	char datadir[PATH_MAX - 32];
	bool made_datadir;
	bool fsync_store;
	unsigned char slot_used[STORE_SLOTS];
	pthread_mutex_t lock;	/* protects conns and nconns */
	struct conn *conns;
	int nconns;

	uint64_t n_requests, n_hash, n_store, n_stats, n_errors;
	uint64_t n_accepted, bytes_stored, store_seq;
} srv = {
	.listen_fd = -1,
	.epoll_fd = -1,
	.stop_fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* epoll tags for the two non-connection fds */
static char listen_tag, stop_tag;

#define COUNT(field, n) __atomic_fetch_add(&srv.field, (n), __ATOMIC_RELAXED)
#define READ(field) __atomic_load_n(&srv.field, __ATOMIC_RELAXED)

static void request_stop(void)
{
	uint64_t one = 1;

	__atomic_store_n(&srv.stopping, 1, __ATOMIC_RELAXED);
	if (write(srv.stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("httpd: eventfd write");
}

static bool is_stopping(void)
{
	return __atomic_load_n(&srv.stopping, __ATOMIC_RELAXED);
}

/* ---- parsing ---- */

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool span_equals(const char *p, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(p, lit, len) == 0;
}

static bool span_iequals(const char *p, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(p, lit, len) == 0;
}

/* Does the comma-separated header value contain token (case-insensitive)? */
static bool has_token(const char *v, size_t len, const char *token)
{
	size_t i = 0, start, end;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end > start && span_iequals(v + start, end - start, token))
			return true;
	}
	return false;
}

/* Parse one decimal number of at most max; -1 if malformed or too big. */
static long long parse_decimal(const char *p, size_t len, long long max)
{
	long long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
		if (v > max)
			return -1;
	}
	return v;
}

/*
 * Parse the request at the start of buf[0..len). On PARSE_OK, *req points
 * into buf and req->total_len bytes make up the request. PARSE_INCOMPLETE
 * means more bytes are needed; req->header_len is then non-zero once the
 * header is complete (and req->expect_continue is meaningful).
 */
static NOINLINE enum parse_result parse_request(char *buf, size_t len,
						struct request *req)
{
	const char *end, *line, *eol, *p, *sp1, *sp2;
	const char *version;
	bool have_length = false, conn_close = false, conn_keep = false;
	long long content_length = 0;
	size_t i;

	memset(req, 0, sizeof(*req));
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len >= MAX_REQUEST ? PARSE_TOO_LARGE : PARSE_INCOMPLETE;
	req->header_len = (size_t)(end - buf) + 4;
	for (i = 0; i < req->header_len - 2; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\0' || (c == '\r' && buf[i + 1] != '\n') ||
		    (c == '\n' && (i == 0 || buf[i - 1] != '\r')))
			return PARSE_BAD;
	}

	/* request line: METHOD SP TARGET SP HTTP/1.x */
	eol = memmem(buf, req->header_len, "\r\n", 2);
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (!sp1 || sp1 == buf)
		return PARSE_BAD;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return PARSE_BAD;
	req->method = buf;
	req->method_len = (size_t)(sp1 - buf);
	for (p = buf; p < sp1; p++)
		if (!is_tchar((unsigned char)*p))
			return PARSE_BAD;
	if (sp1[1] != '/')
		return PARSE_BAD;
	for (p = sp1 + 1; p < sp2; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return PARSE_BAD;
	req->path = sp1 + 1;
	p = memchr(req->path, '?', (size_t)(sp2 - req->path));
	if (p) {
		req->path_len = (size_t)(p - req->path);
		req->query = (char *)p + 1;
		req->query_len = (size_t)(sp2 - p - 1);
	} else {
		req->path_len = (size_t)(sp2 - req->path);
	}
	version = sp2 + 1;
	if (span_equals(version, (size_t)(eol - version), "HTTP/1.1"))
		req->http10 = false;
	else if (span_equals(version, (size_t)(eol - version), "HTTP/1.0"))
		req->http10 = true;
	else
		return PARSE_BAD;

	/* header fields */
	for (line = eol + 2; line < end + 2; line = eol + 2) {
		const char *colon, *v, *vend;
		size_t name_len;

		eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || colon == line)
			return PARSE_BAD;
		name_len = (size_t)(colon - line);
		for (p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return PARSE_BAD;
		v = colon + 1;
		vend = eol;
		while (v < vend && (*v == ' ' || *v == '\t'))
			v++;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;

		if (span_iequals(line, name_len, "Content-Length")) {
			long long n = parse_decimal(v, (size_t)(vend - v),
						    1LL << 40);

			if (n < 0 || (have_length && n != content_length))
				return PARSE_BAD;
			content_length = n;
			have_length = true;
		} else if (span_iequals(line, name_len, "Transfer-Encoding")) {
			return PARSE_UNSUPPORTED;
		} else if (span_iequals(line, name_len, "Connection")) {
			conn_close |= has_token(v, (size_t)(vend - v), "close");
			conn_keep |= has_token(v, (size_t)(vend - v),
					       "keep-alive");
		} else if (span_iequals(line, name_len, "Expect")) {
			if (!span_iequals(v, (size_t)(vend - v), "100-continue"))
				return PARSE_BAD;
			req->expect_continue = true;
		}
	}

	req->keep_alive = req->http10 ? conn_keep && !conn_close : !conn_close;
	if ((unsigned long long)content_length > MAX_REQUEST - req->header_len)
		return PARSE_TOO_LARGE;
	req->body_len = (size_t)content_length;
	req->total_len = req->header_len + req->body_len;
	if (len < req->total_len)
		return PARSE_INCOMPLETE;
	req->body = buf + req->header_len;
	return PARSE_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode p[0..len) in place ('+' is a space); new length or -1. */
static long url_decode(char *p, size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (p[i] == '%') {
			if (len - i < 3)
				return -1;
			hi = hex_value(p[i + 1]);
			lo = hex_value(p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			p[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (p[i] == '+') {
			p[o++] = ' ';
		} else {
			p[o++] = p[i];
		}
	}
	return (long)o;
}

/*
 * Parse "n=N&s=STR" (any order, unknown names ignored, last one wins),
 * decoding in place. Defaults: n=1, s="". Returns 0 or -1 if malformed.
 */
static NOINLINE int parse_query(char *query, size_t len, struct query *q)
{
	char *p = query, *end = query + len;

	q->rounds = 1;
	q->s = "";
	q->s_len = 0;
	while (p < end) {
		char *amp = memchr(p, '&', (size_t)(end - p));
		char *field_end = amp ? amp : end;
		char *eq = memchr(p, '=', (size_t)(field_end - p));
		char *v = eq ? eq + 1 : field_end;
		size_t name_len = (size_t)((eq ? eq : field_end) - p);
		long vlen = url_decode(v, (size_t)(field_end - v));

		if (vlen < 0)
			return -1;
		if (span_equals(p, name_len, "n")) {
			long long n = parse_decimal(v, (size_t)vlen, MAX_ROUNDS);

			if (n < 1)
				return -1;
			q->rounds = (unsigned long)n;
		} else if (span_equals(p, name_len, "s")) {
			q->s = v;
			q->s_len = (size_t)vlen;
		}
		p = field_end + 1;
	}
	return 0;
}

/* ---- work ---- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* rounds of FNV-1a over s, each round also mixing in the round number */
static NOINLINE uint64_t hash_payload(const char *s, size_t len,
				      unsigned long rounds)
{
	uint64_t h = FNV_OFFSET;
	unsigned long r;
	size_t i;

	for (r = 0; r < rounds; r++) {
		h ^= r;
		h *= FNV_PRIME;
		for (i = 0; i < len; i++) {
			h ^= (unsigned char)s[i];
			h *= FNV_PRIME;
		}
	}
	return h;
}

/* Write body to the next store slot; bytes written or -errno. */
static NOINLINE long store_body(const char *body, size_t len)
{
	unsigned long slot = COUNT(store_seq, 1) % STORE_SLOTS;
	char path[PATH_MAX];
	size_t done = 0;
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/store-%lu.dat", srv.datadir, slot);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	__atomic_store_n(&srv.slot_used[slot], 1, __ATOMIC_RELAXED);
	while (done < len) {
		n = write(fd, body + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (!err && srv.fsync_store && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		return err;
	COUNT(bytes_stored, len);
	return (long)len;
}

/* ---- responses ---- */

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	default: return "Unknown";
	}
}

/* Send all of iov; waits for POLLOUT at most SEND_TIMEOUT_MS each time. */
static NOINLINE int send_all(int fd, struct iovec *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (msg.msg_iovlen > 0) {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (poll(&pfd, 1, SEND_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static NOINLINE int send_response(struct conn *c, int status,
				  const char *type, const char *body,
				  size_t body_len, bool keep_alive)
{
	char head[256];
	struct iovec iov[2];
	int n;

	if (status >= 400)
		COUNT(n_errors, 1);
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: %s\r\n"
		     "\r\n",
		     status, status_text(status), type, body_len,
		     keep_alive ? "keep-alive" : "close");
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)n;
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = body_len;
	return send_all(c->fd, iov, body_len ? 2 : 1);
}

static int send_text(struct conn *c, int status, const char *text,
		     bool keep_alive)
{
	return send_response(c, status, "text/plain", text, strlen(text),
			     keep_alive);
}

static int send_stats(struct conn *c, bool keep_alive)
{
	char body[512];
	int n, open_conns;

	pthread_mutex_lock(&srv.lock);
	open_conns = srv.nconns;
	pthread_mutex_unlock(&srv.lock);
	n = snprintf(body, sizeof(body),
		     "{\"requests\":%" PRIu64 ",\"hash\":%" PRIu64
		     ",\"store\":%" PRIu64 ",\"stats\":%" PRIu64
		     ",\"errors\":%" PRIu64 ",\"bytes_stored\":%" PRIu64
		     ",\"connections_accepted\":%" PRIu64
		     ",\"connections_open\":%d}\n",
		     READ(n_requests), READ(n_hash), READ(n_store),
		     READ(n_stats), READ(n_errors), READ(bytes_stored),
		     READ(n_accepted), open_conns);
	return send_response(c, 200, "application/json", body, (size_t)n,
			     keep_alive);
}

/* Route one parsed request; returns true to keep the connection open. */
static NOINLINE bool handle_request(struct conn *c, struct request *req)
{
	bool keep = req->keep_alive && !is_stopping();
	bool get = span_equals(req->method, req->method_len, "GET");
	bool post = span_equals(req->method, req->method_len, "POST");
	const char *path = req->path;
	size_t plen = req->path_len;
	char out[32];
	int rc;

	COUNT(n_requests, 1);
	if (span_equals(path, plen, "/hash")) {
		struct query q;
		uint64_t h;

		if (!get)
			return send_text(c, 405, "GET only\n", keep) == 0 && keep;
		if (parse_query(req->query ? req->query : (char *)"",
				req->query ? req->query_len : 0, &q) < 0)
			return send_text(c, 400, "bad query\n", keep) == 0 && keep;
		if (q.rounds * (q.s_len + 1) > MAX_HASH_WORK)
			return send_text(c, 400, "too much work\n", keep) == 0 &&
			       keep;
		COUNT(n_hash, 1);
		h = hash_payload(q.s, q.s_len, q.rounds);
		snprintf(out, sizeof(out), "%016" PRIx64 "\n", h);
		rc = send_text(c, 200, out, keep);
	} else if (span_equals(path, plen, "/store")) {
		long n;

		if (!post)
			return send_text(c, 405, "POST only\n", keep) == 0 && keep;
		COUNT(n_store, 1);
		n = store_body(req->body, req->body_len);
		if (n < 0) {
			snprintf(out, sizeof(out), "error %ld\n", -n);
			rc = send_text(c, 500, out, keep);
		} else {
			snprintf(out, sizeof(out), "%ld\n", n);
			rc = send_text(c, 201, out, keep);
		}
	} else if (span_equals(path, plen, "/stats")) {
		if (!get)
			return send_text(c, 405, "GET only\n", keep) == 0 && keep;
		COUNT(n_stats, 1);
		rc = send_stats(c, keep);
	} else if (span_equals(path, plen, "/quit")) {
		if (!get)
			return send_text(c, 405, "GET only\n", keep) == 0 && keep;
		send_text(c, 200, "bye\n", false);
		request_stop();
		return false;
	} else {
		rc = send_text(c, 404, "not found\n", keep);
	}
	return rc == 0 && keep;
}

/* Handle every complete request in c->buf; returns false to close. */
static NOINLINE bool process_buffer(struct conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct request req;
	enum parse_result r;
	bool keep;

	while (c->len > 0) {
		r = parse_request(c->buf, c->len, &req);
		switch (r) {
		case PARSE_OK:
			break;
		case PARSE_INCOMPLETE:
			if (req.header_len && req.expect_continue &&
			    !c->sent_continue) {
				struct iovec iov = {
					(void *)cont, sizeof(cont) - 1
				};

				c->sent_continue = true;
				if (send_all(c->fd, &iov, 1) < 0)
					return false;
			}
			return true;
		case PARSE_BAD:
			send_text(c, 400, "bad request\n", false);
			return false;
		case PARSE_TOO_LARGE:
			send_text(c, 413, "request too large\n", false);
			return false;
		case PARSE_UNSUPPORTED:
			send_text(c, 501, "not implemented\n", false);
			return false;
		}
		keep = handle_request(c, &req);
		c->sent_continue = false;
		c->len -= req.total_len;
		memmove(c->buf, c->buf + req.total_len, c->len);
		if (!keep)
			return false;
	}
	return true;
}

/* Read what is available and serve it; returns false to close. */
static NOINLINE bool handle_readable(struct conn *c)
{
	ssize_t n;

	for (;;) {
		if (c->len == sizeof(c->buf)) {
			/* full buffer that process_buffer could not use */
			send_text(c, 413, "request too large\n", false);
			return false;
		}
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		if (n == 0)
			return false;
		c->len += (size_t)n;
		if (!process_buffer(c))
			return false;
	}
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
	epoll_ctl(srv.epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	pthread_mutex_lock(&srv.lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv.nconns--;
	pthread_mutex_unlock(&srv.lock);
	free(c);
}

static int arm(int fd, void *tag, int op)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT,
		.data.ptr = tag,
	};

	return epoll_ctl(srv.epoll_fd, op, fd, &ev);
}

static void accept_all(void)
{
	struct conn *c;
	int fd, one = 1;
	bool full;

	for (;;) {
		fd = accept4(srv.listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				usleep(10000);	/* let connections drain */
			return;
		}
		COUNT(n_accepted, 1);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_mutex_lock(&srv.lock);
		full = srv.nconns >= MAX_CONNS;
		pthread_mutex_unlock(&srv.lock);
		c = full ? NULL : malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = 0;
		c->sent_continue = false;
		c->prev = NULL;
		pthread_mutex_lock(&srv.lock);
		c->next = srv.conns;
		if (srv.conns)
			srv.conns->prev = c;
		srv.conns = c;
		srv.nconns++;
		pthread_mutex_unlock(&srv.lock);
		if (arm(fd, c, EPOLL_CTL_ADD) < 0)
			conn_close(c);
	}
}

static void *worker_main(void *arg)
{
	struct epoll_event ev;
	struct conn *c;
	int n;

	(void)arg;
	while (!is_stopping()) {
		n = epoll_wait(srv.epoll_fd, &ev, 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("httpd: epoll_wait");
			request_stop();
			break;
		}
		if (n == 0 || ev.data.ptr == &stop_tag)
			continue;
		if (ev.data.ptr == &listen_tag) {
			accept_all();
			if (!is_stopping())
				arm(srv.listen_fd, &listen_tag, EPOLL_CTL_MOD);
			continue;
		}
		c = ev.data.ptr;
		if (handle_readable(c) && !is_stopping() &&
		    arm(c->fd, c, EPOLL_CTL_MOD) == 0)
			continue;
		conn_close(c);
	}
	return NULL;
}

/* ---- setup and teardown ---- */

static int open_listener(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("httpd: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "httpd: bind 127.0.0.1:%d: %s\n", port,
			strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("httpd: listen");
		close(fd);
		return -1;
	}
	return fd;
}

static int make_datadir(const char *dir)
{
	struct stat st;
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(srv.datadir)) {
		fprintf(stderr, "httpd: bad data directory '%s'\n", dir);
		return -1;
	}
	memcpy(srv.datadir, dir, len + 1);
	if (mkdir(dir, 0700) == 0) {
		srv.made_datadir = true;
		return 0;
	}
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "httpd: cannot create '%s': %s\n", dir,
		strerror(errno));
	return -1;
}

static void remove_datadir(void)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < STORE_SLOTS; i++) {
		if (!srv.slot_used[i])
			continue;
		snprintf(path, sizeof(path), "%s/store-%d.dat", srv.datadir, i);
		if (unlink(path) < 0 && errno != ENOENT)
			fprintf(stderr, "httpd: cannot remove '%s': %s\n", path,
				strerror(errno));
	}
	if (srv.made_datadir && rmdir(srv.datadir) < 0)
		fprintf(stderr, "httpd: cannot remove '%s': %s\n", srv.datadir,
			strerror(errno));
}

/* Block until SIGTERM/SIGINT or until a worker starts the shutdown. */
static void wait_for_stop(int sig_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = srv.stop_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	while (!is_stopping()) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("httpd: poll");
			break;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sig_fd, &si, sizeof(si)) < 0 && errno != EAGAIN)
				perror("httpd: signalfd read");
			break;
		}
	}
	request_stop();
}

static void usage(void)
{
	fprintf(stderr,
		"usage: httpd [-p PORT] [-t THREADS] [-d DATADIR] [-f]\n"
		"  -p PORT     port on 127.0.0.1 (default 0: any free port)\n"
		"  -t THREADS  worker threads, 1..%d (default 4)\n"
		"  -d DATADIR  where POST /store writes (default "
		"/tmp/hotstack-httpd-<pid>)\n"
		"  -f          fsync each stored file\n",
		MAX_THREADS);
}

int main(int argc, char **argv)
{
	struct epoll_event ev;
	pthread_t tids[MAX_THREADS];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	char defdir[64];
	const char *datadir = NULL;
	long port = 0, nthreads = 4;
	int i, opt, err, sig_fd, started = 0, status = 0;
	struct conn *c;
	sigset_t sigs;
	char *end;

	while ((opt = getopt(argc, argv, "p:t:d:fh")) != -1) {
		switch (opt) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (end == optarg || *end || port < 0 || port > 65535)
				port = -1;
			break;
		case 't':
			nthreads = strtol(optarg, &end, 10);
			if (end == optarg || *end)
				nthreads = -1;
			break;
		case 'd':
			datadir = optarg;
			break;
		case 'f':
			srv.fsync_store = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || port < 0 || nthreads < 1 ||
	    nthreads > MAX_THREADS) {
		usage();
		return 2;
	}
	if (!datadir) {
		snprintf(defdir, sizeof(defdir), "/tmp/hotstack-httpd-%ld",
			 (long)getpid());
		datadir = defdir;
	}

	/* Signals go to a signalfd; threads inherit the blocked mask. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		perror("httpd: signalfd");
		return 1;
	}

	if (make_datadir(datadir) < 0)
		return 1;
	srv.listen_fd = open_listener((int)port);
	srv.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	srv.stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv.listen_fd < 0 || srv.epoll_fd < 0 || srv.stop_fd < 0) {
		if (srv.listen_fd >= 0)
			perror("httpd: epoll/eventfd");
		remove_datadir();
		return 1;
	}
	ev.events = EPOLLIN;	/* level-triggered: wakes every worker */
	ev.data.ptr = &stop_tag;
	if (epoll_ctl(srv.epoll_fd, EPOLL_CTL_ADD, srv.stop_fd, &ev) < 0 ||
	    arm(srv.listen_fd, &listen_tag, EPOLL_CTL_ADD) < 0) {
		perror("httpd: epoll_ctl");
		remove_datadir();
		return 1;
	}

	for (i = 0; i < nthreads; i++) {
		err = pthread_create(&tids[i], NULL, worker_main, NULL);
		if (err) {
			fprintf(stderr, "httpd: pthread_create: %s\n",
				strerror(err));
			status = 1;
			break;
		}
		started++;
	}
	if (started == nthreads) {
		getsockname(srv.listen_fd, (struct sockaddr *)&sa, &salen);
		printf("listening 127.0.0.1:%d\n", ntohs(sa.sin_port));
		fflush(stdout);
		wait_for_stop(sig_fd);
	} else {
		request_stop();
	}

	/* Stop the listener first, then wait for the workers to finish. */
	shutdown(srv.listen_fd, SHUT_RDWR);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	while ((c = srv.conns) != NULL)
		conn_close(c);
	close(srv.listen_fd);
	close(srv.epoll_fd);
	close(srv.stop_fd);
	close(sig_fd);
	remove_datadir();
	return status;
}
