/* loadgen.c - keep-alive HTTP load generator for samples/httpd
 *
 * usage: loadgen -p PORT [-c CONNS] [-d SECONDS] [-n MAX_REQUESTS]
 *                [--mix hash,store] [--quit]
 *
 * Opens CONNS (default 4) keep-alive connections to 127.0.0.1:PORT, one
 * thread each, and sends requests until SECONDS (default 5) have passed or
 * MAX_REQUESTS (default: no limit) have been sent in total. The mix is
 * deterministic: with both kinds, every fifth request on a connection is
 * POST /store with a 4 KiB body and the others are GET /hash?n=2000&s=...
 * (80/20); "--mix hash" or "--mix store" sends only one kind. Every answer
 * is checked (status, Content-Length, body shape). --quit sends GET /quit
 * once the load is done. Sockets time out after 5 s, so the run always
 * ends. Prints "requests N errors E rps R"; exits 0 only if E is 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define STORE_BODY 4096
#define HASH_ROUNDS 2000
#define IO_TIMEOUT_S 5
#define RBUF_SIZE (64 * 1024)

enum { MIX_HASH = 1, MIX_STORE = 2 };

struct client {
	pthread_t tid;
	int index;
	int fd;
	size_t rlen;		/* bytes in rbuf */
	char rbuf[RBUF_SIZE];
	uint64_t requests, errors;
};

struct response {
	int status;
	bool close;
	const char *body;
	size_t body_len;
};

static int port = -1;
static int mix = MIX_HASH | MIX_STORE;
static double deadline;
static long long max_requests = -1;	/* -1: no limit */
static long long issued;		/* atomic */
static char store_body[STORE_BODY];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_server(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static size_t header_value(const char *head, size_t len, const char *name,
			   const char **value)
{
	size_t nlen = strlen(name);
	const char *p = head, *end = head + len, *eol, *v;

	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			v = p + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*value = v;
			return (size_t)(eol - v);
		}
		p = eol + 2;
	}
	return 0;
}

/*
 * Read one response into c->rbuf (dropping the previous one first).
 * Returns 0 or -1 on a timeout, a closed connection or a malformed answer.
 */
static int read_response(struct client *c, struct response *r,
			 size_t *consumed)
{
	const char *hend, *v;
	size_t head_len, vlen, need;
	long long clen;
	char *endp;
	ssize_t n;

	memmove(c->rbuf, c->rbuf + *consumed, c->rlen - *consumed);
	c->rlen -= *consumed;
	*consumed = 0;
	for (;;) {
		hend = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
		if (hend) {
			head_len = (size_t)(hend - c->rbuf) + 4;
			if (c->rlen < 12 || memcmp(c->rbuf, "HTTP/1.", 7) != 0)
				return -1;
			r->status = atoi(c->rbuf + 9);
			if (r->status == 100) {
				/* interim answer: skip it */
				c->rlen -= head_len;
				memmove(c->rbuf, c->rbuf + head_len, c->rlen);
				continue;
			}
			vlen = header_value(c->rbuf, head_len, "Content-Length", &v);
			if (vlen == 0)
				return -1;
			clen = strtoll(v, &endp, 10);
			if (endp == v || clen < 0 ||
			    clen > (long long)(RBUF_SIZE - head_len))
				return -1;
			vlen = header_value(c->rbuf, head_len, "Connection", &v);
			r->close = vlen == 5 && strncasecmp(v, "close", 5) == 0;
			need = head_len + (size_t)clen;
			if (c->rlen >= need) {
				r->body = c->rbuf + head_len;
				r->body_len = (size_t)clen;
				*consumed = need;
				return 0;
			}
		} else if (c->rlen == RBUF_SIZE) {
			return -1;
		}
		n = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->rlen += (size_t)n;
	}
}

