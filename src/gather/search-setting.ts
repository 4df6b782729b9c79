import type { DeclaredPolicy } from '../core/policy.js';
import { UsageError } from '../errors.js';
import type { SearchTuning } from '../sources/source.js';

/** Where the value the audit searches with came from. */
export type SearchSettingOrigin = 'option' | 'manifest' | 'index' | 'default';

/** The setting the index is audited at: the one the application uses, as far as anything records it. */
export interface SearchSetting {
  readonly name: string;
  readonly value: number;
  readonly from: SearchSettingOrigin;
  /** from 'default': why the value is an assumption (the file does not store it). */
  readonly assumed?: string;
}

/**
 * The search setting to audit, in order of authority: --search (what the user says the application
 * sets), the store manifest (what `rebuild` told the application to set), the index itself (FAISS
 * stores nprobe/efSearch; a store's session setting), else the library default, flagged as assumed.
 */
export function resolveSearchSetting(tuning: SearchTuning | undefined, declared: DeclaredPolicy, search: Readonly<Record<string, number>> | undefined): SearchSetting | undefined {
  if (!tuning) return undefined;
  const option = search?.[tuning.name];
  if (option !== undefined) return { name: tuning.name, value: option, from: 'option' };
  const recorded = [tuning.name, ...(tuning.aliases ?? [])].map((name) => declared.indexParams?.[name]).find((value) => typeof value === 'number' && value > 0);
  if (recorded !== undefined) return { name: tuning.name, value: recorded, from: 'manifest' };
  return { name: tuning.name, value: tuning.current, from: tuning.assumed ? 'default' : 'index', ...(tuning.assumed ? { assumed: tuning.assumed } : {}) };
}

/** --search on a target that cannot search (a plain vector file) is a usage error, not a silent no-op. */
export function assertSearchable(search: Readonly<Record<string, number>> | undefined, searchable: boolean, target: string): void {
  if (!search || Object.keys(search).length === 0 || searchable) return;
  throw new UsageError(`${target} has no index to search: --search ${Object.keys(search).join(', ')} does not apply`, {
    where: '--search',
    hint: 'search settings apply to index files and stores (efSearch, nprobe, expansion_search, hnsw.ef_search, ivfflat.probes, ...)',
  });
}

/** "efSearch 128 (as the store manifest records)": the setting and its origin, for messages. */
export function describeSetting(setting: SearchSetting): string {
  const origin: Record<SearchSettingOrigin, string> = {
    option: 'as --search sets it',
    manifest: 'as the store manifest records it',
    index: 'as the index or store is configured',
    default: "the library's default, assumed",
  };
  return `${setting.name} ${setting.value} (${origin[setting.from]})`;
}
