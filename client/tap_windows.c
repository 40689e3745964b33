/*
 * tap_windows.c: tap.h on Windows, over a tap-windows6 adapter: found in
 * the registry (win_api.h), opened as \\.\Global\{GUID}.tap, frames moved
 * with overlapped ReadFile/WriteFile. One read is always outstanding; its
 * event is watched by the loop (loop_windows.h). Writes go through a fixed
 * ring of overlapped slots, so nothing is allocated per frame and a write
 * never blocks: a full ring drops the frame (-EAGAIN).
 */
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "loop_windows.h"
#include "tap_ioctl_windows.h"
#include "tap_windows.h"
#include "win_api.h"
#include "winerr_windows.h"

/* Frames in flight to the driver at most; it completes writes at once. */
#define WRITE_SLOTS 64

struct write_slot {
	OVERLAPPED ov;
	bool busy;
	uint8_t buf[LP_TAP_FRAME_MAX];
};

struct lp_tap {
	HANDLE h;
	char name[LP_TAP_NAME_MAX];
	char guid[LP_WIN_GUID_MAX];
	uint32_t ifindex, mtu;
	struct lp_mac mac;

	OVERLAPPED rov; /* its manual-reset event is what the loop watches */
	bool reading;	/* a ReadFile is outstanding on rov */
	uint8_t rbuf[LP_TAP_FRAME_MAX + 64];

	struct write_slot w[WRITE_SLOTS];
	size_t wnext;

	struct lp_loop *loop;
	struct lp_io io;
	unsigned batch;
	lp_tap_frame_cb *cb;
	lp_tap_gone_cb *gone;
	void *arg;
	struct lp_log_rl rl;
	struct lp_tap_stats st;
};

bool lp_tap_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= LP_TAP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	}
	return true;
}

static HANDLE open_guid(const char *guid, int *err)
{
	wchar_t path[128], wguid[LP_WIN_GUID_MAX];

	*err = lp_win_widen(guid, wguid, LP_WIN_GUID_MAX);
	if (*err < 0)
		return INVALID_HANDLE_VALUE;
	swprintf(path, 128, L"%ls%ls%ls", LP_TAP_PATH_PREFIX, wguid, LP_TAP_PATH_SUFFIX);
	HANDLE h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
			       FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);

	*err = h == INVALID_HANDLE_VALUE ? lp_win_last_errno() : 0;
	return h;
}

/* The busy() of lp_win_tap_pick: an adapter is free when it opens; keep that handle. */
struct pick_ctx {
	HANDLE h;
	char guid[LP_WIN_GUID_MAX];
	int err;
};

static bool try_open(void *arg, const char *guid)
{
	struct pick_ctx *p = arg;
	int err;
	HANDLE h = open_guid(guid, &err);

	if (h == INVALID_HANDLE_VALUE) {
		p->err = err;
		return true;
	}
	if (p->h != INVALID_HANDLE_VALUE)
		CloseHandle(p->h);
	p->h = h;
	snprintf(p->guid, sizeof(p->guid), "%s", guid);
	return false;
}

static int ioctl(HANDLE h, DWORD code, void *in, DWORD inlen, void *out, DWORD outlen)
{
	DWORD got = 0;
	OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
	int ret = 0;

	if (!ov.hEvent)
		return -ENOMEM;
	if (!DeviceIoControl(h, code, in, inlen, out, outlen, &got, &ov) &&
	    (GetLastError() != ERROR_IO_PENDING || !GetOverlappedResult(h, &ov, &got, TRUE)))
		ret = lp_win_last_errno();
	CloseHandle(ov.hEvent);
	return ret;
}

static int set_media(HANDLE h, bool connected)
{
	ULONG v = connected;

	return ioctl(h, LP_TAP_IOCTL_SET_MEDIA_STATUS, &v, sizeof(v), &v, sizeof(v));
}

static bool is_admin(void)
{
	SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
	PSID admins = NULL;
	BOOL member = FALSE;

	if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS,
				      0, 0, 0, 0, 0, 0, &admins))
		return true; /* cannot tell: let the calls below say */
	if (!CheckTokenMembership(NULL, admins, &member))
		member = TRUE;
	FreeSid(admins);
	return member;
}