static bool is_hex_line(const char *p, size_t len)
{
	size_t i;

	if (len != 17 || p[16] != '\n')
		return false;
	for (i = 0; i < 16; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* Send request number seq on c and check the answer; 0 or -1. */
static int do_request(struct client *c, unsigned long seq, size_t *consumed)
{
	bool store = mix == MIX_STORE || (mix == (MIX_HASH | MIX_STORE) &&
					  seq % 5 == 4);
	char head[256], expect[32];
	struct response r;
	int n;

	if (c->fd < 0) {
		c->fd = connect_server();
		c->rlen = 0;
		*consumed = 0;
		if (c->fd < 0)
			return -1;
	}
	if (store) {
		n = snprintf(head, sizeof(head),
			     "POST /store HTTP/1.1\r\n"
			     "Host: 127.0.0.1\r\n"
			     "Content-Type: application/octet-stream\r\n"
			     "Content-Length: %d\r\n"
			     "\r\n", STORE_BODY);
		if (send_all(c->fd, head, (size_t)n) < 0 ||
		    send_all(c->fd, store_body, STORE_BODY) < 0)
			return -1;
	} else {
		n = snprintf(head, sizeof(head),
			     "GET /hash?n=%d&s=conn%d-req%lu HTTP/1.1\r\n"
			     "Host: 127.0.0.1\r\n"
			     "\r\n", HASH_ROUNDS, c->index, seq);
		if (send_all(c->fd, head, (size_t)n) < 0)
			return -1;
	}
	if (read_response(c, &r, consumed) < 0)
		return -1;
	if (r.close) {
		close(c->fd);
		c->fd = -1;
	}
	if (store) {
		snprintf(expect, sizeof(expect), "%d\n", STORE_BODY);
		if (r.status != 201 || r.body_len != strlen(expect) ||
		    memcmp(r.body, expect, r.body_len) != 0)
			return -1;
	} else if (r.status != 200 || !is_hex_line(r.body, r.body_len)) {
		return -1;
	}
	return 0;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	unsigned long seq;
	size_t consumed = 0;

	for (seq = 0; now() < deadline; seq++) {
		if (max_requests >= 0 &&
		    __atomic_fetch_add(&issued, 1, __ATOMIC_RELAXED) >=
		    max_requests)
			break;
		c->requests++;
		if (do_request(c, seq, &consumed) == 0)
			continue;
		c->errors++;
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		usleep(10000);	/* do not spin on a dead server */
	}
	if (c->fd >= 0)
		close(c->fd);
	return NULL;
}

/* GET /quit on a fresh connection; 0 if the server said 200. */
static int send_quit(void)
{
	static const char req[] = "GET /quit HTTP/1.1\r\n"
				  "Host: 127.0.0.1\r\n"
				  "Connection: close\r\n"
				  "\r\n";
	struct client *c = calloc(1, sizeof(*c));
	struct response r;
	size_t consumed = 0;
	int rc = -1;

	if (!c)
		return -1;
	c->fd = connect_server();
	if (c->fd >= 0 && send_all(c->fd, req, sizeof(req) - 1) == 0 &&
	    read_response(c, &r, &consumed) == 0 && r.status == 200)
		rc = 0;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return rc;
}

static int parse_mix(const char *s)
{
	char buf[64], *tok, *save = NULL;
	int m = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "hash") == 0)
			m |= MIX_HASH;
		else if (strcmp(tok, "store") == 0)
			m |= MIX_STORE;
		else
			return -1;
	}
	return m ? m : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen -p PORT [-c CONNS] [-d SECONDS] [-n MAX_REQUESTS]\n"
		"               [--mix hash,store] [--quit]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mix", required_argument, NULL, 'm' },
		{ "quit", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client *clients;
	uint64_t requests = 0, errors = 0;
	double seconds = 5.0, start, elapsed;
	long conns = 4, v;
	bool quit = false;
	int i, opt, err, started = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "p:c:d:n:h", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'p':
			v = strtol(optarg, &end, 10);
			port = (end == optarg || *end || v < 1 || v > 65535) ?
			       -2 : (int)v;
			break;
		case 'c':
			conns = strtol(optarg, &end, 10);
			if (end == optarg || *end)
				conns = -1;
			break;
		case 'd':
			seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(seconds >= 0) ||
			    seconds > 86400)
				seconds = -1;
			break;
		case 'n':
			max_requests = strtoll(optarg, &end, 10);
			if (end == optarg || *end || max_requests < 0)
				max_requests = -2;
			break;
		case 'm':
			mix = parse_mix(optarg);
			break;
		case 'q':
			quit = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || port < 0 || conns < 1 || conns > MAX_CONNS ||
	    seconds < 0 || max_requests < -1 || mix < 0) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < STORE_BODY; i++)
		store_body[i] = (char)('a' + i % 26);

	clients = calloc((size_t)conns, sizeof(*clients));
	if (!clients) {
		perror("loadgen: calloc");
		return 2;
	}
	start = now();
	deadline = start + seconds;
	for (i = 0; i < conns; i++) {
		clients[i].index = i;
		clients[i].fd = -1;
		err = pthread_create(&clients[i].tid, NULL, client_main,
				     &clients[i]);
		if (err) {
			fprintf(stderr, "loadgen: pthread_create: %s\n",
				strerror(err));
			errors++;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(clients[i].tid, NULL);
		requests += clients[i].requests;
		errors += clients[i].errors;
	}
	elapsed = now() - start;
	free(clients);

	if (quit) {
		requests++;
		if (send_quit() < 0) {
			fprintf(stderr, "loadgen: GET /quit failed\n");
			errors++;
		}
	}
	printf("requests %llu errors %llu rps %.1f\n",
	       (unsigned long long)requests, (unsigned long long)errors,
	       elapsed > 0 ? (double)requests / elapsed : 0.0);
	return errors ? 1 : 0;
}
