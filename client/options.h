/*
 * options.h: the command line common to lanparty-client and
 * lanparty-gateway (and later the Windows client): how to join (an invite,
 * or its parts), the member's name, logging, the status file, --help,
 * --version, and the `status` subcommand. Each binary adds its own options
 * through a table (struct lp_agent_extra_opt) and gets them back parsed.
 *
 * Every error is one line naming the flag, e.g.
 *   "--pin: expected sha256// followed by 44 characters of base64"
 * and never quotes a room code.
 */
#ifndef LP_OPTIONS_H
#define LP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "agent.h"
#include "invite.h"
#include "log.h"

/* Most options a binary may add. */
#define LP_AGENT_EXTRA_MAX 16

/* What lp_agent_options_parse() tells the binary to do (errors are negative). */
enum lp_agent_opt_result {
	LP_AGENT_OPT_RUN = 0,	 /* run the agent with the options */
	LP_AGENT_OPT_EXIT = 1,	 /* --help or --version was printed: exit 0 */
	LP_AGENT_OPT_STATUS = 2, /* `PROG status`: call lp_agent_status_cmd() */
};

/* The binary using the parser. */
struct lp_agent_prog {
	const char *name;	  /* "lanparty-client": usage, version, status file name */
	enum lp_invite_role role; /* the role its invites must carry */
	const char *summary;	  /* a paragraph for --help after the usage lines */
	const char *extra_title;  /* heading of the binary's own options ("Device:") */
	const char *epilogue;	  /* text at the end of --help; may be NULL */
};

/*
 * One option of the binary's own. The parser accepts --NAME VALUE and
 * --NAME=VALUE (or --NAME alone when metavar is NULL).
 */
struct lp_agent_extra_opt {
	const char *name;    /* long name without "--", e.g. "interface" */
	const char *metavar; /* "IFACE" for an option with a value; NULL for a flag */
	const char *help;    /* one line for --help */
	bool required;	     /* an error when absent */
	bool repeatable;     /* may be given more than once */
	/*
	 * Called for each occurrence with its value (NULL for a flag), or NULL:
	 * then a value is stored in *(const char **)arg (pointing into argv)
	 * and a flag sets *(bool *)arg. Returns 0, or a negative code with a
	 * few words in err ("not a MAC address"); the parser adds "--NAME: ".
	 */
	int (*parse)(const char *value, void *arg, char *err, size_t errlen);
	void *arg;
};

/* The common options, parsed and checked. */
struct lp_agent_options {
	struct lp_invite invite;	     /* role = prog->role; holds the room code: a secret */
	char name[LP_CTRL_NAME_MAX + 1];     /* --name, default the host name */
	char status_path[LP_AGENT_PATH_MAX]; /* --status-file, or the default */
	enum lp_log_level log_level;	     /* --log-level, default info */
	enum lp_log_format log_format;	     /* --log-format, default text */
};

/*
 * lp_agent_options_parse: parse argv (argv[0] is skipped). `PROG status
 * [--status-file PATH]` as argv[1] gives LP_AGENT_OPT_STATUS with
 * o->status_path set.
 * o: filled (zeroed first). prog: the binary. extra, n_extra: its own
 * options (n_extra <= LP_AGENT_EXTRA_MAX). out: where --help and
 * --version print. err, errlen: one line for the user on error.
 * Returns enum lp_agent_opt_result, or LP_ERR_INVALID (a bad or missing
 * flag, a bad invite, an extra's parse error: err says which; exit with
 * LP_AGENT_EXIT_USAGE), or another negative code from an extra's parse.
 */
int lp_agent_options_parse(struct lp_agent_options *o, int argc, char **argv,
			   const struct lp_agent_prog *prog, const struct lp_agent_extra_opt *extra,
			   size_t n_extra, FILE *out, char *err, size_t errlen);

/* lp_agent_options_usage: print --help for prog and its extra options to out. */
void lp_agent_options_usage(const struct lp_agent_prog *prog,
			    const struct lp_agent_extra_opt *extra, size_t n_extra, FILE *out);

/*
 * lp_agent_cfg_from_options: start an agent config from o: zero cfg, copy
 * the invite, name and status path, set the agent string to
 * "PROG/VERSION OS". The binary adds the MAC, clamp_mss and the join config.
 */
void lp_agent_cfg_from_options(struct lp_agent_cfg *cfg, const struct lp_agent_options *o,
			       const struct lp_agent_prog *prog);

/*
 * lp_agent_status_cmd: the `status` subcommand: read the status file at
 * path and print it for a person to out (lp_agent_status_format), or say
 * on errout why there is nothing to show.
 * Returns the exit code: 0 when an agent is running and its status was
 * printed; 1 when none is (no file, its process is gone, it stopped, the
 * file is stale or unreadable).
 */
int lp_agent_status_cmd(const struct lp_agent_prog *prog, const char *path, FILE *out,
			FILE *errout);

/* A status file not rewritten for this long belongs to a dead or stuck agent. */
#define LP_AGENT_STATUS_STALE_S 60

#endif
