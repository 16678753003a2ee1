import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; this file runs from router/dist/src. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The committed supergraph the router serves. */
export const supergraphPath = path.join(repoRoot, 'schema', 'supergraph.graphql');

/** The built web app (`npm run build` in web/), served by the router when present. */
export const webDistPath = path.join(repoRoot, 'web', 'dist');
