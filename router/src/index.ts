export { createRouter, type RouterOptions } from './router.js';
export { startAllInOne, type AllInOne } from './all-in-one.js';
