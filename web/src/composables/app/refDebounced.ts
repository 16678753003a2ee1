import { customRef, watch, type Ref } from 'vue';

/** A copy of `source` that follows it once it has not changed for `ms`. */
export function refDebounced<T>(source: Ref<T>, ms: number): Readonly<Ref<T>> {
  let value = source.value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return customRef((track, trigger) => {
    watch(source, (next) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        value = next;
        trigger();
      }, ms);
    });
    return {
      get: () => (track(), value),
      set: () => undefined,
    };
  });
}
