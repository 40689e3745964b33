/*
 * service_windows.c: lanparty-client as a Windows service
 * (service_windows.h): install, uninstall, and the service's own run
 * under the service control manager.
 */
#include "service_windows.h"

#include <windows.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "loop_windows.h"
#include "sys.h"
#include "winerr_windows.h"

#define SERVICE_NAME_W	 L"lanparty-client"
#define SERVICE_DISPLAY	 L"softlan LAN party client"
#define INVITE_FILE	 "service.invite"
#define LOG_FILE	 "lanparty-client.log"
#define CMDLINE_MAX	 8192
#define STOP_WAIT_MS	 15000
#define RESTART_DELAY_MS 5000

static const struct lp_win_client_main *svc_main;
static int svc_argc;
static char **svc_argv;
static SERVICE_STATUS_HANDLE svc_handle;
static HANDLE svc_stop; /* set when the service manager asks us to stop */

/* ---------------------------------------------------------------- command line */

int lp_win_quote_arg(const char *arg, char *out, size_t len, size_t *pos)
{
	size_t p = *pos;
	bool quote = arg[0] == '\0' || strpbrk(arg, " \t\n\v\"") != NULL;

#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (p + 1 >= len)                                                                  \
			goto nobuf;                                                                \
		out[p++] = (c);                                                                    \
	} while (0)
	if (p > 0)
		PUT(' ');
	if (quote)
		PUT('"');
	for (const char *s = arg;; s++) {
		size_t bs = 0;

		while (*s == '\\') {
			bs++;
			s++;
		}
		/* Backslashes count double before a quote, and before the closing one. */
		size_t n = *s == '"' || (*s == '\0' && quote) ? 2 * bs : bs;

		for (size_t i = 0; i < n; i++)
			PUT('\\');
		if (*s == '\0')
			break;
		if (*s == '"')
			PUT('\\');
		PUT(*s);
	}
	if (quote)
		PUT('"');
#undef PUT
	out[p] = '\0';
	*pos = p;
	return 0;
nobuf:
	if (len)
		out[*pos < len ? *pos : len - 1] = '\0';
	return LP_ERR_NOBUF;
}

/* %ProgramData%\softlan\NAME */
static void data_path(const char *name, char *out, size_t len)
{
	const char *base = getenv("ProgramData");

	snprintf(out, len, "%s\\softlan\\%s", base && base[0] ? base : "C:\\ProgramData", name);
}

/* ---------------------------------------------------------------- install */

static int scm_error(const char *what)
{
	DWORD e = GetLastError();

	if (e == ERROR_ACCESS_DENIED)
		fprintf(stderr, "lanparty-client: %s: run this as Administrator\n", what);
	else
		fprintf(stderr, "lanparty-client: %s: %s (Windows error %lu)\n", what,
			lp_strerror(lp_win_errno(e)), e);
	return 1;
}

/*
 * The service's command line: the exe, "service run", then the flags with
 * the invite moved into a file only SYSTEM and Administrators can read.
 */
static int service_cmdline(int argc, char **argv, char *cmd, size_t len)
{
	wchar_t wexe[MAX_PATH];
	char exe[3 * MAX_PATH], invite_path[512];
	size_t pos = 0;

	cmd[0] = '\0';
	if (!GetModuleFileNameW(NULL, wexe, MAX_PATH) || lp_win_narrow(wexe, exe, sizeof(exe)) < 0)
		return scm_error("cannot find the program's own path");
	if (lp_win_quote_arg(exe, cmd, len, &pos) < 0 ||
	    lp_win_quote_arg("service", cmd, len, &pos) < 0 ||
	    lp_win_quote_arg("run", cmd, len, &pos) < 0)
		return LP_ERR_NOBUF;
	data_path(INVITE_FILE, invite_path, sizeof(invite_path));
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *invite = NULL;

		if (strcmp(a, "--invite") == 0 && i + 1 < argc)
			invite = argv[++i];
		else if (strncmp(a, "--invite=", 9) == 0)
			invite = a + 9;
		if (invite) {
			int ret = lp_sys_write_file(invite_path, invite, strlen(invite), 0600);

			if (ret < 0) {
				fprintf(stderr,
					"lanparty-client: cannot keep the invite in %s: %s\n",
					invite_path, lp_strerror(ret));
				return 1;
			}
			if (lp_win_quote_arg("--invite-file", cmd, len, &pos) < 0 ||
			    lp_win_quote_arg(invite_path, cmd, len, &pos) < 0)
				return LP_ERR_NOBUF;
			continue;
		}
		if (lp_win_quote_arg(a, cmd, len, &pos) < 0)
			return LP_ERR_NOBUF;
	}
	return 0;
}

