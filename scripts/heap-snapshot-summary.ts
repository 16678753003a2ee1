// The largest kinds of object in a V8 heap snapshot (`node --heapsnapshot-signal`, or
// `v8.writeHeapSnapshot()`): self sizes summed by constructor (objects), by function (closures)
// or by V8's own kind (strings, arrays, code …), and what one snapshot holds beyond another. Used
// by bench:rooms --heap-snapshot to say where a socket's bytes go; also a command: `node scripts/heap-snapshot-summary.ts <file.heapsnapshot> [top] [per]`.
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
  /** Every kind, largest first. */
  kinds: HeapEntry[];
}

/** Reads a `.heapsnapshot` (it must fit in one string: a few hundred MB) and sums it up by kind. */
export async function summarizeHeapSnapshot(file: string): Promise<HeapSummary> {
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
  return { file, totalBytes, kinds: [...kinds.values()].sort((a, b) => b.bytes - a.bytes) };
}

/** What `after` holds beyond `before`, by kind, largest growth first: e.g. what N sockets added. */
export function heapGrowth(before: HeapSummary, after: HeapSummary): HeapSummary {
  const earlier = new Map(before.kinds.map((entry) => [entry.kind, entry]));
  const kinds = after.kinds.map(({ kind, count, bytes }) => ({
    kind,
    count: count - (earlier.get(kind)?.count ?? 0),
    bytes: bytes - (earlier.get(kind)?.bytes ?? 0),
  }));
  return {
    file: `${path.basename(after.file)} − ${path.basename(before.file)}`,
    totalBytes: after.totalBytes - before.totalBytes,
    kinds: kinds.sort((a, b) => b.bytes - a.bytes),
  };
}

/** Prints the `top` kinds of a summary; with `per` (e.g. the number of sockets), counts and bytes are also shown per one of them. */
export function printHeapSummary(summary: HeapSummary, top = 20, per?: number): void {
  console.log(`${path.basename(summary.file)}: ${(summary.totalBytes / 2 ** 20).toFixed(1)} MiB of live heap objects`);
  console.table(
    summary.kinds.slice(0, top).map(({ kind, count, bytes }) => ({
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
  printHeapSummary(await summarizeHeapSnapshot(file), Number(top ?? 30), per ? Number(per) : undefined);
}
