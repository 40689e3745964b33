/*
 * client_setup.h: the start-up steps of lanparty-client that are the same
 * on every OS (main.c on Linux, main_windows.c on Windows): fetching the
 * room config with retries, pinning the relay's addresses outside the
 * tunnel, the broadcast routes, and the resume secret kept on disk.
 */
#ifndef LP_CLIENT_SETUP_H
#define LP_CLIENT_SETUP_H

#include <stdint.h>

#include "agent.h"
#include "invite.h"
#include "routes.h"

/*
 * lp_client_fetch_config: the room config into jc, retrying with backoff
 * (sleep_ns sleeps between tries) while the relay cannot be reached, as a
 * PC that starts the client at boot before its network is up needs.
 * Returns 0, or the exit code for a failure retrying cannot fix (the
 * reason printed to stderr after "prog: ").
 */
int lp_client_fetch_config(const char *prog, const struct lp_invite *inv, struct lp_join_config *jc,
			   void (*sleep_ns)(uint64_t ns));

/*
 * lp_client_pin_relay: pin the path to each address of the relay's API
 * host and QUIC host (routes.h), logging each pin and each failure.
 */
void lp_client_pin_relay(struct lp_routes *routes, const struct lp_invite *inv,
			 const struct lp_join_config *jc);

/* lp_client_broadcast_routes: the routes of lp_routes_broadcast on device dev, logged. */
void lp_client_broadcast_routes(struct lp_routes *routes, const char *dev);

/*
 * lp_client_save_resume / lp_client_load_resume: the resume secret of the
 * last welcome, kept at path (mode 0600; "" = not kept), so that a client
 * that crashed or was killed takes its seat back at once on its next start
 * instead of waiting for the old session to time out.
 */
void lp_client_save_resume(const char *path, const char *secret);
void lp_client_load_resume(const char *path, struct lp_agent_cfg *cfg);

#endif
