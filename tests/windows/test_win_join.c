/*
 * The agent core built for Windows against the real relay (the Linux
 * binary on loopback, started by tests/windows/run.sh, which passes a
 * client invite in LP_TEST_INVITE): the room config over HTTPS with the
 * invite's certificate pin (curl and gnutls as cross-built), then QUIC over
 * Winsock on the Windows event loop up to the relay's welcome, a frame
 * sent, and an orderly leave. Everything but the TAP adapter, which wine
 * does not have.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clock.h"
#include "err.h"
#include "invite.h"
#include "loop.h"
#include "mac.h"
#include "rand.h"

struct joiner {
	struct lp_loop *loop;
	struct lp_agent *agent;
	struct lp_timer deadline;
	bool welcomed;
	bool timed_out;
	uint32_t member_id;
	uint32_t mtu;
};

static void on_welcome(void *ctx, const struct lp_ctrl_welcome *w)
{
	struct joiner *j = ctx;

	j->welcomed = true;
	j->member_id = w->member_id;
	j->mtu = w->mtu;
	lp_loop_stop(j->loop);
}

static void on_deadline(struct lp_loop *loop, struct lp_timer *t)
{
	struct joiner *j = t->arg;

	j->timed_out = true;
	lp_loop_stop(loop);
}

static void invite(struct lp_invite *inv)
{
	const char *s = getenv("LP_TEST_INVITE");
	char err[256];

	if (!s)
		fail_msg("LP_TEST_INVITE is not set: run this through tests/windows/run.sh");
	if (lp_invite_parse(s, inv, err, sizeof(err)) < 0)
		fail_msg("bad LP_TEST_INVITE: %s", err);
}

static void test_join_and_leave(void **state)
{
	struct lp_invite inv;
	struct lp_join_config jc;
	struct lp_agent_cfg cfg;
	struct joiner j = { 0 };
	char err[512];
	uint8_t rnd[LP_MAC_LEN];

	(void)state;
	invite(&inv);
	/* The room config over HTTPS, the relay's certificate checked against the pin. */
	int ret = lp_agent_fetch_config(&inv, LP_AGENT_FETCH_TIMEOUT_MS, &jc, err, sizeof(err));

	if (ret < 0)
		fail_msg("fetching the room config: %s (%s)", err, lp_strerror(ret));
	assert_true(jc.mtu >= 1280);
	assert_true(jc.quic_port > 0);

	memset(&cfg, 0, sizeof(cfg));
	cfg.invite = inv;
	cfg.has_mac = true;
	assert_int_equal(lp_random_bytes(rnd, sizeof(rnd)), 0);
	lp_mac_from_random(rnd, &cfg.mac);
	snprintf(cfg.name, sizeof(cfg.name), "wine");
	snprintf(cfg.agent, sizeof(cfg.agent), "lanparty-client/test windows");
	cfg.has_join = true;
	cfg.join = jc;
	const struct lp_agent_device dev = { .ctx = &j, .on_welcome = on_welcome };

	assert_int_equal(lp_loop_new(&j.loop, 0), 0);
	assert_int_equal(lp_agent_new(&j.agent, j.loop, &cfg, &dev), 0);
	lp_timer_init(&j.deadline, on_deadline, &j);
	assert_int_equal(lp_loop_timer_arm_in(j.loop, &j.deadline, 15 * LP_NS_PER_SEC), 0);
	assert_int_equal(lp_agent_start(j.agent), 0);
	assert_int_equal(lp_loop_run(j.loop), 0);
	assert_false(j.timed_out);
	assert_true(j.welcomed);
	assert_true(j.member_id > 0);
	assert_int_equal(j.mtu, jc.mtu);
	assert_int_equal(lp_agent_state(j.agent), LP_AGENT_CONNECTED);

	/* A broadcast frame leaves through QUIC (nobody else is in the room). */
	uint8_t frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memcpy(frame + 6, cfg.mac.b, 6);
	frame[12] = 0x08;
	frame[13] = 0x06;
	assert_int_equal(lp_agent_send_frame(j.agent, frame, sizeof(frame)), 0);
	lp_agent_flush(j.agent);
	struct lp_agent_status st;

	lp_agent_get_status(j.agent, &st);
	assert_int_equal(st.state, LP_AGENT_CONNECTED);
	assert_true(st.rtt_us > 0);

	/* Leave: the relay acknowledges, the loop ends, exit code 0. */
	lp_agent_stop(j.agent);
	assert_int_equal(lp_loop_run(j.loop), 0);
	assert_false(j.timed_out);
	assert_int_equal(lp_agent_state(j.agent), LP_AGENT_STOPPED);
	assert_int_equal(lp_agent_exit_code(j.agent), LP_AGENT_EXIT_OK);
	lp_loop_timer_cancel(j.loop, &j.deadline);
	lp_agent_del(j.agent);
	lp_loop_del(j.loop);
}

static void test_wrong_pin_refused(void **state)
{
	struct lp_invite inv;
	struct lp_join_config jc;
	char err[512];

	(void)state;
	invite(&inv);
	/* Another certificate's pin: the relay is not the one the invite names. */
	inv.pin[0] ^= 0x01;
	int ret = lp_agent_fetch_config(&inv, 5000, &jc, err, sizeof(err));

	assert_int_equal(ret, LP_ERR_AGAIN);
	assert_non_null(strstr(err, "pin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_and_leave),
		cmocka_unit_test(test_wrong_pin_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
