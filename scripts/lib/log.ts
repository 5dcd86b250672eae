/** Console output for the CLI scripts: one prefix, colours only on a terminal. */
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const dim = paint(2);
export const bold = paint(1);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);

export function info(line: string) {
  console.log(`${dim('[portal]')} ${line}`);
}

/** Prints one line to stderr and exits: the shape of every fatal CLI error. */
export function fail(line: string, code = 1): never {
  console.error(`${red('error:')} ${line}`);
  process.exit(code);
}
