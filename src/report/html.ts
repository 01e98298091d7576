/**
 * HTML building for the static report with escaping by construction: `html` escapes every interpolated value
 * unless it is already SafeHtml (the result of another `html` call), so no string reaches a page unescaped.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: html`<td>${name}</td>` escapes name; nested html`` fragments and arrays of them pass through. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/**
 * A URL for an href/src attribute: only relative paths made by the report itself — no scheme, no absolute path,
 * and `..` only as the one leading step from a page folder (classes/, modes/, features/) to the report root.
 */
export function localUrl(path: string): string {
  const rest = path.startsWith('../') ? path.slice(3) : path;
  if (/^[a-z]+:/i.test(path) || rest.startsWith('/') || rest.split('/').includes('..')) {
    throw new Error(`not a report-local URL: ${path}`);
  }
  return path;
}
