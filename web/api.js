// The API as the pages use it: JSON in and out, the bearer token from session storage, and a
// refusal as an Error carrying the problem details (RFC 9457) the server answered.
export class Problem extends Error {
  constructor(status, doc, retryAfter) {
    super(doc.detail || doc.error_description || doc.title || `HTTP ${status}`);
    this.status = status;
    this.code = doc.code || doc.error || '';
    this.doc = doc;
    this.retryAfter = retryAfter;
  }
}

export const session = {
  get token() { return sessionStorage.getItem('ttareungyi.token'); },
  set token(value) {
    if (value) sessionStorage.setItem('ttareungyi.token', value);
    else sessionStorage.removeItem('ttareungyi.token');
  },
};

export async function api(method, path, { body, form, basic, token = session.token } = {}) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  }
  if (basic) headers.Authorization = 'Basic ' + btoa(basic);
  else if (token) headers.Authorization = 'Bearer ' + token;
  const answer = await fetch(path, { method, headers, body: payload });
  const text = await answer.text();
  const doc = text ? JSON.parse(text) : {};
  if (!answer.ok) throw new Problem(answer.status, doc, answer.headers.get('Retry-After'));
  return doc;
}

// Every item of a paged list, following `next` (a few pages at most here).
export async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + sep + 'limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

// The notification stream (Server-Sent Events) read with fetch, which can send the token in a
// header (EventSource cannot). It starts after `after` (the newest sequence the page already
// has; without it the server sends every stored notice first) and, after a dropped
// connection, resumes after the last event seen.
export function watchNotifications(onNotice, onState, after = null) {
  let lastId = after;
  let stopped = false;
  const controller = new AbortController();
  async function run() {
    while (!stopped) {
      try {
        const headers = { Authorization: 'Bearer ' + session.token, Accept: 'text/event-stream' };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const answer = await fetch('/v1/notifications/stream', { headers, signal: controller.signal });
        if (!answer.ok) throw new Error('stream refused: ' + answer.status);
        onState(true);
        const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id:')) lastId = line.slice(3).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (data) onNotice(JSON.parse(data));
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  run();
  return () => { stopped = true; controller.abort(); };
}
