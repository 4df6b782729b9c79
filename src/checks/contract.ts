import type { ArtifactName, Artifacts } from '../gather/artifacts.js';
import type { CheckContext } from '../computed/check-context.js';
import type { Check, CheckResult } from './check.js';

/**
 * A check that broke its own declared contract: it read an artifact its meta does not declare,
 * or returned an evidence key its meta does not document. Raised only when contracts are enforced
 * (the test suite sets VECTORCLINIC_CHECK_CONTRACTS=strict), so a user's report never fails on it.
 */
export class CheckContractError extends Error {
  override readonly name = 'CheckContractError';
}

/** Every artifact name, at run time (the compiler checks the list is complete). */
const ARTIFACT_NAMES = ['source', 'declared', 'rowStats', 'sample', 'queries', 'index', 'annAudit', 'filteredRecall', 'deletedRows', 'reachability', 'reference', 'pushdown', 'settings', 'notes'] as const;
type Unlisted = Exclude<ArtifactName, (typeof ARTIFACT_NAMES)[number]>;
const everyArtifactListed: Unlisted extends never ? true : Unlisted = true;
void everyArtifactListed;
const isArtifactName = (name: string | symbol): name is ArtifactName => (ARTIFACT_NAMES as readonly (string | symbol)[]).includes(name);

/** True when the environment asks the runner to enforce check contracts (the test suite does). */
export function contractsEnforcedByEnvironment(): boolean {
  return process.env.VECTORCLINIC_CHECK_CONTRACTS === 'strict';
}

/** Every artifact a check may name: what it needs to run, and what it reads only when present. */
export function declaredArtifacts(check: Check): ReadonlySet<string> {
  return new Set<string>([...check.meta.requiredArtifacts, ...(check.meta.optionalArtifacts ?? [])]);
}

/** Throws when a result carries an evidence key the check's meta.evidence does not declare. */
export function assertEvidenceDeclared(check: Check, results: readonly CheckResult[]): void {
  const undeclared = new Set<string>();
  for (const result of results) for (const key of Object.keys(result.evidence)) if (!(key in check.meta.evidence)) undeclared.add(key);
  if (undeclared.size > 0) {
    throw new CheckContractError(`check ${check.meta.code} returned evidence its meta.evidence does not declare: ${[...undeclared].join(', ')}`);
  }
}

/**
 * Memoized derivations are shared between checks, so a check that finds a value already computed
 * never touches the artifacts it came from. The tracker remembers which artifacts each memo key
 * read, and holds every later reader of the key to the same declarations.
 */
export class ArtifactReadTracker {
  private readonly readsByKey = new Map<string, ReadonlySet<string>>();
  private readonly frames: Set<string>[] = [];

  /** The artifacts as `check` may see them: reading an undeclared one throws. */
  view(artifacts: Artifacts, check: Check): Artifacts {
    const allowed = declaredArtifacts(check);
    return new Proxy(artifacts, {
      get: (target, property, receiver) => {
        if (isArtifactName(property)) this.read(check, allowed, property);
        return Reflect.get(target, property, receiver);
      },
      has: (target, property) => {
        if (isArtifactName(property)) this.read(check, allowed, property);
        return Reflect.has(target, property);
      },
    });
  }

  /** The shared context as `check` may use it: a memo hit replays the artifacts the first computation read. */
  context(shared: CheckContext, check: Check): CheckContext {
    const allowed = declaredArtifacts(check);
    return {
      memo: <T>(key: string, compute: () => T): T => {
        const earlier = this.readsByKey.get(key);
        if (earlier) {
          for (const name of earlier) this.read(check, allowed, name);
          return shared.memo(key, compute);
        }
        const frame = new Set<string>();
        this.frames.push(frame);
        try {
          return shared.memo(key, compute);
        } finally {
          this.frames.pop();
          this.readsByKey.set(key, frame);
          for (const name of frame) this.frames.at(-1)?.add(name);
        }
      },
    };
  }

  private read(check: Check, allowed: ReadonlySet<string>, name: string): void {
    if (!allowed.has(name)) {
      throw new CheckContractError(`check ${check.meta.code} read the artifact '${name}' without declaring it in meta.requiredArtifacts or meta.optionalArtifacts`);
    }
    this.frames.at(-1)?.add(name);
  }
}
