/** What `datasets fetch` and `models fetch` share: the --sha256 option and the download progress line. */
import { invalidOption } from '../shared/errors.js';

export function sha256Option(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw invalidOption('--sha256', '64 hexadecimal digits', value);
  return value.toLowerCase();
}

/** Megabytes received (of the total when known): redrawn in place on a terminal, a line every 5 s in logs. */
export function progressPrinter(label: string): (received: number, total: number | undefined) => void {
  const stream = process.stderr;
  let last = 0;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return (received, total) => {
    const now = Date.now();
    const done = total !== undefined && received >= total;
    if (now - last < (stream.isTTY ? 200 : 5000) && !done) return;
    last = now;
    const text = `${label} ${mb(received)}${total ? `/${mb(total)}` : ''} MB`;
    if (stream.isTTY) stream.write(`\r${text}${done ? '\n' : ''}`);
    else stream.write(`${text}\n`);
  };
}
