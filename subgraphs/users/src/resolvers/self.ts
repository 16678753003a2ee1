import type { RequestContext } from '@chirpchat/kit';

/** Users whose credentials this request has just presented (register, login, refresh). */
const provenInRequest = new WeakMap<RequestContext, Set<string>>();

/**
 * Records that the caller proved to be `userId` within this request, so that the
 * `AuthPayload.user` they get back shows their own email although they sent no access token.
 */
export function markSignedIn(context: RequestContext, userId: string): void {
  provenInRequest.set(context, (provenInRequest.get(context) ?? new Set()).add(userId));
}

/** True when the caller is `userId`: by access token, or by credentials given in this request. */
export function isSelf(context: RequestContext, userId: string): boolean {
  return context.viewer?.id === userId || (provenInRequest.get(context)?.has(userId) ?? false);
}
