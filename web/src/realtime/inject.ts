import { inject, type InjectionKey } from 'vue';
import type { RealtimeTransport } from './transport';

export const RealtimeKey: InjectionKey<RealtimeTransport> = Symbol('realtime transport');

/** The app's realtime transport (installed by modules/apollo.ts). */
export function useRealtime(): RealtimeTransport {
  const transport = inject(RealtimeKey);
  if (!transport) throw new Error('useRealtime() needs the apollo module installed (src/modules/apollo.ts)');
  return transport;
}
