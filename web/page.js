// What both pages share: an element by id, and the status line for news and refusals.
export const $ = (id) => document.getElementById(id);

// A line in words (a refusal comes from the problem details, never as JSON): announced politely,
// or at once when it is an error.
export function show(text, kind = 'ok') {
  const box = $('message');
  box.textContent = text;
  box.className = 'status ' + kind;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}
