import type { CheckMeta } from '../checks/check.js';
import { runsOnInWords } from '../checks/missing-inputs.js';
import { LABEL_MEANINGS } from './label-meanings.js';

/**
 * The documentation of one check, from its metadata alone: `vectorclinic explain <code>` prints
 * it and `npm run docs` writes it to docs/checks/<code>.md, so the two can never disagree.
 */
export function checkDoc(meta: CheckMeta): string {
  const evidence = Object.entries(meta.evidence).map(([field, meaning]) => `| \`${field}\` | ${tableCell(meaning)} |`);
  return [
    `# \`${meta.code}\`: ${meta.failureTitle}`,
    '',
    `Passing title: ${meta.title}.`,
    '',
    '## Cause',
    '',
    meta.description,
    '',
    '## How the check decides',
    '',
    meta.decides,
    '',
    '## Evidence',
    '',
    '| field | meaning |',
    '|---|---|',
    ...evidence,
    '',
    '## Fix',
    '',
    meta.fix,
    '',
    '## Labels',
    '',
    ...meta.labels.map((label) => `- **${label}**: ${LABEL_MEANINGS[label]}`),
    '',
    `Runs on: ${runsOnInWords(meta)}.`,
    '',
  ].join('\n');
}

function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
