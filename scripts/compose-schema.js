#!/usr/bin/env node
// Prints each subgraph's SDL, composes the supergraph with @apollo/composition and writes the
// client-facing API schema. With --check, writes nothing and fails when a committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
import { printSubgraphSdl } from '@chirpchat/kit';
import { buildUsersSchema } from '@chirpchat/users';
import { buildChatSchema } from '@chirpchat/chat';
import { buildNotificationsSchema } from '@chirpchat/notifications';
import { buildMediaSchema } from '@chirpchat/media';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

/** Subgraph name → how to build its schema and the URL composition records (the router overrides it). */
const subgraphs = [
  { name: 'users', build: buildUsersSchema, url: 'http://users:4001/graphql' },
  { name: 'chat', build: buildChatSchema, url: 'http://chat:4002/graphql' },
  { name: 'notifications', build: buildNotificationsSchema, url: 'http://notifications:4003/graphql' },
  { name: 'media', build: buildMediaSchema, url: 'http://media:4004/graphql' },
];

const outputs = new Map();
const services = [];
for (const subgraph of subgraphs) {
  const sdl = printSubgraphSdl(await subgraph.build());
  outputs.set(path.join('subgraphs', subgraph.name, 'schema.graphql'), sdl);
  services.push({ name: subgraph.name, typeDefs: parse(sdl), url: subgraph.url });
}
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) console.error(`composition: ${error.message}`);
  process.exit(1);
}
outputs.set(path.join('schema', 'supergraph.graphql'), result.supergraphSdl.trim() + '\n');
outputs.set(path.join('schema', 'api.graphql'), printSchema(result.schema.toAPISchema().toGraphQLJSSchema()).trim() + '\n');

const stale = [];
for (const [file, content] of outputs) {
  const target = path.join(root, file);
  const current = await readFile(target, 'utf8').catch(() => null);
  if (current === content) continue;
  if (check) stale.push(file);
  else {
    await writeFile(target, content);
    console.log(`wrote ${file}`);
  }
}
if (stale.length > 0) {
  console.error(`Committed schema is stale: ${stale.join(', ')}. Run \`npm run schema\` and commit the result.`);
  process.exit(1);
}
if (check) console.log('schema: committed SDL matches the code');
