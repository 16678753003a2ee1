import type { MediaFacts } from '@chirpchat/kit/contracts';
import { describe, expect, it } from 'vitest';
import { checkUsableMedia, MAX_ATTACHMENTS, normalizeMediaIds } from './media.rules.js';

const inputError = (field: string, message: string) => expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field } });

const viewer = 'alice';
const conversation = 'c1';
const file = (id: string, facts: Partial<MediaFacts> = {}): MediaFacts => ({
  id,
  kind: 'IMAGE',
  status: 'READY',
  conversationId: conversation,
  uploader: { id: viewer },
  ...facts,
});

describe('normalizeMediaIds', () => {
  it('reads a missing list as no attachments', () => {
    expect(normalizeMediaIds(undefined)).toEqual([]);
    expect(normalizeMediaIds(null)).toEqual([]);
  });

  it('keeps up to 10 distinct ids in the order given, in a new array', () => {
    const ids = Array.from({ length: MAX_ATTACHMENTS }, (_, i) => `m${i}`).reverse();
    const normalized = normalizeMediaIds(ids);
    expect(normalized).toEqual(ids);
    expect(normalized).not.toBe(ids);
  });

  it('refuses more than 10 ids', () => {
    const ids = Array.from({ length: MAX_ATTACHMENTS + 1 }, (_, i) => `m${i}`);
    expect(() => normalizeMediaIds(ids)).toThrow(inputError('mediaIds', 'Attach at most 10 files to one message.'));
  });

  it('refuses an id given twice', () => {
    expect(() => normalizeMediaIds(['m1', 'm2', 'm1'])).toThrow(inputError('mediaIds', 'Attach each file once.'));
  });

  it('names the field the caller gives', () => {
    expect(() => normalizeMediaIds(['m1', 'm1'], 'input.mediaIds')).toThrow(inputError('input.mediaIds', 'Attach each file once.'));
  });
});

describe('checkUsableMedia', () => {
  const check = (
    found: Array<MediaFacts | null>,
    conversationId: string | null = conversation,
    ids = found.map((f, i) => f?.id ?? `m${i}`),
  ) => checkUsableMedia(ids, found, viewer, conversationId, 'mediaIds');

  it('accepts the viewer’s own files for this conversation, processing or ready', () => {
    expect(() => check([file('m1'), file('m2', { status: 'PROCESSING' }), file('m3', { kind: 'DOCUMENT' })])).not.toThrow();
  });

  it('accepts the viewer’s files uploaded for no conversation where none is wanted (stories, profile pictures)', () => {
    expect(() => check([file('m1', { conversationId: null })], null)).not.toThrow();
  });

  it('gives an unknown id, someone else’s file and a mismatched answer the same refusal', () => {
    const refusal = inputError('mediaIds', 'There is no file of yours with id m1: upload it with createUpload first.');
    expect(() => check([null], conversation, ['m1'])).toThrow(refusal);
    expect(() => check([file('m1', { uploader: { id: 'mallory' } })])).toThrow(refusal);
    expect(() => check([file('m2')], conversation, ['m1'])).toThrow(refusal);
  });

  it('refuses a file uploaded for a conversation where none is wanted', () => {
    expect(() => check([file('m1')], null)).toThrow(
      inputError('mediaIds', 'File m1 was uploaded for a conversation: upload it again without a conversationId.'),
    );
  });

  it('refuses a file uploaded for another conversation, or for none', () => {
    const refusal = inputError('mediaIds', 'File m1 was uploaded for another place: upload it again with this conversationId.');
    expect(() => check([file('m1', { conversationId: 'c2' })])).toThrow(refusal);
    expect(() => check([file('m1', { conversationId: null })])).toThrow(refusal);
  });

  it('reads a conversationId the answer leaves out as none', () => {
    const { conversationId: _left, ...withoutConversation } = file('m1');
    expect(() => check([withoutConversation as MediaFacts], null)).not.toThrow();
  });

  it.each([
    ['UPLOADING', 'File m1: the file has not finished uploading.'],
    ['FAILED', 'File m1 could not be processed: upload it again.'],
    ['DELETED', 'File m1 cannot be used (status DELETED).'],
  ])('refuses a file whose status is %s', (status, message) => {
    expect(() => check([file('m1', { status: status as MediaFacts['status'] })])).toThrow(inputError('mediaIds', message));
  });

  it('reports the first file that breaks a rule, on the field given', () => {
    expect(() =>
      checkUsableMedia(['m1', 'm2', 'm3'], [file('m1'), file('m2', { status: 'UPLOADING' }), null], viewer, conversation, 'story.mediaId'),
    ).toThrow(inputError('story.mediaId', 'File m2: the file has not finished uploading.'));
  });
});
