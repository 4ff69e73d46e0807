# tests/fuzz/local.mk - one fuzz target per parser (included from Makefile.am)
#
# Always: replay-NAME = the target + replay.c; `make check` runs
# tests/fuzz/replay.sh, which replays tests/fuzz/corpus/NAME/* (the corpus
# and every crash reproducer) through each, under the build's sanitizers.
# With ./configure --enable-fuzzing (CC=clang): fuzz-NAME, linked with
# libFuzzer, and `make fuzz` runs each for FUZZ_SECONDS (default 60).

FUZZ_NAMES = import-folded import-perf perfmap kallsyms recording procfs
FUZZ_NAMES += symbol
FUZZ_COMMON = tests/fuzz/fuzz.c tests/fuzz/fuzz.h
FUZZ_REPLAYS = tests/fuzz/replay-import-folded tests/fuzz/replay-import-perf \
	tests/fuzz/replay-perfmap tests/fuzz/replay-kallsyms tests/fuzz/replay-recording \
	tests/fuzz/replay-procfs
check_PROGRAMS += $(FUZZ_REPLAYS)
tests_fuzz_replay_import_folded_SOURCES = tests/fuzz/fuzz-import-folded.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_import_folded_LDADD = $(HS_LIBS)
tests_fuzz_replay_import_perf_SOURCES = tests/fuzz/fuzz-import-perf.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_import_perf_LDADD = $(HS_LIBS)
tests_fuzz_replay_perfmap_SOURCES = tests/fuzz/fuzz-perfmap.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_perfmap_LDADD = $(HS_LIBS)
tests_fuzz_replay_kallsyms_SOURCES = tests/fuzz/fuzz-kallsyms.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_kallsyms_LDADD = $(HS_LIBS)
tests_fuzz_replay_recording_SOURCES = tests/fuzz/fuzz-recording.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_recording_LDADD = $(HS_LIBS)
tests_fuzz_replay_procfs_SOURCES = tests/fuzz/fuzz-procfs.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_procfs_LDADD = $(HS_LIBS) -lpthread
# the symbolizer and unwinder on mutated ELF/DWARF files (corpus: tiny -g ELFs)
FUZZ_REPLAYS += tests/fuzz/replay-symbol
check_PROGRAMS += tests/fuzz/replay-symbol
tests_fuzz_replay_symbol_SOURCES = tests/fuzz/fuzz-symbol.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_symbol_LDADD = $(HS_LIBS)
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/corpus

if FUZZING
FUZZ_BINS = tests/fuzz/fuzz-import-folded tests/fuzz/fuzz-import-perf \
	tests/fuzz/fuzz-perfmap tests/fuzz/fuzz-kallsyms tests/fuzz/fuzz-recording \
	tests/fuzz/fuzz-procfs
EXTRA_PROGRAMS = $(FUZZ_BINS)
FUZZ_LINK = -fsanitize=fuzzer
tests_fuzz_fuzz_import_folded_SOURCES = tests/fuzz/fuzz-import-folded.c $(FUZZ_COMMON)
tests_fuzz_fuzz_import_folded_LDADD = $(HS_LIBS)
tests_fuzz_fuzz_import_folded_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_import_perf_SOURCES = tests/fuzz/fuzz-import-perf.c $(FUZZ_COMMON)
tests_fuzz_fuzz_import_perf_LDADD = $(HS_LIBS)
tests_fuzz_fuzz_import_perf_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_perfmap_SOURCES = tests/fuzz/fuzz-perfmap.c $(FUZZ_COMMON)
tests_fuzz_fuzz_perfmap_LDADD = $(HS_LIBS)
tests_fuzz_fuzz_perfmap_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_kallsyms_SOURCES = tests/fuzz/fuzz-kallsyms.c $(FUZZ_COMMON)
tests_fuzz_fuzz_kallsyms_LDADD = $(HS_LIBS)
tests_fuzz_fuzz_kallsyms_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_recording_SOURCES = tests/fuzz/fuzz-recording.c $(FUZZ_COMMON)
tests_fuzz_fuzz_recording_LDADD = $(HS_LIBS)
tests_fuzz_fuzz_recording_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_procfs_SOURCES = tests/fuzz/fuzz-procfs.c $(FUZZ_COMMON)
tests_fuzz_fuzz_procfs_LDADD = $(HS_LIBS) -lpthread
tests_fuzz_fuzz_procfs_LDFLAGS = $(FUZZ_LINK)
FUZZ_BINS += tests/fuzz/fuzz-symbol
tests_fuzz_fuzz_symbol_SOURCES = tests/fuzz/fuzz-symbol.c $(FUZZ_COMMON)
tests_fuzz_fuzz_symbol_LDADD = $(HS_LIBS)
tests_fuzz_fuzz_symbol_LDFLAGS = $(FUZZ_LINK)

FUZZ_SECONDS = 60
# each target for FUZZ_SECONDS; new inputs land in fuzz-out/NAME, crashes in
# fuzz-out/crash-NAME-*; copy what matters to tests/fuzz/corpus/NAME
fuzz: $(FUZZ_BINS)
	@mkdir -p fuzz-out
	@for n in $(FUZZ_NAMES); do \
		mkdir -p fuzz-out/$$n; \
		echo "fuzz-$$n: $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=0 ./tests/fuzz/fuzz-$$n -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=fuzz-out/crash-$$n- \
			fuzz-out/$$n $(srcdir)/tests/fuzz/corpus/$$n >fuzz-out/$$n.log 2>&1; \
		echo "  exit $$?: $$(grep -E '^stat::number_of_executed_units' fuzz-out/$$n.log)"; \
	done
else
fuzz:
	@echo "make fuzz: configure with CC=clang ./configure --enable-fuzzing" >&2; exit 2
endif
.PHONY: fuzz
