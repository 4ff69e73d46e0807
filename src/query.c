/* query.c - a recording opened for the query layer's readers */
#include "config.h"

#include <stdlib.h>

#include "query.h"
#include "store.h"
#include "util.h"

int query_open(const char *path, struct store **out, char **errmsg)
{
	return store_open_quick(path, out, errmsg);
}

void query_close(struct store *st)
{
	store_free(st);
}

int query_check(const char *path, char **errmsg)
{
	struct store *st;
	int err = store_open(path, &st, errmsg);

	if (!err)
		store_free(st);
	return err;
}

int query_explain(const char *path, int err, char **errmsg)
{
	char *checked = NULL;

	if (query_check(path, &checked)) {
		free(*errmsg);
		*errmsg = checked;
	}
	return err;
}

int64_t query_slice_ns(struct store *st)
{
	char *meta = store_get_meta(st, "slice_ns");
	int64_t ns = int_or(meta, (int64_t)STORE_SLICE_NS);

	free(meta);
	return ns > 0 ? ns : (int64_t)STORE_SLICE_NS;
}
