// The layer rule of eslint.config.js (docs/architecture.md): ESLint run on tiny snippets under made-up file paths.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
let eslint: ESLint;

/** The no-restricted-imports messages ESLint reports for `code` as if it were the file `filePath`. */
async function layerProblems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

beforeAll(async () => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: 'eslint.config.js' });
  await eslint.calculateConfigForFile('src/db/made-up.ts'); // loads the config (seconds) outside the tests' timeout
});

describe('layer rule', () => {
  it('reports an upward import: db may not use a role, a service or a tool', async () => {
    const problems = await layerProblems('src/db/made-up.repository.ts', "import { x } from '../workers/persist/processor.js';\nexport const y = x;\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('src/db/ is layer 2');
    expect(await layerProblems('src/db/tables/made-up.ts', "import { x } from '../../billing/ledger.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await layerProblems('src/db/made-up.ts', "import type { X } from '../api/app.js';\nexport type Y = X;\n")).toHaveLength(1);
  });

  it('does not report a downward import or one inside the folder', async () => {
    const code = [
      "import { a } from '../../domain/receipt-view.js';",
      "import { b } from '../../db/database.js';",
      "import { c } from '../../../protocol/tlv.js';",
      "import { d } from '../persist/derive.js';",
      "import { e } from './wiring.js';",
      'export const all = [a, b, c, d, e];',
      '',
    ].join('\n');
    expect(await layerProblems('src/workers/fns/made-up.ts', code)).toEqual([]);
    expect(await layerProblems('src/db/made-up.repository.ts', "import { x } from '../domain/ledger.js';\nexport const y = x;\n")).toEqual([]);
  });

  it('reports an import sideways between roles, and between services other than exports → reports', async () => {
    expect(await layerProblems('src/marking/made-up.ts', "import { x } from '../gateway/server.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await layerProblems('src/reports/made-up.ts', "import { x } from '../exports/export-jobs.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await layerProblems('src/exports/made-up.ts', "import { x } from '../reports/export.js';\nexport const y = x;\n")).toEqual([]);
  });

  it('keeps protocol/ out of src/ and the cabinet out of the server', async () => {
    expect(await layerProblems('protocol/made-up.ts', "import { x } from '../src/domain/inn.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await layerProblems('src/cabinet/features/made-up/Page.tsx', "import { x } from '../../../api/app.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await layerProblems('src/cabinet/features/made-up/Page.tsx', "import { x } from '../../lib/api/client.js';\nexport const y = x;\n")).toEqual([]);
  });

  it('lets the composition root import anything', async () => {
    expect(await layerProblems('src/main.ts', "import { x } from './api/app.js';\nimport { z } from './workers/persist/wiring.js';\nexport const y = [x, z];\n")).toEqual([]);
  });
});
