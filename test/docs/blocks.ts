import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** A fenced ```ts block of a Markdown page. */
export interface Block {
  /** The page, relative to the repository root. */
  doc: string;
  /** 1-based line of the block's first code line in the page. */
  line: number;
  code: string;
  /** Preceded by `<!-- runnable -->`: the docs test runs it against the simulator. */
  runnable: boolean;
}

/** README.md and every page under docs/ (and its subfolders). */
export function markdownPages(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file));
  return ['README.md', ...docs.sort()];
}

const FENCE = /^(\s*)(`{3,})\s*([\w-]*)/u;

/** The ```ts (and ```typescript) blocks of a page, indentation of list items removed. */
export function tsBlocks(root: string, doc: string): Block[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE.exec(lines[i] as string);
    if (!open) continue;
    const [, indent = '', ticks = '```', lang = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j += 1) {
      const line = lines[j] as string;
      if (line.trim().startsWith(ticks) && line.trim().replace(/`/gu, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    if (lang === 'ts' || lang === 'typescript') {
      const before =
        lines
          .slice(0, i)
          .reverse()
          .find((l) => l.trim() !== '') ?? '';
      blocks.push({
        doc: relative(root, join(root, doc)),
        line: i + 2,
        code: body.join('\n'),
        runnable: /<!--\s*runnable\b/u.test(before),
      });
    }
    i = j;
  }
  return blocks;
}

/** The names a block declares at its top level, imports included. */
export function topLevelNames(code: string): {
  imports: Map<string, string>;
  declared: Set<string>;
} {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest, false);
  const imports = new Map<string, string>();
  const declared = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) declared.add(name.text);
    else
      for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      const typeOnly = clause?.isTypeOnly ?? false;
      if (clause?.name)
        imports.set(
          clause.name.text,
          `import ${typeOnly ? 'type ' : ''}${clause.name.text} from '${from}';`,
        );
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) {
        imports.set(
          named.name.text,
          `import ${typeOnly ? 'type ' : ''}* as ${named.name.text} from '${from}';`,
        );
      } else if (named) {
        for (const element of named.elements) {
          const spec = element.propertyName
            ? `${element.propertyName.text} as ${element.name.text}`
            : element.name.text;
          const type = typeOnly || element.isTypeOnly ? 'type ' : '';
          imports.set(element.name.text, `import { ${type}${spec} } from '${from}';`);
        }
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      declared.add(statement.name.text);
    }
  }
  return { imports, declared };
}

/**
 * Each block as a module of its own, preceded by the imports of the page's earlier blocks that
 * it names without importing (a page imports `createRelay` once and goes on using it). Names
 * still missing come from the docs test's context (a `relay`, `providers`, ... to show a call on).
 */
export function withPagePrelude(blocks: readonly Block[]): Array<Block & { prelude: string }> {
  const seen = new Map<string, string>();
  return blocks.map((block) => {
    const own = topLevelNames(block.code);
    const prelude = [...seen]
      .filter(([name]) => !own.imports.has(name) && !own.declared.has(name))
      .filter(([name]) => new RegExp(`\\b${name}\\b`, 'u').test(block.code))
      .map(([, statement]) => statement);
    for (const [name, statement] of own.imports) seen.set(name, statement);
    return { ...block, prelude: [...new Set(prelude)].join('\n') };
  });
}
