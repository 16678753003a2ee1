export { createRouter, RATE_LIMITED_CLOSE_CODE, type RouterOptions, type RouterServer, type SocketLimits } from './router.js';
export { LiveRegistry } from './subscriptions/live-registry.js';
export { TOO_SLOW_CLOSE_CODE, type LiveLimits } from './subscriptions/subscription-executor.js';
export { createProduct, type Product, type ProductOptions, type ProductSubgraph, type SubgraphName } from './product.js';
export { webAppRoutes } from './static.js';
export { webDistPath } from './paths.js';
