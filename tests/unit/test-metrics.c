/* test-metrics.c - the Prometheus exposition: escaping, HELP/TYPE, series
 * that do not churn (top N, [other], counters never fall), histogram
 * buckets, process_* metrics, and the HTTP server on loopback
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"
#include "util.h"

static char *format(struct metrics *m, bool with_process)
{
	struct strbuf sb = STRBUF_INIT;

	metrics_format(m, with_process, &sb);
	return sb.buf ? sb.buf : xstrdup("");
}

/* The value of the line starting with series (exactly, then a space);
 * -1 if absent. */
static double value_of(const char *text, const char *series)
{
	size_t len = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return strtod(p + len + 1, NULL);
		p += len;
	}
	return -1;
}

static void test_escape(void **state UNUSED)
{
	struct strbuf sb = STRBUF_INIT;

	metrics_escape(&sb, "a\\b\"c\nd{e}=,");
	assert_string_equal(sb.buf, "a\\\\b\\\"c\\nd{e}=,");
	strbuf_release(&sb);
}

static void test_format(void **state UNUSED)
{
	struct metrics *m = metrics_new(2);
	char *t;

	metrics_add_process_cpu(m, "httpd", 1.5);
	metrics_add_process_cpu(m, "we\"ird\nname", 0.25);
	metrics_add_function_cpu(m, "handle", "/usr/bin/httpd", 1.0);
	metrics_add_function_cpu(m, "std::map<int, \"x\">::find", "/usr/lib/libfoo.so", 0.5);
	metrics_add_offcpu(m, "blocked", 3);
	metrics_add_samples(m, 100, 2);
	metrics_add_anomaly(m);
	metrics_publish(m);
	t = format(m, false);
	assert_non_null(strstr(t, "# HELP hotstack_cpu_seconds_total "));
	assert_non_null(strstr(t, "# TYPE hotstack_cpu_seconds_total counter\n"));
	assert_true(value_of(t, "hotstack_cpu_seconds_total{comm=\"httpd\"}") == 1.5);
	assert_true(value_of(t, "hotstack_cpu_seconds_total{comm=\"we\\\"ird\\nname\"}") == 0.25);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"handle\","
			     "module=\"httpd\"}") == 1.0);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"std::map<int, "
			     "\\\"x\\\">::find\",module=\"libfoo.so\"}") == 0.5);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"[other]\","
			     "module=\"\"}") == 0);
	assert_true(value_of(t, "hotstack_offcpu_seconds_total{kind=\"blocked\"}") == 3);
	assert_true(value_of(t, "hotstack_samples_total") == 100);
	assert_true(value_of(t, "hotstack_samples_lost_total") == 2);
	assert_true(value_of(t, "hotstack_anomalies_total") == 1);
	assert_null(strstr(t, "pid"));
	assert_null(strstr(t, "process_cpu_seconds_total"));
	/* every line is a comment or NAME[{...}] VALUE, no raw newline in labels */
	{
		char *line, *save = NULL, *copy = xstrdup(t);

		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			assert_true(line[0] == '#' || !strncmp(line, "hotstack_", 9));
		free(copy);
	}
	free(t);
	metrics_free(m);
}

static void test_top_n(void **state UNUSED)
{
	struct metrics *m = metrics_new(2);
	char *t;

	metrics_add_function_cpu(m, "a", "p", 3);
	metrics_add_function_cpu(m, "b", "p", 2);
	metrics_add_function_cpu(m, "c", "p", 1);
	metrics_publish(m);
	t = format(m, false);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"a\",module=\"p\"}") == 3);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"b\",module=\"p\"}") == 2);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"c\",module=\"p\"}") == -1);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"[other]\",module=\"\"}") == 1);
	free(t);
	/* c becomes the hottest: a and b stay exported, c stays in [other] */
	metrics_add_function_cpu(m, "c", "p", 100);
	metrics_add_function_cpu(m, "a", "p", 1);
	metrics_publish(m);
	t = format(m, false);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"a\",module=\"p\"}") == 4);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"b\",module=\"p\"}") == 2);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"c\",module=\"p\"}") == -1);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"[other]\",module=\"\"}") == 101);
	free(t);
	metrics_free(m);

	/* a function exported later starts its series from then: [other]
	 * keeps what it had, so no counter falls */
	m = metrics_new(2);
	metrics_add_function_cpu(m, "a", "p", 3);
	metrics_publish(m);
	metrics_add_function_cpu(m, "z", "p", 5);
	metrics_publish(m);
	t = format(m, false);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"z\",module=\"p\"}") == 5);
	free(t);
	metrics_add_function_cpu(m, "y", "p", 7);
	metrics_publish(m);
	t = format(m, false);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"y\",module=\"p\"}") == -1);
	assert_true(value_of(t, "hotstack_function_cpu_seconds_total{function=\"[other]\",module=\"\"}") == 7);
	free(t);
	metrics_free(m);
}

