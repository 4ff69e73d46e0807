# tests/unit/diff.mk - unit tests of hotstack diff's statistics (included
# from Makefile.am): synthetic runs with known changes, false-alarm rate and
# interval coverage over simulated pairs, and recordings from fixture.c.

check_PROGRAMS += tests/unit/test-diff
TESTS += tests/unit/test-diff

tests_unit_test_diff_SOURCES = tests/unit/test-diff.c $(UNIT_FIXTURE)
tests_unit_test_diff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_diff_LDADD = $(UNIT_LDADD)
