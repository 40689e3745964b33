/*
 * Unit tests for shared/ctrl*.c: the documented hex vectors, round trips of
 * every message, encoder validation and limits, reason codes.
 * Decoder validation errors: test_ctrl_decode.c; stream framing: test_ctrl_reader.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"
#include "err.h"
#include "mac.h"

/* The vectors of docs/protocol.md, "Control messages", line for line. */
static const char hello_hex[] = "000000bc7b226167656e74223a226c61"
				"6e70617274792d636c69656e742f302e"
				"312e30206c696e7578222c22636f6465"
				"223a2258713376394c6d543270523873"
				"4b34775962366e486331645a6637674a"
				"653561222c22646174616772616d5f62"
				"7564676574223a313230302c226d6163"
				"223a2230323a31613a32623a33633a34"
				"643a3565222c226e616d65223a22616c"
				"696365222c22726f6c65223a22636c69"
				"656e74222c2274797065223a2268656c"
				"6c6f222c2276657273696f6e223a317d";

static const char welcome_hex[] = "0000012d7b226d656d6265725f696422"
				  "3a322c226d656d62657273223a5b7b22"
				  "6964223a312c226d6163223a2230323a"
				  "30303a35653a31303a30303a3031222c"
				  "226e616d65223a226c616e626f78222c"
				  "22726f6c65223a226761746577617922"
				  "7d2c7b226964223a322c226d6163223a"
				  "2230323a31613a32623a33633a34643a"
				  "3565222c226e616d65223a22616c6963"
				  "65222c22726f6c65223a22636c69656e"
				  "74227d5d2c226d7475223a313530302c"
				  "22726573756d65223a22725339644b32"
				  "6d5137765834704c386e5431775a3679"
				  "4233634635684a3067412d5f65556f4e"
				  "69566b4d61222c22726f6f6d5f696422"
				  "3a372c22726f6f6d5f6e616d65223a22"
				  "467269646179204c414e222c22737461"
				  "74735f696e74657276616c223a31302c"
				  "2274797065223a2277656c636f6d6522"
				  "7d";

static const char reject_hex[] = "000000607b22636f756e74223a31362c"
				 "226c696d6974223a31362c226d657373"
				 "616765223a22726f6f6d206973206675"
				 "6c6c20283136206f6620313629222c22"
				 "726561736f6e223a22726f6f6d5f6675"
				 "6c6c222c2274797065223a2272656a65"
				 "6374227d";

static uint8_t buf[LP_CTRL_HDR_LEN + LP_CTRL_MAX + 64];

static struct lp_mac mac_of(const char *s)
{
	struct lp_mac m;
	assert_int_equal(lp_mac_parse(s, strlen(s), &m), 0);
	return m;
}

static void set_str(char *dst, size_t size, const char *src)
{
	assert_true(strlen(src) < size);
	memcpy(dst, src, strlen(src) + 1);
}
#define SET(dst, src) set_str(dst, sizeof(dst), src)

static struct lp_ctrl_msg hello_msg(void)
{
	struct lp_ctrl_msg m;
	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_HELLO;
	m.hello.version = LP_PROTO_VERSION;
	m.hello.role = LP_CTRL_ROLE_CLIENT;
	SET(m.hello.code, "Xq3v9LmT2pR8sK4wYb6nHc1dZf7gJe5a");
	m.hello.has_mac = true;
	m.hello.mac = mac_of("02:1a:2b:3c:4d:5e");
	m.hello.datagram_budget = 1200;
	SET(m.hello.agent, "lanparty-client/0.1.0 linux");
	SET(m.hello.name, "alice");
	return m;
}

/*
 * The relay reads members' messages with LP_CTRL_UP_MAX bytes: the longest
 * hello (every field at its maximum, names of characters JSON escapes) and
 * the longest disconnect must fit.
 */
static void test_upstream_messages_fit(void **state)
{
	static uint8_t out[LP_CTRL_MAX];
	struct lp_ctrl_msg m = hello_msg();
	ssize_t n;

	(void)state;
	m.hello.role = LP_CTRL_ROLE_GATEWAY;
	m.hello.version = 65535;
	m.hello.datagram_budget = LP_CTRL_BUDGET_MAX;
	memset(m.hello.code, 'X', LP_CODE_MAX);
	m.hello.code[LP_CODE_MAX] = '\0';
	memset(m.hello.agent, '"', LP_CTRL_AGENT_MAX);
	m.hello.agent[LP_CTRL_AGENT_MAX] = '\0';
	memset(m.hello.name, '\\', LP_CTRL_NAME_MAX);
	m.hello.name[LP_CTRL_NAME_MAX] = '\0';
	memset(m.hello.resume, 'r', LP_CTRL_RESUME_MAX);
	m.hello.resume[LP_CTRL_RESUME_MAX] = '\0';
	n = lp_ctrl_encode(&m, out, sizeof(out));
	assert_true(n > 0);
	assert_true((size_t)n - LP_CTRL_HDR_LEN <= LP_CTRL_UP_MAX);

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_DISCONNECT;
	m.disconnect.reason = LP_DISCONNECT_LEAVING;
	memset(m.disconnect.message, '"', LP_CTRL_MESSAGE_MAX);
	m.disconnect.message[LP_CTRL_MESSAGE_MAX] = '\0';
	n = lp_ctrl_encode(&m, out, sizeof(out));
	assert_true(n > 0);
	assert_true((size_t)n - LP_CTRL_HDR_LEN <= LP_CTRL_UP_MAX);
}

