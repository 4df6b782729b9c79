import { writeFileSync } from 'node:fs';

/** Colour only on a terminal, never when NO_COLOR is set (https://no-color.org) or --no-color is given. */
export function useColor(stream: NodeJS.WriteStream, requested: boolean | undefined): boolean {
  if (requested === false) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Write to --out (atomically enough for a report: whole string at once) or stdout. */
export function emit(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}
