// The web pages in a real browser: journeys.mjs SERVER ARTIFACTS_DIR starts `SERVER serve` on
// free ports with fresh data dirs and drives Debian's chromium (headless) through
// puppeteer-core: the customer journey, a purchase during a payment outage and its retry, the
// operator journey while a customer rents, the page in Korean and English, and notifications
// resuming after the connection dropped. Screenshots of
// the key steps go to ARTIFACTS_DIR. No sleeps: every step waits for what the page shows.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import puppeteer from 'puppeteer-core';

const [server, artifacts] = process.argv.slice(2);
const chromium = process.env.TTAREUNGYI_CHROMIUM || '/usr/bin/chromium';
mkdirSync(artifacts, { recursive: true });
const failures = [];
const servers = [];

// ---- servers and the API from here

// `serve` on `port` (0: a free one) with its data in `dir`; resolves once it listens.
async function launch(dir, port, flags) {
  const child = spawn(server, ['serve', '--data-dir', join(dir, 'data'), '--port', String(port), '--bind', '127.0.0.1', '--drain-ms', '0',
    '--operator-client', 'ops:s3cret', '--password-iterations', '1000', '--rate-limit-rps', '0', ...flags],
  { stdio: ['ignore', 'pipe', 'ignore'] });
  const running = { child, dir };
  servers.push(running);
  for await (const line of createInterface({ input: child.stdout })) {
    const m = /^listening on .*:(\d+)$/.exec(line);
    if (m) return Object.assign(running, { port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` });
  }
  throw new Error('the server did not start');
}

async function start(...flags) {
  return (await launch(mkdtempSync(join(tmpdir(), 'ttareungyi-browser-')), 0, flags)).base;
}

async function stop(running) {
  const exited = new Promise((r) => running.child.on('exit', r));
  running.child.kill('SIGTERM');
  await exited;
  servers.splice(servers.indexOf(running), 1);
}

async function call(base, method, path, { body, token, form, basic } = {}) {
  const headers = {};
  let payload;
  if (body) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (form) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; payload = form; }
  if (token) headers.Authorization = 'Bearer ' + token;
  if (basic) headers.Authorization = 'Basic ' + Buffer.from(basic).toString('base64');
  const answer = await fetch(base + path, { method, headers, body: payload });
  const text = await answer.text();
  return { status: answer.status, doc: text ? JSON.parse(text) : {} };
}

async function operatorToken(base) {
  return (await call(base, 'POST', '/oauth2/token', { form: 'grant_type=client_credentials', basic: 'ops:s3cret' })).doc.access_token;
}

async function seed(base) {
  const op = await operatorToken(base);
  await call(base, 'POST', '/v1/stations', { token: op, body: { id: 'ST-1', name: 'Mangwon', lat: 37.5556, lon: 126.9104, capacity: 10 } });
  await call(base, 'POST', '/v1/stations', { token: op, body: { id: 'ST-2', name: 'Hapjeong', lat: 37.5496, lon: 126.9139, capacity: 10 } });
  for (const id of ['B-1', 'B-2']) await call(base, 'POST', '/v1/bicycles', { token: op, body: { id, stationId: 'ST-1' } });
}

// A payment provider of the outbound protocol: refuses every call while `down`.
function provider() {
  const state = { down: true };
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      if (state.down) { res.statusCode = 500; return res.end('{"error":"down"}'); }
      res.end(JSON.stringify(req.url.endsWith('/payments') ? { status: 'approved' } : { status: 'refunded' }));
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ state, srv, url: `http://127.0.0.1:${srv.address().port}` })));
}

// ---- the browser

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--lang=en-US'],
});

async function page({ languages = ['en-US', 'en'], width = 390, height = 844 } = {}) {
  const context = await browser.createBrowserContext();
  const p = await context.newPage();
  await p.setViewport({ width, height });  // a phone's screen
  p.setDefaultTimeout(20000);  // generous for a busy CI machine (the sanitizer build runs this too)
  await p.evaluateOnNewDocument((langs) => {
    Object.defineProperty(navigator, 'languages', { get: () => langs });
    Object.defineProperty(navigator, 'language', { get: () => langs[0] });
  }, languages);
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  // Refusals the page expects (no ride yet: 404) are logged by the browser as failed loads.
  p.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  p.errors = errors;
  return p;
}

const shot = (p, name) => p.screenshot({ path: join(artifacts, name + '.png'), fullPage: true });
const text = (p, selector) => p.$eval(selector, (el) => el.textContent);
async function waitText(p, selector, pattern, timeout = 20000) {
  try {
    await p.waitForFunction((s, re) => { const el = document.querySelector(s); return el && new RegExp(re).test(el.textContent); },
      { timeout }, selector, pattern.source);
  } catch (e) {
    const seen = await p.$eval(selector, (el) => el.outerHTML).catch(() => '(none)');
    throw new Error(`waiting for ${selector} to show ${pattern}: it shows ${seen}`);
  }
}

async function signUp(p, base, phone) {
  await p.goto(base + '/');
  await p.type('#login input[name=phone]', phone);
  await p.type('#login input[name=password]', 'ride2work');
  await p.type('#login input[name=name]', 'Kim Minji');
  await p.click('#sign-up');
  await p.waitForSelector('#signed-in', { visible: true });
}

async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${e.stack || e}`);
    // What the open pages showed when it failed, beside the other screenshots.
    const open = await browser.pages().catch(() => []);
    for (const [i, p] of open.entries()) await shot(p, `failed-${failures.length}-${i}`).catch(() => {});
  }
}

// ---- the journeys

const base = await start();
await seed(base);

await test('customer journey: sign up, buy, rent, time left, notified, return, cancel a second ticket', async () => {
  const p = await page();
  await signUp(p, base, '010-1111-2222');
  await shot(p, 'customer-1-signed-in');
  await p.click('#buy-1h');
  await p.waitForSelector('#ticket-list li[data-status=paid]');
  await p.waitForSelector('#rent-ticket option');
  await p.waitForSelector('#rent-bicycle option');
  await shot(p, 'customer-2-ticket-paid');
  await p.click('#rent-form button[type=submit]');
  await p.waitForSelector('#riding', { visible: true });
  await waitText(p, '#countdown', /^(59|60):\d\d$/);
  await p.waitForSelector('#notification-list li[data-kind=bicycle_rented]');
  const before = await text(p, '#countdown');
  await waitText(p, '#countdown', new RegExp('^(?!' + before + '$)'));  // it counts down
  await shot(p, 'customer-3-riding');
  await p.select('#return-station', 'ST-2');
  await p.click('#return button[type=submit]');
  await waitText(p, '#message', /Returned\. Overtime 0 min, fee 0 KRW\./);
  await p.waitForSelector('#notification-list li[data-kind=bicycle_returned]');
  await p.waitForSelector('#no-ride', { visible: true });
  await shot(p, 'customer-4-returned');
  await p.click('#buy-2h');
  await p.waitForFunction(() => [...document.querySelectorAll('#ticket-list li[data-status=paid]')].length === 1);
  await p.click('#ticket-list li[data-status=paid] button[name=cancel]');
  await p.waitForSelector('#ticket-list li[data-status=cancelled]');
  await waitText(p, '#message', /cancelled · 2,000 KRW/);
  await shot(p, 'customer-5-cancelled');
  // A refusal in words from the problem details, never raw JSON: no paid ticket is left.
  await p.click('#rent-form button[type=submit]');
  await p.waitForSelector('#message.error');
  const refusal = await text(p, '#message');
  if (refusal.trim().startsWith('{')) throw new Error('a refusal shown as JSON: ' + refusal);
  if (p.errors.length) throw new Error('errors in the page: ' + p.errors.join('; '));
});

await test('a purchase while payment is down: "try again", then paid later', async () => {
  const pay = await provider();
  const outage = await start('--payment-provider', 'http', '--payment-url', pay.url, '--breaker-failures', '1000');
  try {
    const p = await page();
    await signUp(p, outage, '010-3333-4444');
    await p.click('#buy-1h');
    await waitText(p, '#message.error', /Payment is busy right now/);
    await p.waitForSelector('#ticket-list li[data-status=payment_pending] button[name=pay]');
    await shot(p, 'outage-1-try-again');
    pay.state.down = false;
    await p.click('#ticket-list li[data-status=payment_pending] button[name=pay]');
    await p.waitForSelector('#ticket-list li[data-status=paid]');
    await shot(p, 'outage-2-paid-later');
  } finally {
    pay.srv.close();
  }
});

await test('operator journey: register, watch the counts while a customer rents, a rented bicycle is not deleted', async () => {
  const p = await page({ width: 1024, height: 800 });
  await p.goto(base + '/operator');
  // With the keyboard only: into the first field, Tab to the next, Enter to log in.
  await p.focus('#login input[name=id]');
  await p.keyboard.type('ops');
  await p.keyboard.press('Tab');
  await p.keyboard.type('s3cret');
  await p.keyboard.press('Enter');
  await p.waitForSelector('#station-rows tr[data-station=ST-1]');
  await p.type('#add-station input[name=id]', 'ST-9');
  await p.type('#add-station input[name=name]', 'Seoul Forest');
  await p.type('#add-station input[name=lat]', '37.5444');
  await p.type('#add-station input[name=lon]', '127.0374');
  await p.type('#add-station input[name=capacity]', '5');
  await p.click('#add-station button[type=submit]');
  await p.waitForSelector('#station-rows tr[data-station=ST-9]');
  await p.waitForSelector('#map circle[data-station=ST-9]');
  await p.select('#bicycle-station', 'ST-9');
  await p.type('#add-bicycle input[name=id]', 'B-9');
  await p.click('#add-bicycle button[type=submit]');
  await waitText(p, '#station-rows tr[data-station=ST-9] td:nth-child(3)', /^1$/);
  await shot(p, 'operator-1-registered');
  // A customer rents B-9 (through the API): the page's count follows.
  await call(base, 'POST', '/v1/customers', { body: { phone: '010-5555-6666', password: 'ride2work', name: 'Lee' } });
  const token = (await call(base, 'POST', '/oauth2/token', { form: 'grant_type=password&username=010-5555-6666&password=ride2work' })).doc.access_token;
  const ticket = (await call(base, 'POST', '/v1/tickets', { token, body: { type: '1h' } })).doc;
  const rented = await call(base, 'POST', '/v1/rentals', { token, body: { bicycleId: 'B-9', ticketId: ticket.id } });
  if (rented.status !== 201) throw new Error('the customer could not rent: ' + JSON.stringify(rented.doc));
  await waitText(p, '#station-rows tr[data-station=ST-9] td:nth-child(3)', /^0$/);
  const colour = await p.$eval('#map circle[data-station=ST-9]', (c) => c.getAttribute('fill'));
  if (colour !== '#b3261e') throw new Error('an empty station is drawn ' + colour);
  await p.type('#remove-bicycle input[name=id]', 'B-9');
  await p.click('#remove-bicycle button[type=submit]');
  await waitText(p, '#message.error', /rent/i);
  await shot(p, 'operator-2-rented-not-deleted');
  if (p.errors.length) throw new Error('errors in the page: ' + p.errors.join('; '));
});

await test('the page in Korean, from the browser, and in English with the switch', async () => {
  const p = await page({ languages: ['ko-KR', 'ko'] });
  await p.goto(base + '/');
  await waitText(p, 'header h1', /^따릉이$/);
  await waitText(p, '#login button[type=submit]', /^로그인$/);
  await waitText(p, '#sign-up', /^회원가입$/);
  const lang = await p.$eval('html', (h) => h.lang);
  if (lang !== 'ko') throw new Error('html lang is ' + lang);
  await p.type('#login input[name=phone]', '010-7777-8888');
  await p.type('#login input[name=password]', 'ride2work');
  await p.click('#sign-up');
  await p.waitForSelector('#signed-in', { visible: true });
  await p.click('#buy-1h');
  await waitText(p, '#ticket-list li[data-status=paid]', /^1h · 1,000원 · 사용 가능/);
  await p.waitForSelector('#notification-list li[data-kind=ticket_paid]');
  await waitText(p, '#notification-list li[data-kind=ticket_paid]', /이용권/);
  await shot(p, 'language-1-korean');
  await p.select('#language', 'en');
  await waitText(p, 'header h1', /^Ttareungyi$/);
  await waitText(p, '#ticket-list li[data-status=paid]', /^1h · 1,000 KRW · ready to ride/);
  await waitText(p, '#notification-list li[data-kind=ticket_paid]', /Ticket paid/);
  await p.reload();
  await waitText(p, 'header h1', /^Ttareungyi$/);  // the choice is remembered, and the session
  await p.waitForSelector('#signed-in', { visible: true });
  await shot(p, 'language-2-english');
});

await test('notifications resume after the connection dropped, with what came meanwhile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttareungyi-browser-'));
  let running = await launch(dir, 0, []);
  const p = await page();
  await signUp(p, running.base, '010-9999-0000');
  await waitText(p, '#stream-state', /^live$/);
  await p.click('#buy-1h');
  await p.waitForSelector('#notification-list li[data-kind=ticket_paid]');
  await stop(running);  // the stream drops
  await waitText(p, '#stream-state', /disconnected/);
  running = await launch(dir, running.port, []);
  // A notice while the page is not connected yet: it must arrive once it is.
  const token = (await call(running.base, 'POST', '/oauth2/token', { form: 'grant_type=password&username=010-9999-0000&password=ride2work' })).doc.access_token;
  await call(running.base, 'POST', '/v1/tickets', { token, body: { type: '2h' } });
  await p.waitForFunction(() => document.querySelectorAll('#notification-list li[data-kind=ticket_paid]').length === 2);
  await waitText(p, '#stream-state', /^live$/);
  await shot(p, 'stream-resumed');
});

await browser.close();
for (const { child, dir } of [...servers]) {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(failures.length ? `${failures.length} failed` : 'all passed', `(screenshots in ${artifacts})`);
process.exit(failures.length ? 1 : 0);
