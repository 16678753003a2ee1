/**
 * Object URLs of images being sent, by media id: the sender sees their own picture in the
 * "Sending…" row and while the server processes it, instead of an empty placeholder. Released
 * once the server's thumbnail exists (or processing failed), or when the draft is removed.
 */
const previews = new Map<string, string>();

export function keepPreview(mediaId: string, url: string): void {
  previews.set(mediaId, url);
}

export function previewFor(mediaId: string): string | null {
  return previews.get(mediaId) ?? null;
}

export function releasePreview(mediaId: string): void {
  const url = previews.get(mediaId);
  if (url === undefined) return;
  previews.delete(mediaId);
  // A moment later: the row may still be showing it until the thumbnail has loaded.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Signed out: nothing of this person's stays. */
export function releaseAllPreviews(): void {
  for (const url of previews.values()) URL.revokeObjectURL(url);
  previews.clear();
}
