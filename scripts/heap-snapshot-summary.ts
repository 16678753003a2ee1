// The largest kinds of object in a V8 heap snapshot (`node --heapsnapshot-signal`, or
// `v8.writeHeapSnapshot()`): self sizes summed by constructor (objects), by function (closures)
// or by V8's own kind (strings, arrays, code …). Used by bench:rooms --heap-snapshot to say where
// a socket's bytes go; also a command: `node scripts/heap-snapshot-summary.ts <file.heapsnapshot> [top] [per]`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapEntry {
  kind: string;
  count: number;
  bytes: number;
}

export interface HeapSummary {
  file: string;
  totalBytes: number;
  top: HeapEntry[];
}

/** Reads a `.heapsnapshot` (it must fit in one string: a few hundred MB) and sums it up; `top` kinds. */
export async function summarizeHeapSnapshot(file: string, top = 20): Promise<HeapSummary> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const kinds = new Map<string, HeapEntry>();
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const bytes = snapshot.nodes[i + sizeAt]!;
    const kind = type === 'object' || type === 'closure' ? `${snapshot.strings[snapshot.nodes[i + nameAt]!]} (${type})` : `(${type})`;
    const entry = kinds.get(kind) ?? { kind, count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += bytes;
    kinds.set(kind, entry);
    totalBytes += bytes;
  }
  return { file, totalBytes, top: [...kinds.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top) };
}

/** Prints a summary; with `per` (e.g. the number of sockets), counts and bytes are also shown per one of them. */
export function printHeapSummary(summary: HeapSummary, per?: number): void {
  console.log(`${path.basename(summary.file)}: ${(summary.totalBytes / 2 ** 20).toFixed(1)} MiB of live heap objects`);
  console.table(
    summary.top.map(({ kind, count, bytes }) => ({
      kind,
      count,
      MiB: +(bytes / 2 ** 20).toFixed(2),
      ...(per ? { [`per ${per}: count`]: +(count / per).toFixed(2), [`per ${per}: B`]: Math.round(bytes / per) } : {}),
    })),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top, per] = process.argv.slice(2);
  if (!file) throw new Error('usage: node scripts/heap-snapshot-summary.ts <file.heapsnapshot> [top] [per]');
  printHeapSummary(await summarizeHeapSnapshot(file, Number(top ?? 30)), per ? Number(per) : undefined);
}
