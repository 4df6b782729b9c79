import { figure, percent } from '../core/format.js';
import type { EvidenceValue, FindingCode } from '../core/finding.js';
import { checkByCode } from '../checks/registry.js';

/** Evidence arrays longer than this are cut on a page (the JSON report keeps them whole). */
const ITEMS_SHOWN = 12;

/** Readable spellings of the abbreviations evidence keys use. */
const WORDS: Readonly<Record<string, string>> = {
  p50: 'median',
  p01: '1st percentile',
  p99: '99th percentile',
  pc1: 'PC1',
  pq: 'PQ',
  sq: 'SQ',
  ivf: 'IVF',
  ids: 'ids',
  dim: 'dimension',
  ef: 'ef',
  interval95: '95% interval',
};

/**
 * The evidence key as people read it: `queryNormP50` → "query norm median", `recallAt10` →
 * "recall@10", `pc1Ratio` → "PC1 ratio". The JSON report keeps the keys; pages show these names
 * with the check's own description of the field beside them.
 */
export function evidenceName(key: string): string {
  const words = key
    .replace(/At(\d+)/g, '@$1')
    .replace(/([a-z@\d])([A-Z])/g, '$1 $2')
    .split(' ');
  return words.map((word) => WORDS[word.toLowerCase()] ?? word.toLowerCase()).join(' ');
}

/** What the check's metadata says the field means (empty for fields it does not describe). */
export function evidenceMeaning(code: FindingCode, key: string): string {
  return checkByCode(code)?.meta.evidence[key] ?? '';
}

/** A value with its unit where the name says it: shares and rates as percentages, seconds with "s". */
export function evidenceValue(key: string, value: EvidenceValue): string {
  if (typeof value === 'number') {
    if (/(Share|Rate|^rate|^share|recall)/.test(key) && value >= 0 && value <= 1) return percent(value, 2);
    if (/seconds$/i.test(key)) return `${figure(value)} s`;
    return figure(value);
  }
  if (value === null) return 'n/a';
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) {
    const shown = value
      .slice(0, ITEMS_SHOWN)
      .map((item) => (typeof item === 'number' ? figure(item) : item))
      .join(', ');
    return value.length > ITEMS_SHOWN ? `${shown} … and ${value.length - ITEMS_SHOWN} more` : shown || 'none';
  }
  if (Array.isArray(value) && value.length > ITEMS_SHOWN) return `${JSON.stringify(value.slice(0, ITEMS_SHOWN))} … and ${value.length - ITEMS_SHOWN} more`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
