import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; this file runs from router/dist/src. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The committed supergraph the router serves. */
export const supergraphPath = path.join(repoRoot, 'schema', 'supergraph.graphql');
