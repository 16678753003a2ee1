import { registerEnumType } from 'type-graphql';

/** Whether a user holds a live socket on any router instance right now. */
export enum Presence {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
}

registerEnumType(Presence, { name: 'Presence' });
