#!/usr/bin/env node
// Fails when the committed typed documents (web/src/graphql/generated, test/support/generated)
// are not what `npm run codegen` makes from the schemas and the operations in web/src and test/graphql today.
// It regenerates into a temporary folder (CODEGEN_OUT_DIR, see codegen.ts) and compares.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The folders codegen.ts writes, relative to the root. */
const generatedDirs = ['web/src/graphql/generated', 'test/support/generated'];
const cliPackage = JSON.parse(await readFile(path.join(root, 'node_modules', '@graphql-codegen', 'cli', 'package.json'), 'utf8'));
const cli = path.join(root, 'node_modules', '@graphql-codegen', 'cli', cliPackage.bin['graphql-codegen']);

const freshRoot = await mkdtemp(path.join(tmpdir(), 'chirpchat-codegen-'));
try {
  const run = spawnSync(process.execPath, [cli, '--config', 'codegen.ts'], {
    cwd: root,
    env: { ...process.env, CODEGEN_OUT_DIR: freshRoot },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    console.error(`codegen failed (an operation in web/src or test/graphql does not fit its schema?):\n${run.stdout}${run.stderr}`);
    process.exit(1);
  }
  const stale = [];
  for (const dir of generatedDirs) {
    const freshDir = path.join(freshRoot, dir);
    const committedDir = path.join(root, dir);
    const files = new Set([...(await readdir(freshDir).catch(() => [])), ...(await readdir(committedDir).catch(() => []))]);
    for (const file of files) {
      const fresh = await readFile(path.join(freshDir, file), 'utf8').catch(() => null);
      const committed = await readFile(path.join(committedDir, file), 'utf8').catch(() => null);
      if (fresh !== committed) stale.push(path.join(dir, file));
    }
  }
  if (stale.length > 0) {
    console.error(`Generated GraphQL code is stale: ${stale.join(', ')}. Run \`npm run codegen\` and commit the result.`);
    process.exit(1);
  }
  console.log('codegen: committed typed documents match the schemas and the operations in web/src and test/graphql');
} finally {
  await rm(freshRoot, { recursive: true, force: true });
}
