# tests/cli/diff.mk - the diff tests (included from Makefile.am)
#
# 5xxx: hotstack diff on the job-before/job-after/job-slow samples.

DIFF_TESTS = \
	tests/cli/t5000-diff-before-after.sh \
	tests/cli/t5010-diff-false-alarms.sh \
	tests/cli/t5020-diff-regression.sh \
	tests/cli/t5030-diff-programs.sh \
	tests/cli/t5040-diff-waits.sh \
	tests/cli/t5050-diff-renamed-builds.sh

TESTS += $(DIFF_TESTS)
EXTRA_DIST += $(DIFF_TESTS)
