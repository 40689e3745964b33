// softlan relay dashboard: plain JavaScript over the admin API (docs/api.md).
// The page is served by the relay itself under a strict Content-Security-Policy
// with Trusted Types, so the DOM is built with textContent only, never HTML
// strings. The admin token lives in sessionStorage (gone when the tab closes)
// and travels only in the Authorization header, never in a URL.
'use strict';

const TOKEN_KEY = 'softlan.token';
const REFRESH_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';

// Drop reasons in words (docs/logging.md, "Drop reasons").
const DROP_WORDS = {
  oversize: 'larger than the room MTU',
  switch_control: 'switch-control frame (STP, LLDP, pause, 802.1X)',
  dhcp_server: 'DHCP server reply from a player',
  ipv6_ra: 'IPv6 router advertisement from a player',
  spoofed_mac: 'player sent from a MAC not its own',
  loop: 'source MAC belongs to another member',
  rate_broadcast: 'over the broadcast rate limit',
  rate_total: 'over the total rate limit',
  queue_full: 'receiver\'s queue was full',
  malformed: 'malformed frame',
  fragment: 'fragment reassembly failed',
  no_route: 'nobody to deliver to',
  not_admitted: 'from a connection not admitted',
  send_failed: 'QUIC refused the datagram',
};

let token = sessionStorage.getItem(TOKEN_KEY) || '';
let view = null; // {refresh: async fn, dispose: fn}
let timer = 0;
let lastOk = null;

// ------------------------------------------------------------ DOM helpers

// h('div', {class: 'x', onclick: fn}, child, 'text', ...)
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const kid of kids) el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}

function icon(name) {
  return svg('svg', {class: 'icon', 'aria-hidden': 'true'}, svg('use', {href: '#i-' + name}));
}

function $(sel) { return document.querySelector(sel); }

function fill(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

// ------------------------------------------------------------ formatting

function bytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)) + ' ' + units[i];
}

function rate(n) { return n === 0 ? 'unlimited' : bytes(n) + '/s'; }

function rtt(us) { return us >= 10000 ? Math.round(us / 1000) + ' ms' : (us / 1000).toFixed(1) + ' ms'; }

function clock(t) {
  return new Date(t).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

function since(iso) {
  const t = Date.parse(iso);
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  const ago = s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  return clock(t) + ' (' + ago + ')';
}

function roomState(r) {
  if (!r.enabled) return ['closed', 'Closed'];
  if (r.expires_at && Date.parse(r.expires_at) <= Date.now()) return ['expired', 'Expired'];
  return ['open', 'Open'];
}

function badge(r) {
  const [cls, text] = roomState(r);
  return h('span', {class: 'badge ' + cls, text});
}

// The IP address of "ip:port" or "[v6]:port", for a ban.
function hostOf(remote) {
  const m = /^\[(.*)\]:\d+$/.exec(remote) || /^(.*):\d+$/.exec(remote);
  return m ? m[1] : remote;
}

// ------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body, tok) {
  const headers = {Authorization: 'Bearer ' + (tok === undefined ? token : tok)};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method, headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    setOffline(true);
    throw new ApiError(0, 'unreachable', 'Cannot reach the relay.');
  }
  setOffline(false);
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || res.statusText);
  }
  return data;
}

function setOffline(off) {
  const el = $('#offline');
  if (!off) {
    lastOk = Date.now();
    el.hidden = true;
    return;
  }
  fill(el, icon('warn'), ' Cannot reach the relay. Retrying every few seconds',
    lastOk ? '; the figures below are from ' + clock(lastOk) + '.' : '.');
  el.hidden = false;
}

// An error while signed in: a refused token ends the session, the rest is shown in place.
function handle(err, where) {
  if (err.status === 401) {
    signOut('The relay refused the token (it may have been revoked). Sign in again.');
    return;
  }
  if (where && err.status !== 0) fill(where, h('p', {class: 'error', role: 'alert', text: err.message}));
}

