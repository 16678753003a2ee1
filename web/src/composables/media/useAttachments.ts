import { useApolloClient } from '@vue/apollo-composable';
import { computed, reactive, type Ref } from 'vue';
import { toFailure } from '../../graphql/errors';
import { CreateUploadDocument, type MediaKind } from '../../graphql/generated/graphql';
import { newClientId, type OutgoingAttachment } from '../chat/outbox';
import { compressImage } from './compressImage';
import { keepPreview, releaseAllPreviews } from './localPreviews';
import { classify, formatBytes, looksLikeImage } from './mediaRules';
import { uploadFile, type UploadError } from './uploadFile';
import { useMediaLimits } from './useMediaLimits';

/**
 * - `compressing`: a large photo is being made smaller
 * - `uploading`: on its way (`progress` 0–1)
 * - `uploaded`: the server has it; sent by id with the next message
 * - `failed`: see `error`
 * - `cancelled`: stopped by the user; can be tried again
 */
export type AttachmentState = 'compressing' | 'uploading' | 'uploaded' | 'failed' | 'cancelled';

/** A file in the composer's tray. */
export interface DraftAttachment {
  key: string;
  file: File;
  filename: string;
  bytes: number;
  /** Null until the file is checked against the server's limits, and when it is refused. */
  kind: MediaKind | null;
  mimeType: string;
  /** An object URL of the file, for images: the tray's thumbnail. */
  previewUrl: string | null;
  state: AttachmentState;
  progress: number;
  error: UploadError | null;
  /** With FILE_TOO_LARGE: the limit that was passed. */
  maxBytes: number | null;
  /** The server's id, once it has the file. */
  mediaId: string | null;
  controller: AbortController | null;
}

/** Drafts by conversation, outside any component: switching conversations keeps each one's files. */
const drafts = reactive(new Map<string, DraftAttachment[]>());

/** Failures that may go differently a second time. */
const RETRYABLE = new Set<UploadError>(['NETWORK_ERROR', 'SERVER_ERROR', 'CANCELLED']);

/** What the tray says about a file that is not on its way. */
export function attachmentProblem(item: DraftAttachment): string | null {
  switch (item.error) {
    case null:
      return null;
    case 'FILE_TOO_LARGE':
      return item.maxBytes === null ? 'Too large' : `Too large — the limit is ${formatBytes(item.maxBytes)}`;
    case 'INVALID_FILE_TYPE':
      return 'This file type isn’t supported';
    case 'NETWORK_ERROR':
      return 'Network error — retry';
    case 'SERVER_ERROR':
      return 'Upload failed on the server — retry';
    case 'CANCELLED':
      return 'Cancelled';
  }
}

export function canRetry(item: DraftAttachment): boolean {
  return item.error !== null && RETRYABLE.has(item.error);
}

/**
 * The files a person is about to send in one conversation: each is checked against the server's
 * rules (kind, size; SVG refused), made smaller when it is a large photo, given an upload ticket
 * (`createUpload`) and uploaded, with progress, cancel and retry. `take` hands the uploaded ones
 * to the message being sent. Nothing throws: failures are states with a reason.
 */
