import { count, figure, percent } from '../core/format.js';
import type { SmokeComparison, SmokeResult } from './types.js';
import { attributes, text } from '../reporters/junit.js';
import { cell } from '../reporters/markdown.js';

/** What decides a smoke run's exit code, so every format states the same gate. */
export interface SmokeGate {
  /** --min-recall, when given. */
  readonly minRecall?: number;
}

export type SmokeOutcome = SmokeResult | SmokeComparison;

function isComparison(outcome: SmokeOutcome): outcome is SmokeComparison {
  return 'before' in outcome;
}

/** The result the gate judges: the after target of a comparison. */
function judged(outcome: SmokeOutcome): SmokeResult {
  return isComparison(outcome) ? outcome.after : outcome;
}

export function belowMinimum(outcome: SmokeOutcome, gate: SmokeGate): boolean {
  return gate.minRecall !== undefined && judged(outcome).recall.at10 < gate.minRecall;
}

/** Markdown for PR comments: the recall table (before/after with --compare), then the questions folded. */
export function formatSmokeMarkdown(outcome: SmokeOutcome, gate: SmokeGate): string {
  const results = isComparison(outcome) ? [['before', outcome.before] as const, ['after', outcome.after] as const] : [['', outcome] as const];
  const failed = belowMinimum(outcome, gate);
  const result = judged(outcome);
  const lines = [
    `## ${failed ? '❌' : '✅'} vectorclinic smoke: recall@10 ${figure(result.recall.at10, 3)}${gate.minRecall !== undefined ? ` (minimum ${figure(gate.minRecall, 3)})` : ''}`,
    '',
    `${count(result.questions)} of ${count(result.questionsInFile)} questions.`,
    '',
    '| | target | search | recall@1 | recall@5 | recall@10 | MRR | distinct top-10 |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, each] of results) {
    lines.push(
      `| ${name} | \`${cell(each.target)}\` | ${cell(each.method)} | ${figure(each.recall.at1, 3)} | ${figure(each.recall.at5, 3)} | ${figure(each.recall.at10, 3)} | ${figure(each.mrr, 3)} | ${percent(each.distinctTopK, 0)} |`,
    );
  }
  if (isComparison(outcome)) lines.push('', `Change: recall@10 ${signed(outcome.delta.recallAt10)}, MRR ${signed(outcome.delta.mrr)}.`);
  lines.push('', `<details><summary>Questions (${count(result.perQuestion.length)})</summary>`, '', '| | question | expected | top 3 |', '|---|---|---|---|');
  for (const question of result.perQuestion) {
    lines.push(`| ${question.rank ? `hit @${question.rank}` : 'miss'} | ${cell(question.question)} | ${cell(question.expected.join(', '))} | ${cell(question.top.slice(0, 3).join(', '))} |`);
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}

/**
 * JUnit XML: one testcase for the gate (a failure exactly when the exit code is 1), one per
 * question with its rank as output. A missed question is not a failure by itself: the gate is
 * recall over all questions, as the exit code says.
 */
export function formatSmokeJunit(outcome: SmokeOutcome, gate: SmokeGate): string {
  const result = judged(outcome);
  const failed = belowMinimum(outcome, gate);
  const gateName = gate.minRecall !== undefined ? `recall@10 ≥ ${gate.minRecall}` : 'recall@10 (no --min-recall gate)';
  const gateCase = failed
    ? `    <testcase ${attributes({ classname: 'vectorclinic.smoke', name: gateName, time: '0' })}>\n      <failure ${attributes({ type: 'min-recall', message: `recall@10 ${figure(result.recall.at10, 3)} is below ${gate.minRecall}` })}/>\n    </testcase>`
    : `    <testcase ${attributes({ classname: 'vectorclinic.smoke', name: gateName, time: '0' })}>\n      <system-out>${text(`recall@10 ${figure(result.recall.at10, 3)}, MRR ${figure(result.mrr, 3)}`)}</system-out>\n    </testcase>`;
  const questions = result.perQuestion.map(
    (question, index) =>
      `    <testcase ${attributes({ classname: 'vectorclinic.smoke.question', name: `${index + 1}: ${question.question.slice(0, 120)}`, time: '0' })}>\n      <system-out>${text(`${question.rank ? `hit @${question.rank}` : 'miss'}; expected ${question.expected.join(', ')}; top ${question.top.join(', ')}`)}</system-out>\n    </testcase>`,
  );
  const tests = questions.length + 1;
  const failures = failed ? 1 : 0;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites ${attributes({ name: 'vectorclinic', tests, failures, errors: 0 })}>
  <testsuite ${attributes({ name: `vectorclinic smoke ${result.target}`, tests, failures, errors: 0, skipped: 0 })}>
    <properties>
      <property ${attributes({ name: 'target', value: result.target })}/>
      <property ${attributes({ name: 'method', value: result.method })}/>${isComparison(outcome) ? `\n      <property ${attributes({ name: 'before', value: outcome.before.target })}/>` : ''}
    </properties>
${[gateCase, ...questions].join('\n')}
  </testsuite>
</testsuites>
`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${figure(value, 3)}`;
}