/* Restart after a failure (a crash, exit code 1), three times, then stay down. */
static void set_recovery(SC_HANDLE svc)
{
	SC_ACTION actions[3] = {
		{ SC_ACTION_RESTART, RESTART_DELAY_MS },
		{ SC_ACTION_RESTART, RESTART_DELAY_MS },
		{ SC_ACTION_RESTART, RESTART_DELAY_MS },
	};
	SERVICE_FAILURE_ACTIONSW fa = { .dwResetPeriod = 3600,
					.cActions = 3,
					.lpsaActions = actions };
	SERVICE_DESCRIPTIONW d = {
		.lpDescription =
			(wchar_t *)L"Puts this PC on a LAN party's network through the "
				   L"softlan relay (TAP adapter, routes, firewall profile).",
	};
	SERVICE_FAILURE_ACTIONS_FLAG flag = { .fFailureActionsOnNonCrashFailures = TRUE };

	ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &d);
	ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa);
	ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag);
}

static int install(int argc, char **argv, const struct lp_win_client_main *m)
{
	static char cmd[CMDLINE_MAX];
	static wchar_t wcmd[CMDLINE_MAX];
	char log_path[512];

	/* The flags must be good before anything is registered. */
	char *check_argv[LP_WIN_SERVICE_ARGS_MAX];
	int n = 0;

	check_argv[n++] = argv[0];
	for (int i = 3; i < argc && n < LP_WIN_SERVICE_ARGS_MAX; i++)
		check_argv[n++] = argv[i];
	int code = m->check(n, check_argv);

	if (code != 0)
		return code;
	if ((code = service_cmdline(argc, argv, cmd, sizeof(cmd))) != 0) {
		if (code == LP_ERR_NOBUF)
			fprintf(stderr,
				"lanparty-client: the service's command line is too long\n");
		return 1;
	}
	if (lp_win_widen(cmd, wcmd, CMDLINE_MAX) < 0)
		return 1;
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE | SC_MANAGER_CONNECT);

	if (!scm)
		return scm_error("cannot open the service manager");
	SC_HANDLE svc =
		CreateServiceW(scm, SERVICE_NAME_W, SERVICE_DISPLAY, SERVICE_ALL_ACCESS,
			       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
			       wcmd, NULL, NULL, L"Tcpip\0\0", NULL, NULL);

	if (!svc && GetLastError() == ERROR_SERVICE_EXISTS) {
		/* Installed before: take the new flags. */
		svc = OpenServiceW(scm, SERVICE_NAME_W, SERVICE_ALL_ACCESS);
		if (svc && !ChangeServiceConfigW(svc, SERVICE_NO_CHANGE, SERVICE_AUTO_START,
						 SERVICE_NO_CHANGE, wcmd, NULL, NULL, NULL, NULL,
						 NULL, NULL)) {
			CloseServiceHandle(svc);
			svc = NULL;
		}
		printf("service " LP_WIN_SERVICE_NAME " was installed already: flags updated\n");
	}
	if (!svc) {
		code = scm_error("cannot install the service");
		CloseServiceHandle(scm);
		return code;
	}
	set_recovery(svc);
	SERVICE_STATUS st;

	if (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED) {
		ControlService(svc, SERVICE_CONTROL_STOP, &st);
		for (int w = 0; w < STOP_WAIT_MS / 250 && st.dwCurrentState != SERVICE_STOPPED;
		     w++) {
			Sleep(250);
			QueryServiceStatus(svc, &st);
		}
	}
	if (!StartServiceW(svc, 0, NULL))
		code = scm_error("installed, but the service did not start");
	data_path(LOG_FILE, log_path, sizeof(log_path));
	if (code == 0)
		printf("service " LP_WIN_SERVICE_NAME " installed and started (starts with "
		       "Windows)\nlog: %s\nstate: lanparty-client.exe status\n",
		       log_path);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	return code;
}

static int uninstall(void)
{
	char invite_path[512];
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);

	if (!scm)
		return scm_error("cannot open the service manager");
	SC_HANDLE svc =
		OpenServiceW(scm, SERVICE_NAME_W, DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS);

	if (!svc) {
		int code =
			GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST
				? (printf("service " LP_WIN_SERVICE_NAME " is not installed\n"), 0)
				: scm_error("cannot open the service");
		CloseServiceHandle(scm);
		return code;
	}
	SERVICE_STATUS st;

	/* Stopped first, so it leaves the room and undoes its changes. */
	if (ControlService(svc, SERVICE_CONTROL_STOP, &st)) {
		for (int w = 0; w < STOP_WAIT_MS / 250 && st.dwCurrentState != SERVICE_STOPPED;
		     w++) {
			Sleep(250);
			if (!QueryServiceStatus(svc, &st))
				break;
		}
	}
	int code = DeleteService(svc) ? 0 : scm_error("cannot remove the service");

	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	data_path(INVITE_FILE, invite_path, sizeof(invite_path));
	(void)lp_sys_unlink(invite_path);
	if (code == 0)
		printf("service " LP_WIN_SERVICE_NAME " stopped and removed\n");
	return code;
}