// ------------------------------------------------------------ dialogs

// A modal question; resolves to the form's values, or null when cancelled.
function ask(title, body, okText, danger) {
  return new Promise((resolve) => {
    const form = h('form', {method: 'dialog'},
      h('h2', {text: title}), body,
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'secondary', value: 'cancel', onclick: () => dlg.close('cancel')}, 'Cancel'),
        h('button', {type: 'submit', class: danger ? 'danger' : 'primary', value: 'ok'}, okText)));
    const dlg = h('dialog', {class: 'dialog'}, form);
    dlg.addEventListener('close', () => {
      const ok = dlg.returnValue === 'ok';
      const values = Object.fromEntries(new FormData(form).entries());
      dlg.remove();
      resolve(ok ? values : null);
    });
    form.addEventListener('submit', (e) => { e.preventDefault(); dlg.close('ok'); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// ------------------------------------------------------------ invites

function copyButton(text, label) {
  const b = h('button', {type: 'button', class: 'secondary copy', 'aria-label': 'Copy ' + label}, icon('copy'), ' Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      // No clipboard permission: select the text so it can be copied by hand.
      const field = b.parentElement.querySelector('input');
      field.select();
      b.lastChild.textContent = ' Select';
      return;
    }
    b.lastChild.textContent = ' Copied';
    setTimeout(() => { b.lastChild.textContent = ' Copy'; }, 2000);
  });
  return b;
}

function invitesPanel(invites, title) {
  const rows = [];
  if (invites.client) {
    rows.push(h('div', {class: 'invite', 'data-role': 'client'},
      h('label', {}, icon('user'), ' Players: ', h('span', {class: 'muted', text: 'lanparty-client --invite …'})),
      h('div', {class: 'copyrow'}, h('input', {readonly: true, value: invites.client, 'aria-label': 'player invite'}),
        copyButton(invites.client, 'player invite'))));
  }
  if (invites.gateway) {
    rows.push(h('div', {class: 'invite', 'data-role': 'gateway'},
      h('label', {}, icon('lan'), ' The LAN box (gateway): ', h('span', {class: 'muted', text: 'lanparty-gateway --invite …'})),
      h('div', {class: 'copyrow'}, h('input', {readonly: true, value: invites.gateway, 'aria-label': 'gateway invite'}),
        copyButton(invites.gateway, 'gateway invite'))));
  }
  const panel = h('section', {class: 'card invites', id: 'invites'},
    h('h2', {text: title}),
    h('p', {class: 'note'}, icon('warn'), ' Copy them now: the relay keeps only their hashes and will not show these codes again. The gateway invite is for the party LAN\'s Linux box only; keep it away from players.'),
    rows,
    h('button', {type: 'button', class: 'link', onclick: () => panel.remove()}, 'Done, hide the invites'));
  return panel;
}

// ------------------------------------------------------------ sign in

function signOut(message) {
  token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn(message);
}

function showSignIn(message) {
  stopView();
  $('#signout').hidden = true;
  const status = h('div', {id: 'signin-status', role: 'status'});
  if (message) fill(status, h('p', {class: 'error', text: message}));
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', placeholder: 'admin token'});
  const form = h('form', {class: 'card signin', id: 'signin-form'},
    h('h1', {text: 'Sign in'}),
    h('p', {class: 'muted', text: 'Paste an admin token. The relay printed the first one at its first start and keeps it in DATA_DIR/admin-token.'}),
    h('label', {for: 'token', text: 'Admin token'}), input,
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const tok = input.value.trim();
    fill(status, h('p', {class: 'muted', text: 'Checking…'}));
    try {
      await api('GET', '/api/v1/rooms', undefined, tok);
    } catch (err) {
      const msg = err.status === 401 ? 'The relay refused this token.'
        : err.status === 429 ? 'Too many failed attempts from this address; wait a minute and try again.'
          : err.status === 0 ? 'Cannot reach the relay.' : err.message;
      fill(status, h('p', {class: 'error', role: 'alert', text: msg}));
      return;
    }
    token = tok;
    sessionStorage.setItem(TOKEN_KEY, tok);
    route();
  });
  fill($('#app'), form);
  input.focus();
}

