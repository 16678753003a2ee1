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
export * from './events.js';
export * from './federation.js';
export * from './jobs.js';
export * from './logger.js';
export * from './media-facts.js';
export * from './presence.js';
export * from './scalars.js';
export * from './server.js';
