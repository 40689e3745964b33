// Browser test of the relay's dashboard (make browser-test; docs/dashboard.md).
//
// Starts the real lanparty-relay on loopback ports with a temporary data dir
// and a known admin token, and drives Debian's chromium through
// playwright-core: a refused sign-in, sign in, the empty rooms list, create a
// room (both invites, copy to the clipboard), the empty room, a member that a
// test peer (tests/browser/joiner.c, real QUIC) joins with, the phone-sized
// layout, kick, edit limits, rotate codes, a token revoked mid-session, and
// the relay going away. Every request the page makes must go to the relay,
// and the page must log no error (a CSP violation is one). Screenshots go to
// $LP_SHOTS (build/browser). The relay, the peer and chromium are ended by
// PID, and temporary directories removed, also when a step fails.
'use strict';

const {chromium} = require('playwright-core');
const {spawn} = require('child_process');
const crypto = require('crypto');
const dgram = require('dgram');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const BIN_DIR = process.env.LP_BIN_DIR || 'build/asan/bin';
const JOINER = process.env.LP_JOINER || 'build/asan/browser/joiner';
const SHOTS = process.env.LP_SHOTS || 'build/browser';
const CHROMIUM = process.env.LP_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 120000; // the whole test; it normally takes well under a minute
const WAIT_MS = 8000; // for anything the page should show after a refresh or two

const children = new Set(); // live child processes, ended by PID on the way out
const tmpDirs = [];
let browser = null;

// ------------------------------------------------------------ cleanup

function killAll(signal) {
  for (const c of children) {
    try { process.kill(c.pid, signal); } catch (e) { /* already gone */ }
  }
}

function removeTmp() {
  for (const d of tmpDirs) fs.rmSync(d, {recursive: true, force: true});
  tmpDirs.length = 0;
}

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  killAll('SIGTERM');
  const until = Date.now() + 3000;
  while (children.size && Date.now() < until) await sleep(50);
  killAll('SIGKILL');
  removeTmp();
}

process.on('exit', () => { killAll('SIGKILL'); removeTmp(); });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { cleanup().finally(() => process.exit(1)); });
}

// ------------------------------------------------------------ helpers

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function mkTmp(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function track(child, name) {
  children.add(child);
  child.exitInfo = new Promise((resolve) => {
    child.on('exit', (code, signal) => { children.delete(child); resolve({code, signal}); });
  });
  child.on('error', (e) => { console.error(`${name}: ${e.message}`); children.delete(child); });
  return child;
}

async function until(what, fn, ms = WAIT_MS) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}` + (last instanceof Error ? ': ' + last.message : ''));
    await sleep(100);
  }
}

let stepNo = 0;
async function step(name, fn) {
  stepNo++;
  const t = Date.now();
  await fn();
  console.log(`  ok ${stepNo} - ${name} (${Date.now() - t} ms)`);
}

// ------------------------------------------------------------ the relay

async function startRelay() {
  const dir = mkTmp('lp-browser-');
  const token = crypto.randomBytes(24).toString('base64url'); // 32 characters
  const tokenFile = path.join(dir, 'admin-token');
  fs.writeFileSync(tokenFile, token + '\n', {mode: 0o600});
  const quic = await freeUdpPort();
  const apiPort = await freeTcpPort();
  const logPath = path.join(dir, 'relay.log');
  const log = fs.openSync(logPath, 'a');
  const bin = path.join(BIN_DIR, 'lanparty-relay');
  const child = track(spawn(bin, ['--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${quic}`,
    '--api-listen', `http://127.0.0.1:${apiPort}`, '--admin-token-file', tokenFile,
    '--public-host', '127.0.0.1', '--retry', 'never'], {stdio: ['ignore', log, log]}), 'relay');
  fs.closeSync(log);
  const base = `http://127.0.0.1:${apiPort}`;
  const relay = {child, token, base, quic, logPath,
    log: () => fs.readFileSync(logPath, 'utf8'),
    api: async (method, p, body, tok = token) => {
      const res = await fetch(base + p, {method, headers: {Authorization: 'Bearer ' + tok},
        body: body === undefined ? undefined : JSON.stringify(body)});
      const text = await res.text();
      return {status: res.status, json: text ? JSON.parse(text) : null};
    }};
  await until('the relay\'s /healthz', async () => {
    if (!children.has(child)) throw new Error('the relay exited:\n' + relay.log());
    return (await fetch(base + '/healthz')).status === 200;
  }, 30000);
  return relay;
}

