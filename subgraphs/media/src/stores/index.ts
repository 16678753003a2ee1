/**
 * `@chirpchat/media/stores`: where files live and how their URLs are signed, usable without the
 * subgraph (no database, no server): the store contract, the Cloudinary and local stores, and
 * the variants every store makes.
 */
export { createCloudinaryStore, parseCloudinaryUrl, CloudinaryUrlError } from './cloudinary.store.js';
export type { CloudinaryCredentials, CloudinaryStoreOptions, SignatureAlgorithm } from './cloudinary.store.js';
export { LocalStore, type LocalStoreOptions, type UploadGrant } from './local.store.js';
export type { DirectUpload, MediaStore, StoredMedia, StoredVariant, TicketRequest } from './store.js';
export { EAGER_VARIANTS, variantForTransformation, type VariantName } from '../variants.js';
export type { MediaKindName } from '../kinds.js';
