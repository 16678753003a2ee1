import { computed, ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { Failure } from '../../graphql/errors';

/**
 * What the sign-in and register forms share: a busy flag, the failure from the server split
 * into the field it names and a message for the rest, and where to go once signed in.
 */
export function useAuthForm() {
  const router = useRouter();
  const route = useRoute();
  const busy = ref(false);
  const failure = ref<Failure | null>(null);

  async function submit(run: () => Promise<Failure | null>): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    failure.value = null;
    try {
      failure.value = await run();
    } finally {
      busy.value = false;
    }
    if (failure.value) return;
    const next = typeof route.query.next === 'string' && /^\/(?!\/)/.test(route.query.next) ? route.query.next : '/';
    await router.replace(next);
  }

  return {
    busy,
    submit,
    /** The message for `field`, when the server named it. */
    fieldError: (field: string) => computed(() => (failure.value?.field === field ? failure.value.message : null)),
    /** The message for everything not tied to one of `fields`. */
    formError: (fields: string[]) =>
      computed(() => (failure.value && !fields.includes(failure.value.field ?? '') ? failure.value.message : null)),
  };
}
