import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { EvidenceValue } from '../core/finding.js';
import type { Report, ReportInput, ReportInvocation } from '../core/report.js';
import { sha256File } from '../io/sha256.js';
import { redactTarget } from '../engines/store-url.js';
import { toolVersion } from '../core/tool-version.js';

/** Inputs up to this size are hashed for the report: well under a second of reading, even on a slow disk. */
export const HASH_LIMIT_BYTES = 256 * 2 ** 20;

/** Option values as a report records them: undefined dropped, everything else as given. */
export type RecordedOptions = Readonly<Record<string, EvidenceValue | undefined>>;

/**
 * What was run, for the report: the command (the exact one from the CLI, or the equivalent one for a
 * library call), the options in effect after defaults and the store manifest, and each input file
 * with size, modification time and (when cheap) SHA-256. Store URLs are recorded with secrets redacted.
 */
export function describeInvocation(command: string, argv: readonly string[] | undefined, options: RecordedOptions, inputs: readonly (readonly [ReportInput['role'], string | undefined])[]): ReportInvocation {
  return {
    command,
    ...(argv ? { argv: argv.map(redactTarget) } : {}),
    options: defined(options),
    inputs: inputs.flatMap(([role, path]) => (path === undefined ? [] : [describeInput(role, path)])),
    tool: { name: 'vectorclinic', version: toolVersion(), node: process.version },
  };
}

/** A CLI run: the exact command typed (argv after `vectorclinic`), and the CLI's own options (format, --fail-on, --out …). */
export function withCommandLine(report: Report, argv: readonly string[], cliOptions: RecordedOptions): Report {
  if (!report.invocation) return report;
  const options = { ...report.invocation.options, ...defined(cliOptions) };
  return { ...report, invocation: { ...report.invocation, command: commandLine(argv), argv: argv.map(redactTarget), options } };
}

function defined(options: RecordedOptions): Record<string, EvidenceValue> {
  return Object.fromEntries(Object.entries(options).filter((entry): entry is [string, EvidenceValue] => entry[1] !== undefined));
}

/** `vectorclinic check <target> --flag value …` with shell quoting where a word needs it. */
export function commandLine(words: readonly string[]): string {
  return ['vectorclinic', ...words.map((word) => quote(redactTarget(word)))].join(' ');
}

/** The CLI flags equivalent to a library call's options (defaults left out), so a printed command re-runs it. */
export function flagWords(options: RecordedOptions, defaults: RecordedOptions): string[] {
  const words: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === null || value === defaults[name] || value === false) continue;
    const flag = `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    // Repeatable flags: a list gives one flag per item, a record one `name=value` per entry (--search).
    if (Array.isArray(value)) for (const item of value) words.push(flag, String(item));
    else if (typeof value === 'object') for (const [key, setting] of Object.entries(value)) words.push(flag, `${key}=${String(setting)}`);
    else words.push(...(value === true ? [flag] : [flag, String(value)]));
  }
  return words;
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function describeInput(role: ReportInput['role'], path: string): ReportInput {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return { role, path: redactTarget(path), kind: 'store' };
  const stats = statOrUndefined(path);
  if (!stats) return { role, path, kind: 'file' };
  if (stats.isDirectory()) {
    const files = readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.startsWith('.'));
    const sizes = files.map((entry) => statOrUndefined(join(path, entry.name)));
    const latest = Math.max(stats.mtimeMs, ...sizes.map((file) => file?.mtimeMs ?? 0));
    return { role, path, kind: 'folder', files: files.length, bytes: sizes.reduce((sum, file) => sum + (file?.size ?? 0), 0), modifiedAt: new Date(latest).toISOString() };
  }
  return {
    role,
    path,
    kind: 'file',
    bytes: stats.size,
    modifiedAt: stats.mtime.toISOString(),
    ...(stats.isFile() && stats.size <= HASH_LIMIT_BYTES ? { sha256: sha256File(path) } : {}),
  };
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