/* Find and open the adapter: by name, or the first free TAP adapter. */
static int pick_adapter(struct lp_tap *t, const char *want, char *err, size_t errlen)
{
	static struct lp_win_adapter ad[LP_WIN_LIST_MAX]; /* start-up only */
	const struct lp_win_api *api = lp_win_api();
	struct pick_ctx p = { .h = INVALID_HANDLE_VALUE };
	size_t n = 0;
	int ret = api->list_adapters(api->ctx, ad, LP_WIN_LIST_MAX, &n);

	if (ret < 0) {
		snprintf(err, errlen, "cannot list the network adapters: %s", lp_strerror(ret));
		return ret;
	}
	ret = lp_win_tap_pick(ad, n, want, try_open, &p, err, errlen);
	/* The driver refuses a second open; any other error is not "in use". */
	if (ret == -EBUSY && p.err != -EBUSY && p.err != -EACCES) {
		snprintf(err, errlen,
			 "cannot open the TAP adapter%s%s%s: %s (is it disabled in Network "
			 "Connections, or its driver not running?)",
			 want && want[0] ? " \"" : "", want && want[0] ? want : "",
			 want && want[0] ? "\"" : "", lp_strerror(p.err));
		ret = p.err;
	}
	if (ret < 0) {
		if (p.h != INVALID_HANDLE_VALUE)
			CloseHandle(p.h);
		return ret;
	}
	t->h = p.h;
	snprintf(t->guid, sizeof(t->guid), "%s", p.guid);
	snprintf(t->name, sizeof(t->name), "%s", ad[ret].name[0] ? ad[ret].name : ad[ret].guid);
	ret = api->adapter_ifindex(api->ctx, t->guid, &t->ifindex);
	if (ret < 0) {
		snprintf(err, errlen, "TAP adapter \"%s\" has no interface index: %s", t->name,
			 lp_strerror(ret));
		return ret;
	}
	return 0;
}

int lp_tap_open(struct lp_tap **out, const struct lp_tap_config *cfg, char *err, size_t errlen)
{
	uint8_t mac[6];
	ULONG mtu = 0;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!out || !cfg || !lp_mtu_valid(cfg->mtu) ||
	    (cfg->name[0] && !lp_tap_name_valid(cfg->name)))
		return LP_ERR_INVALID;
	if (!is_admin()) {
		snprintf(err, errlen,
			 "lanparty-client must run as Administrator to use the TAP adapter and "
			 "set routes (right-click the terminal: Run as administrator)");
		return -EPERM;
	}
	struct lp_tap *t = calloc(1, sizeof(*t));

	if (!t)
		return LP_ERR_NOMEM;
	t->h = INVALID_HANDLE_VALUE;
	t->rov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!t->rov.hEvent) {
		ret = -ENOMEM;
		goto free_tap;
	}
	if ((ret = pick_adapter(t, cfg->name, err, errlen)) < 0)
		goto close_tap;
	if ((ret = ioctl(t->h, LP_TAP_IOCTL_GET_MAC, mac, 6, mac, 6)) < 0) {
		snprintf(err, errlen, "TAP adapter \"%s\": cannot read its MAC: %s", t->name,
			 lp_strerror(ret));
		goto close_tap;
	}
	memcpy(t->mac.b, mac, 6);
	t->mtu = ioctl(t->h, LP_TAP_IOCTL_GET_MTU, &mtu, sizeof(mtu), &mtu, sizeof(mtu)) == 0 && mtu
			 ? (uint32_t)mtu
			 : 1500;
	if ((ret = set_media(t->h, true)) < 0) {
		snprintf(err, errlen, "TAP adapter \"%s\": cannot set its link up: %s", t->name,
			 lp_strerror(ret));
		goto close_tap;
	}
	lp_log_rl_init(&t->rl, 5, 10 * 1000000000ull);
	if (cfg->mtu != t->mtu && lp_tap_set_mtu(t, cfg->mtu) < 0)
		log_warnx("party_device_mtu_kept dev=\"%s\" mtu=%u room_mtu=%u", t->name, t->mtu,
			  cfg->mtu);
	*out = t;
	return 0;

close_tap:
	if (t->h != INVALID_HANDLE_VALUE)
		CloseHandle(t->h);
	CloseHandle(t->rov.hEvent);
free_tap:
	free(t);
	return ret;
}

void lp_tap_close(struct lp_tap *t)
{
	DWORD n;

	if (!t)
		return;
	lp_tap_unwatch(t);
	/* Wait for the cancelled I/O: the driver writes into our buffers until then. */
	CancelIoEx(t->h, NULL);
	if (t->reading)
		GetOverlappedResult(t->h, &t->rov, &n, TRUE);
	for (size_t i = 0; i < WRITE_SLOTS; i++) {
		if (t->w[i].busy)
			GetOverlappedResult(t->h, &t->w[i].ov, &n, TRUE);
	}
	(void)set_media(t->h, false);
	CloseHandle(t->h);
	CloseHandle(t->rov.hEvent);
	free(t);
}

const char *lp_tap_name(const struct lp_tap *t)
{
	return t->name;
}

unsigned lp_tap_ifindex(const struct lp_tap *t)
{
	return t->ifindex;
}

uint32_t lp_tap_mtu(const struct lp_tap *t)
{
	return t->mtu;
}

const struct lp_mac *lp_tap_mac(const struct lp_tap *t)
{
	return &t->mac;
}

int lp_tap_set_mtu(struct lp_tap *t, uint32_t mtu)
{
	if (!lp_mtu_valid(mtu))
		return LP_ERR_INVALID;
	/* The driver's frame size is its own setting; the IP MTU is what senders obey. */
	const struct lp_win_api *api = lp_win_api();
	int ret = api->set_mtu(api->ctx, t->ifindex, mtu);

	if (ret == 0)
		t->mtu = mtu;
	return ret;
}