// ------------------------------------------------------------ rooms list

function roomCard(r) {
  const online = r.online.clients + ' of ' + r.max_clients + ' players';
  return h('a', {class: 'card room', href: '#/rooms/' + r.id, 'data-room': r.id},
    h('div', {class: 'row'}, h('strong', {class: 'name', text: r.name}), badge(r)),
    h('div', {class: 'facts'},
      h('span', {}, icon('user'), ' ', online),
      h('span', {class: r.online.gateway ? '' : 'muted'}, icon('lan'), r.online.gateway ? ' LAN box online' : ' LAN box offline'),
      h('span', {}, '↑ ' + bytes(r.traffic.up_bytes) + ' ↓ ' + bytes(r.traffic.down_bytes)),
      h('span', {class: r.drops ? 'warn' : 'muted'}, r.drops + ' dropped')));
}

function createForm(onCreated) {
  const status = h('div', {role: 'status'});
  const form = h('form', {class: 'card', id: 'create-form'},
    h('h2', {text: 'New room'}),
    h('div', {class: 'grid'},
      h('label', {}, 'Name', h('input', {name: 'name', required: true, maxlength: 64, placeholder: 'e.g. friday'})),
      h('label', {}, 'Most players', h('input', {name: 'max_clients', type: 'number', min: 1, max: 255, value: 16}))),
    h('details', {},
      h('summary', {text: 'More settings'}),
      h('div', {class: 'grid'},
        h('label', {}, 'MTU', h('input', {name: 'mtu', type: 'number', min: 1280, max: 9000, value: 1500})),
        h('label', {}, 'Broadcasts per second per member (0 = unlimited)', h('input', {name: 'broadcast_pps', type: 'number', min: 0, max: 1000000, value: 1000})),
        h('label', {}, 'Bytes per second per member (0 = unlimited)', h('input', {name: 'bytes_per_s', type: 'number', min: 0, max: 4000000000, value: 0})),
        h('label', {}, 'Ends after hours (empty = never)', h('input', {name: 'hours', type: 'number', min: 1, max: 8784})))),
    h('button', {type: 'submit', class: 'primary'}, 'Create room'), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(form).entries());
    const body = {name: f.name.trim(), max_clients: Number(f.max_clients), mtu: Number(f.mtu),
      limits: {broadcast_pps: Number(f.broadcast_pps), bytes_per_s: Number(f.bytes_per_s)}};
    if (f.hours) body.expires_in = Math.round(Number(f.hours) * 3600);
    fill(status);
    try {
      const room = await api('POST', '/api/v1/rooms', body);
      form.reset();
      onCreated(room);
    } catch (err) {
      handle(err, status);
    }
  });
  return form;
}

function showRooms() {
  const list = h('div', {id: 'rooms', class: 'rooms'}, h('p', {class: 'muted', text: 'Loading…'}));
  const created = h('div', {id: 'created'});
  fill($('#app'), h('h1', {text: 'Rooms'}), created, list, createForm((room) => {
    fill(created, invitesPanel(room.invites, 'Room ' + room.name + ' is ready: its invites'),
      h('p', {}, h('a', {href: '#/rooms/' + room.id, text: 'Open room ' + room.name + ' →'})));
    refresh();
  }));
  return {
    async refresh() {
      try {
        const data = await api('GET', '/api/v1/rooms');
        if (!data.rooms.length) {
          fill(list, h('p', {class: 'empty', text: 'No rooms yet. Create the first one below.'}));
          return;
        }
        fill(list, data.rooms.map(roomCard));
      } catch (err) {
        handle(err, list);
      }
    },
  };
}

// ------------------------------------------------------------ room page

