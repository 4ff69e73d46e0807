# tests/cli/stacks.mk - `hotstack stacks` and the ptrace sampling fallback
# (included from Makefile.am): 6xxx tests, their target programs, and the
# ptsampler unit test

# a target blocked in known calls: built like the samples (-O2, no frame
# pointers, no sanitizers: per-target flags replace AM_CFLAGS/AM_LDFLAGS)
check_PROGRAMS += tests/progs/blocker tests/progs/ptsample-check
tests_progs_blocker_SOURCES = tests/progs/blocker.c
tests_progs_blocker_CFLAGS = -O2 -g -fomit-frame-pointer -pthread -Wall -Wextra
tests_progs_blocker_LDFLAGS = -pthread
# a server at rest (epoll_wait, nanosleep, read), counting EINTR: for what
# is read without a stop (stacks, record --waits -p)
check_PROGRAMS += tests/progs/idle
tests_progs_idle_SOURCES = tests/progs/idle.c
tests_progs_idle_CFLAGS = -O2 -g -fomit-frame-pointer -pthread -Wall -Wextra
tests_progs_idle_LDFLAGS = -pthread
# the same built with frame pointers: every frame addressed through rbp
check_PROGRAMS += tests/progs/idle-fp
tests_progs_idle_fp_SOURCES = tests/progs/idle.c
tests_progs_idle_fp_CFLAGS = -O2 -g -fno-omit-frame-pointer -pthread -Wall -Wextra
tests_progs_idle_fp_LDFLAGS = -pthread
# the driver of ptsampler.h for the tests: links libhotstack.a
tests_progs_ptsample_check_SOURCES = tests/progs/ptsample-check.c
tests_progs_ptsample_check_LDADD = $(HS_LIBS)

STACKS_UNIT_TESTS = tests/unit/test-ptrace
check_PROGRAMS += $(STACKS_UNIT_TESTS)
tests_unit_test_ptrace_SOURCES = tests/unit/test-ptrace.c
tests_unit_test_ptrace_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ptrace_LDADD = $(HS_LIBS) $(CMOCKA_LIBS)

STACKS_TESTS = \
	tests/cli/t6000-stacks-threads.sh \
	tests/cli/t6010-stacks-syscalls.sh \
	tests/cli/t6020-stacks-repeat.sh \
	tests/cli/t6030-stacks-sigkill.sh \
	tests/cli/t6040-stacks-bad-input.sh \
	tests/cli/t6050-stacks-stopped.sh \
	tests/cli/t6060-stacks-asleep.sh \
	tests/cli/t6070-stacks-rbp.sh \
	tests/cli/t6100-ptrace-split.sh \
	tests/cli/t6110-ptrace-follow.sh

TESTS += $(STACKS_UNIT_TESTS) $(STACKS_TESTS)
EXTRA_DIST += $(STACKS_TESTS)
