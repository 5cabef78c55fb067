// The operators' page: every station with its bicycles and free docks (the station read
// model, asked again every second), a small map drawn from latitude and longitude, and the
// forms to register stations and bicycles and to delete a bicycle.
import { $, show } from './page.js';
import { api, all, session, Problem } from './api.js';
import { t, translate, languageSwitch } from './i18n.js';

const svg = 'http://www.w3.org/2000/svg';
let stations = [];

async function attempt(action) {
  try { await action(); } catch (e) { show(e instanceof Problem ? e.message : String(e), 'error'); }
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  attempt(async () => {
    const token = await api('POST', '/oauth2/token', { form: { grant_type: 'client_credentials' }, basic: `${f.get('id')}:${f.get('secret')}`, token: null });
    session.token = token.access_token;
    await enter();
  });
});

async function enter() {
  $('account').hidden = true;
  $('signed-in').hidden = false;
  await refresh();
  setInterval(() => refresh().catch(() => {}), 1000);
}

async function refresh() {
  stations = await all('/v1/stations');
  render();
}

function render() {
  $('station-rows').replaceChildren(...stations.map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.station = s.id;
    for (const [text, cls] of [[s.id], [s.name], [s.bicyclesAvailable, 'num'], [s.docksAvailable, 'num']]) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  }));
  const chosen = $('bicycle-station').value;
  $('bicycle-station').replaceChildren(...stations.map((s) => Object.assign(document.createElement('option'), { value: s.id, textContent: s.name })));
  if (chosen) $('bicycle-station').value = chosen;
  drawMap();
}

// Stations placed by longitude (x) and latitude (y) in the box around them, coloured by the
// share of their docks that hold a bicycle: red empty, amber low, green enough.
function drawMap() {
  const map = $('map');
  map.replaceChildren();
  if (!stations.length) return;
  const lats = stations.map((s) => s.lat), lons = stations.map((s) => s.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const x = (lon) => 30 + (maxLon > minLon ? (lon - minLon) / (maxLon - minLon) : 0.5) * 340;
  const y = (lat) => 210 - (maxLat > minLat ? (lat - minLat) / (maxLat - minLat) : 0.5) * 180;
  for (const s of stations) {
    const share = s.capacity ? s.bicyclesAvailable / s.capacity : 0;
    const dot = document.createElementNS(svg, 'circle');
    dot.setAttribute('cx', x(s.lon));
    dot.setAttribute('cy', y(s.lat));
    dot.setAttribute('r', 9);
    dot.setAttribute('fill', s.bicyclesAvailable === 0 ? '#b3261e' : share < 0.25 ? '#9a6700' : '#0a7d45');
    dot.dataset.station = s.id;
    const title = document.createElementNS(svg, 'title');
    title.textContent = `${s.name}: ${s.bicyclesAvailable} / ${s.capacity}`;
    dot.append(title);
    const label = document.createElementNS(svg, 'text');
    const right = x(s.lon) > 250;  // names of stations near the right edge go to their left
    label.setAttribute('x', x(s.lon) + (right ? -12 : 12));
    label.setAttribute('text-anchor', right ? 'end' : 'start');
    label.setAttribute('y', y(s.lat) + 4);
    label.setAttribute('font-size', '11');
    label.textContent = `${s.name} ${s.bicyclesAvailable}`;
    map.append(dot, label);
  }
}

$('add-station').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  attempt(async () => {
    const body = { name: f.get('name'), lat: Number(f.get('lat')), lon: Number(f.get('lon')), capacity: Number(f.get('capacity')) };
    if (f.get('id')) body.id = f.get('id');
    const station = await api('POST', '/v1/stations', { body });
    show(`${t('saved')} ${station.id}`);
    ev.target.reset();
    await refresh();
  });
});
$('add-bicycle').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  attempt(async () => {
    const body = { stationId: f.get('station') };
    if (f.get('id')) body.id = f.get('id');
    const bicycle = await api('POST', '/v1/bicycles', { body });
    show(`${t('saved')} ${bicycle.id}`);
    await refresh();
  });
});
$('remove-bicycle').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  attempt(async () => {
    await api('DELETE', `/v1/bicycles/${encodeURIComponent(f.get('id'))}`);
    show(`${t('removed')} ${f.get('id')}`);
    await refresh();
  });
});

languageSwitch($('language'), render);
translate();
if (session.token) attempt(enter);
