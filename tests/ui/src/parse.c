/* parse.c - a request parser: the source the golden screens of the Source
 * view show (tests/ui/mkuiq.c records samples on lines 12 and 14) */
#include <string.h>

struct request {
	char method[8];
	char path[256];
};

int parse_request(const char *line, struct request *r)
{
	const char *sp = strchr(line, ' ');		/* hot: the scan */
	size_t n;
	n = sp ? (size_t)(sp - line) : 0;		/* hot too */
	if (!sp || n >= sizeof(r->method))
		return -1;
	memcpy(r->method, line, n);
	r->method[n] = '\0';
	return 0;
}
