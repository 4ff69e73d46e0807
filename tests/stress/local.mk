# tests/stress/local.mk - make stress: hotstack record under stress (long;
# not part of make check). See tests/stress/stress.sh.

check_PROGRAMS += tests/progs/prefork
tests_progs_prefork_SOURCES = tests/progs/prefork.c
tests_progs_prefork_CFLAGS = -O2 -g -fomit-frame-pointer -Wall -Wextra -I$(srcdir)/samples

# STRESS_LONG_SECS=60 make stress for a shorter long run;
# STRESS_ONLY="churn deep" for a subset
stress: all tests/progs/churn tests/progs/prefork
	HOTSTACK=$(abs_top_builddir)/hotstack SAMPLES=$(abs_top_builddir)/samples \
		TESTPROGS=$(abs_top_builddir)/tests/progs \
		$(SHELL) $(srcdir)/tests/stress/stress.sh
.PHONY: stress
EXTRA_DIST += tests/stress/stress.sh
