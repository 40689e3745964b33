/*
 * macstate.c: the client's MAC kept in a state file (see macstate.h).
 */
#include "macstate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "rand.h"

/* "PATH: WHAT", and how to recover when the file itself is at fault. */
static void set_err(char *err, size_t errlen, const char *path, const char *what, bool hint)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s%s", path, what,
			 hint ? "; fix it, or delete it to get a new MAC" : "");
}

static int os_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

static int join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s%s", a, b);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return LP_ERR_TOO_BIG;
	}
	return 0;
}

int lp_macstate_default_dir(const struct lp_macstate_env *env, char *out, size_t len)
{
	if (!env || !out || !len)
		return LP_ERR_INVALID;
	out[0] = '\0';
	const char *sd = env->state_directory;
	if (sd && sd[0]) {
		/* systemd lists several directories with ':'; ours is the first */
		size_t n = strcspn(sd, ":");
		if (n >= len)
			return LP_ERR_TOO_BIG;
		memcpy(out, sd, n);
		out[n] = '\0';
		return 0;
	}
	if (env->root)
		return join(out, len, LP_MACSTATE_ROOT_DIR, "");
	if (env->xdg_state_home && env->xdg_state_home[0] == '/')
		return join(out, len, env->xdg_state_home, "/softlan");
	if (env->home && env->home[0])
		return join(out, len, env->home, "/.local/state/softlan");
	return LP_ERR_NOT_FOUND;
}

static bool safe_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int lp_macstate_path(const char *dir, const char *dev, char *out, size_t len)
{
	if (!dir || !dir[0] || !dev || !dev[0] || !out || !len)
		return LP_ERR_INVALID;
	size_t dl = strlen(dir), nl = strlen(dev);
	bool slash = dir[dl - 1] != '/';
	/* dir, '/', dev, ".mac", NUL */
	if (dl + slash + nl + 5 > len) {
		out[0] = '\0';
		return LP_ERR_TOO_BIG;
	}
	char *p = out;
	memcpy(p, dir, dl);
	p += dl;
	if (slash)
		*p++ = '/';
	for (size_t i = 0; i < nl; i++)
		/* a leading '.' would hide the file, and "." or ".." name directories */
		*p++ = safe_char(dev[i]) && !(i == 0 && dev[i] == '.') ? dev[i] : '_';
	memcpy(p, ".mac", 5);
	return 0;
}

/* The line s[0..len) without surrounding blanks. */
static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t'))
		(*s)++, (*len)--;
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
		(*len)--;
}

static int parse(const char *buf, size_t n, const char *path, struct lp_mac *out, char *err,
		 size_t errlen)
{
	bool found = false;
	struct lp_mac mac;
	for (size_t i = 0; i < n;) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', n - i);
		size_t len = nl ? (size_t)(nl - line) : n - i;
		i += len + 1;
		trim(&line, &len);
		if (len == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', len)) {
			set_err(err, errlen, path, "binary content", true);
			return LP_ERR_INVALID;
		}
		if (found) {
			set_err(err, errlen, path, "more than one MAC address line", true);
			return LP_ERR_INVALID;
		}
		if (lp_mac_parse(line, len, &mac) < 0) {
			set_err(err, errlen, path, "not a MAC address like 02:12:34:56:78:9a",
				true);
			return LP_ERR_INVALID;
		}
		if (!lp_mac_is_valid_member(&mac)) {
			set_err(err, errlen, path, "the MAC is not a unicast address", true);
			return LP_ERR_INVALID;
		}
		found = true;
	}
	if (!found) {
		set_err(err, errlen, path, "holds no MAC address", false);
		return LP_ERR_NOT_FOUND;
	}
	*out = mac;
	return 0;
}

int lp_macstate_load(const char *path, struct lp_mac *out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!path || !path[0] || !out)
		return LP_ERR_INVALID;
	errno = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int ret = os_err();
		set_err(err, errlen, path, strerror(-ret), false);
		return ret == -ENOENT ? LP_ERR_NOT_FOUND : ret;
	}
	char buf[LP_MACSTATE_FILE_MAX + 1];
	size_t n = fread(buf, 1, sizeof(buf), f);
	int ret = 0;
	if (ferror(f)) {
		ret = os_err();
		set_err(err, errlen, path, strerror(-ret), false);
	} else if (n > LP_MACSTATE_FILE_MAX) {
		ret = LP_ERR_TOO_BIG;
		set_err(err, errlen, path, "too large for a MAC state file", true);
	}
	fclose(f);
	if (ret < 0)
		return ret;
	return parse(buf, n, path, out, err, errlen);
}

int lp_macstate_save(const char *path, const struct lp_mac *mac, char *err, size_t errlen)
{
	char tmp[LP_MACSTATE_PATH_MAX + 4], m[LP_MAC_STRLEN];
	if (err && errlen)
		err[0] = '\0';
	if (!path || !path[0] || !mac || !lp_mac_is_valid_member(mac))
		return LP_ERR_INVALID;
	if (join(tmp, sizeof(tmp), path, ".tmp") < 0) {
		set_err(err, errlen, path, "path too long", false);
		return LP_ERR_TOO_BIG;
	}
	errno = 0;
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		int ret = os_err();
		set_err(err, errlen, tmp, strerror(-ret), false);
		return ret;
	}
	fprintf(f,
		"# The MAC address of this PC's softlan party device, made at random on the\n"
		"# first run. Keep it to keep the same address on the party LAN.\n"
		"%s\n",
		lp_mac_format(mac, m));
	errno = 0;
	/* fflush and fclose report a full disk; both must be checked */
	int ret = fflush(f) != 0 || ferror(f) ? os_err() : 0;
	if (fclose(f) != 0 && ret == 0)
		ret = os_err();
	if (ret == 0) {
		errno = 0;
		if (rename(tmp, path) != 0)
			ret = os_err();
	}
	if (ret < 0) {
		set_err(err, errlen, path, strerror(-ret), false);
		remove(tmp);
	}
	return ret;
}

int lp_macstate_get(const char *path, const char *override, struct lp_mac *out,
		    enum lp_macstate_source *src, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return LP_ERR_INVALID;
	struct lp_mac mac;
	if (override) {
		if (lp_mac_parse(override, strlen(override), &mac) < 0) {
			if (err && errlen)
				snprintf(err, errlen,
					 "--mac %s: not a MAC address like 02:12:34:56:78:9a",
					 override);
			return LP_ERR_INVALID;
		}
		if (!lp_mac_is_valid_member(&mac)) {
			if (err && errlen)
				snprintf(err, errlen,
					 "--mac %s: a multicast or all-zero MAC cannot be a "
					 "device's address",
					 override);
			return LP_ERR_INVALID;
		}
		*out = mac;
		if (src)
			*src = LP_MACSTATE_OVERRIDE;
		return 0;
	}
	int ret = lp_macstate_load(path, &mac, err, errlen);
	if (ret == 0) {
		*out = mac;
		if (src)
			*src = LP_MACSTATE_LOADED;
		return 0;
	}
	if (ret != LP_ERR_NOT_FOUND)
		return ret;
	uint8_t rnd[LP_MAC_LEN];
	ret = lp_random_bytes(rnd, sizeof(rnd));
	if (ret < 0) {
		set_err(err, errlen, "cannot make a random MAC", lp_strerror(ret), false);
		return ret;
	}
	lp_mac_from_random(rnd, &mac);
	ret = lp_macstate_save(path, &mac, err, errlen);
	if (ret < 0)
		return ret;
	*out = mac;
	if (src)
		*src = LP_MACSTATE_CREATED;
	return 0;
}
