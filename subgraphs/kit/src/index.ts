import 'reflect-metadata';

export * from './auth.js';
export * from './batch-loader.js';
export * from './bus.js';
export * from './channel.js';
export * from './config.js';
export * from './container.js';
export * from './context.js';
export * from './database.js';
export * from './errors.js';
export * from './federation.js';
export * from './jobs.js';
export * from './logger.js';
export * from './scalars.js';
export * from './server.js';
export * from './subgraph.js';
export * from './process.js';
export * from './redis.js';
