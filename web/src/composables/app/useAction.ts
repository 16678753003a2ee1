import { ref } from 'vue';
import { toFailure, type Failure } from '../../graphql/errors';

/**
 * Runs user actions (mutations from buttons and forms) one kind at a time: `busy` while one
 * runs, `failure` says what went wrong, and `run` answers whether it worked instead of throwing.
 */
export function useAction() {
  const failure = ref<Failure | null>(null);
  const busy = ref(false);

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    failure.value = null;
    try {
      await action();
      return true;
    } catch (error) {
      failure.value = toFailure(error);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { failure, busy, run };
}
