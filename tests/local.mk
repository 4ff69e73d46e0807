# tests/local.mk - the tests, included from Makefile.am
#
# Unit tests (cmocka) on deterministic input, no perf events: util, store,
# profile, json, and the recorder's path (test-record-path). fixture.c builds
# small recordings through the store writer.
# The CLI integration tests are in tests/cli/local.mk (included from Makefile.am).

UNIT_TESTS = \
	tests/unit/test-util \
	tests/unit/test-store \
	tests/unit/test-profile \
	tests/unit/test-json \
	tests/unit/test-record-path \
	tests/unit/test-recorder \
	tests/unit/test-perfmap

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = $(HS_LIBS) $(CMOCKA_LIBS)
UNIT_FIXTURE = tests/unit/fixture.c tests/unit/fixture.h

tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_util_LDADD = $(UNIT_LDADD)

tests_unit_test_perfmap_SOURCES = tests/unit/test-perfmap.c
tests_unit_test_perfmap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_perfmap_LDADD = $(UNIT_LDADD)

tests_unit_test_store_SOURCES = tests/unit/test-store.c $(UNIT_FIXTURE)
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)

tests_unit_test_profile_SOURCES = tests/unit/test-profile.c $(UNIT_FIXTURE)
tests_unit_test_profile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_profile_LDADD = $(UNIT_LDADD)

tests_unit_test_json_SOURCES = tests/unit/test-json.c
tests_unit_test_json_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_json_LDADD = $(UNIT_LDADD)

tests_unit_test_record_path_SOURCES = tests/unit/test-record-path.c
tests_unit_test_record_path_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_record_path_LDADD = $(UNIT_LDADD)

tests_unit_test_recorder_SOURCES = tests/unit/test-recorder.c $(UNIT_FIXTURE)
tests_unit_test_recorder_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_recorder_LDADD = $(UNIT_LDADD)

# anomaly.c: share baselines and marks on synthetic windows and a recording
UNIT_TESTS += tests/unit/test-anomaly
tests_unit_test_anomaly_SOURCES = tests/unit/test-anomaly.c $(UNIT_FIXTURE)
tests_unit_test_anomaly_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_anomaly_LDADD = $(UNIT_LDADD)

# rotate.c: rotated recordings, retention, latest, ranges, time parsing
UNIT_TESTS += tests/unit/test-rotate
tests_unit_test_rotate_SOURCES = tests/unit/test-rotate.c $(UNIT_FIXTURE)
tests_unit_test_rotate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rotate_LDADD = $(UNIT_LDADD)

# metrics.c: the Prometheus exposition and its HTTP server on loopback
UNIT_TESTS += tests/unit/test-metrics
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)

# demangle.c: demangling, the name matching rule, short display names
UNIT_TESTS += tests/unit/test-demangle
tests_unit_test_demangle_SOURCES = tests/unit/test-demangle.c
tests_unit_test_demangle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_demangle_LDADD = $(UNIT_LDADD)

# pcinfo.c: FDE ranges from .eh_frame_hdr, on the test's own executable
UNIT_TESTS += tests/unit/test-pcinfo
tests_unit_test_pcinfo_SOURCES = tests/unit/test-pcinfo.c
tests_unit_test_pcinfo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pcinfo_LDADD = $(UNIT_LDADD)