static struct lp_ctrl_member welcome_members[2];

static struct lp_ctrl_msg welcome_msg(void)
{
	struct lp_ctrl_member *w = welcome_members;
	memset(w, 0, sizeof(welcome_members));
	w[0].id = 1;
	w[0].role = LP_CTRL_ROLE_GATEWAY;
	w[0].has_mac = true;
	w[0].mac = mac_of("02:00:5e:10:00:01");
	SET(w[0].name, "lanbox");
	w[1].id = 2;
	w[1].role = LP_CTRL_ROLE_CLIENT;
	w[1].has_mac = true;
	w[1].mac = mac_of("02:1a:2b:3c:4d:5e");
	SET(w[1].name, "alice");

	struct lp_ctrl_msg m;
	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_WELCOME;
	m.welcome.member_id = 2;
	m.welcome.room_id = 7;
	SET(m.welcome.room_name, "Friday LAN");
	m.welcome.mtu = 1500;
	m.welcome.members = w;
	m.welcome.n_members = 2;
	SET(m.welcome.resume, "rS9dK2mQ7vX4pL8nT1wZ6yB3cF5hJ0gA-_eUoNiVkMa");
	m.welcome.stats_interval = 10;
	return m;
}

static struct lp_ctrl_msg reject_msg(void)
{
	struct lp_ctrl_msg m;
	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_REJECT;
	m.reject.reason = LP_REJECT_ROOM_FULL;
	SET(m.reject.message, "room is full (16 of 16)");
	m.reject.has_limit = true;
	m.reject.limit = 16;
	m.reject.has_count = true;
	m.reject.count = 16;
	return m;
}

static size_t unhex(const char *hex, uint8_t *out, size_t outlen)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= outlen);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Encode m and check it against the vector byte for byte, then decode the vector back. */
static void check_vector(const struct lp_ctrl_msg *m, const char *hex)
{
	static uint8_t want[1024];
	size_t wlen = unhex(hex, want, sizeof(want));
	ssize_t n = lp_ctrl_encode(m, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)wlen);
	assert_memory_equal(buf, want, wlen);

	struct lp_ctrl_msg d;
	char err[128];
	uint32_t len = (uint32_t)want[0] << 24 | (uint32_t)want[1] << 16 | (uint32_t)want[2] << 8 |
		       want[3];
	assert_int_equal(len, wlen - LP_CTRL_HDR_LEN);
	assert_int_equal(lp_ctrl_decode(want + LP_CTRL_HDR_LEN, len, &d, err, sizeof(err)), 0);
	assert_true(lp_ctrl_msg_equal(m, &d));
	lp_ctrl_msg_free(&d);
}

static void test_vector_hello(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = hello_msg();
	check_vector(&m, hello_hex);
}

static void test_vector_welcome(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = welcome_msg();
	check_vector(&m, welcome_hex);
}

static void test_vector_reject(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = reject_msg();
	check_vector(&m, reject_hex);
}

/* encode -> decode -> equal, and encode(decode(x)) == x byte for byte. */
static void roundtrip(const struct lp_ctrl_msg *m)
{
	static uint8_t again[sizeof(buf)];
	char err[128] = "";
	ssize_t n = lp_ctrl_encode(m, buf, sizeof(buf));
	if (n < 0)
		lp_ctrl_check(m, err, sizeof(err));
	assert_true(n > LP_CTRL_HDR_LEN);

	struct lp_ctrl_msg d;
	int rc = lp_ctrl_decode(buf + LP_CTRL_HDR_LEN, (size_t)n - LP_CTRL_HDR_LEN, &d, err,
				sizeof(err));
	if (rc)
		fail_msg("decode: %s", err);
	assert_true(lp_ctrl_msg_equal(m, &d));
	assert_true(lp_ctrl_msg_equal(&d, m));
	assert_int_equal(lp_ctrl_encode(&d, again, sizeof(again)), n);
	assert_memory_equal(buf, again, (size_t)n);
	lp_ctrl_msg_free(&d);
}

