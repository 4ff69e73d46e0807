# samples/local.mk - sample workloads for the tests, the README and the
# benchmarks; included from the top-level Makefile.am.
#
# Every sample is built with exactly SAMPLE_CFLAGS: per-target _CFLAGS
# replace AM_CFLAGS (so no sanitizers, no -Werror) and the empty per-target
# _LDFLAGS replace AM_LDFLAGS. The frame pointer is omitted on purpose, so
# the profiler has to unwind with DWARF CFI.

SAMPLE_CFLAGS = -O2 -g -fomit-frame-pointer
SAMPLE_PTHREAD_CFLAGS = $(SAMPLE_CFLAGS) -pthread

noinst_PROGRAMS += \
	samples/split \
	samples/threads \
	samples/fork \
	samples/deep \
	samples/spin \
	samples/dlopen \
	samples/libhsplugin.so \
	samples/httpd \
	samples/loadgen

samples_split_SOURCES = samples/split.c samples/work.h
samples_split_CFLAGS = $(SAMPLE_CFLAGS)
samples_split_LDFLAGS =

samples_threads_SOURCES = samples/threads.c samples/work.h
samples_threads_CFLAGS = $(SAMPLE_PTHREAD_CFLAGS)
samples_threads_LDFLAGS =

samples_fork_SOURCES = samples/fork.c samples/work.h
samples_fork_CFLAGS = $(SAMPLE_CFLAGS)
samples_fork_LDFLAGS =

samples_deep_SOURCES = samples/deep.c samples/work.h
samples_deep_CFLAGS = $(SAMPLE_CFLAGS)
samples_deep_LDFLAGS =

samples_spin_SOURCES = samples/spin.c samples/work.h
samples_spin_CFLAGS = $(SAMPLE_PTHREAD_CFLAGS)
samples_spin_LDFLAGS =

samples_dlopen_SOURCES = samples/dlopen.c samples/work.h
samples_dlopen_CFLAGS = $(SAMPLE_CFLAGS)
samples_dlopen_LDFLAGS =
samples_dlopen_LDADD = -ldl

# A shared library built as a "program": no libtool needed. samples/dlopen
# loads it from its own directory at run time.
samples_libhsplugin_so_SOURCES = samples/plugin.c
samples_libhsplugin_so_CFLAGS = $(SAMPLE_CFLAGS) -fPIC
samples_libhsplugin_so_LDFLAGS = -shared

samples_httpd_SOURCES = samples/httpd.c
samples_httpd_CFLAGS = $(SAMPLE_PTHREAD_CFLAGS)
samples_httpd_LDFLAGS =

samples_loadgen_SOURCES = samples/loadgen.c
samples_loadgen_CFLAGS = $(SAMPLE_PTHREAD_CFLAGS)
samples_loadgen_LDFLAGS =

EXTRA_DIST += samples/README.md

# waits: blocks in read/fsync/nanosleep/cond_wait/accept/recv for known times
noinst_PROGRAMS += samples/waits
samples_waits_SOURCES = samples/waits.c
samples_waits_CFLAGS = $(SAMPLE_PTHREAD_CFLAGS)
samples_waits_LDFLAGS = -pthread

# The diff samples: one fixed-work batch job (job.h) in three builds. The
# before/after pair differs in count_distinct() only; job-slow makes
# hash_batch() 20% slower (or PCT%).
noinst_PROGRAMS += samples/job-before samples/job-after samples/job-slow

samples_job_before_SOURCES = samples/job-before.c samples/job.h samples/work.h
samples_job_before_CFLAGS = $(SAMPLE_CFLAGS)
samples_job_before_LDFLAGS =

samples_job_after_SOURCES = samples/job-after.c samples/job.h samples/work.h
samples_job_after_CFLAGS = $(SAMPLE_CFLAGS)
samples_job_after_LDFLAGS =

samples_job_slow_SOURCES = samples/job-slow.c samples/job.h samples/work.h
samples_job_slow_CFLAGS = $(SAMPLE_CFLAGS)
samples_job_slow_LDFLAGS =

# sysloop: millions of small system calls, for the cost of tracing them
noinst_PROGRAMS += samples/sysloop
samples_sysloop_SOURCES = samples/sysloop.c
samples_sysloop_CFLAGS = $(SAMPLE_CFLAGS)
samples_sysloop_LDFLAGS =
