import pc from 'picocolors';
import type { CheckMeta } from '../checks/check.js';
import { runsOnInWords } from '../checks/missing-inputs.js';
import type { Label } from '../core/finding.js';
import { evidenceName } from './evidence-display.js';
import { LABEL_MEANINGS } from './label-meanings.js';
import { wrap } from './wrap.js';

/** Fits an 80-column terminal after the two-space indent. */
const WIDTH = 78;

/**
 * `vectorclinic explain <code>` in a terminal: the same facts as the Markdown page (check-doc.ts),
 * as plain wrapped text — headings in capitals, no #, no tables, no backticks; colour only when asked.
 */
export function explainCheck(meta: CheckMeta, color: boolean): string {
  const c = pc.createColors(color);
  const evidence = Object.entries(meta.evidence);
  const nameWidth = Math.min(28, Math.max(...evidence.map(([key]) => evidenceName(key).length)));
  return [
    `${c.bold(meta.code)}: ${meta.failureTitle}`,
    c.dim(`when it passes: ${meta.title}`),
    '',
    ...section(c.bold('WHAT GOES WRONG'), meta.description),
    ...section(c.bold('HOW THE CHECK DECIDES'), meta.decides),
    c.bold('EVIDENCE'),
    ...evidence.flatMap(([key, meaning]) => hanging(`  ${evidenceName(key).padEnd(nameWidth)}  `, plain(meaning))),
    '',
    ...section(c.bold('FIX'), meta.fix, c.bold),
    c.bold('LABELS'),
    ...meta.labels.flatMap((label) => hanging(`  ${label.padEnd(5)}  `, LABEL_MEANINGS[label])),
    '',
    ...section(c.bold('RUNS ON'), runsOnInWords(meta)),
  ].join('\n');
}

/** `vectorclinic explain No.8`: what the label means and which checks can carry it. */
export function explainLabel(label: Label, checks: readonly CheckMeta[], color: boolean): string {
  const c = pc.createColors(color);
  const carriers = checks.filter((meta) => meta.labels.includes(label));
  const width = Math.max(...carriers.map((meta) => meta.code.length));
  return [
    `${c.bold(label)}: ${LABEL_MEANINGS[label]}`,
    '',
    ...wrap(LABEL_DETAILS[label], WIDTH).map((line) => `  ${line}`),
    '',
    c.bold('REPORTED BY'),
    ...carriers.map((meta) => `  ${meta.code.padEnd(width)}  ${meta.failureTitle}`),
    '',
    c.dim(`vectorclinic explain <code> explains each of them.`),
    '',
  ].join('\n');
}

/** What a label on a finding tells the reader beyond its one-line meaning. */
const LABEL_DETAILS: Readonly<Record<Label, string>> = {
  'No.8':
    'A No.8 finding means the store, as it is, does not return everything it should: for some queries (a warning) or for many (a failure). The causes: wrong or broken vectors, a metric or normalization that ranks by the wrong thing, an index that misses neighbours. Fix the data or the index; the application code is not at fault.',
  'No.14':
    'A No.14 finding means the order in which the store was built contributed: the index was trained or built before the data was clean or complete (centroids learned from too few or from other vectors). Rebuilding from the clean data, in the right order, fixes it.',
  'No.16': 'A No.16 finding means the store was queried while empty, partly loaded or holding a mix of vectors (two models, rows not yet indexed). Make loading and indexing finish before the store serves queries.',
};

function section(heading: string, text: string, paint: (text: string) => string = (line) => line): string[] {
  return [heading, ...wrap(plain(text), WIDTH).map((line) => `  ${paint(line)}`), ''];
}

/** A name column, then text wrapped under itself. */
function hanging(head: string, text: string): string[] {
  const lines = wrap(text, Math.max(30, WIDTH + 2 - head.length));
  return lines.map((line, i) => `${i === 0 ? head : ' '.repeat(head.length)}${line}`);
}

/** Markdown inline code marks are for pages; a terminal shows the words. */
function plain(text: string): string {
  return text.replace(/`([^`]+)`/g, '$1');
}
