import { runMain } from '@chirpchat/kit';
import { startAllInOne } from './all-in-one.js';

// `npm start`: the whole product in one process (see startAllInOne).
await runMain(async () => {
  const app = await startAllInOne();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
