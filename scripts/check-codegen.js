#!/usr/bin/env node
// Fails when the committed typed documents (web/src/graphql/generated) are not what
// `npm run codegen` makes from schema/api.graphql and the operations in web/src today.
// It regenerates into a temporary folder (CODEGEN_OUT_DIR, see codegen.ts) and compares.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committedDir = path.join(root, 'web', 'src', 'graphql', 'generated');
const cliPackage = JSON.parse(await readFile(path.join(root, 'node_modules', '@graphql-codegen', 'cli', 'package.json'), 'utf8'));
const cli = path.join(root, 'node_modules', '@graphql-codegen', 'cli', cliPackage.bin['graphql-codegen']);

const freshDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-codegen-'));
try {
  const run = spawnSync(process.execPath, [cli, '--config', 'codegen.ts'], {
    cwd: root,
    env: { ...process.env, CODEGEN_OUT_DIR: freshDir },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    console.error(`codegen failed (an operation in web/src does not fit schema/api.graphql?):\n${run.stdout}${run.stderr}`);
    process.exit(1);
  }
  const files = new Set([...(await readdir(freshDir)), ...(await readdir(committedDir).catch(() => []))]);
  const stale = [];
  for (const file of files) {
    const fresh = await readFile(path.join(freshDir, file), 'utf8').catch(() => null);
    const committed = await readFile(path.join(committedDir, file), 'utf8').catch(() => null);
    if (fresh !== committed) stale.push(path.relative(root, path.join(committedDir, file)));
  }
  if (stale.length > 0) {
    console.error(`Generated GraphQL code is stale: ${stale.join(', ')}. Run \`npm run codegen\` and commit the result.`);
    process.exit(1);
  }
  console.log('codegen: committed typed documents match schema/api.graphql and web/src operations');
} finally {
  await rm(freshDir, { recursive: true, force: true });
}
