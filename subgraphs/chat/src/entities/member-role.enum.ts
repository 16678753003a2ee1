import { registerEnumType } from 'type-graphql';

/** A member's standing in a conversation; the creator is its OWNER. */
export enum MemberRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}

registerEnumType(MemberRole, { name: 'MemberRole' });
