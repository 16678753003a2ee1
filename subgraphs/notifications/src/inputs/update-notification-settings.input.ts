import { Field, InputType } from 'type-graphql';

/** The settings to change; those left out keep their value. */
@InputType('UpdateNotificationSettingsInput')
export class UpdateNotificationSettingsInput {
  @Field((_type) => Boolean, { nullable: true })
  showPreviews?: boolean | null;

  @Field((_type) => Boolean, { nullable: true })
  notifyMentionsWhenMuted?: boolean | null;
}
