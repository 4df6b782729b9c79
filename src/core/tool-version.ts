import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, read once from package.json (two levels up from both src/ and dist/). */
export function toolVersion(): string {
  if (cached) return cached;
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    cached = (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