static void test_histogram(void **state UNUSED)
{
	struct metrics *m = metrics_new(5);
	char *t;

	/* bucket 80: [1024, 1097) ns -> le 1e-05; bucket 160: ~1 ms -> le 0.01
	 * (its upper bound 2^20.125 ns is above 1e-3 s); bucket 280: ~33.5 s -> +Inf */
	metrics_add_syscall_bucket(m, "read", 80, 3);
	metrics_add_syscall_bucket(m, "read", 160, 2);
	metrics_add_syscall_bucket(m, "read", 280, 1);
	metrics_add_syscall_time(m, "read", 40);
	metrics_publish(m);
	t = format(m, false);
	assert_non_null(strstr(t, "# TYPE hotstack_syscall_duration_seconds histogram\n"));
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_bucket{syscall=\"read\",le=\"1e-05\"}") == 3);
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_bucket{syscall=\"read\",le=\"0.001\"}") == 3);
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_bucket{syscall=\"read\",le=\"0.01\"}") == 5);
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_bucket{syscall=\"read\",le=\"10\"}") == 5);
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_bucket{syscall=\"read\",le=\"+Inf\"}") == 6);
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_count{syscall=\"read\"}") == 6);
	assert_true(value_of(t, "hotstack_syscall_duration_seconds_sum{syscall=\"read\"}") == 40);
	free(t);
	metrics_free(m);
}

static void test_process(void **state UNUSED)
{
	struct metrics *m = metrics_new(5);
	char *t;

	t = format(m, true);
	assert_true(value_of(t, "process_cpu_seconds_total") >= 0);
	assert_true(value_of(t, "process_resident_memory_bytes") > 1e5);
	assert_true(value_of(t, "process_start_time_seconds") > 1.7e9);
	assert_true(value_of(t, "process_open_fds") >= 3);
	assert_non_null(strstr(t, "# TYPE process_cpu_seconds_total counter\n"));
	free(t);
	metrics_free(m);
}

/* GET path from 127.0.0.1:port; returns the whole response (malloc'd). */
static char *http_get(int port, const char *request)
{
	struct sockaddr_in sa;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	return sb.buf ? sb.buf : xstrdup("");
}

static void test_server(void **state UNUSED)
{
	struct metrics *m = metrics_new(5);
	char *err = NULL, *r;
	int port = 0, i;

	assert_int_equal(metrics_serve(m, "127.0.0.1:0", false, &port, &err), 0);
	assert_true(port > 0);
	metrics_add_process_cpu(m, "httpd", 2);
	metrics_publish(m);
	r = http_get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(r, "\nhotstack_cpu_seconds_total{comm=\"httpd\"} 2\n"));
	assert_non_null(strstr(r, "\nprocess_resident_memory_bytes "));
	free(r);
	r = http_get(port, "GET /nothing HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.0 404"));
	free(r);
	r = http_get(port, "POST /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.0 405"));
	free(r);
	/* publishing while scrapes run never waits for them */
	for (i = 0; i < 200; i++) {
		metrics_add_process_cpu(m, "httpd", 1);
		metrics_publish(m);
	}
	r = http_get(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "\nhotstack_cpu_seconds_total{comm=\"httpd\"} 202\n"));
	free(r);
	metrics_free(m);

	/* addresses */
	m = metrics_new(5);
	assert_int_equal(metrics_serve(m, "10.1.2.3:9464", false, NULL, &err), -EPERM);
	assert_non_null(strstr(err, "not a loopback address"));
	free(err);
	assert_int_equal(metrics_serve(m, "9464", false, NULL, &err), -EINVAL);
	free(err);
	assert_int_equal(metrics_serve(m, "127.0.0.1:99999", false, NULL, &err), -EINVAL);
	free(err);
	assert_int_equal(metrics_serve(m, "[::1]:0", false, &port, &err), 0);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_top_n),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
