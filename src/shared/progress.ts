/**
 * Progress reporting for long loops: a live bar (count, rate, ETA) on an interactive terminal, and a plain line
 * every few seconds otherwise (CI logs, background runs). Library code takes a ProgressSink so it never prints.
 */
import cliProgress from 'cli-progress';

export interface ProgressSink {
  /** Called with the number of items finished so far (monotone) and the total. */
  update(done: number, total: number): void;
  stop(): void;
}

export const silentProgress: ProgressSink = { update() {}, stop() {} };

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** A progress sink for the terminal; `unit` is e.g. "img". */
export function terminalProgress(
  label: string,
  unit = 'img',
  stream: NodeJS.WriteStream = process.stderr,
): ProgressSink {
  const started = Date.now();
  let startDone: number | undefined;
  const rate = (done: number) => {
    const elapsed = (Date.now() - started) / 1000;
    return elapsed > 0 ? (done - (startDone ?? 0)) / elapsed : 0;
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {value}/{total} | {rate} ${unit}/s | ETA {etaText}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update(done, total) {
        startDone ??= done;
        const r = rate(done);
        const payload = { rate: r.toFixed(1), etaText: formatSeconds(r > 0 ? (total - done) / r : Infinity) };
        if (!startedBar) {
          bar.start(total, done, payload);
          startedBar = true;
        } else {
          bar.setTotal(total);
          bar.update(done, payload);
        }
      },
      stop() {
        if (startedBar) bar.stop();
      },
    };
  }
  let lastLine = 0;
  return {
    update(done, total) {
      startDone ??= done;
      const now = Date.now();
      if (now - lastLine < 5000 && done < total) return;
      lastLine = now;
      const r = rate(done);
      const eta = formatSeconds(r > 0 ? (total - done) / r : Infinity);
      stream.write(`${label} ${done}/${total} | ${r.toFixed(1)} ${unit}/s | ETA ${eta}\n`);
    },
    stop() {},
  };
}
