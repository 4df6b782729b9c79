import { Command } from 'commander';
import { CHECKS, checkByCode } from '../checks/registry.js';
import { LABELS, type Label } from '../core/finding.js';
import { UsageError } from '../errors.js';
import { checkDoc } from '../reporters/check-doc.js';
import { explainCheck, explainLabel } from '../reporters/check-explain.js';
import { useColor } from './output.js';

interface ExplainFlags {
  markdown?: boolean;
  color?: boolean;
}

/** `vectorclinic explain <code|label>`: a finding code (cause, how it decides, evidence, fix, labels) or a label (No.8 …). */
export function explainCommand(): Command {
  return new Command('explain')
    .description('explain a finding code (its cause, how the check decides, its evidence, fix and labels) or a label such as No.8')
    .argument('<code>', `a finding code (${CHECKS.map((check) => check.meta.code).join(', ')}) or a label (${LABELS.join(', ')})`)
    .option('--markdown', 'print the Markdown page (as in docs/checks/) instead of terminal text')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .action((code: string, flags: ExplainFlags) => {
      const color = useColor(process.stdout, flags.color);
      const label = labelOf(code);
      if (label) {
        process.stdout.write(
          explainLabel(
            label,
            CHECKS.map((check) => check.meta),
            color,
          ),
        );
        return;
      }
      const check = checkByCode(code.trim().toLowerCase());
      if (!check) {
        const guess = closest(code.trim().toLowerCase(), [...CHECKS.map((known) => known.meta.code), ...LABELS]);
        throw new UsageError(`unknown finding code '${code}'${guess ? `; did you mean '${guess}'?` : ''}`, {
          where: 'explain',
          hint: `known codes: ${CHECKS.map((known) => known.meta.code).join(', ')}; labels: ${LABELS.join(', ')}`,
        });
      }
      process.stdout.write(flags.markdown ? checkDoc(check.meta) : `${explainCheck(check.meta, color)}\n`);
    });
}

/** "No.8", "no.8", "No 8", "no8" → No.8. */
function labelOf(text: string): Label | undefined {
  const match = /^no\.?\s*(\d+)$/i.exec(text.trim());
  return match ? LABELS.find((label) => label === `No.${Number(match[1])}`) : undefined;
}

/** The known name nearest to a typo (edit distance at most a third of its length), if any. */
function closest(typed: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.includes(typed) && typed.length >= 4 ? 1 : editDistance(typed, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