function memberRow(roomId, m, refresh) {
  const kick = h('button', {type: 'button', class: 'secondary small', 'data-action': 'kick'}, 'Kick');
  kick.addEventListener('click', async () => {
    const who = m.name || (m.role === 'gateway' ? 'the LAN box' : m.mac);
    if (!await ask('Kick ' + who + '?', h('p', {text: 'It is disconnected now and may join again with its invite. Ban it or rotate the codes to keep it out.'}), 'Kick', true)) return;
    try {
      await api('DELETE', '/api/v1/rooms/' + roomId + '/members/' + m.id);
    } catch (err) {
      if (err.status !== 404) handle(err, null);
    }
    refresh();
  });
  const ban = h('button', {type: 'button', class: 'secondary small', 'data-action': 'ban'}, 'Ban');
  ban.addEventListener('click', async () => {
    const addr = hostOf(m.remote);
    const body = h('div', {},
      m.mac ? h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'by_mac', checked: true}), ' MAC ' + m.mac) : null,
      h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'by_addr', checked: !m.mac}), ' Address ' + addr),
      h('label', {}, 'Reason (optional)', h('input', {name: 'reason', maxlength: 128})),
      h('label', {}, 'For', h('select', {name: 'for'},
        h('option', {value: '3600'}, 'one hour'), h('option', {value: '86400'}, 'one day'),
        h('option', {value: '', selected: true}, 'ever'))));
    const v = await ask('Ban ' + (m.name || m.mac || 'the LAN box') + '?', body, 'Ban', true);
    if (!v || (!v.by_mac && !v.by_addr)) return;
    const req = {};
    if (v.by_mac && m.mac) req.mac = m.mac;
    if (v.by_addr) req.addr = addr;
    if (v.reason) req.reason = v.reason;
    if (v.for) req.expires_in = Number(v.for);
    try {
      await api('POST', '/api/v1/rooms/' + roomId + '/bans', req);
    } catch (err) {
      handle(err, null);
    }
    refresh();
  });
  const t = m.traffic;
  return h('tr', {'data-member': m.id, 'data-role': m.role},
    h('td', {'data-label': 'Member'}, h('strong', {text: m.name || '#' + m.id}), h('div', {class: 'muted small', text: m.agent})),
    h('td', {'data-label': 'Role'}, h('span', {}, m.role === 'gateway' ? [icon('lan'), ' LAN box'] : [icon('user'), ' player'])),
    h('td', {'data-label': 'MAC', class: 'mono', text: m.mac || '—'}),
    h('td', {'data-label': 'Address', class: 'mono', text: m.remote}),
    h('td', {'data-label': 'RTT', text: rtt(m.rtt_us)}),
    h('td', {'data-label': 'Up', text: bytes(t.up_bytes) + ' · ' + t.up_frames + ' fr'}),
    h('td', {'data-label': 'Down', text: bytes(t.down_bytes) + ' · ' + t.down_frames + ' fr'}),
    h('td', {'data-label': 'Drops', class: m.drops_total ? 'warn' : '', text: String(m.drops_total)}),
    h('td', {'data-label': 'Since', text: since(m.connected_at)}),
    h('td', {class: 'actions'}, kick, ban));
}

function membersTable(roomId, members, refresh) {
  if (!members.length) {
    return h('p', {class: 'empty', id: 'no-members', text: 'No one is connected. Give players the player invite; the LAN box joins with the gateway invite.'});
  }
  return h('table', {class: 'members'},
    h('thead', {}, h('tr', {}, ['Member', 'Role', 'MAC', 'Address', 'RTT', 'Up', 'Down', 'Drops', 'Connected since', ''].map((c) => h('th', {text: c})))),
    h('tbody', {}, members.map((m) => memberRow(roomId, m, refresh))));
}

