// Lists every function in src/ (tests excepted) that takes more than N positional parameters, most first.
// `npx tsx scripts/positional-params.ts [N]` (N defaults to 4). test/architecture/positional-params.test.ts
// uses the same lister as a ratchet.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface LongParameterList {
  /** Repository-relative path with forward slashes. */
  file: string;
  line: number;
  /** `name`, `Class.method`, or `<anonymous>` for an unnamed function expression. */
  name: string;
  count: number;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

function sourceFiles(directory: string, out: string[] = []): string[] {
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function functionName(node: ts.SignatureDeclaration): string {
  const own = node.name && (ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name) || ts.isStringLiteral(node.name)) ? node.name.text : undefined;
  const parent = node.parent;
  const owner = parent && (ts.isClassDeclaration(parent) || ts.isInterfaceDeclaration(parent)) ? parent.name?.text : undefined;
  if (ts.isConstructorDeclaration(node)) return `${owner ?? '<class>'}.constructor`;
  if (own) return owner ? `${owner}.${own}` : own;
  // `const name = (a, b) => …` and `name: (a, b) => …` take their binding's name.
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent)) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return '<anonymous>';
}

/** Positional parameters a caller must line up: a `this` annotation is not one; a rest parameter counts once. */
function positionalCount(node: ts.SignatureDeclaration): number {
  return node.parameters.filter((parameter) => !(ts.isIdentifier(parameter.name) && parameter.name.text === 'this')).length;
}

/** Every function, method, constructor, arrow function and function type in one file's text with more than `limit` positional parameters. */
export function longParameterListsIn(options: { file: string; text: string; limit: number }): LongParameterList[] {
  const source = ts.createSourceFile(options.file, options.text, ts.ScriptTarget.Latest, true);
  const found: LongParameterList[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) {
      const count = positionalCount(node);
      if (count > options.limit) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push({ file: options.file, line, name: functionName(node), count });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The long parameter lists of every non-test TypeScript file under `src/`, most parameters first. */
export function longParameterLists(limit: number, root = REPO_ROOT): LongParameterList[] {
  return sourceFiles(join(root, 'src'))
    .flatMap((path) => longParameterListsIn({ file: relative(root, path).split('\\').join('/'), text: readFileSync(path, 'utf8'), limit }))
    .sort((a, b) => b.count - a.count || a.file.localeCompare(b.file) || a.line - b.line);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const limit = Number(process.argv[2] ?? 4);
  const found = longParameterLists(limit);
  for (const entry of found) console.log(`${entry.count}  ${entry.file}:${entry.line}  ${entry.name}`);
  console.log(`${found.length} functions with more than ${limit} positional parameters`);
}
