export { createRouter, type RouterOptions } from './router.js';
export { startAllInOne, type AllInOne } from './all-in-one.js';
export { webAppRoutes } from './static.js';
export { webDistPath } from './paths.js';
