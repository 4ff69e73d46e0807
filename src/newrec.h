/* newrec.h - a new recording written under a temporary name, then renamed
 *
 * import and merge build a whole recording before anyone may see it:
 * newrec_create() opens a store at "PATH.tmp-PID" (same directory, so the
 * final rename is atomic), the caller writes through newrec.st, and
 * newrec_commit() closes it (store_close leaves one self-contained file)
 * and renames it to PATH. An existing PATH is first renamed to PATH.old
 * (replacing an older PATH.old), with any -wal/-shm beside it, as record
 * does; *renamed says so. Until the commit, die() and SIGINT/SIGTERM/
 * SIGHUP/SIGPIPE remove the temporary file, so nothing half-written is
 * left behind (only SIGKILL or a crash can leave a PATH.tmp-PID). One
 * newrec at a time per process.
 */
#ifndef HOTSTACK_NEWREC_H
#define HOTSTACK_NEWREC_H

#include <stdbool.h>

#include "store.h"

struct newrec {
	char *path, *tmp;
	struct store *st;
};

/* Returns 0, or a negative errno with a one-line *errmsg (malloc'd). */
int newrec_create(struct newrec *r, const char *path, char **errmsg);
/* Moves an existing file at the path aside (move_aside()), *moved_to
 * naming where (malloc'd; NULL if there was none), and puts the new
 * recording in its place. */
int newrec_commit(struct newrec *r, char **moved_to, char **errmsg);
/* Closes and removes the temporary file; safe after a failed commit. */
void newrec_abort(struct newrec *r);

#endif
