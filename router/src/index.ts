export { createRouter, type RouterOptions } from './router.js';
export { createProduct, type Product, type ProductOptions, type ProductSubgraph, type SubgraphName } from './product.js';
export { webAppRoutes } from './static.js';
export { webDistPath } from './paths.js';
