// The customers' page: log in, buy and pay, rent, watch the time left, return, notifications.
import { $, show } from './page.js';
import { api, all, session, watchNotifications, Problem } from './api.js';
import { t, money, translate, languageSwitch } from './i18n.js';

const state = { tickets: [], stations: [], ride: null, notices: [], stopWatching: null, tick: null };

// Refusals in words, from the problem details; never raw JSON.
function refused(e) {
  if (e instanceof Problem && e.code === 'payment_unavailable') return show(t('paymentBusy', e.retryAfter || 1), 'error');
  show(e instanceof Problem ? e.message : String(e), 'error');
}
async function attempt(action) {
  try { await action(); } catch (e) { refused(e); }
}
function option(value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

// ---- account
async function logIn(phone, password) {
  const token = await api('POST', '/oauth2/token', { form: { grant_type: 'password', username: phone, password }, token: null });
  session.token = token.access_token;
  sessionStorage.setItem('ttareungyi.phone', phone);
  await enter();
}
$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  attempt(() => logIn(f.get('phone'), f.get('password')));
});
$('sign-up').addEventListener('click', () => attempt(async () => {
  const form = $('login');
  if (!form.reportValidity()) return;
  const f = new FormData(form);
  await api('POST', '/v1/customers', { body: { phone: f.get('phone'), password: f.get('password'), name: f.get('name') || f.get('phone') }, token: null });
  await logIn(f.get('phone'), f.get('password'));
}));
$('log-out').addEventListener('click', () => {
  session.token = null;
  if (state.stopWatching) state.stopWatching();
  location.reload();
});

async function enter() {
  $('account').hidden = true;
  $('signed-in').hidden = false;
  $('who').textContent = t('signedInAs', sessionStorage.getItem('ttareungyi.phone') || '');
  state.notices = (await api('GET', '/v1/notifications?limit=20')).items;
  renderNotices();
  const newest = state.notices.length ? String(Math.max(...state.notices.map((n) => n.sequence))) : null;
  state.stopWatching = watchNotifications(onNotice, (up) => { $('stream-state').textContent = up ? t('live') : t('offline'); }, newest);
  await Promise.all([loadTickets(), loadStations(), loadRide()]);
}

// ---- tickets
async function loadTickets() {
  state.tickets = await all('/v1/tickets');
  renderTickets();
}
function renderTickets() {
  const list = $('ticket-list');
  list.replaceChildren();
  if (!state.tickets.length) list.append(Object.assign(document.createElement('li'), { textContent: t('noTickets') }));
  for (const ticket of state.tickets) {
    const li = document.createElement('li');
    li.dataset.ticket = ticket.id;
    li.dataset.status = ticket.status;
    const what = document.createElement('span');
    what.textContent = `${ticket.minutes / 60}h · ${money(ticket.price)} · ${t('status_' + ticket.status)}`;
    li.append(what);
    const buttons = document.createElement('span');
    if (ticket.status === 'payment_pending') buttons.append(button(t('payLater'), () => pay(ticket.id), 'pay'));
    if (['paid', 'payment_pending', 'payment_failed'].includes(ticket.status))
      buttons.append(button(t('cancel'), () => cancel(ticket.id), 'cancel', 'secondary'));
    li.append(buttons);
    list.append(li);
  }
  const usable = state.tickets.filter((x) => x.status === 'paid');
  $('rent-ticket').replaceChildren(...usable.map((x) => option(x.id, `${x.minutes / 60}h · ${x.id}`)));
  $('rent-hint').textContent = usable.length ? '' : t('noPaidTicket');
}
function button(text, action, name, kind = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.name = name;
  if (kind) b.className = kind;
  b.addEventListener('click', () => attempt(action));
  return b;
}
async function buy(type) {
  try {
    const ticket = await api('POST', '/v1/tickets', { body: { type } });
    show(`${t('status_' + ticket.status)} · ${ticket.id}`);
  } catch (e) {
    refused(e);
  }
  await loadTickets();
}
async function pay(id) {
  const ticket = await api('POST', `/v1/tickets/${id}/payment`);
  show(`${t('status_' + ticket.status)} · ${ticket.id}`);
  await loadTickets();
}
async function cancel(id) {
  const ticket = await api('POST', `/v1/tickets/${id}/cancel`);
  show(`${t('status_' + ticket.status)} · ${money(ticket.refundedAmount || 0)}`);
  await loadTickets();
}
$('buy-1h').addEventListener('click', () => buy('1h'));
$('buy-2h').addEventListener('click', () => buy('2h'));

