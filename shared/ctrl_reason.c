/*
 * ctrl_reason.c: reject and disconnect reasons: wire names, words for the
 * user, and QUIC application close codes.
 */
#include "ctrl.h"

#include <string.h>

struct reason {
	const char *name;
	const char *text;
};

static const struct reason reject_reasons[LP_REJECT__COUNT] = {
	[LP_REJECT_UNKNOWN] = { "unknown", "The relay refused to admit this agent." },
	[LP_REJECT_BAD_CODE] = { "bad_code", "The room code is wrong or the room does not exist." },
	[LP_REJECT_WRONG_ROLE] = { "wrong_role",
				   "This code is for the other role (player code used for the "
				   "gateway, or the reverse)." },
	[LP_REJECT_ROOM_DISABLED] = { "room_disabled", "The room is disabled by its organiser." },
	[LP_REJECT_ROOM_EXPIRED] = { "room_expired", "The room or its code has expired." },
	[LP_REJECT_ROOM_FULL] = { "room_full", "The room is full." },
	[LP_REJECT_GATEWAY_PRESENT] = { "gateway_present",
					"Another gateway is already connected to this room." },
	[LP_REJECT_MAC_IN_USE] = { "mac_in_use",
				   "Another member of the room already uses this MAC address." },
	[LP_REJECT_BANNED] = { "banned", "You are banned from this room." },
	[LP_REJECT_UNSUPPORTED_VERSION] = { "unsupported_version",
					    "The relay does not speak this agent's protocol "
					    "version: update the agent or the relay." },
	[LP_REJECT_MALFORMED_HELLO] = { "malformed_hello",
					"The relay could not understand this agent's hello "
					"(a bug or a version mismatch)." },
	[LP_REJECT_RATE_LIMITED] = { "rate_limited",
				     "Too many attempts to join: wait before trying again." },
	[LP_REJECT_INTERNAL_ERROR] = { "internal_error",
				       "The relay had an internal error; try again later." },
};

static const struct reason disconnect_reasons[LP_DISCONNECT__COUNT] = {
	[LP_DISCONNECT_UNKNOWN] = { "unknown", "The session ended." },
	[LP_DISCONNECT_KICKED] = { "kicked", "The organiser removed you from the room." },
	[LP_DISCONNECT_BANNED] = { "banned", "The organiser banned you from the room." },
	[LP_DISCONNECT_ROOM_DELETED] = { "room_deleted", "The room was deleted." },
	[LP_DISCONNECT_ROOM_DISABLED] = { "room_disabled", "The room was disabled." },
	[LP_DISCONNECT_SHUTDOWN] = { "shutdown", "The relay is shutting down." },
	[LP_DISCONNECT_REPLACED] = { "replaced", "A newer session of the same member took over." },
	[LP_DISCONNECT_CODE_REVOKED] = { "code_revoked", "The room code was revoked." },
	[LP_DISCONNECT_IDLE] = { "idle", "The session was idle for too long." },
	[LP_DISCONNECT_PROTOCOL_ERROR] = { "protocol_error", "The other side broke the protocol." },
	[LP_DISCONNECT_LEAVING] = { "leaving", "The member left." },
};

static const struct reason *lookup(const struct reason *t, size_t n, int r)
{
	return r >= 0 && (size_t)r < n ? &t[r] : &t[0];
}

static int parse(const struct reason *t, size_t n, const char *s, size_t len)
{
	if (!s)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (strlen(t[i].name) == len && memcmp(t[i].name, s, len) == 0)
			return (int)i;
	return 0;
}

const char *lp_reject_reason_name(enum lp_reject_reason r)
{
	return lookup(reject_reasons, LP_REJECT__COUNT, (int)r)->name;
}

enum lp_reject_reason lp_reject_reason_parse(const char *s, size_t len)
{
	return (enum lp_reject_reason)parse(reject_reasons, LP_REJECT__COUNT, s, len);
}

const char *lp_reject_reason_text(enum lp_reject_reason r)
{
	return lookup(reject_reasons, LP_REJECT__COUNT, (int)r)->text;
}

uint64_t lp_reject_close_code(enum lp_reject_reason r)
{
	int v = (int)r;
	return LP_CLOSE_REJECT_BASE + (v >= 0 && v < LP_REJECT__COUNT ? (unsigned)v : 0u);
}

bool lp_reject_from_close_code(uint64_t code, enum lp_reject_reason *out)
{
	if (code < LP_CLOSE_REJECT_BASE || code >= LP_CLOSE_REJECT_BASE + LP_REJECT__COUNT)
		return false;
	*out = (enum lp_reject_reason)(code - LP_CLOSE_REJECT_BASE);
	return true;
}

const char *lp_disconnect_reason_name(enum lp_disconnect_reason r)
{
	return lookup(disconnect_reasons, LP_DISCONNECT__COUNT, (int)r)->name;
}

enum lp_disconnect_reason lp_disconnect_reason_parse(const char *s, size_t len)
{
	return (enum lp_disconnect_reason)parse(disconnect_reasons, LP_DISCONNECT__COUNT, s, len);
}

const char *lp_disconnect_reason_text(enum lp_disconnect_reason r)
{
	return lookup(disconnect_reasons, LP_DISCONNECT__COUNT, (int)r)->text;
}

uint64_t lp_disconnect_close_code(enum lp_disconnect_reason r)
{
	int v = (int)r;
	return LP_CLOSE_DISCONNECT_BASE + (v >= 0 && v < LP_DISCONNECT__COUNT ? (unsigned)v : 0u);
}

bool lp_disconnect_from_close_code(uint64_t code, enum lp_disconnect_reason *out)
{
	if (code < LP_CLOSE_DISCONNECT_BASE ||
	    code >= LP_CLOSE_DISCONNECT_BASE + LP_DISCONNECT__COUNT)
		return false;
	*out = (enum lp_disconnect_reason)(code - LP_CLOSE_DISCONNECT_BASE);
	return true;
}
