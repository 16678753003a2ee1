import { registerEnumType } from 'type-graphql';

export enum MediaKind {
  IMAGE = 'IMAGE',
  VIDEO = 'VIDEO',
  AUDIO = 'AUDIO',
  DOCUMENT = 'DOCUMENT',
}

registerEnumType(MediaKind, { name: 'MediaKind' });
