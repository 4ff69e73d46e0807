# tests/cli/flame.mk - the flame graph, export, import and merge tests
# (family 4xxx), included from Makefile.am.
#
# Besides the build they need: jq, sqlite3, xmllint (libxml2-utils),
# protoc (protobuf-compiler), node and npm (nodejs, npm), chromium, and, for
# the perf script round trip, perf (linux-perf). The npm packages
# (playwright-core, ajv) are installed by the tests themselves into
# ~/.cache/hotstack-test-npm (or $HOTSTACK_TEST_NPM). t4010 keeps its
# screenshots in tests/cli/t4010-flame-browser.screenshots/ of the build
# directory.

FLAME_TESTS = \
	tests/cli/t4000-flame-svg.sh \
	tests/cli/t4010-flame-browser.sh \
	tests/cli/t4020-export-pprof.sh \
	tests/cli/t4030-export-speedscope.sh \
	tests/cli/t4040-export-json.sh \
	tests/cli/t4050-import-folded.sh \
	tests/cli/t4060-import-perf.sh \
	tests/cli/t4070-merge.sh

TESTS += $(FLAME_TESTS)
EXTRA_DIST += $(FLAME_TESTS) \
	tests/cli/formats-lib.sh \
	tests/cli/flame-browser.js \
	tests/cli/pprof-check.js \
	tests/cli/ss-validate.js \
	tests/data/README.md \
	tests/data/profile.proto \
	tests/data/speedscope-file-format-schema.json \
	tests/bench/formats.sh \
	tests/bench/genstacks.c \
	tests/bench/xorshift.h

# make bench-formats: import and export of 1M samples in 50,000 stacks
bench-formats: all
	HOTSTACK=$(abs_top_builddir)/hotstack $(SHELL) $(srcdir)/tests/bench/formats.sh
.PHONY: bench-formats
