import { UsageError } from '../errors.js';

/**
 * A metadata filter as `--filter` gives it: one column (or metadata key), one comparison, literal
 * values. Deliberately small: it is parsed into this shape and every engine renders it from the
 * shape (bound parameters where the engine has them), never from the user's text.
 */
export interface FilterSpec {
  readonly column: string;
  readonly operator: FilterOperator;
  /** One value, or several for IN. */
  readonly values: readonly FilterValue[];
  /** The filter as written canonically, for the report. */
  readonly text: string;
}

export const FILTER_OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'IN'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];
export type FilterValue = string | number | boolean;

/** More values than this in one IN list is a data export, not a tenant filter. */
const MAX_IN_VALUES = 1000;
const IDENTIFIER = /^(?:[A-Za-z_][A-Za-z0-9_$-]*|"(?:[^"]|"")+")$/;
const HINT = `write COLUMN OP VALUE, e.g. --filter "tenant_id = 7", --filter "lang IN ('en', 'de')", --filter "year >= 2020" (operators: ${FILTER_OPERATORS.join(' ')})`;

/** Parse `--filter` text; a clear UsageError (exit 2) for anything outside the grammar. */
export function parseFilter(text: string): FilterSpec {
  const fail = (why: string): never => {
    throw new UsageError(`--filter '${text}': ${why}`, { where: '--filter', hint: HINT });
  };
  const tokens = tokenize(text, fail);
  const [name, op, ...rest] = tokens;
  if (name?.kind !== 'word' || !IDENTIFIER.test(name.text)) fail('it must start with a column or metadata key name');
  const column = unquoteIdentifier(name!.text);
  const operator = op?.kind === 'word' && op.text.toUpperCase() === 'IN' ? 'IN' : op?.kind === 'operator' ? (op.text as FilterOperator) : fail('a comparison operator must follow the column name');
  if (!FILTER_OPERATORS.includes(operator)) fail(`unknown operator '${op!.text}'`);
  let values: FilterValue[];
  if (operator === 'IN') {
    if (rest[0]?.text !== '(' || rest.at(-1)?.text !== ')') fail('IN takes a parenthesized list of values');
    values = [];
    const inner = rest.slice(1, -1);
    for (let i = 0; i < inner.length; i += 2) {
      values.push(literal(inner[i], fail));
      if (i + 1 < inner.length && inner[i + 1]!.text !== ',') fail('IN values are separated by commas');
    }
    if (values.length === 0) fail('IN needs at least one value');
    if (values.length > MAX_IN_VALUES) fail(`IN takes at most ${MAX_IN_VALUES} values`);
  } else {
    if (rest.length !== 1) fail(rest.length === 0 ? 'a value must follow the operator' : 'only one value may follow the operator (use IN for several)');
    values = [literal(rest[0], fail)];
  }
  return { column, operator, values, text: filterText(column, operator, values) };
}

/** The canonical text of a filter: what the report shows and what `--filter` would re-run. */
export function filterText(column: string, operator: FilterOperator, values: readonly FilterValue[]): string {
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(column) ? column : `"${column.replace(/"/g, '""')}"`;
  const shown = values.map((value) => (typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value)));
  return operator === 'IN' ? `${name} IN (${shown.join(', ')})` : `${name} ${operator} ${shown[0]}`;
}

interface Token {
  readonly kind: 'word' | 'string' | 'number' | 'operator' | 'punct';
  readonly text: string;
}

function tokenize(text: string, fail: (why: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const match =
      matchToken(rest, /^'(?:[^']|'')*'/, 'string') ??
      matchToken(rest, /^"(?:[^"]|"")+"/, 'word') ??
      matchToken(rest, /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z_])/, 'number') ??
      matchToken(rest, /^(?:!=|<>|<=|>=|=|<|>)/, 'operator') ??
      matchToken(rest, /^[(),]/, 'punct') ??
      matchToken(rest, /^[A-Za-z_][A-Za-z0-9_$-]*/, 'word');
    if (!match) fail(`unexpected character '${rest[0]}' at position ${i + 1}`);
    tokens.push(match!.kind === 'operator' && match!.text === '<>' ? { kind: 'operator', text: '!=' } : match!);
    i += match!.text.length;
  }
  return tokens;
}

function matchToken(text: string, pattern: RegExp, kind: Token['kind']): Token | undefined {
  const found = pattern.exec(text);
  return found ? { kind, text: found[0] } : undefined;
}

/** A literal: a number, a 'quoted string', true/false, or a bare word (taken as a string: tenant = acme). */
function literal(token: Token | undefined, fail: (why: string) => never): FilterValue {
  if (!token) return fail('a value is missing');
  if (token.kind === 'string') return token.text.slice(1, -1).replace(/''/g, "'");
  if (token.kind === 'number') {
    const value = Number(token.text);
    return Number.isFinite(value) ? value : fail(`'${token.text}' is not a finite number`);
  }
  if (token.kind === 'word' && !token.text.startsWith('"')) {
    const lower = token.text.toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : token.text;
  }
  return fail(`'${token.text}' is not a value (quote strings with single quotes)`);
}

function unquoteIdentifier(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text;
}
