import { inject, ref, type InjectionKey, type Ref } from 'vue';

export interface PwaUpdate {
  /** A new version is installed and waiting. */
  available: Readonly<Ref<boolean>>;
  /** Lets the new version take over; the page reloads when it does. */
  apply(): Promise<void>;
}

export const PwaUpdateKey: InjectionKey<PwaUpdate> = Symbol('pwa update');

/** The update prompt's state (modules/pwa.ts provides it; without a service worker it never shows). */
export function usePwaUpdate(): PwaUpdate {
  return inject(PwaUpdateKey, { available: ref(false), apply: async () => undefined });
}
