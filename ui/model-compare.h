/* model-compare.h - the before/after comparison behind `hotstack ui BEFORE
 * AFTER`: diff's model (src/diff.h) computed in the background
 *
 * A comparison is computed by a worker thread (loading every recording
 * and bootstrapping intervals takes longer than a key press): mcompare_start()
 * hands the filters to a new job and returns at once; mcompare_poll() takes
 * a finished job's result. While a job runs, the previous result stays on
 * screen with a marker, and ui->background counts the jobs not yet taken,
 * so the terminal loop redraws when one finishes and the headless mode
 * waits for it (screens stay deterministic). A job whose result is no
 * longer wanted finishes and frees itself.
 *
 * Rows are diff's, in diff's order (the size of the real change first):
 * functions, and call paths for the call-path view.
 */
#ifndef HOTSTACK_UI_MODEL_COMPARE_H
#define HOTSTACK_UI_MODEL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "diff.h"
#include "view.h"

struct mcompare_job;

struct mcompare {
	struct diff *d;			/* owns what result points into */
	struct diff_result *result;	/* NULL until the first job ends */
	char *error;			/* the last job's failure */
	struct mcompare_job *job;	/* running, or NULL */
	struct ui_filter filter;	/* what result was computed for */
	struct ui_filter job_filter;	/* what the running job computes */
	unsigned gen;			/* bumped when a result (or error) is taken */
};

/*
 * The comparison the views of one UI share (the Compare view and the flame
 * graph by change compute it once): the first get creates it, the last
 * put releases it.
 */
struct mcompare *mcompare_get(struct ui *ui);
void mcompare_put(struct mcompare *m, struct ui *ui);
/* Start a job unless the result (or the running job) is for filter f
 * already. */
void mcompare_want(struct mcompare *m, struct ui *ui, const struct ui_filter *f);

void mcompare_init(struct mcompare *m);
/* Abandons a running job (it frees itself when done). */
void mcompare_release(struct mcompare *m, struct ui *ui);
/* Compute the comparison of ui->opts' recordings for filter f in the
 * background; a job already running is abandoned. */
void mcompare_start(struct mcompare *m, struct ui *ui, const struct ui_filter *f);
/* Take the running job's result if it is done; returns true if the model
 * changed. */
bool mcompare_poll(struct mcompare *m, struct ui *ui);
/* Wait for the running job and take its result (tests). */
void mcompare_wait(struct mcompare *m, struct ui *ui);
bool mcompare_busy(const struct mcompare *m);

/* The glyph (UI_GLYPH_UP slower, DOWN faster) or ASCII mark of a verdict,
 * and the role its row is drawn in. */
const char *mcompare_mark(const struct canvas *c, enum diff_verdict v);
enum ui_role mcompare_role(enum diff_verdict v);

#endif
