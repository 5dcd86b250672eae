/**
 * A one-line progress bar on a terminal; silent elsewhere (CI logs, pipes),
 * where the final summary says it all.
 */
export interface Progress {
  update(done: number, total: number, label?: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, label = '') {
      const now = performance.now();
      if (now - last < 80 && done < total) return;
      last = now;
      const width = 30;
      const ratio = total ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      stream.write(
        `\r${bar} ${String(Math.round(ratio * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${label} ${Math.round(rate).toLocaleString('en')}/s   `,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
