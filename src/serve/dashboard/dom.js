// The only way the dashboard builds markup: elements with text set through textContent and
// attributes through setAttribute. Text from jobs never goes through innerHTML.
export const byId = (id) => document.getElementById(id);

/** <tag class=… attr…>text</tag> with `children` appended. */
export function el(tag, { className, text, attrs = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** Replaces a definition list's content with `[label, value]` pairs (empty values left out). */
export function fillFields(dl, pairs) {
  dl.replaceChildren(...pairs
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .flatMap(([label, value]) => [el('dt', { text: label }), el('dd', { text: String(value) })]));
}

/** A state badge: its class carries the colour. */
export const stateBadge = (state) => el('span', { className: `state state-${state}`, text: state });

/** Shows exactly one of the page's views. */
export function showView(id) {
  for (const view of ['login', 'jobs-view', 'job-view']) byId(view).hidden = view !== id;
}
