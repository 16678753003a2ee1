// What the subgraphs agree on with each other; each file names the subgraph that owns it.
export * from './chat.js';
export * from './media.js';
export * from './presence.js';