static void test_roundtrip_all(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = hello_msg();
	roundtrip(&m);

	/* A gateway without MAC, name or resume; a client resuming. */
	m.hello.role = LP_CTRL_ROLE_GATEWAY;
	m.hello.has_mac = false;
	m.hello.name[0] = '\0';
	m.hello.version = 65535;
	m.hello.datagram_budget = LP_CTRL_BUDGET_MIN;
	roundtrip(&m);
	m = hello_msg();
	SET(m.hello.resume, "rS9dK2mQ7vX4pL8nT1wZ6yB3cF5hJ0gA-_eUoNiVkMa");
	SET(m.hello.name, "Zoë \"the\" \\ admin / 日本");
	m.hello.datagram_budget = LP_CTRL_BUDGET_MAX;
	roundtrip(&m);

	m = welcome_msg();
	roundtrip(&m);
	welcome_members[0].has_mac = false; /* gateway MAC is optional */
	welcome_members[1].name[0] = '\0';
	m.welcome.room_id = LP_CTRL_INT_MAX;
	m.welcome.member_id = 2;
	m.welcome.mtu = LP_CTRL_MTU_MAX;
	m.welcome.stats_interval = LP_CTRL_STATS_INTERVAL_MAX;
	roundtrip(&m);

	m = reject_msg();
	roundtrip(&m);
	m.reject.has_retry_after = true;
	m.reject.retry_after = LP_CTRL_RETRY_AFTER_MAX;
	m.reject.limit = 0;
	m.reject.count = LP_CTRL_COUNT_MAX;
	roundtrip(&m);
	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_REJECT; /* reason unknown, empty message, no numbers */
	roundtrip(&m);
	for (int r = 0; r < LP_REJECT__COUNT; r++) {
		m.reject.reason = (enum lp_reject_reason)r;
		roundtrip(&m);
	}

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_PEER_JOINED;
	m.peer_joined.id = LP_CTRL_MEMBER_ID_MAX;
	m.peer_joined.role = LP_CTRL_ROLE_CLIENT;
	m.peer_joined.has_mac = true;
	m.peer_joined.mac = mac_of("0a:00:27:00:00:05");
	SET(m.peer_joined.name, "bob");
	roundtrip(&m);

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_PEER_LEFT;
	m.peer_left.member_id = 1;
	for (int r = 0; r < LP_DISCONNECT__COUNT; r++) {
		m.peer_left.reason = (enum lp_disconnect_reason)r;
		roundtrip(&m);
	}

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_STATS;
	roundtrip(&m); /* all zero, no drops */
	m.stats.rtt_us = 12345;
	m.stats.up_frames = 1;
	m.stats.up_bytes = LP_CTRL_INT_MAX;
	m.stats.down_frames = 3;
	m.stats.down_bytes = 4;
	m.stats.members = LP_CTRL_MAX_MEMBERS;
	m.stats.n_drops = LP_CTRL_MAX_DROPS;
	for (size_t i = 0; i < LP_CTRL_MAX_DROPS; i++) {
		snprintf(m.stats.drops[i].name, sizeof(m.stats.drops[i].name), "r%02zu", i);
		m.stats.drops[i].count = i * 1000;
	}
	SET(m.stats.drops[0].name, "abcdefghijklmnopqrstuvwxyz_01234"); /* 32: longest */
	roundtrip(&m);

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_DISCONNECT;
	for (int r = 0; r < LP_DISCONNECT__COUNT; r++) {
		m.disconnect.reason = (enum lp_disconnect_reason)r;
		roundtrip(&m);
	}
	memset(m.disconnect.message, 'x', LP_CTRL_MESSAGE_MAX);
	roundtrip(&m);
}

static void test_stats_drops_sorted(void **state)
{
	(void)state;
	static const char json[] =
		"{\"type\":\"stats\",\"rtt_us\":1,\"up_frames\":2,"
		"\"up_bytes\":3,\"down_frames\":4,\"down_bytes\":5,"
		"\"members\":2,\"drops\":{\"stp\":7,\"over_mtu\":1,\"dhcp_server\":0}}";
	struct lp_ctrl_msg m;
	assert_int_equal(lp_ctrl_decode((const uint8_t *)json, strlen(json), &m, NULL, 0), 0);
	assert_int_equal(m.stats.n_drops, 3);
	assert_string_equal(m.stats.drops[0].name, "dhcp_server");
	assert_int_equal(m.stats.drops[0].count, 0);
	assert_string_equal(m.stats.drops[1].name, "over_mtu");
	assert_string_equal(m.stats.drops[2].name, "stp");
	assert_int_equal(m.stats.drops[2].count, 7);
	assert_int_equal(m.stats.up_bytes, 3);
	roundtrip(&m);
}

