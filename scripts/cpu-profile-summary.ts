// The top entries of a V8 CPU profile (`node --cpu-prof`): functions by self and by inclusive
// time, and packages by inclusive time, as shares of the time the process was busy (not idle).
// Used by the benchmarks; also a command: `node scripts/cpu-profile-summary.ts <file.cpuprofile> [top]`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of a summary: a function (or package) and its time. */
export interface ProfileEntry {
  name: string;
  ms: number;
  /** Of the busy time, in per cent. */
  busyPercent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  busyMs: number;
  self: ProfileEntry[];
  inclusive: ProfileEntry[];
  /** As `inclusive`, without Node's own functions (the event loop, streams), which top every list. */
  inclusiveInPackages: ProfileEntry[];
  packages: ProfileEntry[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where a frame's code lives, short: `pkg/file.js:line`, `router/dist/…:line`, `node:…`. */
function location(url: string, line: number): string {
  if (!url) return '';
  let file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) file = file.slice(modules + '/node_modules/'.length);
  else if (file.startsWith(root)) file = path.relative(root, file);
  return `${file}:${line + 1}`;
}

/** The npm package (or workspace, or `node`) that a frame's code belongs to. */
function packageOf(url: string): string | null {
  if (!url) return null;
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const file = path.relative(root, url.replace(/^file:\/\//, ''));
  const workspace = /^(subgraphs\/[^/]+|router|scripts|test)\//.exec(file);
  return workspace ? `chirpchat ${workspace[1]}` : null;
}

/** Reads a `.cpuprofile` and summarizes it; `top` entries per list. */
export async function summarizeCpuProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

  const name = (node: ProfileNode) => {
    const frame = node.callFrame;
    const where = location(frame.url, frame.lineNumber);
    return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  /** Names of frames in npm packages or the workspaces (not Node's own, not native). */
  const inPackages = new Set<string>();
  const packages = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;

  // Walk the tree once, keeping the names and packages on the path to the root (each counted
  // once per sample, however often recursion repeats it).
  const onPath = new Map<string, number>();
  const packagesOnPath = new Map<string, number>();
  const enter = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const leave = (map: Map<string, number>, key: string) => {
    const count = map.get(key)! - 1;
    if (count === 0) map.delete(key);
    else map.set(key, count);
  };
  const rootNode = profile.nodes[0]!;
  const stack: Array<{ node: ProfileNode; exit: boolean }> = [{ node: rootNode, exit: false }];
  while (stack.length) {
    const { node, exit } = stack.pop()!;
    const key = name(node);
    const pkg = packageOf(node.callFrame.url);
    if (exit) {
      leave(onPath, key);
      if (pkg) leave(packagesOnPath, pkg);
      continue;
    }
    enter(onPath, key);
    if (pkg) enter(packagesOnPath, pkg);
    if (pkg && !node.callFrame.url.startsWith('node:')) inPackages.add(key);
    const ms = selfMs.get(node.id) ?? 0;
    if (ms > 0) {
      totalMs += ms;
      if (node.callFrame.functionName === '(idle)') idleMs += ms;
      else {
        self.set(key, (self.get(key) ?? 0) + ms);
        for (const onPathKey of onPath.keys())
          if (onPathKey !== name(rootNode)) inclusive.set(onPathKey, (inclusive.get(onPathKey) ?? 0) + ms);
        for (const onPathPackage of packagesOnPath.keys()) packages.set(onPathPackage, (packages.get(onPathPackage) ?? 0) + ms);
      }
    }
    stack.push({ node, exit: true });
    for (const child of node.children ?? []) stack.push({ node: byId.get(child)!, exit: false });
  }

  const busyMs = totalMs - idleMs;
  const ranked = (map: Map<string, number>): ProfileEntry[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([entry, ms]) => ({ name: entry, ms: Math.round(ms), busyPercent: +((100 * ms) / (busyMs || 1)).toFixed(1) }));
  return {
    file: path.relative(root, file),
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    self: ranked(self),
    inclusive: ranked(inclusive),
    inclusiveInPackages: ranked(new Map([...inclusive].filter(([key]) => inPackages.has(key)))),
    packages: ranked(packages),
  };
}

/** Prints a summary as three tables. */
export function printProfileSummary(summary: ProfileSummary): void {
  console.log(
    `${summary.file}: ${(summary.totalMs / 1000).toFixed(1)} s profiled, busy ${(summary.busyMs / 1000).toFixed(1)} s (${((100 * summary.busyMs) / (summary.totalMs || 1)).toFixed(0)} %)`,
  );
  const titles = {
    self: 'self time',
    inclusive: 'inclusive time',
    inclusiveInPackages: "inclusive time, outside Node's own modules",
    packages: 'package (inclusive time)',
  };
  for (const list of ['self', 'inclusive', 'inclusiveInPackages', 'packages'] as const) {
    console.log(`top by ${titles[list]}, % of busy time:`);
    console.table(
      summary[list].map((entry) => ({ ms: entry.ms, '%': entry.busyPercent, [list === 'packages' ? 'package' : 'function']: entry.name })),
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/cpu-profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  printProfileSummary(await summarizeCpuProfile(file, top ? Number(top) : 15));
}
