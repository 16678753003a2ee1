const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Conversation and message ids are UUIDs; anything else cannot exist, and checking first keeps
 * a malformed id from reaching PostgreSQL as a type error.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
