import type { CheckContext } from './check-context.js';
import { count, figure, percent } from '../core/format.js';
import type { Artifacts } from '../gather/artifacts.js';
import { wilsonInterval } from '../math/bounds.js';
import { kOccurrence } from './collapse.js';

/**
 * A hub takes a slot in most results: in at least half of the probe queries' top-k lists. In a
 * hub-free store a row is in a list with probability k/N (under 10% wherever this is judged), so
 * half the lists is beyond chance by dozens of standard deviations once there are 20 probes.
 */
export const MAJORITY_HUB_SHARE = 0.5;
/**
 * What makes majority hubs damage: together they take a tenth of every result list (two of 20
 * slots) whatever the query. One natural hub of real embeddings (a row near the centre of an
 * anisotropic cloud) can sit in half the lists and still take one slot in 40: it costs almost
 * nothing, and a clean store must not be warned for it.
 */
export const HUB_SLOT_DAMAGE = 0.1;
/**
 * Antihubs hide rows: random queries reach each row of a hub-free store with probability
 * 1 − e^(−λ) (λ = probes·k/N). Damage is when, with its whole 95% interval, at most half the rows
 * such a store would show are reached: half the store is invisible to unrelated queries.
 */
export const REACHED_RATIO_DAMAGE = 0.5;
/** Below 20 probes one row in half the lists is 10 coincidences: not judged. */
const MIN_PROBES = 20;
/**
 * Judged only where a top-k list covers at most 1% of the sampled rows: in smaller stores the natural
 * hubs of real embeddings (a few rows near the centre of the cloud) reach half of all lists without
 * harming anyone, and a store that small is better read from its overlap.
 */
const MIN_BASE_PER_K = 100;

/** Hubs and antihubs among the probes' exact top-k lists, set against a hub-free store of the same size. */
export interface Hubness {
  readonly k: number;
  readonly probes: number;
  readonly baseRows: number;
  readonly skewness: number;
  readonly skewnessIfHubFree: number;
  /** Rows in no probe's top-k, and the share a hub-free store leaves out (e^(−λ)). */
  readonly antihubShare: number;
  readonly antihubShareIfHubFree: number;
  /** Rows reached by at least one probe, relative to a hub-free store (1 = as many), with a 95% interval. */
  readonly reachedRatio: number;
  readonly reachedRatioLow: number;
  readonly reachedRatioHigh: number;
  /** The row in the most lists, and the share of lists it is in (k/N in a hub-free store). */
  readonly topHub?: { readonly row: number; readonly listShare: number };
  /** Rows in at least MAJORITY_HUB_SHARE of the lists, and the share of all result slots they take together. */
  readonly majorityHubs: number;
  readonly majorityHubSlotShare: number;
  readonly listShareIfHubFree: number;
  /** Whether the sample is large enough to judge (enough probes, a base much larger than k). */
  readonly judged: boolean;
  /** What damages retrieval, when something does. */
  readonly damage?: 'majority-hub' | 'antihubs';
  /** One sentence that says what the numbers mean for retrieval, whatever the verdict. */
  readonly meaning: string;
}

export function hubness(artifacts: Artifacts, context: CheckContext): Hubness | undefined {
  return context.memo('hubness', () => {
    const occurrence = kOccurrence(artifacts, context);
    if (!occurrence || occurrence.baseRows === 0) return undefined;
    const { k, queries: probes, baseRows } = occurrence;
    const lambda = (probes * k) / baseRows;
    const antihubs = occurrence.distribution.find((entry) => entry.occurrences === 0)?.rows ?? 0;
    const reachedIfHubFree = 1 - Math.exp(-lambda);
    const reached = wilsonInterval(baseRows - antihubs, baseRows);
    const hub = occurrence.hubs[0];
    const topHub = hub ? { row: hub.row, listShare: hub.occurrences / probes } : undefined;
    const majority = occurrence.hubs.filter((entry) => entry.occurrences / probes >= MAJORITY_HUB_SHARE);
    const majorityHubSlotShare = majority.reduce((sum, entry) => sum + entry.occurrences, 0) / Math.max(1, probes * k);
    const judged = probes >= MIN_PROBES && baseRows >= MIN_BASE_PER_K * k;
    const ratio = (value: number): number => (reachedIfHubFree > 0 ? value / reachedIfHubFree : 1);
    const measured = {
      k,
      probes,
      baseRows,
      skewness: occurrence.skewness,
      skewnessIfHubFree: occurrence.skewnessIfUniform,
      antihubShare: antihubs / baseRows,
      antihubShareIfHubFree: Math.exp(-lambda),
      reachedRatio: ratio((baseRows - antihubs) / baseRows),
      reachedRatioLow: ratio(reached.low),
      reachedRatioHigh: ratio(reached.high),
      ...(topHub ? { topHub } : {}),
      majorityHubs: majority.length,
      majorityHubSlotShare,
      listShareIfHubFree: k / baseRows,
      judged,
    };
    const damage = !judged ? undefined : majorityHubSlotShare >= HUB_SLOT_DAMAGE ? ('majority-hub' as const) : measured.reachedRatioHigh < REACHED_RATIO_DAMAGE ? ('antihubs' as const) : undefined;
    return { ...measured, ...(damage ? { damage } : {}), meaning: meaningOf(measured, damage) };
  });
}

function meaningOf(hub: Omit<Hubness, 'meaning' | 'damage'>, damage: Hubness['damage']): string {
  const skew = `k-occurrence skewness ${figure(hub.skewness, 2)} (${figure(hub.skewnessIfHubFree, 2)} in a hub-free store of this size)`;
  const top = hub.topHub ? `row ${hub.topHub.row} is in ${percent(hub.topHub.listShare, 0)} of the ${count(hub.probes)} probe lists (${percent(hub.listShareIfHubFree, 1)} without hubs)` : 'no row is in any list';
  const reach = `random queries reach ${percent(hub.reachedRatio, 0)} (95% interval ${percent(hub.reachedRatioLow, 0)}–${percent(hub.reachedRatioHigh, 0)}) of the rows a hub-free store would show, ${percent(hub.antihubShare, 1)} of rows in no list against ${percent(hub.antihubShareIfHubFree, 1)} expected`;
  if (!hub.judged) return `${skew}; ${top}. Too few probes or too small a sample (a top-${hub.k} list covers more than 1% of it) to judge hubness.`;
  const slots = `${hub.majorityHubs === 1 ? 'this row takes' : `${count(hub.majorityHubs)} rows each in at least half the lists take`} ${percent(hub.majorityHubSlotShare, 1)} of all result slots`;
  if (damage === 'majority-hub') return `${skew}: ${top}; ${slots}, the same rows in most results whatever the query.`;
  if (hub.majorityHubs > 0) return `${skew}; ${top}, but ${slots} (under ${percent(HUB_SLOT_DAMAGE, 0)}), and ${reach}: some hubness, as real embeddings have, but not enough to damage retrieval.`;
  if (damage === 'antihubs') return `${skew}: ${reach}: most of the store is invisible to unrelated queries.`;
  return `${skew}; ${top}, and ${reach}: ${hub.skewness > hub.skewnessIfHubFree ? 'some hubness, as real embeddings have, but not enough to damage retrieval' : 'no hubness'}.`;
}
