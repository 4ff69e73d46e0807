/* query.h - a recording opened for the query layer's readers
 *
 * Readers that keep a recording open across many queries (the UI's views,
 * its comparison job) open it here and hand the handle to the query layer
 * (profile_load(), timeline_load(), threads_load(), waits_summary_load(),
 * diff_add_profile(), ...). The handle is opaque: only src/store.c knows
 * what is inside, and nothing that includes this header needs store.h.
 *
 * query_open() does not read the whole file (the check store_open() does):
 * a reader opens the same recording again and again, once checked. Check
 * once with query_check() before taking the screen, and when a query on a
 * handle fails, query_explain() gives the whole-file check's message if
 * the file is damaged. All return 0 or a negative errno with a one-line
 * *errmsg (malloc'd), the message `report` gives for the same file.
 */
#ifndef HOTSTACK_QUERY_H
#define HOTSTACK_QUERY_H

#include <stdint.h>

struct store;

/* Open path for reading, without the whole-file check. */
int query_open(const char *path, struct store **out, char **errmsg);
/* Close a handle of query_open(); NULL is fine. */
void query_close(struct store *st);
/* Open, check the whole file and close: 0 if path is a readable recording. */
int query_check(const char *path, char **errmsg);
/* A query on path failed with err and *errmsg: if the whole-file check
 * finds the file damaged, its message replaces *errmsg. Returns err. */
int query_explain(const char *path, int err, char **errmsg);
/* The recording's time slice length in ns (meta slice_ns, else the
 * default), as time ranges are mapped to slices. */
int64_t query_slice_ns(struct store *st);

#endif
