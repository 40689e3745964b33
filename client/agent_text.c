/*
 * agent_text.c: the agent's pure policy: backoff delays, which refusals are
 * final, and the words a player reads for each of them.
 */
#include "agent.h"

#include <stdio.h>
#include <string.h>

uint64_t lp_agent_backoff(unsigned n, uint64_t min_ns, uint64_t max_ns, uint32_t rnd)
{
	uint64_t d, lo, span;

	if (min_ns == 0)
		min_ns = LP_AGENT_BACKOFF_MIN_NS;
	if (max_ns == 0)
		max_ns = LP_AGENT_BACKOFF_MAX_NS;
	if (min_ns > max_ns)
		min_ns = max_ns;
	/* min * 2^n without overflow: stop doubling once past max. */
	d = min_ns;
	for (unsigned i = 0; i < n && d < max_ns; i++)
		d = d > max_ns / 2 ? max_ns : d * 2;
	if (d > max_ns)
		d = max_ns;
	/* A random point in [d/2, d]: floor(span * rnd / 2^32) without 128-bit math. */
	lo = d / 2;
	span = d - lo;
	return lo + (span >> 32) * rnd + (((span & 0xffffffffu) * rnd) >> 32);
}

bool lp_agent_reject_is_final(enum lp_reject_reason r)
{
	switch (r) {
	case LP_REJECT_BAD_CODE:
	case LP_REJECT_WRONG_ROLE:
	case LP_REJECT_ROOM_DISABLED:
	case LP_REJECT_ROOM_EXPIRED:
	case LP_REJECT_BANNED:
	case LP_REJECT_UNSUPPORTED_VERSION:
	case LP_REJECT_MALFORMED_HELLO:
		return true;
	case LP_REJECT_UNKNOWN:
	case LP_REJECT_ROOM_FULL:
	case LP_REJECT_GATEWAY_PRESENT:
	case LP_REJECT_MAC_IN_USE:
	case LP_REJECT_RATE_LIMITED:
	case LP_REJECT_INTERNAL_ERROR:
	case LP_REJECT__COUNT:
	default:
		return false;
	}
}

bool lp_agent_disconnect_is_final(enum lp_disconnect_reason r)
{
	switch (r) {
	case LP_DISCONNECT_KICKED:
	case LP_DISCONNECT_BANNED:
	case LP_DISCONNECT_ROOM_DELETED:
	case LP_DISCONNECT_ROOM_DISABLED:
	case LP_DISCONNECT_CODE_REVOKED:
	case LP_DISCONNECT_REPLACED:
		return true;
	case LP_DISCONNECT_UNKNOWN:
	case LP_DISCONNECT_SHUTDOWN:
	case LP_DISCONNECT_IDLE:
	case LP_DISCONNECT_PROTOCOL_ERROR:
	case LP_DISCONNECT_LEAVING:
	case LP_DISCONNECT__COUNT:
	default:
		return false;
	}
}

static const char *room_or(const char *room)
{
	return room && room[0] ? room : NULL;
}

/* The relay's stock words for a kick or ban only repeat ours. */
static bool adds_info(const char *message)
{
	return message && message[0] && !strstr(message, "by the organiser");
}

/* " (MESSAGE)" when the relay said something, else "". */
static void paren(char *buf, size_t len, const char *message)
{
	if (message && message[0])
		snprintf(buf, len, " (%s)", message);
	else if (len > 0)
		buf[0] = '\0';
}

