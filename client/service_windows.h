/*
 * service_windows.h: lanparty-client as a Windows service, for a PC that
 * joins the party whenever it is on:
 *
 *   lanparty-client.exe service install --invite ... [flags]
 *   lanparty-client.exe service uninstall
 *
 * install keeps the invite in %ProgramData%\softlan\service.invite
 * (readable by SYSTEM and Administrators only, so the room code is not in
 * the service's command line), registers the service "lanparty-client"
 * (automatic start, LocalSystem, restarted on failure) to run
 * `lanparty-client.exe service run --invite-file FILE [flags]`, and starts
 * it. The service logs to %ProgramData%\softlan\lanparty-client.log.
 */
#ifndef LP_SERVICE_WINDOWS_H
#define LP_SERVICE_WINDOWS_H

#include <stddef.h>

#define LP_WIN_SERVICE_NAME "lanparty-client"
/* Most arguments the service passes on to the client. */
#define LP_WIN_SERVICE_ARGS_MAX 64

#include <stdbool.h>
#include <stdint.h>

/* The program's own parts, argv as on the command line (argv[0] the exe). */
struct lp_win_client_main {
	/* Check the flags without running (0, or the exit code after a message). */
	int (*check)(int argc, char **argv);
	/* Run the client (the service's body); returns the exit code. */
	int (*run)(int argc, char **argv);
};

/*
 * lp_win_service_cmd: `service install|uninstall|run ...` (argv[1] is
 * "service"). run is what the service executes: the client's main with
 * the flags after "run". Returns the exit code.
 */
int lp_win_service_cmd(int argc, char **argv, const struct lp_win_client_main *m);

/*
 * lp_win_service_wait_stop: sleep up to ns, returning early (true) when
 * the service manager asked the service to stop; false after the full
 * sleep, and always so outside the service.
 */
bool lp_win_service_wait_stop(uint64_t ns);

/* lp_win_service_running: true inside the service (`service run`). */
bool lp_win_service_running(void);

/*
 * lp_win_quote_arg: append arg to the command line in out (len bytes, NUL
 * at *pos), with a space before it unless it is the first, quoted so that
 * CommandLineToArgvW and the C runtime give it back unchanged.
 * Returns 0, or LP_ERR_NOBUF when it does not fit (out unchanged).
 */
int lp_win_quote_arg(const char *arg, char *out, size_t len, size_t *pos);

#endif
