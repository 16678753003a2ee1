/** The parts of a `CLOUDINARY_URL` (`cloudinary://<api_key>:<api_secret>@<cloud_name>[/<secure_distribution>][?<option>=<value>…]`). */
export interface CloudinaryCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** Where the Upload and Admin APIs live; the SDK's default is `https://api.cloudinary.com`. Tests point it at a loopback fake. */
  uploadPrefix?: string;
  /** A private CDN host, from the URL's path (`…@cloud/media.example.com`) or `secure_distribution=`. */
  secureDistribution?: string;
  /** Whether the account has a private CDN distribution (`private_cdn=true`, or a path in the URL as the SDK reads it). */
  privateCdn: boolean;
  /** A custom delivery host for plain-HTTP URLs (`cname=`); only used when `secure` is false. */
  cname?: string;
  /** Whether delivery URLs use https. @default true */
  secure: boolean;
  /** Every query option, as written (the SDK reads the same ones into its config). */
  params: Record<string, string>;
}

/** A `CLOUDINARY_URL` that cannot be used; the message names the variable and says what is wrong. */
export class CloudinaryUrlError extends Error {
  constructor(problem: string) {
    super(`CLOUDINARY_URL ${problem}`);
    this.name = 'CloudinaryUrlError';
  }
}

/**
 * Reads a `CLOUDINARY_URL` the way the cloudinary SDK does, without touching the SDK's global config,
 * so the store can pass credentials per call and one process can hold several accounts (tests do).
 */
export function parseCloudinaryUrl(value: string): CloudinaryCredentials {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new CloudinaryUrlError('must be a URL of the form cloudinary://<api_key>:<api_secret>@<cloud_name>');
  }
  if (url.protocol !== 'cloudinary:') throw new CloudinaryUrlError(`must start with cloudinary:// (it starts with ${url.protocol}//)`);
  const apiKey = decodeURIComponent(url.username);
  const apiSecret = decodeURIComponent(url.password);
  const cloudName = url.hostname;
  if (!apiKey) throw new CloudinaryUrlError('has no API key (cloudinary://<api_key>:<api_secret>@<cloud_name>)');
  if (!apiSecret) throw new CloudinaryUrlError('has no API secret (cloudinary://<api_key>:<api_secret>@<cloud_name>)');
  if (!cloudName) throw new CloudinaryUrlError('has no cloud name (cloudinary://<api_key>:<api_secret>@<cloud_name>)');

  const params = Object.fromEntries(url.searchParams.entries());
  const pathDistribution = url.pathname && url.pathname !== '/' ? url.pathname.slice(1) : undefined;
  const uploadPrefix = params.upload_prefix?.replace(/\/+$/, '');
  if (uploadPrefix !== undefined && !/^https?:\/\/[^/]+$/.test(uploadPrefix)) {
    throw new CloudinaryUrlError(`upload_prefix must be an http(s) origin such as https://api.cloudinary.com (got ${uploadPrefix})`);
  }
  return {
    cloudName,
    apiKey,
    apiSecret,
    uploadPrefix,
    secureDistribution: params.secure_distribution ?? pathDistribution,
    privateCdn: params.private_cdn !== undefined ? booleanParam('private_cdn', params.private_cdn) : pathDistribution !== undefined,
    cname: params.cname,
    secure: params.secure !== undefined ? booleanParam('secure', params.secure) : true,
    params,
  };
}

function booleanParam(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new CloudinaryUrlError(`option ${name} must be true or false (got ${value})`);
}

/**
 * The origins a browser talks to for media on this Cloudinary account: the upload API and the
 * delivery host. The web app's Content-Security-Policy allows them.
 */
export function cloudinaryOrigins(value: string): string[] {
  const credentials = parseCloudinaryUrl(value);
  const upload = credentials.uploadPrefix ?? 'https://api.cloudinary.com';
  const delivery = credentials.secure
    ? `https://${credentials.secureDistribution ?? 'res.cloudinary.com'}`
    : `http://${credentials.cname ?? 'res.cloudinary.com'}`;
  return [...new Set([upload, delivery])];
}
