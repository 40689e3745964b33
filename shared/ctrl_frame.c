/*
 * ctrl_frame.c: the incremental reader of the control stream's framing
 * (4-byte big-endian length, then that many bytes of JSON).
 */
#include "ctrl.h"

#include <string.h>

#include "err.h"

void lp_ctrl_reader_init(struct lp_ctrl_reader *r, uint8_t *buf, size_t cap)
{
	r->body = buf;
	r->cap = (uint32_t)(cap < LP_CTRL_MAX ? cap : LP_CTRL_MAX);
	r->err = 0;
	r->len = 0;
	r->have = 0;
	r->done = false;
}

static uint32_t be32(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

ssize_t lp_ctrl_reader_feed(struct lp_ctrl_reader *r, const uint8_t *data, size_t len,
			    const uint8_t **msg, size_t *msglen)
{
	*msg = NULL;
	*msglen = 0;
	if (r->err)
		return r->err;
	if (r->done) {
		r->have = 0;
		r->done = false;
	}

	size_t used = 0;
	while (r->have < LP_CTRL_HDR_LEN && used < len) {
		r->hdr[r->have++] = data[used++];
		if (r->have < LP_CTRL_HDR_LEN)
			continue;
		r->len = be32(r->hdr);
		/* Once framing is lost nothing later on the stream can be trusted. */
		if (r->len == 0)
			r->err = LP_ERR_INVALID;
		else if (r->len > r->cap)
			r->err = LP_ERR_TOO_BIG;
		if (r->err)
			return r->err;
	}
	if (r->have < LP_CTRL_HDR_LEN)
		return (ssize_t)used;

	size_t got = r->have - LP_CTRL_HDR_LEN;
	size_t take = r->len - got;
	if (take > len - used)
		take = len - used;
	if (take) {
		memcpy(r->body + got, data + used, take);
		used += take;
		r->have += take;
	}
	if (r->have == LP_CTRL_HDR_LEN + r->len) {
		*msg = r->body;
		*msglen = r->len;
		r->done = true;
	}
	return (ssize_t)used;
}

bool lp_ctrl_reader_idle(const struct lp_ctrl_reader *r)
{
	return !r->err && (r->have == 0 || r->done);
}