/* Errors after which the adapter is gone (disabled, removed), not just busy. */
static bool gone_error(int e)
{
	return e == -ENODEV || e == -ENOENT || e == -EBADF;
}

int lp_tap_read_batch(struct lp_tap *t, unsigned max, lp_tap_frame_cb *cb, void *arg)
{
	unsigned n = 0;

	if (!cb || max == 0 || max > LP_TAP_BATCH_MAX)
		return LP_ERR_INVALID;
	while (n < max) {
		DWORD got = 0;

		if (!t->reading) {
			if (!ReadFile(t->h, t->rbuf, sizeof(t->rbuf), NULL, &t->rov) &&
			    GetLastError() != ERROR_IO_PENDING && GetLastError() != ERROR_MORE_DATA)
				return n ? (int)n : lp_win_last_errno();
			t->reading = true;
		}
		if (!GetOverlappedResult(t->h, &t->rov, &got, FALSE)) {
			DWORD e = GetLastError();

			if (e == ERROR_IO_INCOMPLETE)
				break;
			t->reading = false;
			if (e == ERROR_MORE_DATA) {
				t->st.read_oversize++;
				continue;
			}
			return n ? (int)n : lp_win_errno(e);
		}
		t->reading = false;
		if (got < 14) {
			t->st.read_runt++;
			continue;
		}
		if (got > LP_TAP_FRAME_MAX) {
			t->st.read_oversize++;
			continue;
		}
		t->st.frames_read++;
		t->st.bytes_read += got;
		n++;
		cb(arg, t->rbuf, got);
	}
	return (int)n;
}

/* A free write slot, finishing the ones the driver completed. */
static struct write_slot *free_slot(struct lp_tap *t)
{
	for (size_t k = 0; k < WRITE_SLOTS; k++) {
		struct write_slot *s = &t->w[(t->wnext + k) % WRITE_SLOTS];
		DWORD n;

		if (s->busy && HasOverlappedIoCompleted(&s->ov)) {
			if (!GetOverlappedResult(t->h, &s->ov, &n, FALSE))
				t->st.write_errors++;
			s->busy = false;
		}
		if (!s->busy) {
			t->wnext = (t->wnext + k + 1) % WRITE_SLOTS;
			return s;
		}
	}
	return NULL;
}

/* tap-windows6 takes plain frames only: nothing is held back. */
int lp_tap_flush(struct lp_tap *t)
{
	(void)t;
	return 0;
}

int lp_tap_write(struct lp_tap *t, const uint8_t *frame, size_t len)
{
	if (len < 14 || len > LP_TAP_FRAME_MAX)
		return LP_ERR_INVALID;
	struct write_slot *s = free_slot(t);

	if (!s) {
		t->st.write_errors++;
		return -EAGAIN;
	}
	memcpy(s->buf, frame, len);
	memset(&s->ov, 0, sizeof(s->ov));
	if (!WriteFile(t->h, s->buf, (DWORD)len, NULL, &s->ov) &&
	    GetLastError() != ERROR_IO_PENDING) {
		t->st.write_errors++;
		return lp_win_last_errno();
	}
	s->busy = true;
	t->st.frames_written++;
	t->st.bytes_written += len;
	return 0;
}

static void on_readable(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct lp_tap *t = io->arg;
	int ret = lp_tap_read_batch(t, t->batch, t->cb, t->arg);

	(void)loop;
	(void)events;
	if (ret >= 0)
		return;
	if (gone_error(ret)) {
		lp_tap_gone_cb *gone = t->gone;

		lp_tap_unwatch(t);
		if (gone)
			gone(t->arg, ret);
		return;
	}
	/* the event stays set after a failed read: the next one starts afresh */
	t->reading = false;
	ResetEvent(t->rov.hEvent);
	log_warnx_rl(&t->rl, "party_device_read_failed dev=\"%s\" error=\"%s\"", t->name,
		     lp_strerror(ret));
}

int lp_tap_watch(struct lp_tap *t, struct lp_loop *loop, unsigned batch, lp_tap_frame_cb *cb,
		 lp_tap_gone_cb *gone, void *arg)
{
	if (!loop || !cb || batch > LP_TAP_BATCH_MAX)
		return LP_ERR_INVALID;
	if (t->loop)
		return LP_ERR_STATE;
	t->batch = batch ? batch : LP_TAP_BATCH_DEFAULT;
	t->cb = cb;
	t->gone = gone;
	t->arg = arg;
	lp_io_init(&t->io, -1, on_readable, t);
	int ret = lp_loop_event_add(loop, &t->io, t->rov.hEvent);

	if (ret < 0)
		return ret;
	t->loop = loop;
	/* The event starts unset: the first read must be started here. */
	SetEvent(t->rov.hEvent);
	return 0;
}

void lp_tap_unwatch(struct lp_tap *t)
{
	if (!t || !t->loop)
		return;
	lp_loop_io_del(t->loop, &t->io);
	t->loop = NULL;
}

void lp_tap_get_stats(const struct lp_tap *t, struct lp_tap_stats *out)
{
	*out = t->st;
}

const char *lp_tap_guid(const struct lp_tap *t)
{
	return t->guid;
}