// Traffic per minute from the history endpoint, drawn as two lines in an SVG
// whose time axis is the whole window asked for (the last hour).
function chart(hist) {
  const samples = hist.samples;
  if (samples.length < 1) {
    return h('p', {class: 'empty', text: 'No history yet: the relay writes a sample every 10 seconds.'});
  }
  const W = 600, H = 160, L = 56, B = 22, T = 8;
  const t0 = Math.min(Date.parse(hist.since) / 1000, samples[0].ts);
  const t1 = Math.max(Date.parse(hist.until) / 1000, samples[samples.length - 1].ts + 60);
  const max = Math.max(1, ...samples.map((s) => Math.max(s.up_bytes, s.down_bytes)));
  const x = (ts) => L + ((ts - t0) / (t1 - t0)) * (W - L - 4);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  // One sample (a room's first minute) is a dot; more are a line.
  const line = (key, cls) => samples.length === 1
    ? svg('circle', {class: cls, r: 3, cx: x(samples[0].ts), cy: y(samples[0][key])})
    : svg('polyline', {class: cls, fill: 'none',
      points: samples.map((s) => x(s.ts).toFixed(1) + ',' + y(s[key]).toFixed(1)).join(' ')});
  const g = svg('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': 'bytes per minute, up and down'},
  svg('line', {class: 'axis', x1: L, y1: H - B, x2: W, y2: H - B}),
  svg('line', {class: 'axis', x1: L, y1: T, x2: L, y2: H - B}),
  svg('text', {x: L - 4, y: T + 10, 'text-anchor': 'end'}, bytes(max)),
  svg('text', {x: L - 4, y: H - B, 'text-anchor': 'end'}, '0'),
  svg('text', {x: L, y: H - 4}, clock(t0 * 1000)),
  svg('text', {x: W - 2, y: H - 4, 'text-anchor': 'end'}, clock(t1 * 1000)),
  line('up_bytes', 'up'), line('down_bytes', 'down'));
  return h('figure', {class: 'chartbox'}, g,
    h('figcaption', {}, h('span', {class: 'key up'}), ' up (members to relay) ', h('span', {class: 'key down'}), ' down (relay to members), bytes per minute'));
}

function dropsBreakdown(stats) {
  const rows = Object.entries(stats.drops).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return h('p', {class: 'empty', text: 'No frames dropped.'});
  const max = rows[0][1];
  return h('ul', {class: 'drops'}, rows.map(([reason, n]) => {
    const bar = h('span', {class: 'fill'});
    bar.style.width = Math.max(2, (100 * n) / max) + '%';
    return h('li', {'data-reason': reason},
      h('div', {class: 'row'}, h('span', {}, h('code', {text: reason}), ' ', h('span', {class: 'muted', text: DROP_WORDS[reason] || ''})), h('strong', {text: String(n)})),
      h('div', {class: 'track'}, bar));
  }));
}

