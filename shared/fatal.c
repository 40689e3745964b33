#include "fatal.h"

#include <stdlib.h>

void lp_fatal(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lp_log_vemit(LP_LOG_ERROR, err, 0, fmt, ap);
	va_end(ap);
	exit(LP_FATAL_EXIT);
}
