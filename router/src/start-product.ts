import { runMain, stopOnSignals } from '@chirpchat/kit';
import { createProduct } from './product.js';
import { productConfig } from './product-config.js';

// `npm start`: the whole product in one process, configured from the environment (see productConfig).
await runMain(async () => {
  const { options, logger, release } = await productConfig();
  const product = await createProduct(options).catch(async (error: unknown) => {
    await release();
    throw error;
  });
  const local = (pathname: string) => new URL(pathname, product.url).toString().replace('127.0.0.1', 'localhost');
  logger.info(`ChirpChat is up: the app at ${local('/')}, GraphQL at ${local('/graphql')}, health at ${local('/health')}`);
  stopOnSignals(
    logger,
    () => product.close(),
    () => release(),
  );
});