// A test member joining with an invite; resolves once the relay welcomed it.
async function startJoiner(invite, mac, name) {
  const child = track(spawn(JOINER, [invite, mac, name], {stdio: ['ignore', 'pipe', 'inherit']}), 'joiner');
  child.out = '';
  child.stdout.on('data', (d) => { child.out += d; });
  const m = await until('the joiner\'s welcome', () => {
    if (/rejected/.test(child.out)) throw new Error('joiner: ' + child.out);
    return /welcomed member=(\d+)/.exec(child.out);
  }, 15000);
  child.memberId = Number(m[1]);
  return child;
}

// ------------------------------------------------------------ the test

async function main() {
  fs.mkdirSync(SHOTS, {recursive: true});
  const relay = await startRelay();
  const base = relay.base;
  const shot = (page, name, full = true) => page.screenshot({path: path.join(SHOTS, name + '.png'), fullPage: full});

  const profile = mkTmp('lp-chromium-');
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: {width: 1280, height: 900},
    timeout: 30000,
  });
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: base});

  // Nothing leaves for another origin: the dashboard works offline.
  const foreign = [];
  await browser.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base + '/')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => {
    // Refused tokens and the stopped relay show up as failed loads; they are expected.
    if (m.type() === 'error' && !/status of 401|ERR_CONNECTION_REFUSED|Failed to fetch/.test(m.text())) {
      errors.push('console: ' + m.text());
    }
  });
  const visibleText = async (sel) => (await page.locator(sel).first().innerText()).trim();

  await step('the dashboard is served with a strict CSP', async () => {
    const res = await page.goto(base + '/');
    const hd = res.headers();
    if (res.status() !== 200 || !/^text\/html/.test(hd['content-type'])) throw new Error(`GET /: ${res.status()} ${hd['content-type']}`);
    const csp = hd['content-security-policy'] || '';
    for (const want of ["default-src 'none'", "script-src 'self'", "require-trusted-types-for 'script'"]) {
      if (!csp.includes(want)) throw new Error('CSP lacks ' + want + ': ' + csp);
    }
    if (!hd.etag || hd['cache-control'] !== 'no-cache') throw new Error('caching headers: ' + JSON.stringify(hd));
    await page.locator('#signin-form').waitFor();
    await shot(page, '01-signin');
  });

  await step('a wrong token is refused', async () => {
    await page.fill('#token', 'wrong-token-0123456789abcdef');
    await page.click('#signin-form button[type=submit]');
    await page.locator('#signin-status .error').waitFor();
    const msg = await visibleText('#signin-status .error');
    if (!/refused/i.test(msg)) throw new Error('sign-in error says: ' + msg);
    if (await page.evaluate(() => sessionStorage.getItem('softlan.token'))) throw new Error('a refused token was kept');
    await shot(page, '02-signin-refused');
  });

  await step('sign in; the empty rooms list', async () => {
    await page.fill('#token', relay.token);
    await page.click('#signin-form button[type=submit]');
    await page.getByText('No rooms yet').waitFor();
    if (await page.evaluate(() => sessionStorage.getItem('softlan.token')) !== relay.token) throw new Error('token not in sessionStorage');
    if (page.url().includes(relay.token)) throw new Error('the token is in the URL: ' + page.url());
    await shot(page, '03-rooms-empty');
  });

  let invites;
  await step('create a room: both invites, copy buttons', async () => {
    await page.fill('#create-form input[name=name]', 'friday');
    await page.fill('#create-form input[name=max_clients]', '8');
    await page.click('#create-form button[type=submit]');
    await page.locator('#invites').waitFor();
    const client = await page.inputValue('.invite[data-role=client] input');
    const gateway = await page.inputValue('.invite[data-role=gateway] input');
    if (!client.startsWith(`lanparty://127.0.0.1:${relay.quic}/client/`)) throw new Error('client invite: ' + client);
    if (!gateway.startsWith(`lanparty://127.0.0.1:${relay.quic}/gateway/`)) throw new Error('gateway invite: ' + gateway);
    if (!/LAN box/.test(await visibleText('.invite[data-role=gateway] label'))) throw new Error('the gateway invite is not marked as the LAN box\'s');
    await page.click('.invite[data-role=client] button.copy');
    await page.getByText('Copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    if (copied !== client) throw new Error('clipboard holds: ' + copied);
    await page.locator('a.room[data-room]').getByText('friday').waitFor();
    if (!/0 of 8 players/.test(await visibleText('a.room[data-room]'))) throw new Error('room card: ' + await visibleText('a.room[data-room]'));
    invites = {client, gateway};
    await shot(page, '04-room-created');
  });

  await step('the empty room', async () => {
    await page.click('a.room[data-room]');
    await page.locator('#no-members').waitFor();
    if (!/friday/.test(await visibleText('.roomhead'))) throw new Error('room heading: ' + await visibleText('.roomhead'));
    await shot(page, '05-room-empty');
  });

  let joiner;
  await step('a member joins and shows up live', async () => {
    joiner = await startJoiner(invites.client, '02:5e:10:00:00:07', 'alice');
    const row = page.locator(`tr[data-member="${joiner.memberId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    for (const want of ['alice', 'player', '02:5e:10:00:00:07', '127.0.0.1:', ' ms', '600 B']) {
      if (!text.includes(want)) throw new Error(`member row lacks "${want}": ${text}`);
    }
    await page.locator('.drops li[data-reason=dhcp_server]').waitFor();
    if (!/1 of 8 players/.test(await visibleText('#summary'))) throw new Error('summary: ' + await visibleText('#summary'));
    await shot(page, '06-room-member');
  });

  await step('phone-sized screen', async () => {
    await page.setViewportSize({width: 390, height: 844});
    await sleep(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 391) throw new Error('the page scrolls sideways on a phone: ' + width + ' px');
    const kick = page.locator(`tr[data-member="${joiner.memberId}"] button[data-action=kick]`);
    const box = await kick.boundingBox();
    if (!box || box.x < 0 || box.x + box.width > 390) throw new Error('kick button off screen: ' + JSON.stringify(box));
    await shot(page, '07-phone-room');
    await page.goto(base + '/#/');
    await page.locator('a.room[data-room]').waitFor();
    if (await page.evaluate(() => document.documentElement.scrollWidth) > 391) throw new Error('the rooms list scrolls sideways on a phone');
    await shot(page, '08-phone-rooms');
    await page.setViewportSize({width: 1280, height: 900});
    await page.click('a.room[data-room]');
  });

  await step('kick: the member leaves', async () => {
    await page.click(`tr[data-member="${joiner.memberId}"] button[data-action=kick]`);
    await page.locator('dialog[open]').waitFor();
    await shot(page, '09-kick-confirm', false);
    await page.click('dialog[open] button[value=ok]');
    await page.locator('#no-members').waitFor();
    const exit = await Promise.race([joiner.exitInfo, sleep(WAIT_MS).then(() => null)]);
    if (!exit || exit.code !== 0 || !/disconnected reason=kicked/.test(joiner.out)) {
      throw new Error('the peer was not kicked: ' + joiner.out + ' ' + JSON.stringify(exit));
    }
    await shot(page, '10-after-kick');
  });

  await step('ban: the member is sent away, the ban is listed and lifted', async () => {
    const bob = await startJoiner(invites.client, '02:5e:10:00:00:08', 'bob');
    await page.click(`tr[data-member="${bob.memberId}"] button[data-action=ban]`);
    await page.locator('dialog[open] input[name=by_mac]').waitFor();
    if (!await page.isChecked('dialog[open] input[name=by_mac]')) throw new Error('ban by MAC is not the default');
    await page.fill('dialog[open] input[name=reason]', 'flooding');
    await page.click('dialog[open] button[value=ok]');
    const exit = await Promise.race([bob.exitInfo, sleep(WAIT_MS).then(() => null)]);
    if (!exit || !/disconnected reason=banned/.test(bob.out)) throw new Error('the peer was not banned: ' + bob.out);
    await page.locator('#bans li').getByText('02:5e:10:00:00:08').waitFor();
    await page.locator('#no-members').waitFor();
    const bans = await relay.api('GET', '/api/v1/rooms/1/bans');
    if (bans.json.bans.length !== 1 || bans.json.bans[0].mac !== '02:5e:10:00:00:08' || bans.json.bans[0].reason !== 'flooding') {
      throw new Error('bans: ' + JSON.stringify(bans.json));
    }
    await shot(page, '11-banned');
    await page.click('#bans li button');
    await page.getByText('Nobody is banned.').waitFor();
  });

  await step('traffic chart from the history', async () => {
    // The relay writes the current minute's sample every 10 seconds.
    await page.locator('svg.chart polyline.up, svg.chart circle.up').first().waitFor({timeout: 20000});
    await shot(page, '12-chart');
  });

  await step('edit limits', async () => {
    await page.fill('#set-max_clients', '12');
    await page.fill('#set-broadcast_pps', '250');
    await page.click('#settings-form button[type=submit]');
    await page.getByText('Saved.').waitFor();
    const r = await relay.api('GET', '/api/v1/rooms/1');
    if (r.json.max_clients !== 12 || r.json.limits.broadcast_pps !== 250) throw new Error('room after save: ' + JSON.stringify(r.json));
  });

  await step('rotate the player code', async () => {
    await page.click('button[data-rotate=client]');
    await page.click('dialog[open] button[value=ok]');
    await page.locator('#rotated .invite[data-role=client]').waitFor();
    const fresh = await page.inputValue('#rotated .invite[data-role=client] input');
    if (fresh === invites.client || await page.locator('#rotated .invite[data-role=gateway]').count()) throw new Error('rotation: ' + fresh);
    const old = await fetch(base + '/api/v1/join', {headers: {Authorization: 'Bearer ' + /client\/([^?]+)/.exec(invites.client)[1]}});
    if (old.status !== 403) throw new Error('old code after rotation: ' + old.status);
  });

  await step('delete a room', async () => {
    const spare = await relay.api('POST', '/api/v1/rooms', {name: 'spare'});
    await page.goto(base + '/#/rooms/' + spare.json.id);
    await page.locator('.roomhead').getByText('spare').waitFor();
    await page.click('#delete-room');
    await page.click('dialog[open] button[value=ok]');
    await page.locator('#rooms a.room').first().waitFor();
    if (await page.locator('#rooms a.room').count() !== 1) throw new Error('rooms after delete: ' + await visibleText('#rooms'));
    if ((await relay.api('GET', '/api/v1/rooms/' + spare.json.id)).status !== 404) throw new Error('the room is still there');
  });

  await step('a token revoked mid-session ends the session', async () => {
    const made = await relay.api('POST', '/api/v1/tokens', {name: 'browser'});
    await page.click('#signout');
    await page.fill('#token', made.json.token);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#rooms a.room').waitFor();
    await relay.api('DELETE', '/api/v1/tokens/' + made.json.id);
    await page.locator('#signin-status .error').waitFor();
    if (!/refused/.test(await visibleText('#signin-status'))) throw new Error('after revocation: ' + await visibleText('#signin-status'));
    await shot(page, '13-revoked');
    await page.fill('#token', relay.token);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#rooms a.room').waitFor();
  });

  await step('the relay goes away: a clear state', async () => {
    relay.child.kill('SIGTERM');
    const exit = await relay.child.exitInfo;
    if (exit.code !== 0) throw new Error('relay exit: ' + JSON.stringify(exit) + '\n' + relay.log());
    await page.locator('#offline').waitFor();
    if (!/Cannot reach the relay/.test(await visibleText('#offline'))) throw new Error('offline banner: ' + await visibleText('#offline'));
    await page.locator('#rooms a.room').waitFor(); // the last figures stay
    await shot(page, '14-relay-unreachable');
  });

  await step('no page errors, no foreign requests, a clean relay log', async () => {
    if (errors.length) throw new Error(errors.join('\n'));
    if (foreign.length) throw new Error('requests to other origins: ' + foreign.join(' '));
    const log = relay.log();
    if (/AddressSanitizer|runtime error:|LeakSanitizer/.test(log)) throw new Error('sanitizer report:\n' + log);
    if (!/member_left .*reason=kicked/.test(log)) throw new Error('no member_left for the kick in the log');
  });
  return relay;
}

const started = Date.now();
const watchdog = setTimeout(() => {
  console.error(`browser-test: over ${TIMEOUT_MS / 1000} s, giving up`);
  cleanup().finally(() => process.exit(1));
}, TIMEOUT_MS);

let relayRef = null;
main().then((r) => { relayRef = r; }).then(async () => {
  clearTimeout(watchdog);
  await cleanup();
  console.log(`browser-test: ${stepNo} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}/`);
}, async (err) => {
  clearTimeout(watchdog);
  console.error(`  not ok ${stepNo + 1}: ${err.stack || err}`);
  for (const c of children) if (c.out) console.error('joiner said: ' + c.out);
  const logs = tmpDirs.map((d) => path.join(d, 'relay.log')).filter((p) => fs.existsSync(p));
  for (const p of logs) console.error('relay log (tail):\n' + fs.readFileSync(p, 'utf8').split('\n').slice(-30).join('\n'));
  await cleanup();
  process.exit(1);
});