function settingsForm(roomId, onSaved) {
  const status = h('div', {role: 'status'});
  const input = (name, attrs) => h('input', Object.assign({name, type: 'number', id: 'set-' + name}, attrs));
  const form = h('form', {class: 'card', id: 'settings-form'},
    h('h2', {text: 'Settings'}),
    h('div', {class: 'grid'},
      h('label', {}, 'Most players', input('max_clients', {min: 1, max: 255})),
      h('label', {}, 'Broadcasts per second per member (0 = unlimited)', input('broadcast_pps', {min: 0, max: 1000000})),
      h('label', {}, 'Bytes per second per member (0 = unlimited)', input('bytes_per_s', {min: 0, max: 4000000000})),
      h('label', {}, 'MTU (only while the room is empty)', input('mtu', {min: 1280, max: 9000})),
      h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'enabled', id: 'set-enabled'}), ' Open (a closed room sends everyone home)')),
    h('button', {type: 'submit', class: 'primary'}, 'Save'), status);
  let shown = null;
  form.load = (room) => {
    if (shown && shown.id === room.id) return; // keep what the person is typing
    shown = room;
    form.elements.max_clients.value = room.max_clients;
    form.elements.broadcast_pps.value = room.limits.broadcast_pps;
    form.elements.bytes_per_s.value = room.limits.bytes_per_s;
    form.elements.mtu.value = room.mtu;
    form.elements.enabled.checked = room.enabled;
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!shown) return; // the room has not loaded yet
    const el = form.elements, body = {}, limits = {};
    if (Number(el.max_clients.value) !== shown.max_clients) body.max_clients = Number(el.max_clients.value);
    if (Number(el.mtu.value) !== shown.mtu) body.mtu = Number(el.mtu.value);
    if (el.enabled.checked !== shown.enabled) body.enabled = el.enabled.checked;
    if (Number(el.broadcast_pps.value) !== shown.limits.broadcast_pps) limits.broadcast_pps = Number(el.broadcast_pps.value);
    if (Number(el.bytes_per_s.value) !== shown.limits.bytes_per_s) limits.bytes_per_s = Number(el.bytes_per_s.value);
    if (Object.keys(limits).length) body.limits = limits;
    if (!Object.keys(body).length) {
      fill(status, h('p', {class: 'muted', text: 'Nothing changed.'}));
      return;
    }
    try {
      const room = await api('PATCH', '/api/v1/rooms/' + roomId, body);
      shown = null;
      form.load(room);
      fill(status, h('p', {class: 'ok', text: 'Saved.'}));
      onSaved();
    } catch (err) {
      handle(err, status);
    }
  });
  return form;
}

function bansList(roomId, bans, refresh) {
  if (!bans.length) return h('p', {class: 'muted', text: 'Nobody is banned.'});
  return h('ul', {class: 'bans'}, bans.map((b) => {
    const lift = h('button', {type: 'button', class: 'secondary small'}, 'Lift');
    lift.addEventListener('click', async () => {
      try {
        await api('DELETE', '/api/v1/rooms/' + roomId + '/bans/' + b.id);
      } catch (err) {
        handle(err, null);
      }
      refresh();
    });
    const what = [b.mac && 'MAC ' + b.mac, b.addr && 'address ' + b.addr].filter(Boolean).join(' or ');
    const until = b.expires_at ? ' until ' + new Date(b.expires_at).toLocaleString() : '';
    return h('li', {class: 'row'}, h('span', {}, what + until, b.reason ? h('span', {class: 'muted', text: ' — ' + b.reason}) : null), lift);
  }));
}

