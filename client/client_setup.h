/*
 * client_setup.h: the start-up steps of lanparty-client that are the same
 * on every OS (main.c on Linux, main_windows.c on Windows): fetching the
 * room config with retries, pinning the relay's addresses outside the
 * tunnel, the broadcast routes, and the resume secret kept on disk.
 */
#ifndef LP_CLIENT_SETUP_H
#define LP_CLIENT_SETUP_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "invite.h"
#include "loop.h"
#include "options.h"
#include "routes.h"
#include "tap.h"

/* While the relay cannot be reached, its path is looked up again this often. */
#define LP_CLIENT_PIN_REFRESH_NS (10ull * 1000000000ull)
/* How often a default route through the party device is looked for. */
#define LP_CLIENT_GUARD_NS (2ull * 1000000000ull)
/* Longest path of the resume secret's file. */
#define LP_CLIENT_PATH_MAX 4104

/* A signal that stops the client, and its name in the log. */
struct lp_client_signal {
	int signo;
	const char *name;
};

/*
 * The running client: what the program of each OS holds. The program opens
 * the device and the routes (its own way), then lp_client_run() runs the
 * agent on them; lp_client_cleanup() undoes everything.
 */
struct lp_client {
	const char *prog;
	struct lp_loop *loop;
	struct lp_agent *agent;
	struct lp_tap *tap;
	struct lp_routes *routes;
	struct lp_timer pin_timer, guard_timer;
	char resume_path[LP_CLIENT_PATH_MAX]; /* "" = not kept */
	bool pin_refresh;		      /* refresh the relay's pins while unreachable */
	bool stopping;
	bool device_gone;
	/* Signals that stop it (a second one: at once), and the one that reopens the log. */
	struct lp_client_signal stop_signals[3];
	size_t n_stop_signals;
	int reopen_signal; /* 0: none */
	/* OS hooks (may be NULL): after each default-route guard; at cleanup before the routes. */
	void (*guard_hook)(struct lp_client *c, void *arg);
	void (*cleanup_hook)(struct lp_client *c, void *arg);
	void *hook_arg;
};

/* --address CIDR, as both programs take it. */
struct lp_client_address {
	bool set;
	struct lp_cidr cidr;
};

/*
 * lp_client_parse_address: the option parser of --address (options.h's
 * extra-option callback; arg: a struct lp_client_address): an IPv4
 * address with its prefix that can be a host's (lp_cidr_check_host_v4).
 */
int lp_client_parse_address(const char *value, void *arg, char *err, size_t errlen);

/*
 * lp_client_routes: with c->tap open: c->routes (made unless the program
 * made it already), the relay's pins (relay_route), the routes of
 * lp_routes_broadcast (broadcast_routes), the static address (address,
 * may be NULL), and a first pass of the default-route guard. Only the
 * address failing is fatal. Returns 0 or the error (printed to stderr).
 */
int lp_client_routes(struct lp_client *c, const struct lp_invite *inv,
		     const struct lp_join_config *jc, bool relay_route, bool broadcast_routes,
		     const struct lp_cidr *address);

/* lp_client_init: c zeroed, for program prog, its timers ready. */
void lp_client_init(struct lp_client *c, const char *prog);

/*
 * lp_client_run: with c->tap and c->routes open: the agent for options o
 * and room config jc (the device's MAC, MSS clamping, the resume secret),
 * the device watched, the signals, the default-route guard and pin
 * timers; runs the loop until the agent stops. Returns the exit code.
 */
int lp_client_run(struct lp_client *c, const struct lp_agent_options *o,
		  const struct lp_agent_prog *prog, const struct lp_join_config *jc);

/*
 * lp_client_cleanup: undo everything, newest first: the agent, the OS
 * hook's changes, the routes and addresses, the device, the loop.
 */
void lp_client_cleanup(struct lp_client *c);

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

/*
 * lp_client_save_resume / lp_client_load_resume: the resume secret of the
 * last welcome, kept at path (mode 0600; "" = not kept), so that a client
 * that crashed or was killed takes its seat back at once on its next start
 * instead of waiting for the old session to time out.
 */
void lp_client_save_resume(const char *path, const char *secret);
void lp_client_load_resume(const char *path, struct lp_agent_cfg *cfg);

#endif
