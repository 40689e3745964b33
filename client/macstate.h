/*
 * macstate.h: the client's stable MAC address.
 *
 * A player's party device keeps one MAC across runs, so the party LAN's
 * DHCP server hands the same address back, the organiser's reservations
 * and the relay's member list stay meaningful, and switches' tables do not
 * fill with ghosts. The first run makes a random locally-administered
 * unicast MAC (lp_mac_from_random) and keeps it in a small text file in
 * the state directory; later runs read it back. --mac overrides it without
 * touching the file.
 *
 * The file holds one MAC ("aa:bb:cc:dd:ee:ff") on a line of its own; lines
 * starting with '#' and blank lines are ignored, so a person may annotate
 * it. An empty file (or one with only comments) counts as missing: it
 * holds no identity, and a crash between create and write can leave one.
 * A file whose content is anything else is an error with the file's name,
 * never silently replaced: the MAC is the PC's identity on the party LAN,
 * and a changed MAC looks like a new PC to its DHCP server and organiser.
 *
 * OS-free: paths and files through C stdio only (fopen, rename, remove).
 * The caller makes the directory.
 */
#ifndef LP_MACSTATE_H
#define LP_MACSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mac.h"

/* Longest path of the state directory or file, NUL included. */
#define LP_MACSTATE_PATH_MAX 4096
/* Longest one-line error message the functions below write. */
#define LP_MACSTATE_ERR_MAX (LP_MACSTATE_PATH_MAX + 160)
/* The state file's size limit: a MAC and a few comment lines. */
#define LP_MACSTATE_FILE_MAX 4096
/* The directory a root client uses. */
#define LP_MACSTATE_ROOT_DIR "/var/lib/softlan"

/* Where a MAC came from. */
enum lp_macstate_source {
	LP_MACSTATE_OVERRIDE = 1, /* --mac */
	LP_MACSTATE_LOADED = 2,	  /* read from the state file */
	LP_MACSTATE_CREATED = 3,  /* made now and written to the state file */
};

/* The environment that picks the default state directory. */
struct lp_macstate_env {
	bool root;		     /* running as root (euid 0) */
	const char *state_directory; /* $STATE_DIRECTORY (systemd StateDirectory=); may be NULL */
	const char *xdg_state_home;  /* $XDG_STATE_HOME; may be NULL */
	const char *home;	     /* $HOME; may be NULL */
};

/*
 * lp_macstate_default_dir: the state directory to use when --state-dir is
 * not given, first that applies: systemd's $STATE_DIRECTORY (its first
 * entry when ':'-separated); LP_MACSTATE_ROOT_DIR for root;
 * $XDG_STATE_HOME/softlan; $HOME/.local/state/softlan. Relative
 * $XDG_STATE_HOME values are ignored, as the XDG spec says.
 * out: len bytes. Returns 0, LP_ERR_NOT_FOUND when none applies (no HOME),
 * or LP_ERR_TOO_BIG when the path does not fit.
 */
int lp_macstate_default_dir(const struct lp_macstate_env *env, char *out, size_t len);

/*
 * lp_macstate_path: the state file for device name dev in dir:
 * "DIR/DEV.mac", with any character of dev other than [A-Za-z0-9._-]
 * replaced by '_' (names of Windows adapters hold spaces).
 * Returns 0, LP_ERR_INVALID for an empty dir or dev, or LP_ERR_TOO_BIG.
 */
int lp_macstate_path(const char *dir, const char *dev, char *out, size_t len);

/*
 * lp_macstate_load: read the MAC from the state file at path.
 * Returns 0; LP_ERR_NOT_FOUND when the file does not exist or holds no MAC
 * (empty, only comments); LP_ERR_INVALID when it holds anything else than
 * one unicast, non-zero MAC (several MACs, junk, a multicast MAC);
 * LP_ERR_TOO_BIG when it is larger than LP_MACSTATE_FILE_MAX; -errno when
 * it cannot be read. err (errlen bytes) names the file and what is wrong.
 */
int lp_macstate_load(const char *path, struct lp_mac *out, char *err, size_t errlen);

/*
 * lp_macstate_save: write mac to path, with a comment saying what it is,
 * through a temporary file "PATH.tmp" and a rename, so a reader sees the
 * old file or the whole new one.
 * Returns 0, LP_ERR_INVALID (not a valid member MAC), LP_ERR_TOO_BIG (path
 * too long), or -errno. err as above.
 */
int lp_macstate_save(const char *path, const struct lp_mac *mac, char *err, size_t errlen);

/*
 * lp_macstate_get: the MAC for this run: the override if given (the text
 * of --mac; the file is then neither read nor written), else the one in
 * the state file at path, else a new random one (shared/rand.h) saved there.
 * override: NULL or the text. src: receives where the MAC came from (may
 * be NULL).
 * Returns 0; LP_ERR_INVALID for an override that is not a unicast, non-zero
 * MAC, or a state file that is broken (see lp_macstate_load); the errors
 * of lp_macstate_load and lp_macstate_save; or the error of
 * lp_random_bytes. err (errlen bytes) gets one line a person can act on.
 */
int lp_macstate_get(const char *path, const char *override, struct lp_mac *out,
		    enum lp_macstate_source *src, char *err, size_t errlen);

#endif