function showRoom(id) {
  const head = h('div', {class: 'roomhead'}, h('h1', {text: 'Room ' + id}));
  const summary = h('div', {class: 'facts', id: 'summary'});
  const members = h('div', {id: 'members'}, h('p', {class: 'muted', text: 'Loading…'}));
  const traffic = h('div', {id: 'traffic'});
  const drops = h('div', {id: 'drops'});
  const bans = h('div', {id: 'bans'});
  const invites = h('div', {id: 'rotated'});
  const settings = settingsForm(id, () => refresh());
  const rotate = (role, label) => h('button', {type: 'button', class: 'secondary', 'data-rotate': role || 'both', onclick: async () => {
    if (!await ask('Rotate ' + label + '?', h('p', {text: 'New codes are made and the old invites stop working at once. Members already connected stay.'}), 'Rotate', true)) return;
    try {
      const r = await api('POST', '/api/v1/rooms/' + id + '/rotate-codes' + (role ? '?role=' + role : ''));
      fill(invites, invitesPanel(r.invites, 'New invites'));
    } catch (err) {
      handle(err, invites);
    }
  }}, 'Rotate ' + label);
  const del = h('button', {type: 'button', class: 'danger', id: 'delete-room', onclick: async () => {
    if (!await ask('Delete this room?', h('p', {text: 'Everyone in it is disconnected, and its codes, bans, session log and history are deleted.'}), 'Delete', true)) return;
    try {
      await api('DELETE', '/api/v1/rooms/' + id);
      location.hash = '#/';
    } catch (err) {
      handle(err, invites);
    }
  }}, 'Delete room');

  fill($('#app'),
    h('a', {href: '#/', class: 'back'}, icon('back'), 'All rooms'), head, summary,
    h('section', {class: 'card'}, h('h2', {text: 'Members'}), members),
    h('div', {class: 'two'},
      h('section', {class: 'card'}, h('h2', {text: 'Traffic, last hour'}), traffic),
      h('section', {class: 'card'}, h('h2', {text: 'Dropped frames by reason'}), drops)),
    settings,
    h('section', {class: 'card'}, h('h2', {text: 'Invites'}),
      h('p', {class: 'muted', text: 'The relay shows codes only when they are made. Rotate to get new invites; the old ones stop working.'}),
      h('div', {class: 'buttons'}, rotate('', 'both codes'), rotate('client', 'the player code'), rotate('gateway', 'the LAN box code')), invites),
    h('section', {class: 'card'}, h('h2', {text: 'Bans'}), bans),
    h('section', {class: 'card danger-zone'}, h('h2', {text: 'Delete'}), del));

  async function load() {
    const base = '/api/v1/rooms/' + id;
    try {
      const [room, mem, stats, hist, bl] = await Promise.all([api('GET', base), api('GET', base + '/members'),
        api('GET', base + '/stats'), api('GET', base + '/history'), api('GET', base + '/bans')]);
      fill(head, h('h1', {text: room.name}), badge(room));
      document.title = room.name + ' · softlan relay';
      fill(summary,
        h('span', {}, icon('user'), ' ' + room.online.clients + ' of ' + room.max_clients + ' players'),
        h('span', {class: room.online.gateway ? '' : 'muted'}, icon('lan'), room.online.gateway ? ' LAN box online' : ' LAN box offline'),
        h('span', {}, '↑ ' + bytes(room.traffic.up_bytes) + ' ↓ ' + bytes(room.traffic.down_bytes)),
        h('span', {}, 'MTU ' + room.mtu + ', broadcasts ' + (room.limits.broadcast_pps || 'unlimited') + '/s, ' + rate(room.limits.bytes_per_s)),
        room.expires_at ? h('span', {}, 'ends ' + new Date(room.expires_at).toLocaleString()) : null);
      fill(members, membersTable(id, mem.members, refresh));
      fill(traffic, chart(hist));
      fill(drops, dropsBreakdown(stats));
      fill(bans, bansList(id, bl.bans, refresh));
      settings.load(room);
    } catch (err) {
      if (err.status === 404) {
        fill($('#app'), h('p', {class: 'empty', text: 'There is no room ' + id + ' (it may have been deleted).'}), h('a', {href: '#/', text: 'All rooms'}));
        stopView();
        return;
      }
      handle(err, members);
    }
  }
  return {refresh: load};
}

// ------------------------------------------------------------ health, routing, refresh

async function health() {
  try {
    const res = await fetch('/healthz', {cache: 'no-store'});
    const data = await res.json();
    $('#health').textContent = data.status === 'ok' ? data.detail : 'shutting down';
  } catch (e) {
    $('#health').textContent = '';
  }
}

function stopView() {
  clearTimeout(timer);
  timer = 0;
  view = null;
}

async function refresh() {
  clearTimeout(timer);
  const v = view;
  if (!v) return;
  if (!document.hidden) {
    await Promise.all([v.refresh(), health()]);
  }
  if (view === v) timer = setTimeout(refresh, REFRESH_MS);
}

function route() {
  stopView();
  if (!token) {
    showSignIn();
    return;
  }
  $('#signout').hidden = false;
  const m = /^#\/rooms\/(\d+)$/.exec(location.hash);
  view = m ? showRoom(Number(m[1])) : showRooms();
  refresh();
}

window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', () => { if (!document.hidden && view) refresh(); });
$('#signout').addEventListener('click', () => signOut());
route();
