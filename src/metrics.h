/* metrics.h - Prometheus metrics of a continuous recording, served over HTTP
 *
 * The recording side adds what it read (CPU seconds by process and by
 * function, off-CPU seconds by wait kind, system call latencies, samples,
 * anomaly marks) to an accumulator it alone touches, then publishes: an
 * immutable snapshot is built outside any lock and swapped in under a
 * mutex held for a pointer swap. The server thread takes a reference to
 * the current snapshot under the same mutex and formats from it, so a slow
 * or stuck scraper never blocks the recorder.
 *
 * Series do not churn: CPU by process is labelled with the process name
 * (comm), never a pid; functions are exported by name and module once
 * they are among the top_n by CPU at a publish while fewer than top_n are
 * exported, and then stay exported; every other function's CPU goes to
 * the function="[other]" series. Counters only grow: a function starts its
 * own series with what comes after it is exported (what it had before
 * stays in [other]).
 *
 * The exposition is the text format 0.0.4: HELP and TYPE lines, base units
 * (seconds, bytes), counters ending in _total, label values escaped (\\,
 * \", \n). Besides hotstack_* it has the standard process_* metrics of
 * hotstack itself (CPU, resident and virtual memory, start time, open and
 * maximum file descriptors), read from /proc at each scrape.
 */
#ifndef HOTSTACK_METRICS_H
#define HOTSTACK_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct strbuf;
struct metrics;

#define METRICS_DEFAULT_TOP 20

/* upper bounds (seconds) of the system call latency histogram buckets,
 * before +Inf */
#define METRICS_NBUCKETS 7
extern const double metrics_buckets[METRICS_NBUCKETS];

struct metrics *metrics_new(unsigned top_n);
/* Stops the server (if any) and frees everything. */
void metrics_free(struct metrics *m);

/* The accumulator: called by the recording thread only. module may be
 * NULL; only its base name is used. */
void metrics_add_process_cpu(struct metrics *m, const char *comm, double seconds);
void metrics_add_function_cpu(struct metrics *m, const char *function, const char *module,
			      double seconds);
/* kind: "blocked" or "runqueue" */
void metrics_add_offcpu(struct metrics *m, const char *kind, double seconds);
/* count calls of syscall name whose latency fell in the store's bucket b
 * ([2^(b/8), 2^((b+1)/8)) ns, see store.h), and their total time */
void metrics_add_syscall_bucket(struct metrics *m, const char *name, int b, uint64_t count);
void metrics_add_syscall_time(struct metrics *m, const char *name, double seconds);
void metrics_add_samples(struct metrics *m, uint64_t samples, uint64_t lost);
void metrics_add_anomaly(struct metrics *m);
/* Makes what was added so far what the endpoint serves. */
void metrics_publish(struct metrics *m);

/* The exposition of the published snapshot (without process_* unless
 * with_process) appended to sb. */
void metrics_format(struct metrics *m, bool with_process, struct strbuf *sb);
/* A label value, escaped for the exposition, appended to sb. */
void metrics_escape(struct strbuf *sb, const char *value);

/*
 * Serves GET /metrics on addr ("127.0.0.1:9464", "[::1]:9464",
 * "localhost:9464") from a thread of its own, until metrics_free(). A
 * non-loopback address is refused (-EPERM) unless allow_remote. Returns 0,
 * or a negative errno with *errmsg (malloc'd, one line). *port (if not
 * NULL) gets the port bound (useful with port 0).
 */
int metrics_serve(struct metrics *m, const char *addr, bool allow_remote, int *port,
		  char **errmsg);

#endif
