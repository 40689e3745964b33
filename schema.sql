-- softlan relay store: schema version 1 (LP_STORE_SCHEMA_VERSION in relay/store.h).
--
-- This file always describes the LATEST schema. lp_store_open() runs it on a
-- new, empty database and then sets PRAGMA user_version and application_id.
-- A database at an older version is brought forward by the migration steps
-- in relay/store.c instead; whoever changes this file bumps the version and
-- adds the step that turns the previous schema into this one.
--
-- Times are unix seconds (UTC). A NULL expires_at means "never".
-- Secrets (room codes, admin tokens) are stored only as their SHA-256 hash
-- plus a short display prefix; the code itself is never written.
-- Deleting a room deletes everything that belongs to it (codes, bans,
-- sessions, counters, samples) through ON DELETE CASCADE.

CREATE TABLE rooms (
	id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused after a delete
	name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
	max_clients INTEGER NOT NULL DEFAULT 16 CHECK (max_clients BETWEEN 1 AND 1000),
	mtu INTEGER NOT NULL DEFAULT 1500 CHECK (mtu BETWEEN 1280 AND 9000),
	-- per-member limits; 0 = unlimited
	bcast_pps INTEGER NOT NULL DEFAULT 0 CHECK (bcast_pps >= 0),
	bytes_per_s INTEGER NOT NULL DEFAULT 0 CHECK (bytes_per_s >= 0),
	enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	expires_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE codes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('client', 'gateway')),
	hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
	prefix TEXT NOT NULL,
	expires_at INTEGER,
	max_uses INTEGER CHECK (max_uses IS NULL OR max_uses > 0), -- NULL = unlimited
	uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
	revoked_at INTEGER, -- NULL while not revoked
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX codes_room ON codes (room_id, role);

CREATE TABLE admin_tokens (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
	hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
	prefix TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER, -- updated at most once a minute
	revoked_at INTEGER
) STRICT;

CREATE TABLE bans (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	room_id INTEGER REFERENCES rooms (id) ON DELETE CASCADE, -- NULL = every room
	mac TEXT CHECK (mac IS NULL OR length(mac) = 17), -- "aa:bb:cc:dd:ee:ff"
	addr TEXT, -- canonical IPv4 or IPv6 text, no port
	reason TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	CHECK (mac IS NOT NULL OR addr IS NOT NULL)
) STRICT;
CREATE INDEX bans_room ON bans (room_id);
CREATE UNIQUE INDEX bans_unique ON bans (ifnull(room_id, 0), ifnull(mac, ''), ifnull(addr, ''));

CREATE TABLE sessions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	member_id INTEGER NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('client', 'gateway')),
	mac TEXT CHECK (mac IS NULL OR length(mac) = 17), -- NULL for a gateway
	addr TEXT NOT NULL,
	agent_version TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	joined_at INTEGER NOT NULL,
	left_at INTEGER, -- NULL while connected
	-- up = from the member to the relay, down = from the relay to the member
	up_frames INTEGER NOT NULL DEFAULT 0,
	up_bytes INTEGER NOT NULL DEFAULT 0,
	down_frames INTEGER NOT NULL DEFAULT 0,
	down_bytes INTEGER NOT NULL DEFAULT 0,
	reason TEXT -- why it ended; NULL while connected
) STRICT;
CREATE INDEX sessions_room ON sessions (room_id, id);
CREATE INDEX sessions_left ON sessions (left_at);

-- Key/value, so that a new counter needs no migration.
CREATE TABLE counters (
	room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	value INTEGER NOT NULL CHECK (value >= 0),
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (room_id, name)
) STRICT, WITHOUT ROWID;

-- One row per room and minute (minute = unix seconds of the minute's start).
CREATE TABLE samples (
	room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	minute INTEGER NOT NULL CHECK (minute % 60 = 0),
	members INTEGER NOT NULL,
	up_frames INTEGER NOT NULL,
	up_bytes INTEGER NOT NULL,
	down_frames INTEGER NOT NULL,
	down_bytes INTEGER NOT NULL,
	drops INTEGER NOT NULL,
	PRIMARY KEY (room_id, minute)
) STRICT, WITHOUT ROWID;
CREATE INDEX samples_minute ON samples (minute);
