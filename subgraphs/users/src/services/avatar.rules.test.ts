import type { MediaFacts } from '@chirpchat/kit/contracts';
import { describe, expect, it } from 'vitest';
import { checkAvatarMedia } from './avatar.rules.js';

const viewer = 'alice';
const picture = (facts: Partial<MediaFacts> = {}): MediaFacts => ({
  id: 'm1',
  kind: 'IMAGE',
  status: 'READY',
  conversationId: null,
  uploader: { id: viewer },
  ...facts,
});
const inputError = (message: string) =>
  expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field: 'avatarMediaId' } });
const notYours = inputError('There is no file of yours with this id: upload the picture with createUpload first.');

describe('checkAvatarMedia', () => {
  it('accepts an image of the viewer’s, for no conversation, processing or ready', () => {
    expect(() => checkAvatarMedia('m1', picture(), viewer)).not.toThrow();
    expect(() => checkAvatarMedia('m1', picture({ status: 'PROCESSING' }), viewer)).not.toThrow();
  });

  it('gives an unknown id, someone else’s file and a mismatched answer the same refusal', () => {
    expect(() => checkAvatarMedia('m1', null, viewer)).toThrow(notYours);
    expect(() => checkAvatarMedia('m1', picture({ uploader: { id: 'mallory' } }), viewer)).toThrow(notYours);
    expect(() => checkAvatarMedia('m1', picture({ id: 'm2' }), viewer)).toThrow(notYours);
  });

  it('says nothing more about someone else’s file, even one that breaks other rules', () => {
    const theirs = picture({ uploader: { id: 'mallory' }, conversationId: 'c1', kind: 'VIDEO', status: 'FAILED' });
    expect(() => checkAvatarMedia('m1', theirs, viewer)).toThrow(notYours);
  });

  it('refuses a file uploaded for a conversation', () => {
    expect(() => checkAvatarMedia('m1', picture({ conversationId: 'c1' }), viewer)).toThrow(
      inputError('This file was uploaded for a conversation: upload the picture again without a conversationId.'),
    );
  });

  it.each(['VIDEO', 'AUDIO', 'DOCUMENT'] as const)('refuses a %s', (kind) => {
    expect(() => checkAvatarMedia('m1', picture({ kind }), viewer)).toThrow(inputError('A profile picture must be an image.'));
  });

  it('refuses a file still uploading, and one that failed', () => {
    expect(() => checkAvatarMedia('m1', picture({ status: 'UPLOADING' }), viewer)).toThrow(
      inputError('The file has not finished uploading.'),
    );
    expect(() => checkAvatarMedia('m1', picture({ status: 'FAILED' }), viewer)).toThrow(
      inputError('The picture could not be processed: upload it again.'),
    );
  });
});
