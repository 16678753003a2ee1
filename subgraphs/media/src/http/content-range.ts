/** A chunk's place in the whole file, from `Content-Range: bytes <start>-<end>/<total>` (end inclusive). */
export interface ChunkRange {
  start: number;
  end: number;
  total: number;
}

/** @returns the range, null when the header is absent (the whole file in one request), or 'invalid' */
export function parseContentRange(header: string | undefined): ChunkRange | null | 'invalid' {
  if (header === undefined) return null;
  const match = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(header.trim());
  if (!match) return 'invalid';
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (start > end || end >= total) return 'invalid';
  return { start, end, total };
}