char *lp_agent_reject_text(const struct lp_ctrl_reject *rej, const char *room, char *out,
			   size_t len)
{
	char rm[LP_CTRL_NAME_MAX + 16], msg[LP_CTRL_MESSAGE_MAX + 4];
	const char *m = rej->message;

	if (room_or(room))
		snprintf(rm, sizeof(rm), "room %s", room);
	else
		snprintf(rm, sizeof(rm), "the room");
	paren(msg, sizeof(msg), m);
	switch (rej->reason) {
	case LP_REJECT_BAD_CODE:
		if (!m[0] || strcmp(m, "unknown room code") == 0)
			snprintf(out, len,
				 "the invite code is unknown: ask the organiser for a new invite");
		else
			snprintf(out, len,
				 "the invite code is not accepted%s: ask the organiser for a new "
				 "invite",
				 msg);
		break;
	case LP_REJECT_WRONG_ROLE:
		snprintf(out, len,
			 "this invite is for the other role (a player invite given to the LAN "
			 "gateway, or the reverse): use the right invite");
		break;
	case LP_REJECT_ROOM_DISABLED:
		snprintf(out, len, "%s is closed by its organiser", rm);
		break;
	case LP_REJECT_ROOM_EXPIRED:
		snprintf(out, len, "%s has ended", rm);
		break;
	case LP_REJECT_ROOM_FULL:
		if (rej->has_limit && rej->has_count)
			snprintf(out, len, "%s is full: %u of %u players", rm, rej->count,
				 rej->limit);
		else if (rej->has_limit)
			snprintf(out, len, "%s is full: it takes %u players", rm, rej->limit);
		else
			snprintf(out, len, "%s is full", rm);
		break;
	case LP_REJECT_GATEWAY_PRESENT:
		snprintf(out, len,
			 "%s already has its LAN gateway connected (if that was this one before "
			 "a restart, the relay lets it go within a minute)",
			 rm);
		break;
	case LP_REJECT_MAC_IN_USE:
		snprintf(out, len,
			 "another member of %s already uses this MAC address (if that was this PC "
			 "before a restart, the relay lets it go within a minute)",
			 rm);
		break;
	case LP_REJECT_BANNED:
		snprintf(out, len, "you are banned from %s", rm);
		break;
	case LP_REJECT_UNSUPPORTED_VERSION:
		snprintf(out, len,
			 "the relay does not speak this agent's protocol version%s: update the "
			 "agent or the relay",
			 msg);
		break;
	case LP_REJECT_MALFORMED_HELLO:
		snprintf(out, len,
			 "the relay did not understand this agent's hello%s: update the agent, "
			 "or report a bug",
			 msg);
		break;
	case LP_REJECT_RATE_LIMITED:
		if (rej->has_retry_after)
			snprintf(out, len,
				 "too many attempts to join from this address: waiting %u s before "
				 "trying again",
				 rej->retry_after);
		else
			snprintf(out, len,
				 "too many attempts to join from this address: waiting before "
				 "trying again");
		break;
	case LP_REJECT_INTERNAL_ERROR:
		snprintf(out, len, "the relay had an internal error%s: trying again later", msg);
		break;
	case LP_REJECT_UNKNOWN:
	case LP_REJECT__COUNT:
	default:
		snprintf(out, len, "the relay refused to admit this agent%s", msg);
		break;
	}
	return out;
}

char *lp_agent_disconnect_text(enum lp_disconnect_reason r, const char *message, const char *room,
			       char *out, size_t len)
{
	char rm[LP_CTRL_NAME_MAX + 16], msg[LP_CTRL_MESSAGE_MAX + 4];

	if (room_or(room))
		snprintf(rm, sizeof(rm), "room %s", room);
	else
		snprintf(rm, sizeof(rm), "the room");
	paren(msg, sizeof(msg), adds_info(message) ? message : NULL);
	switch (r) {
	case LP_DISCONNECT_KICKED:
		snprintf(out, len, "the organiser removed you from %s%s", rm, msg);
		break;
	case LP_DISCONNECT_BANNED:
		snprintf(out, len, "the organiser banned you from %s%s", rm, msg);
		break;
	case LP_DISCONNECT_ROOM_DELETED:
		snprintf(out, len, "%s was deleted by its organiser", rm);
		break;
	case LP_DISCONNECT_ROOM_DISABLED:
		snprintf(out, len, "%s was closed by its organiser", rm);
		break;
	case LP_DISCONNECT_SHUTDOWN:
		snprintf(out, len, "the relay is shutting down or restarting");
		break;
	case LP_DISCONNECT_REPLACED:
		snprintf(out, len,
			 "another agent took over this member of %s (is it running twice?)", rm);
		break;
	case LP_DISCONNECT_CODE_REVOKED:
		snprintf(out, len,
			 "the invite code was revoked by the organiser: ask for a new invite");
		break;
	case LP_DISCONNECT_IDLE:
		snprintf(out, len, "the relay heard nothing from this agent for too long");
		break;
	case LP_DISCONNECT_PROTOCOL_ERROR:
		snprintf(out, len, "the relay saw a protocol error%s", msg);
		break;
	case LP_DISCONNECT_LEAVING:
		snprintf(out, len, "the session was ended%s", msg);
		break;
	case LP_DISCONNECT_UNKNOWN:
	case LP_DISCONNECT__COUNT:
	default:
		snprintf(out, len, "the relay ended the session%s", msg);
		break;
	}
	return out;
}

const char *lp_agent_state_name(enum lp_agent_state s)
{
	switch (s) {
	case LP_AGENT_CONNECTING:
		return "connecting";
	case LP_AGENT_CONNECTED:
		return "connected";
	case LP_AGENT_RETRYING:
		return "retrying";
	case LP_AGENT_STOPPED:
		return "stopped";
	default:
		return "?";
	}
}
