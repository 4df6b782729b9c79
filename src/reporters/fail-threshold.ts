import type { Severity } from '../core/finding.js';

/** The severity from which a finding fails CI (`--fail-on`): 'fail' by default, 'warn' for strict gates. */
export type FailOn = 'warn' | 'fail';
export const FAIL_ON_LEVELS: readonly FailOn[] = ['warn', 'fail'];

export function failsGate(severity: Severity, failOn: FailOn): boolean {
  return severity === 'fail' || (failOn === 'warn' && severity === 'warn');
}
