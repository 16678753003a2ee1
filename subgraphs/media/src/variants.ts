import type { MediaKindName } from './kinds.js';

/** The variant names of `MediaVariants` in the API. */
export type VariantName = 'thumbnail' | 'preview' | 'poster' | 'animatedPreview' | 'mp4' | 'hls' | 'dash' | 'audio';

/**
 * The variants each kind is processed into, as Cloudinary eager transformation strings (the form
 * its upload notifications report them back in). The local store makes the same variants with
 * sharp and ffmpeg and reports them under the same strings, so one webhook handler maps both.
 */
export const EAGER_VARIANTS: Readonly<Record<MediaKindName, Partial<Record<VariantName, string>>>> = {
  IMAGE: {
    thumbnail: 'c_fill,g_auto,h_250,w_250/jpg',
    preview: 'c_limit,w_800/webp',
  },
  VIDEO: {
    mp4: 'ac_aac,vc_h264/mp4',
    hls: 'sp_auto/m3u8',
    poster: 'so_0/jpg',
    thumbnail: 'c_fill,g_auto,h_250,so_0,w_250/jpg',
    animatedPreview: 'ac_none,e_preview:duration_3,w_480/mp4',
  },
  AUDIO: {
    audio: 'ac_aac/m4a',
  },
  DOCUMENT: {},
};

/** The variant a transformation string produced, for a media of `kind`; null for one we did not ask for. */
export function variantForTransformation(kind: MediaKindName, transformation: string): VariantName | null {
  for (const [name, value] of Object.entries(EAGER_VARIANTS[kind]) as Array<[VariantName, string]>) {
    if (value === transformation) return name;
  }
  return null;
}
