# tests/faults/local.mk - make check-faults: SIGKILL, SIGINT and SIGTERM at
# random moments during record -p, record -- CMD, record --waits, attach
# and stacks, FAULTS_N runs each (default 100; 11 minutes here); not part
# of make check, which runs a fixed-seed subset (tests/cli/t3100-faults.sh).
# FAULTS_SEED, FAULTS_N, FAULTS_WINDOW_MS, FAULTS_GAP_MS, FAULTS_SCENARIOS:
# see tests/faults/faults.sh.
check-faults: all tests/progs/heartbeat$(EXEEXT)
	$(AM_TESTS_ENVIRONMENT) bash $(srcdir)/tests/faults/faults.sh
.PHONY: check-faults
EXTRA_DIST += tests/faults/faults.sh
