/** The worker's global scope, typed: this folder compiles with the WebWorker library, where `self` is only a generic worker. */
export const worker = self as unknown as ServiceWorkerGlobalScope;
