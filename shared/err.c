#include "err.h"

#include <string.h>

static const char *const lp_err_text[] = {
	[-(LP_ERR_INVALID - LP_ERR_BASE)] = "invalid input",
	[-(LP_ERR_NOMEM - LP_ERR_BASE)] = "out of memory",
	[-(LP_ERR_NOBUF - LP_ERR_BASE)] = "buffer too small",
	[-(LP_ERR_TOO_BIG - LP_ERR_BASE)] = "input too large",
	[-(LP_ERR_VERSION - LP_ERR_BASE)] = "unsupported protocol version",
	[-(LP_ERR_AGAIN - LP_ERR_BASE)] = "incomplete input",
	[-(LP_ERR_LIMIT - LP_ERR_BASE)] = "limit reached",
	[-(LP_ERR_NOT_FOUND - LP_ERR_BASE)] = "not found",
	[-(LP_ERR_EXISTS - LP_ERR_BASE)] = "already exists",
	[-(LP_ERR_STATE - LP_ERR_BASE)] = "invalid state",
	[-(LP_ERR_UNSUPPORTED - LP_ERR_BASE)] = "not supported",
};

const char *lp_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err < LP_ERR_BASE && err > LP_ERR_LAST) {
		const char *s = lp_err_text[-(err - LP_ERR_BASE)];
		return s ? s : "unknown error";
	}
	if (err < 0 && err > LP_ERR_BASE)
		return strerror(-err);
	return "unknown error";
}
