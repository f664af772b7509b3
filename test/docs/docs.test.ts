import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownPages, tsBlocks, withPagePrelude } from './blocks.ts';

/**
 * Every ```ts block of README.md and docs/ compiles under the project's strictest settings
 * (test/tsconfig.json: @tsconfig/strictest, exactOptionalPropertyTypes, ...), against the
 * packages' real types. Each block is a module of its own under test/docs/ (virtual: never
 * written), so the packages resolve as they do for an app. The one relaxation: a snippet may
 * show a binding or parameter it does not go on to use (noUnusedLocals/Parameters).
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = join(root, 'test', 'docs');
const unusedCodes = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205]);

const pages = markdownPages(root).map((doc) => ({
  doc,
  blocks: withPagePrelude(tsBlocks(root, doc)),
}));
const all = pages.flatMap((page) => page.blocks);
const file = (index: number) => join(here, `__block${index}__.ts`);

/**
 * What a snippet may take as given without declaring it: values a page built in an earlier block
 * (or any app has), so a snippet can show one call on them; a snippet declaring the name shadows
 * it. Virtual like the blocks, so no test file sees these globals.
 */
const contextFile = join(here, '__context__.d.ts');
const context = `
declare const relay: import('@relaykit/core').Relay;
declare const providers: import('@relaykit/core').Provider[];
declare const message: import('@relaykit/core').Message;
declare const messageId: string;
declare const serverToken: string;
`;

function compile(): Map<number, string[]> {
  const configPath = join(root, 'test', 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${configPath}`);
  const options = { ...config.options, noEmit: true, incremental: false, composite: false };
  const virtual = new Map<string, { text: string; preludeLines: number }>();
  virtual.set(contextFile, { text: context, preludeLines: 0 });
  all.forEach((block, index) => {
    const prelude = block.prelude ? `${block.prelude}\n` : '';
    virtual.set(file(index), {
      text: `${prelude}${block.code}\nexport {};\n`,
      preludeLines: prelude ? prelude.split('\n').length - 1 : 0,
    });
  });
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name)?.text ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) => {
    const entry = virtual.get(name);
    return entry
      ? ts.createSourceFile(name, entry.text, language, true)
      : getSourceFile.call(host, name, language, onError, create);
  };
  const program = ts.createProgram({
    rootNames: [...virtual.keys()],
    options,
    host,
  });
  const problems = new Map<number, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (unusedCodes.has(diagnostic.code)) continue;
    const name = diagnostic.file?.fileName ?? '';
    const index = all.findIndex((_, i) => file(i) === name);
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (index === -1) {
      // Outside the blocks: the packages' own sources; tsc -p test reports those.
      continue;
    }
    const block = all[index]!;
    const entry = virtual.get(name)!;
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const where =
      line < entry.preludeLines
        ? `${block.doc}:${block.line} (an import carried over from an earlier block)`
        : `${block.doc}:${block.line + line - entry.preludeLines}`;
    problems.set(index, [...(problems.get(index) ?? []), `${where}: TS${diagnostic.code} ${text}`]);
  }
  return problems;
}

describe('TypeScript blocks of README.md and docs/', () => {
  let problems: Map<number, string[]> | undefined;
  const check = () => (problems ??= compile());

  it('finds the blocks, the README quick start among them', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((b) => b.doc === 'README.md' && b.runnable)).toBe(true);
  });

  for (const page of pages.filter((p) => p.blocks.length > 0)) {
    it(`${page.doc}: every block compiles`, () => {
      const found = check();
      const mine = page.blocks.flatMap((block) => found.get(all.indexOf(block)) ?? []);
      expect(mine, mine.join('\n')).toEqual([]);
    }, 120_000);
  }
});
