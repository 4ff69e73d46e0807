# tests/cli/local.mk - integration tests: shell scripts driving the built
# hotstack against samples/ and tests/progs/ (included from Makefile.am)

# test targets, built like the samples: -O2, no frame pointers, no sanitizers
check_PROGRAMS += tests/progs/churn tests/progs/jit tests/progs/noperf
tests_progs_churn_SOURCES = tests/progs/churn.c
tests_progs_churn_CFLAGS = -O2 -g -fomit-frame-pointer -pthread -Wall -Wextra -I$(srcdir)/samples
tests_progs_churn_LDFLAGS = -pthread
tests_progs_jit_SOURCES = tests/progs/jit.c
tests_progs_jit_CFLAGS = -O2 -g -Wall -Wextra
tests_progs_jit_LDFLAGS =
tests_progs_noperf_SOURCES = tests/progs/noperf.c
tests_progs_noperf_CFLAGS = -O2 -g -Wall -Wextra
tests_progs_noperf_LDFLAGS =
# a fork whose processes then map different libraries (t1021)
check_PROGRAMS += tests/progs/forkdl
tests_progs_forkdl_SOURCES = tests/progs/forkdl.c
tests_progs_forkdl_CFLAGS = -O2 -g -fomit-frame-pointer -Wall -Wextra -I$(srcdir)/samples
tests_progs_forkdl_LDFLAGS =
tests_progs_forkdl_LDADD = -ldl

CLI_TESTS = \
	tests/cli/t1000-record-split.sh \
	tests/cli/t1010-record-threads.sh \
	tests/cli/t1020-record-fork.sh \
	tests/cli/t1021-record-fork-dlopen.sh \
	tests/cli/t1030-record-dlopen.sh \
	tests/cli/t1040-record-attach.sh \
	tests/cli/t1050-record-attach-threads.sh \
	tests/cli/t1060-record-sigkill.sh \
	tests/cli/t1070-record-signals.sh \
	tests/cli/t1080-record-exec.sh \
	tests/cli/t1090-record-deleted-binary.sh \
	tests/cli/t1100-record-jit.sh \
	tests/cli/t1110-record-kernel.sh \
	tests/cli/t1120-record-output.sh \
	tests/cli/t1130-record-deep.sh \
	tests/cli/t1140-record-status-lost.sh \
	tests/cli/t1150-record-httpd.sh \
	tests/cli/t1160-record-events.sh \
	tests/cli/t1170-record-lld.sh \
	tests/cli/t1171-record-gold.sh \
	tests/cli/t1172-record-mold.sh \
	tests/cli/t1183-record-modules.sh \
	tests/cli/t1182-record-stripped.sh \
	tests/cli/t1181-record-rust.sh \
	tests/cli/t1180-record-cxx.sh \
	tests/cli/t2000-report.sh \
	tests/cli/t2010-info-export.sh \
	tests/cli/t2020-sanitize.sh \
	tests/cli/t2030-usage-errors.sh \
	tests/cli/t2040-report-limits-offcpu.sh \
	tests/cli/t2050-info-kinds-module-names.sh \
	tests/cli/t2060-flame-terminal.sh \
	tests/cli/t3000-bad-input.sh \
	tests/cli/t3010-bad-recordings.sh \
	tests/cli/t3020-not-permitted.sh \
	tests/cli/t3030-atomic-output.sh \
	tests/cli/t3040-perfmap-hostile.sh \
	tests/cli/t3050-hostile-names.sh \
	tests/cli/t3100-faults.sh \
	tests/cli/t3110-disk-full.sh \
	tests/cli/t6200-record-ptrace.sh \
	tests/cli/t7000-waits.sh \
	tests/cli/t7010-waits-coverage.sh \
	tests/cli/t7020-waits-export.sh \
	tests/cli/t7030-waits-attach-blocked.sh

TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/cli/lib.sh
EXTRA_DIST += tests/cli/linkers.sh
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
if SANITIZERS
HOTSTACK_SANITIZED = yes
else
HOTSTACK_SANITIZED = no
endif
AM_TESTS_ENVIRONMENT = \
	HOTSTACK='$(abs_top_builddir)/hotstack'; \
	SAMPLES='$(abs_top_builddir)/samples'; \
	TESTPROGS='$(abs_top_builddir)/tests/progs'; \
	HOTSTACK_SANITIZED='$(HOTSTACK_SANITIZED)'; \
	export HOTSTACK SAMPLES TESTPROGS HOTSTACK_SANITIZED;

# always on (issue 12): a steady workload whose leaf_30 triples for a while,
# and the continuous recording tests
check_PROGRAMS += tests/progs/phases
tests_progs_phases_SOURCES = tests/progs/phases.c
tests_progs_phases_CFLAGS = -O2 -g -fomit-frame-pointer -pthread -Wall -Wextra -I$(srcdir)/samples
tests_progs_phases_LDFLAGS = -pthread
ALWAYS_TESTS = tests/cli/t1200-continuous-rotate.sh tests/cli/t1210-continuous-metrics.sh \
	tests/cli/t1220-continuous-anomalies.sh tests/cli/t1230-continuous-comm.sh
ALWAYS_TESTS += tests/cli/t1240-continuous-cgroup.sh
TESTS += $(ALWAYS_TESTS)
EXTRA_DIST += $(ALWAYS_TESTS)
EXTRA_DIST += samples/hotstack-continuous.service
# readers over time (issue 12): ui and diff over a directory with --since,
# report over generated rotated files; genrange writes them (and bench-range)
check_PROGRAMS += tests/bench/genrange
tests_bench_genrange_SOURCES = tests/bench/genrange.c tests/bench/xorshift.h
tests_bench_genrange_LDADD = $(HS_LIBS)
RANGE_TESTS = tests/cli/t1250-range-readers.sh
TESTS += $(RANGE_TESTS)
EXTRA_DIST += $(RANGE_TESTS)

# live (issue 10): hotstack attach and ui following a recording, in tmux;
# heartbeat is the target (a hot function switched by SIGUSR1, a beat a second)
check_PROGRAMS += tests/progs/heartbeat
tests_progs_heartbeat_SOURCES = tests/progs/heartbeat.c
tests_progs_heartbeat_CFLAGS = -O1 -g -fno-omit-frame-pointer -Wall -Wextra
LIVE_TESTS = tests/cli/t9000-ui-follow.sh tests/cli/t9010-attach.sh
TESTS += $(LIVE_TESTS)
EXTRA_DIST += $(LIVE_TESTS) tests/cli/live-lib.sh
dist_man_MANS += man/hotstack-attach.1
# live.c without a terminal: what is followed, the marker, the attach keys
check_PROGRAMS += tests/unit/test-ui-live
TESTS += tests/unit/test-ui-live
tests_unit_test_ui_live_SOURCES = tests/unit/test-ui-live.c $(UNIT_FIXTURE) $(UI_CORE_SOURCES)
tests_unit_test_ui_live_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ui_live_LDADD = $(UNIT_LDADD)
# the UI on its sources: ui/ reads the query layer, never the store; every
# key it handles is in hotstack-ui(1)
UI_LAYER_TESTS = tests/cli/t8080-ui-layering.sh tests/cli/t8090-ui-keys-man.sh
TESTS += $(UI_LAYER_TESTS)
EXTRA_DIST += $(UI_LAYER_TESTS)
