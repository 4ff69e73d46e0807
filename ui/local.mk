# ui/local.mk - the terminal UI (hotstack ui) and its tests, included from
# Makefile.am. Only ui/term.c includes curses; the rest of ui/ (models,
# canvas, views, the headless screen dump) is curses-free and also linked
# into the model unit test.

UI_CORE_SOURCES = \
	ui/ui.h ui/view.h ui/ui.c \
	ui/canvas.c ui/canvas.h \
	ui/model.c ui/model.h ui/model-tree.c \
	ui/view-hotspots.c ui/view-tree.c ui/view-flame.c \
	ui/model-query.c ui/model-query.h \
	ui/view-timeline.c ui/view-threads.c ui/view-waits.c ui/view-source.c \
	ui/model-compare.c ui/model-compare.h ui/view-compare.c ui/view-compare-flame.c \
	ui/screendump.c \
	ui/live.c ui/live.h

hotstack_SOURCES += $(UI_CORE_SOURCES) ui/term.c src/cmd-ui.c src/cmd-attach.c
hotstack_CPPFLAGS = $(AM_CPPFLAGS) $(NCURSES_CFLAGS)
hotstack_LDADD += $(NCURSES_LIBS)

UI_UNIT_TESTS = tests/unit/test-ui-model
check_PROGRAMS += $(UI_UNIT_TESTS)
TESTS += $(UI_UNIT_TESTS)
tests_unit_test_ui_model_SOURCES = tests/unit/test-ui-model.c $(UNIT_FIXTURE) $(UI_CORE_SOURCES)
tests_unit_test_ui_model_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ui_model_LDADD = $(UNIT_LDADD)

# family 8: the UI. t8000 compares headless screens with tests/ui/expect/;
# t8010 drives the real binary in tmux (needs tmux).
UI_CLI_TESTS = \
	tests/cli/t8000-ui-golden.sh \
	tests/cli/t8010-ui-tmux.sh \
	tests/cli/t8020-ui-monkey.sh \
	tests/cli/t8070-ui-source-record.sh
TESTS += $(UI_CLI_TESTS)
EXTRA_DIST += $(UI_CLI_TESTS) ui/local.mk tests/ui
dist_man_MANS += man/hotstack-ui.1

# make bench-ui: load, first screen and key times on 1M samples (not in check)
bench-ui: all
	HOTSTACK=$(abs_top_builddir)/hotstack $(SHELL) $(srcdir)/tests/ui/bench.sh
.PHONY: bench-ui