export function useAttachments(conversationId: Ref<string>) {
  const client = useApolloClient().resolveClient();
  const limits = useMediaLimits();
  const items = computed<DraftAttachment[]>(() => drafts.get(conversationId.value) ?? []);

  function listFor(id: string): DraftAttachment[] {
    let list = drafts.get(id);
    if (!list) {
      drafts.set(id, []);
      list = drafts.get(id)!;
    }
    return list;
  }

  /** Adds files (from the picker or a drop) and starts uploading those that may be sent. */
  function add(files: Iterable<File>): void {
    const id = conversationId.value;
    const list = listFor(id);
    for (const file of files) {
      list.push({
        key: newClientId(),
        file,
        filename: file.name,
        bytes: file.size,
        kind: null,
        mimeType: file.type,
        previewUrl: null,
        state: 'uploading',
        progress: 0,
        error: null,
        maxBytes: null,
        mediaId: null,
        controller: null,
      });
      void upload(id, list.at(-1)!);
    }
  }

  async function upload(id: string, item: DraftAttachment): Promise<void> {
    const fail = (error: UploadError, maxBytes: number | null = null) => {
      item.state = error === 'CANCELLED' ? 'cancelled' : 'failed';
      item.error = error;
      item.maxBytes = maxBytes;
      item.controller = null;
    };
    const controller = new AbortController();
    Object.assign(item, { state: 'uploading', controller, error: null, maxBytes: null, progress: 0, mediaId: null });
    const { signal } = controller;
    // Dropped before the limits have loaded: the file waits for them rather than being refused.
    const rules = limits.current() ?? (await limits.load());
    if (signal.aborted) return fail('CANCELLED');
    if (!rules) return fail('NETWORK_ERROR');
    const type = item.bytes === 0 ? null : classify(item.file, rules);
    if (!type) return fail('INVALID_FILE_TYPE');
    Object.assign(item, { kind: type.kind, mimeType: type.mimeType });
    if (type.kind === 'IMAGE') item.previewUrl ??= URL.createObjectURL(item.file);
    const limit = type.maxBytes;
    // Photos may come under the limit once made smaller; anything else is judged as it is.
    if (type.kind !== 'IMAGE' && item.bytes > limit) return fail('FILE_TOO_LARGE', limit);

    let blob: File = item.file;
    if (item.kind === 'IMAGE') {
      item.state = 'compressing';
      if (!(await looksLikeImage(item.file, item.mimeType))) return fail('INVALID_FILE_TYPE');
      try {
        blob = await compressImage(item.file, signal);
      } catch {
        return fail('CANCELLED');
      }
      if (blob.size > limit) return fail('FILE_TOO_LARGE', limit);
    }
    if (signal.aborted) return fail('CANCELLED');

    item.state = 'uploading';
    let ticket;
    try {
      const { data } = await client.mutate({
        mutation: CreateUploadDocument,
        variables: { input: { conversationId: id, filename: item.filename, mimeType: item.mimeType, bytes: blob.size } },
      });
      ticket = data?.createUpload;
    } catch (error) {
      if (signal.aborted) return fail('CANCELLED');
      const failure = toFailure(error);
      if (failure.code === 'FILE_TOO_LARGE') return fail('FILE_TOO_LARGE', limit);
      if (failure.code === 'INVALID_FILE_TYPE') return fail('INVALID_FILE_TYPE');
      return fail(failure.code === 'NETWORK' ? 'NETWORK_ERROR' : 'SERVER_ERROR');
    }
    if (!ticket) return fail('SERVER_ERROR');
    if (signal.aborted) return fail('CANCELLED');

    const result = await uploadFile({ uploadUrl: ticket.uploadUrl, fields: ticketFields(ticket.fields) }, blob, {
      signal,
      filename: item.filename,
      onProgress: (fraction) => (item.progress = fraction),
    });
    if (!result.ok) return fail(result.error, result.maxBytes ?? (result.error === 'FILE_TOO_LARGE' ? ticket.maxBytes : null));
    Object.assign(item, { state: 'uploaded', progress: 1, mediaId: ticket.media.id, controller: null });
  }

  function find(key: string): DraftAttachment | undefined {
    return items.value.find((item) => item.key === key);
  }

  /** Stops an upload (or the compression before it); the file stays in the tray, to retry or remove. */
  function cancel(key: string): void {
    find(key)?.controller?.abort();
  }

  /** Uploads a failed or cancelled file again, with a new ticket. */
  function retry(key: string): void {
    const item = find(key);
    if (item && (item.state === 'failed' || item.state === 'cancelled') && canRetry(item)) void upload(conversationId.value, item);
  }

  /** Takes a file out of the tray, stopping its upload. */
  function remove(key: string): void {
    const list = drafts.get(conversationId.value);
    const index = list?.findIndex((item) => item.key === key) ?? -1;
    if (!list || index < 0) return;
    const [item] = list.splice(index, 1);
    item?.controller?.abort();
    if (item?.previewUrl) URL.revokeObjectURL(item.previewUrl);
  }

  /**
   * Hands the uploaded files to the message being sent and clears them from the tray; failed
   * ones stay there. Their previews now belong to the message (released once processed).
   */
  function take(): OutgoingAttachment[] {
    const list = drafts.get(conversationId.value);
    if (!list) return [];
    const taken = list.filter((item) => item.state === 'uploaded' && item.mediaId !== null);
    drafts.set(
      conversationId.value,
      list.filter((item) => !taken.includes(item)),
    );
    return taken.map((item) => {
      if (item.previewUrl) keepPreview(item.mediaId!, item.previewUrl);
      return { mediaId: item.mediaId!, kind: item.kind!, filename: item.filename, bytes: item.bytes, previewUrl: item.previewUrl };
    });
  }

  const busy = computed(() => items.value.some((item) => item.state === 'compressing' || item.state === 'uploading'));
  const uploaded = computed(() => items.value.filter((item) => item.state === 'uploaded').length);

  return {
    items,
    /** Some file is still compressing or uploading: sending waits for it. */
    busy,
    /** How many files are ready to go with the next message. */
    uploaded,
    add,
    cancel,
    retry,
    remove,
    take,
  };
}

/** The ticket's form fields (JSON): strings, as the form sends them. */
function ticketFields(fields: unknown): Record<string, string> {
  if (!fields || typeof fields !== 'object') return {};
  return Object.fromEntries(Object.entries(fields as Record<string, unknown>).map(([name, value]) => [name, String(value)]));
}

/** Signed out: every draft's uploads stop and their previews go. */
export function clearAttachmentDrafts(): void {
  for (const list of drafts.values()) {
    for (const item of list) {
      item.controller?.abort();
      if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    }
  }
  drafts.clear();
  releaseAllPreviews();
}
