import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * One entry of the audit trail. Chat and users both answer lists of them (`mySecurityEvents`,
 * `conversationAuditLog`), so it is a value type they share; `actor` and `targetUser` are
 * resolved from `actorId` and `targetUserId`, which are not fields.
 */
@ObjectType('AuditEvent')
@Directive('@shareable')
export class AuditEvent {
  @Field((_type) => ID)
  id!: string;

  @Field((_type) => String, { description: 'What happened, e.g. "sign_in.failed" or "member.role_changed".' })
  action!: string;

  @Field((_type) => Date)
  at!: Date;

  actorId!: string | null;

  targetUserId!: string | null;

  @Field((_type) => ID, { nullable: true })
  conversationId!: string | null;

  @Field((_type) => ID, { nullable: true, description: 'What was acted on: a message, a file, a session, a push subscription.' })
  subjectId!: string | null;

  @Field((_type) => String, {
    nullable: true,
    description: 'For member.role_changed the role given, for member.removed the role they had.',
  })
  role!: string | null;

  @Field((_type) => String, { nullable: true, description: 'The client address the action came from.' })
  address!: string | null;

  @Field((_type) => String, { nullable: true })
  userAgent!: string | null;
}