// ---- stations and bicycles
async function loadStations() {
  state.stations = await all('/v1/stations');
  const options = () => state.stations.map((s) => option(s.id, `${s.name} (${s.bicyclesAvailable})`));
  const chosen = $('rent-station').value;
  $('rent-station').replaceChildren(...options());
  if (chosen) $('rent-station').value = chosen;
  $('return-station').replaceChildren(...options());
  await loadBicycles();
}
async function loadBicycles() {
  const station = $('rent-station').value;
  const bicycles = station ? await all(`/v1/bicycles?stationId=${encodeURIComponent(station)}&status=available`) : [];
  $('rent-bicycle').replaceChildren(...bicycles.map((b) => option(b.id, b.id)));
  if (station && !bicycles.length) $('rent-hint').textContent = t('noBicycles');
}
$('rent-station').addEventListener('change', () => attempt(loadBicycles));
$('rent-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  attempt(async () => {
    const f = new FormData(ev.target);
    const rental = await api('POST', '/v1/rentals', { body: { bicycleId: f.get('bicycle'), ticketId: f.get('ticket') } });
    show(t('rented', rental.bicycleId));
    await Promise.all([loadRide(), loadTickets(), loadStations()]);
  });
});

// ---- the ride: time left from the read model, counted down here, refreshed on each notice
async function loadRide() {
  try {
    const ride = await api('GET', '/v1/rentals/current');
    state.ride = { ...ride, until: Date.now() + ride.remainingSeconds * 1000 };
  } catch (e) {
    if (!(e instanceof Problem && e.status === 404)) throw e;
    state.ride = null;
  }
  renderRide();
}
function renderRide() {
  clearInterval(state.tick);
  $('riding').hidden = !state.ride;
  $('no-ride').hidden = !!state.ride;
  $('rent').hidden = !!state.ride;  // one ride at a time
  if (!state.ride) return;
  $('ride-bicycle').textContent = state.ride.bicycleId;
  const paint = () => {
    const left = Math.round((state.ride.until - Date.now()) / 1000);
    const s = Math.abs(left);
    $('countdown').textContent = `${left < 0 ? '+' : ''}${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    $('countdown').classList.toggle('late', left < 0);
    $('remaining-label').textContent = t(left < 0 ? 'overdue' : 'remaining');
  };
  paint();
  state.tick = setInterval(paint, 1000);
}
$('return').addEventListener('submit', (ev) => {
  ev.preventDefault();
  attempt(async () => {
    const f = new FormData(ev.target);
    const ended = await api('POST', `/v1/rentals/${state.ride.rentalId}/return`, { body: { stationId: f.get('station') } });
    show(t('returned', ended.overtimeMinutes, money(ended.overtimeFee)));
    await Promise.all([loadRide(), loadTickets(), loadStations()]);
  });
});

// ---- notifications
function onNotice(notice) {
  if (state.notices.some((n) => n.id === notice.id)) return;
  state.notices.unshift(notice);
  renderNotices();
  attempt(loadRide);
}
function renderNotices() {
  const lang = document.documentElement.lang;
  $('notification-list').replaceChildren(...state.notices.map((n) => {
    const li = document.createElement('li');
    li.dataset.kind = n.kind;
    li.textContent = (n.messages && n.messages[lang]) || n.message;
    return li;
  }));
}

languageSwitch($('language'), () => {
  if (!session.token) return;
  $('who').textContent = t('signedInAs', sessionStorage.getItem('ttareungyi.phone') || '');
  renderTickets();
  renderRide();
  renderNotices();
});
translate();
if (session.token) attempt(enter);
