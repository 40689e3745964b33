/*
 * joiner: a room member for the dashboard's browser test. It joins a room
 * over real QUIC with an invite (tests/integration/peer.c), sends a few
 * broadcasts and one DHCP server reply (which the relay drops, so the
 * dashboard has a drop reason to show), and stays until the relay sends it
 * away or it gets SIGTERM.
 *
 *   joiner INVITE MAC NAME
 *
 * Prints one line per event on stdout for the test to wait on:
 *   welcomed member=ID
 *   rejected reason=NAME
 *   disconnected reason=NAME
 * Exit status: 0 after a disconnect or SIGTERM, 1 on a reject or error.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "ctrl.h"
#include "err.h"
#include "invite.h"
#include "mac.h"
#include "peer.h"

#define BROADCASTS 5

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool gone(void *arg)
{
	const struct peer *p = arg;
	return stop || p->disconnected || p->closed;
}

static void send_traffic(struct peer *p)
{
	static const struct lp_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t frame[400];
	const struct lp_mac *me = &p->opts.mac;
	for (uint32_t i = 0; i < BROADCASTS; i++) {
		size_t n = peer_frame_build(frame, sizeof(frame), 120, &bcast, me, 0x88b5, i);
		if (n)
			peer_send_frame(p, frame, n);
	}
	size_t n = peer_frame_dhcp_offer(frame, sizeof(frame), me);
	if (n)
		peer_send_frame(p, frame, n);
}

int main(int argc, char **argv)
{
	struct lp_invite inv;
	struct peer_opts opts = { .has_mac = true };
	struct peer *p = NULL;
	char err[160];

	if (argc != 4) {
		fprintf(stderr, "usage: joiner INVITE MAC NAME\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (lp_invite_parse(argv[1], &inv, err, sizeof(err)) < 0) {
		fprintf(stderr, "joiner: invite: %s\n", err);
		return 2;
	}
	if (lp_mac_parse(argv[2], strlen(argv[2]), &opts.mac) < 0) {
		fprintf(stderr, "joiner: not a MAC: %s\n", argv[2]);
		return 2;
	}
	opts.name = argv[3];
	int r = peer_new(&p, argv[3], &inv, &opts);
	if (r < 0) {
		fprintf(stderr, "joiner: %s\n", lp_strerror(r));
		return 1;
	}
	if (!peer_wait_answer(p, 10000) || !p->welcomed) {
		int why = peer_reject_reason(p);
		printf("rejected reason=%s\n",
		       why >= 0 ? lp_reject_reason_name((enum lp_reject_reason)why) : "timeout");
		peer_free(p);
		return 1;
	}
	printf("welcomed member=%u\n", peer_id(p));
	send_traffic(p);
	while (!peer_run(1000, gone, p))
		;
	if (!stop) {
		int why = peer_disconnect_reason(p);
		printf("disconnected reason=%s\n",
		       why >= 0 ? lp_disconnect_reason_name((enum lp_disconnect_reason)why)
				: "closed");
	}
	peer_free(p);
	return 0;
}
