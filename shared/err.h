/*
 * err.h: the error codes every softlan module returns.
 *
 * Actions return 0 on success or a negative code: either one of enum lp_err
 * below, or a negated errno value for an operating-system error. The two
 * ranges never overlap: lp_err codes start at LP_ERR_BASE, far below any errno.
 */
#ifndef LP_ERR_H
#define LP_ERR_H

enum lp_err {
	LP_OK = 0,
	LP_ERR_BASE = -1000,
	LP_ERR_INVALID = -1001,	    /* malformed or out-of-range input */
	LP_ERR_NOMEM = -1002,	    /* allocation failed */
	LP_ERR_NOBUF = -1003,	    /* caller's output buffer too small */
	LP_ERR_TOO_BIG = -1004,	    /* input exceeds a hard maximum */
	LP_ERR_VERSION = -1005,	    /* unsupported protocol version */
	LP_ERR_AGAIN = -1006,	    /* incomplete: more input is needed */
	LP_ERR_LIMIT = -1007,	    /* a configured resource limit was reached */
	LP_ERR_NOT_FOUND = -1008,   /* no such object */
	LP_ERR_EXISTS = -1009,	    /* object already exists */
	LP_ERR_STATE = -1010,	    /* call not valid in the object's current state */
	LP_ERR_UNSUPPORTED = -1011, /* well-formed but not supported */
	LP_ERR_LAST = -1012
};

/*
 * lp_strerror: a short English description of err.
 * err: 0, an enum lp_err value, or a negated errno value.
 * Returns a static string; never NULL, also for unknown codes.
 */
const char *lp_strerror(int err);

#endif