/* ---------------------------------------------------------------- running */

static void report(DWORD state, DWORD exit_code)
{
	SERVICE_STATUS st = {
		.dwServiceType = SERVICE_WIN32_OWN_PROCESS,
		.dwCurrentState = state,
		.dwControlsAccepted = state == SERVICE_RUNNING
					      ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
					      : 0,
		.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR,
		.dwServiceSpecificExitCode = exit_code,
		.dwWaitHint = state == SERVICE_STOP_PENDING ? STOP_WAIT_MS : 0,
	};

	SetServiceStatus(svc_handle, &st);
}

static DWORD WINAPI on_control(DWORD ctl, DWORD type, void *data, void *ctx)
{
	(void)type;
	(void)data;
	(void)ctx;
	switch (ctl) {
	case SERVICE_CONTROL_STOP:
	case SERVICE_CONTROL_SHUTDOWN:
		report(SERVICE_STOP_PENDING, 0);
		SetEvent(svc_stop);
		/* Leave the room like Ctrl-C does; before the loop runs, the sleep wakes. */
		(void)lp_loop_raise(SIGTERM);
		return NO_ERROR;
	case SERVICE_CONTROL_INTERROGATE:
		return NO_ERROR;
	default:
		return ERROR_CALL_NOT_IMPLEMENTED;
	}
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
	char log_path[512];

	(void)argc;
	(void)argv;
	svc_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME_W, on_control, NULL);
	if (!svc_handle)
		return;
	report(SERVICE_RUNNING, 0);
	/* The directory exists once an invite was kept there; not with --invite-file. */
	data_path("", log_path, sizeof(log_path));
	CreateDirectoryA(log_path, NULL);
	data_path(LOG_FILE, log_path, sizeof(log_path));
	if (lp_log_open(log_path) < 0)
		log_warnx("log_file_failed file=%s", log_path);
	int code = svc_main->run(svc_argc, svc_argv);

	lp_log_close();
	report(SERVICE_STOPPED, (DWORD)code);
}

bool lp_win_service_running(void)
{
	return svc_handle != NULL;
}

bool lp_win_service_wait_stop(uint64_t ns)
{
	uint64_t ms = ns / 1000000ull;
	DWORD wait = ms >= INFINITE ? INFINITE - 1 : (DWORD)ms;

	if (!svc_stop) {
		Sleep(wait);
		return false;
	}
	return WaitForSingleObject(svc_stop, wait) == WAIT_OBJECT_0;
}

static int run_service(int argc, char **argv, const struct lp_win_client_main *m)
{
	static char *args[LP_WIN_SERVICE_ARGS_MAX];
	SERVICE_TABLE_ENTRYW table[] = {
		{ (wchar_t *)SERVICE_NAME_W, service_main },
		{ NULL, NULL },
	};

	svc_main = m;
	svc_argc = 0;
	args[svc_argc++] = argv[0];
	for (int i = 3; i < argc && svc_argc < LP_WIN_SERVICE_ARGS_MAX; i++)
		args[svc_argc++] = argv[i];
	svc_argv = args;
	svc_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!svc_stop)
		return 1;
	if (!StartServiceCtrlDispatcherW(table)) {
		if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
			fprintf(stderr,
				"lanparty-client: `service run` is what the service manager "
				"starts; use `service install --invite ...`\n");
		else
			scm_error("cannot reach the service manager");
		return 1;
	}
	return 0;
}

int lp_win_service_cmd(int argc, char **argv, const struct lp_win_client_main *m)
{
	const char *sub = argc > 2 ? argv[2] : "";

	if (strcmp(sub, "install") == 0)
		return install(argc, argv, m);
	if (strcmp(sub, "uninstall") == 0 && argc == 3)
		return uninstall();
	if (strcmp(sub, "run") == 0)
		return run_service(argc, argv, m);
	fprintf(stderr, "usage: lanparty-client service install --invite INVITE [flags]\n"
			"       lanparty-client service uninstall\n");
	return 2;
}
