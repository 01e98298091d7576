/** What `datasets fetch` and `models fetch` share: the download progress line (the --sha256 parser: flags.ts). */

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
