// The library's UMD build, emitted as a file of our own: its Web Worker loads it with importScripts,
// from jsDelivr unless told otherwise, which the Content-Security-Policy (script-src 'self') refuses.
import compressionLibUrl from 'browser-image-compression/dist/browser-image-compression.js?url';

/** The types worth re-encoding in the browser; GIF (animation) and AVIF are sent as they are. */
const COMPRESSIBLE = new Set(['image/jpeg', 'image/png', 'image/webp']);
/** Photos above this size or this many pixels on their longer side are scaled down before upload. */
export const COMPRESS_ABOVE_BYTES = 1.5 * 1024 * 1024;
export const MAX_DIMENSION = 2560;

/**
 * A large photo made smaller before it is sent: at most 2560 px on its longer side, re-encoded in
 * its own format, in a Web Worker so the page stays responsive. Returns the original when it is
 * small already, when the result is not smaller, or when the browser cannot decode it (the
 * server then judges the file). The library is loaded on first use, outside the main bundle.
 * The worker starts from a blob: URL, hence `worker-src blob:` in the router's CSP.
 * @throws DOMException AbortError when `signal` aborts
 */
export async function compressImage(file: File, signal?: AbortSignal): Promise<File> {
  if (!COMPRESSIBLE.has(file.type)) return file;
  if (file.size <= COMPRESS_ABOVE_BYTES && !(await largerThan(file, MAX_DIMENSION))) return file;
  signal?.throwIfAborted();
  const { default: imageCompression } = await import('browser-image-compression');
  let compressed: Blob;
  try {
    compressed = await imageCompression(file, {
      maxSizeMB: COMPRESS_ABOVE_BYTES / (1024 * 1024),
      maxWidthOrHeight: MAX_DIMENSION,
      useWebWorker: true,
      // Absolute: the worker runs from a blob: URL, against which a relative path means nothing.
      libURL: new URL(compressionLibUrl, window.location.href).href,
      fileType: file.type,
      initialQuality: 0.85,
      preserveExif: false,
      ...(signal ? { signal } : {}),
    });
  } catch {
    signal?.throwIfAborted();
    return file; // not decodable here: sent as it is, for the server to accept or refuse
  }
  if (compressed.size >= file.size) return file;
  return new File([compressed], file.name, { type: compressed.type || file.type, lastModified: file.lastModified });
}

/** Whether the image is wider or taller than `limit`; false when the browser cannot decode it. */
async function largerThan(file: File, limit: number): Promise<boolean> {
  try {
    const bitmap = await createImageBitmap(file);
    const larger = Math.max(bitmap.width, bitmap.height) > limit;
    bitmap.close();
    return larger;
  } catch {
    return false;
  }
}