/* Newer peers: unknown fields are ignored, unknown reasons decode as "unknown". */
static void test_forward_compatible(void **state)
{
	(void)state;
	static const char reject[] =
		"{\"type\":\"reject\",\"reason\":\"quota_exceeded\",\"message\":\"over quota\","
		"\"future\":{\"nested\":[1,2.5,null]},\"extra\":true}";
	struct lp_ctrl_msg m;
	char err[128];
	assert_int_equal(
		lp_ctrl_decode((const uint8_t *)reject, strlen(reject), &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, LP_CTRL_REJECT);
	assert_int_equal(m.reject.reason, LP_REJECT_UNKNOWN);
	assert_string_equal(m.reject.message, "over quota");
	assert_false(m.reject.has_limit);

	static const char disc[] = "{\"type\":\"disconnect\",\"reason\":\"maintenance_window\","
				   "\"message\":\"back at 10\",\"v2\":1}";
	assert_int_equal(lp_ctrl_decode((const uint8_t *)disc, strlen(disc), &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.disconnect.reason, LP_DISCONNECT_UNKNOWN);
	assert_string_equal(m.disconnect.message, "back at 10");

	/* Unknown member fields too. */
	static const char joined[] =
		"{\"type\":\"peer_joined\",\"member\":{\"id\":3,\"role\":\"gateway\","
		"\"color\":\"red\"},\"seq\":9}";
	assert_int_equal(
		lp_ctrl_decode((const uint8_t *)joined, strlen(joined), &m, err, sizeof(err)), 0);
	assert_int_equal(m.peer_joined.id, 3);
	assert_false(m.peer_joined.has_mac);
}

static void expect_invalid(const struct lp_ctrl_msg *m, const char *want)
{
	char err[160];
	assert_int_equal(lp_ctrl_encode(m, buf, sizeof(buf)), LP_ERR_INVALID);
	assert_int_equal(lp_ctrl_check(m, err, sizeof(err)), LP_ERR_INVALID);
	assert_string_equal(err, want);
}

static void test_encode_validates_hello(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = hello_msg();
	char err[64];
	assert_int_equal(lp_ctrl_check(&m, err, sizeof(err)), 0);
	assert_string_equal(err, "");

	m.hello.version = 0;
	expect_invalid(&m, "hello.version: must be an integer in 1..65535");
	m = hello_msg();
	m.hello.role = (enum lp_ctrl_role)0;
	expect_invalid(&m, "hello.role: invalid role 0");
	m.hello.role = (enum lp_ctrl_role)3;
	expect_invalid(&m, "hello.role: invalid role 3");
	m = hello_msg();
	m.hello.code[0] = '\0';
	expect_invalid(&m, "hello.code: must be 16..64 characters from [A-Za-z0-9_-]");
	SET(m.hello.code, "abcdefghijklmnop=");
	expect_invalid(&m, "hello.code: must be 16..64 characters from [A-Za-z0-9_-]");
	memset(m.hello.code, 'a', sizeof(m.hello.code));
	expect_invalid(&m, "hello.code: not NUL-terminated");
	m = hello_msg();
	m.hello.has_mac = false;
	expect_invalid(&m, "hello.mac: required for a client");
	m.hello.has_mac = true;
	m.hello.mac = mac_of("01:00:5e:00:00:01");
	expect_invalid(&m, "hello.mac: not a unicast MAC address");
	m.hello.mac = mac_of("ff:ff:ff:ff:ff:ff");
	expect_invalid(&m, "hello.mac: not a unicast MAC address");
	m.hello.mac = mac_of("00:00:00:00:00:00");
	expect_invalid(&m, "hello.mac: not a usable member MAC address");
	m = hello_msg();
	m.hello.datagram_budget = LP_CTRL_BUDGET_MIN - 1;
	expect_invalid(&m, "hello.datagram_budget: must be an integer in 1024..65535");
	m = hello_msg();
	m.hello.agent[0] = '\0';
	expect_invalid(&m, "hello.agent: length 0 not in 1..64 bytes");
	SET(m.hello.agent, "bad\x01");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 3");
	SET(m.hello.agent, "esc\x1b[31m");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 3");
	SET(m.hello.agent, "del\x7f");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 3");
	SET(m.hello.agent, "c1\xc2\x9b");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 2");
	SET(m.hello.agent, "x\xff");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 1");
	SET(m.hello.agent, "cut\xc3");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 3");
	SET(m.hello.agent, "overlong\xc0\xaf");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 8");
	SET(m.hello.agent, "overlong3\xe0\x80\xaf");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 9");
	SET(m.hello.agent, "surrogate\xed\xa0\x80");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 9");
	SET(m.hello.agent, "big\xf4\x90\x80\x80");
	expect_invalid(&m, "hello.agent: invalid UTF-8 or control character at byte 3");
	SET(m.hello.agent, "ok\xf0\x9f\x8e\xae\xe2\x82\xac\xc3\xa9");
	assert_int_equal(lp_ctrl_check(&m, NULL, 0), 0);
	memset(m.hello.agent, 'a', LP_CTRL_AGENT_MAX);
	m.hello.agent[LP_CTRL_AGENT_MAX] = '\0';
	assert_int_equal(lp_ctrl_check(&m, NULL, 0), 0);
	memset(m.hello.agent, 'a', sizeof(m.hello.agent));
	expect_invalid(&m, "hello.agent: not NUL-terminated");
	m = hello_msg();
	SET(m.hello.resume, "abcdefghijklmnopqrstuvwxyz01234"); /* 31 */
	expect_invalid(&m, "hello.resume: must be 32..64 characters from [A-Za-z0-9_-]");
	SET(m.hello.resume, "abcdefghijklmnopqrstuvwxyz01234+");
	expect_invalid(&m, "hello.resume: must be 32..64 characters from [A-Za-z0-9_-]");
	m = hello_msg();
	SET(m.hello.name, "tab\there");
	expect_invalid(&m, "hello.name: invalid UTF-8 or control character at byte 3");
}

static void test_encode_validates_others(void **state)
{
	(void)state;
	struct lp_ctrl_msg m;

	memset(&m, 0, sizeof(m));
	expect_invalid(&m, "type: invalid message type 0");
	m.type = (enum lp_ctrl_type)99;
	expect_invalid(&m, "type: invalid message type 99");
	assert_int_equal(lp_ctrl_encode(NULL, buf, sizeof(buf)), LP_ERR_INVALID);
	assert_int_equal(lp_ctrl_check(NULL, NULL, 0), LP_ERR_INVALID);

	m = welcome_msg();
	m.welcome.members = NULL;
	expect_invalid(&m, "welcome.members: NULL member array");
	m = welcome_msg();
	m.welcome.n_members = 0;
	expect_invalid(&m, "welcome.members: must hold 1..1024 members");
	m.welcome.n_members = LP_CTRL_MAX_MEMBERS + 1;
	expect_invalid(&m, "welcome.members: must hold 1..1024 members");
	m = welcome_msg();
	welcome_members[1].id = 1;
	expect_invalid(&m, "welcome.members: id 1 listed twice");
	m = welcome_msg();
	welcome_members[1].mac = welcome_members[0].mac;
	expect_invalid(&m, "welcome.members: members 1 and 2 share a MAC address");
	m = welcome_msg();
	welcome_members[1].role = LP_CTRL_ROLE_GATEWAY;
	expect_invalid(&m, "welcome.members: more than one gateway");
	m = welcome_msg();
	m.welcome.member_id = 3;
	expect_invalid(&m, "welcome.members: does not list member_id");
	m = welcome_msg();
	welcome_members[1].has_mac = false;
	expect_invalid(&m, "welcome.members[1].mac: required for a client");
	m = welcome_msg();
	welcome_members[0].id = 0;
	expect_invalid(&m, "welcome.members[0].id: must be an integer in 1..2147483647");
	m = welcome_msg();
	m.welcome.room_id = LP_CTRL_INT_MAX + 1;
	expect_invalid(&m, "welcome.room_id: must be an integer in 1..9007199254740991");
	m = welcome_msg();
	m.welcome.mtu = LP_CTRL_MTU_MIN - 1;
	expect_invalid(&m, "welcome.mtu: must be an integer in 1280..9000");
	m = welcome_msg();
	m.welcome.resume[0] = '\0';
	expect_invalid(&m, "welcome.resume: must be 32..64 characters from [A-Za-z0-9_-]");
	m = welcome_msg();
	m.welcome.stats_interval = 0;
	expect_invalid(&m, "welcome.stats_interval: must be an integer in 1..3600");
	m = welcome_msg();
	m.welcome.room_name[0] = '\0';
	expect_invalid(&m, "welcome.room_name: length 0 not in 1..64 bytes");

	m = reject_msg();
	m.reject.reason = LP_REJECT__COUNT;
	expect_invalid(&m, "reject.reason: invalid reject reason 13");
	m = reject_msg();
	m.reject.has_retry_after = true;
	expect_invalid(&m, "reject.retry_after: must be an integer in 1..86400");
	m = reject_msg();
	m.reject.limit = LP_CTRL_COUNT_MAX + 1;
	expect_invalid(&m, "reject.limit: must be an integer in 0..2147483647");
	m.reject.has_limit = false; /* an absent value is not checked */
	assert_int_equal(lp_ctrl_check(&m, NULL, 0), 0);
	memset(m.reject.message, 'm', sizeof(m.reject.message));
	expect_invalid(&m, "reject.message: not NUL-terminated");

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_PEER_JOINED;
	m.peer_joined.role = LP_CTRL_ROLE_GATEWAY;
	expect_invalid(&m, "peer_joined.member.id: must be an integer in 1..2147483647");

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_PEER_LEFT;
	m.peer_left.member_id = 5;
	m.peer_left.reason = (enum lp_disconnect_reason) - 1;
	expect_invalid(&m, "peer_left.reason: invalid disconnect reason -1");

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_STATS;
	m.stats.members = LP_CTRL_MAX_MEMBERS + 1;
	expect_invalid(&m, "stats.members: must be an integer in 0..1024");
	m.stats.members = 0;
	m.stats.n_drops = LP_CTRL_MAX_DROPS + 1;
	expect_invalid(&m, "stats.drops: more than 32 entries");
	m.stats.n_drops = 2;
	SET(m.stats.drops[0].name, "stp");
	SET(m.stats.drops[1].name, "stp");
	expect_invalid(&m, "stats.drops: reason stp listed twice");
	SET(m.stats.drops[1].name, "Stp");
	expect_invalid(&m, "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}");
	SET(m.stats.drops[1].name, "");
	expect_invalid(&m, "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}");
	SET(m.stats.drops[1].name, "1st");
	expect_invalid(&m, "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}");
	memset(m.stats.drops[1].name, 'a', sizeof(m.stats.drops[1].name));
	expect_invalid(&m, "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}");
	SET(m.stats.drops[1].name, "ipv6_ra");
	m.stats.drops[1].count = LP_CTRL_INT_MAX + 1;
	expect_invalid(&m, "stats.drops.ipv6_ra: must be an integer in 0..9007199254740991");
	m.stats.drops[1].count = LP_CTRL_INT_MAX;
	m.stats.rtt_us = LP_CTRL_INT_MAX + 1;
	expect_invalid(&m, "stats.rtt_us: must be an integer in 0..9007199254740991");

	memset(&m, 0, sizeof(m));
	m.type = LP_CTRL_DISCONNECT;
	m.disconnect.reason = LP_DISCONNECT__COUNT;
	expect_invalid(&m, "disconnect.reason: invalid disconnect reason 11");
	m.disconnect.reason = LP_DISCONNECT_LEAVING;
	SET(m.disconnect.message, "bye\n");
	expect_invalid(&m, "disconnect.message: invalid UTF-8 or control character at byte 3");
}

static void test_encode_buffers(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = reject_msg();
	ssize_t full = lp_ctrl_encode(&m, buf, sizeof(buf));
	assert_true(full > 0);
	static uint8_t small[256];
	for (size_t len = 0; len < (size_t)full; len++)
		assert_int_equal(lp_ctrl_encode(&m, small, len), LP_ERR_NOBUF);
	assert_int_equal(lp_ctrl_encode(&m, NULL, 0), LP_ERR_NOBUF);
	assert_int_equal(lp_ctrl_encode(&m, small, (size_t)full), full);
	assert_memory_equal(small, buf, (size_t)full);
}

/* Worst-case names: 64 quote characters each, escaped to 128 bytes. */
static void fill_members(struct lp_ctrl_member *mem, size_t n)
{
	memset(mem, 0, n * sizeof(*mem));
	for (size_t i = 0; i < n; i++) {
		mem[i].id = LP_CTRL_MEMBER_ID_MAX - (uint32_t)i;
		mem[i].role = i == 0 ? LP_CTRL_ROLE_GATEWAY : LP_CTRL_ROLE_CLIENT;
		mem[i].has_mac = true;
		mem[i].mac.b[0] = 0x02;
		mem[i].mac.b[4] = (uint8_t)(i >> 8);
		mem[i].mac.b[5] = (uint8_t)i;
		memset(mem[i].name, '"', LP_CTRL_NAME_MAX);
	}
}

static void test_welcome_size_limits(void **state)
{
	(void)state;
	size_t n = LP_CTRL_MAX_MEMBERS;
	struct lp_ctrl_member *mem = calloc(n, sizeof(*mem));
	assert_non_null(mem);
	struct lp_ctrl_msg m = welcome_msg();
	memset(m.welcome.room_name, '\\', LP_CTRL_NAME_MAX);
	memset(m.welcome.resume, 'r', LP_CTRL_RESUME_MAX);
	m.welcome.room_id = LP_CTRL_INT_MAX;
	m.welcome.member_id = LP_CTRL_MEMBER_ID_MAX;
	m.welcome.members = mem;

	/* The promise of LP_CTRL_ROOM_SAFE_MEMBERS, with every field at its longest. */
	fill_members(mem, LP_CTRL_ROOM_SAFE_MEMBERS);
	m.welcome.n_members = LP_CTRL_ROOM_SAFE_MEMBERS;
	ssize_t len = lp_ctrl_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	roundtrip(&m);

	/* A full list of 1024 worst-case members does not fit one message. */
	fill_members(mem, n);
	m.welcome.n_members = n;
	assert_int_equal(lp_ctrl_encode(&m, buf, sizeof(buf)), LP_ERR_TOO_BIG);

	/* Without names, 1024 members fit. */
	for (size_t i = 0; i < n; i++)
		mem[i].name[0] = '\0';
	roundtrip(&m);
	free(mem);
}

static void test_msg_free(void **state)
{
	(void)state;
	lp_ctrl_msg_free(NULL);
	struct lp_ctrl_msg m = welcome_msg();
	ssize_t n = lp_ctrl_encode(&m, buf, sizeof(buf));
	assert_true(n > 0);
	struct lp_ctrl_msg d;
	assert_int_equal(lp_ctrl_decode(buf + 4, (size_t)n - 4, &d, NULL, 0), 0);
	assert_non_null(d.welcome.members);
	lp_ctrl_msg_free(&d);
	assert_null(d.welcome.members);
	assert_int_equal(d.type, 0);
	lp_ctrl_msg_free(&d); /* twice is harmless */
}

static void test_equal(void **state)
{
	(void)state;
	struct lp_ctrl_msg a = hello_msg(), b = hello_msg();
	assert_true(lp_ctrl_msg_equal(&a, &b));
	/* Bytes after the NUL do not count. */
	b.hello.agent[sizeof(b.hello.agent) - 1] = 'x';
	assert_true(lp_ctrl_msg_equal(&a, &b));
	b.hello.name[0] = 'A';
	assert_false(lp_ctrl_msg_equal(&a, &b));
	b = hello_msg();
	b.hello.has_mac = false;
	assert_false(lp_ctrl_msg_equal(&a, &b));
	b = hello_msg();
	b.type = LP_CTRL_DISCONNECT;
	assert_false(lp_ctrl_msg_equal(&a, &b));
	assert_false(lp_ctrl_msg_equal(&a, NULL));

	struct lp_ctrl_msg r1 = reject_msg(), r2 = reject_msg();
	r2.reject.has_retry_after = false;
	r2.reject.retry_after = 99; /* absent: value ignored */
	assert_true(lp_ctrl_msg_equal(&r1, &r2));
	r2.reject.count = 15;
	assert_false(lp_ctrl_msg_equal(&r1, &r2));
}

/* jansson's allocator, failing every call after the first fail_after ones. */
static long fail_after = -1;
static long allocs;

static void *failing_malloc(size_t n)
{
	if (fail_after >= 0 && allocs++ >= fail_after)
		return NULL;
	return malloc(n);
}

/*
 * Every allocation jansson makes fails in turn: decode and encode report
 * LP_ERR_NOMEM (or, where jansson cannot tell, LP_ERR_INVALID), leak nothing
 * (LeakSanitizer) and succeed once memory suffices.
 */
static void test_alloc_failures(void **state)
{
	(void)state;
	struct lp_ctrl_msg m = welcome_msg();
	static uint8_t ref[1024];
	ssize_t reflen = lp_ctrl_encode(&m, ref, sizeof(ref));
	assert_true(reflen > 0);

	json_set_alloc_funcs(failing_malloc, free);
	bool decoded = false, encoded = false;
	size_t nomem = 0;
	for (fail_after = 0; fail_after < 10000 && !(decoded && encoded); fail_after++) {
		struct lp_ctrl_msg d;
		allocs = 0;
		int rc = lp_ctrl_decode(ref + 4, (size_t)reflen - 4, &d, NULL, 0);
		assert_true(rc == 0 || rc == LP_ERR_NOMEM || rc == LP_ERR_INVALID);
		nomem += rc == LP_ERR_NOMEM;
		if (rc == 0) {
			assert_true(lp_ctrl_msg_equal(&d, &m));
			decoded = true;
		}
		lp_ctrl_msg_free(&d);

		allocs = 0;
		ssize_t n = lp_ctrl_encode(&m, buf, sizeof(buf));
		assert_true(n == reflen || n == LP_ERR_NOMEM);
		if (n == reflen) {
			assert_memory_equal(buf, ref, (size_t)reflen);
			encoded = true;
		}
	}
	fail_after = -1;
	json_set_alloc_funcs(malloc, free);
	assert_true(decoded && encoded);
	assert_true(nomem > 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(lp_ctrl_type_name(LP_CTRL_HELLO), "hello");
	assert_string_equal(lp_ctrl_type_name(LP_CTRL_PEER_JOINED), "peer_joined");
	assert_string_equal(lp_ctrl_type_name(LP_CTRL_DISCONNECT), "disconnect");
	assert_string_equal(lp_ctrl_type_name((enum lp_ctrl_type)0), "?");
	assert_string_equal(lp_ctrl_role_name(LP_CTRL_ROLE_CLIENT), "client");
	assert_string_equal(lp_ctrl_role_name(LP_CTRL_ROLE_GATEWAY), "gateway");
	assert_string_equal(lp_ctrl_role_name((enum lp_ctrl_role)7), "?");
}

/* The reason tables of docs/protocol.md: name, value, close code. */
static void test_reject_reasons(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum lp_reject_reason r;
		uint64_t close;
	} v[] = {
		{ "unknown", LP_REJECT_UNKNOWN, 0x100 },
		{ "bad_code", LP_REJECT_BAD_CODE, 0x101 },
		{ "wrong_role", LP_REJECT_WRONG_ROLE, 0x102 },
		{ "room_disabled", LP_REJECT_ROOM_DISABLED, 0x103 },
		{ "room_expired", LP_REJECT_ROOM_EXPIRED, 0x104 },
		{ "room_full", LP_REJECT_ROOM_FULL, 0x105 },
		{ "gateway_present", LP_REJECT_GATEWAY_PRESENT, 0x106 },
		{ "mac_in_use", LP_REJECT_MAC_IN_USE, 0x107 },
		{ "banned", LP_REJECT_BANNED, 0x108 },
		{ "unsupported_version", LP_REJECT_UNSUPPORTED_VERSION, 0x109 },
		{ "malformed_hello", LP_REJECT_MALFORMED_HELLO, 0x10a },
		{ "rate_limited", LP_REJECT_RATE_LIMITED, 0x10b },
		{ "internal_error", LP_REJECT_INTERNAL_ERROR, 0x10c },
	};
	assert_int_equal(sizeof(v) / sizeof(v[0]), LP_REJECT__COUNT);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum lp_reject_reason back = LP_REJECT__COUNT;
		assert_string_equal(lp_reject_reason_name(v[i].r), v[i].name);
		assert_int_equal(lp_reject_reason_parse(v[i].name, strlen(v[i].name)), v[i].r);
		assert_int_equal(lp_reject_close_code(v[i].r), v[i].close);
		assert_true(lp_reject_from_close_code(v[i].close, &back));
		assert_int_equal(back, v[i].r);
		assert_true(strlen(lp_reject_reason_text(v[i].r)) > 8);
	}
	assert_int_equal(lp_reject_reason_parse("room_ful", 8), LP_REJECT_UNKNOWN);
	assert_int_equal(lp_reject_reason_parse("room_full_", 10), LP_REJECT_UNKNOWN);
	assert_int_equal(lp_reject_reason_parse("room_fullX", 9), LP_REJECT_ROOM_FULL);
	assert_int_equal(lp_reject_reason_parse(NULL, 0), LP_REJECT_UNKNOWN);
	assert_string_equal(lp_reject_reason_name(LP_REJECT__COUNT), "unknown");
	assert_string_equal(lp_reject_reason_name((enum lp_reject_reason) - 3), "unknown");
	assert_int_equal(lp_reject_close_code(LP_REJECT__COUNT), 0x100);
	enum lp_reject_reason r = LP_REJECT_BANNED;
	assert_false(lp_reject_from_close_code(0xff, &r));
	assert_false(lp_reject_from_close_code(0x10d, &r));
	assert_false(lp_reject_from_close_code(0x201, &r));
	assert_int_equal(r, LP_REJECT_BANNED);
}

static void test_disconnect_reasons(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum lp_disconnect_reason r;
		uint64_t close;
	} v[] = {
		{ "unknown", LP_DISCONNECT_UNKNOWN, 0x200 },
		{ "kicked", LP_DISCONNECT_KICKED, 0x201 },
		{ "banned", LP_DISCONNECT_BANNED, 0x202 },
		{ "room_deleted", LP_DISCONNECT_ROOM_DELETED, 0x203 },
		{ "room_disabled", LP_DISCONNECT_ROOM_DISABLED, 0x204 },
		{ "shutdown", LP_DISCONNECT_SHUTDOWN, 0x205 },
		{ "replaced", LP_DISCONNECT_REPLACED, 0x206 },
		{ "code_revoked", LP_DISCONNECT_CODE_REVOKED, 0x207 },
		{ "idle", LP_DISCONNECT_IDLE, 0x208 },
		{ "protocol_error", LP_DISCONNECT_PROTOCOL_ERROR, 0x209 },
		{ "leaving", LP_DISCONNECT_LEAVING, 0x20a },
	};
	assert_int_equal(sizeof(v) / sizeof(v[0]), LP_DISCONNECT__COUNT);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum lp_disconnect_reason back = LP_DISCONNECT__COUNT;
		assert_string_equal(lp_disconnect_reason_name(v[i].r), v[i].name);
		assert_int_equal(lp_disconnect_reason_parse(v[i].name, strlen(v[i].name)), v[i].r);
		assert_int_equal(lp_disconnect_close_code(v[i].r), v[i].close);
		assert_true(lp_disconnect_from_close_code(v[i].close, &back));
		assert_int_equal(back, v[i].r);
		assert_true(strlen(lp_disconnect_reason_text(v[i].r)) > 8);
	}
	assert_int_equal(lp_disconnect_reason_parse("kick", 4), LP_DISCONNECT_UNKNOWN);
	assert_string_equal(lp_disconnect_reason_name(LP_DISCONNECT__COUNT), "unknown");
	assert_int_equal(lp_disconnect_close_code((enum lp_disconnect_reason) - 1), 0x200);
	enum lp_disconnect_reason r = LP_DISCONNECT_IDLE;
	assert_false(lp_disconnect_from_close_code(0x20b, &r));
	assert_false(lp_disconnect_from_close_code(0x105, &r));
	assert_false(lp_disconnect_from_close_code(UINT64_MAX, &r));
	assert_int_equal(r, LP_DISCONNECT_IDLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_hello),
		cmocka_unit_test(test_upstream_messages_fit),
		cmocka_unit_test(test_vector_welcome),
		cmocka_unit_test(test_vector_reject),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_stats_drops_sorted),
		cmocka_unit_test(test_forward_compatible),
		cmocka_unit_test(test_encode_validates_hello),
		cmocka_unit_test(test_encode_validates_others),
		cmocka_unit_test(test_encode_buffers),
		cmocka_unit_test(test_welcome_size_limits),
		cmocka_unit_test(test_msg_free),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_reject_reasons),
		cmocka_unit_test(test_disconnect_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
