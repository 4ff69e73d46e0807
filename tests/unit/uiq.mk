# tests/unit/uiq.mk - unit tests of the UI's query layer (included from
# Makefile.am): time range and thread filters, the timeline, threads, source
# lines and safe source reading, on recordings from fixture.c.

UIQ_TESTS = \
	tests/unit/test-timeline \
	tests/unit/test-threads \
	tests/unit/test-source

UIQ_ENV = $(UNIT_FIXTURE) tests/unit/dbenv.c tests/unit/dbenv.h

check_PROGRAMS += $(UIQ_TESTS)
TESTS += $(UIQ_TESTS)

tests_unit_test_timeline_SOURCES = tests/unit/test-timeline.c $(UIQ_ENV)
tests_unit_test_timeline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_timeline_LDADD = $(UNIT_LDADD)

tests_unit_test_threads_SOURCES = tests/unit/test-threads.c $(UIQ_ENV)
tests_unit_test_threads_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_threads_LDADD = $(UNIT_LDADD)

tests_unit_test_source_SOURCES = tests/unit/test-source.c $(UIQ_ENV)
tests_unit_test_source_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_source_LDADD = $(UNIT_LDADD)

# the models of the Waits, Threads, Timeline and Source views (ui/)
UIQ_TESTS += tests/unit/test-ui-query
tests_unit_test_ui_query_SOURCES = tests/unit/test-ui-query.c $(UIQ_ENV) $(UI_CORE_SOURCES)
tests_unit_test_ui_query_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ui_query_LDADD = $(UNIT_LDADD)

# the fixed --waits recording of the UI's golden screens (tests/cli/t8050)
check_PROGRAMS += tests/ui/mkuiq
tests_ui_mkuiq_SOURCES = tests/ui/mkuiq.c
tests_ui_mkuiq_LDADD = $(HS_LIBS)

# golden screens of the Waits, Threads, Timeline and Source views
UIQ_CLI_TESTS = tests/cli/t8050-ui-views-golden.sh tests/cli/t8060-ui-compare-pair.sh
TESTS += $(UIQ_CLI_TESTS)
EXTRA_DIST += $(UIQ_CLI_TESTS) tests/ui/src
