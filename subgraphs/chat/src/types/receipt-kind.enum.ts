import { registerEnumType } from 'type-graphql';

/** Which of a member's two cursors moved. */
export enum ReceiptKind {
  DELIVERED = 'DELIVERED',
  READ = 'READ',
}

registerEnumType(ReceiptKind, { name: 'ReceiptKind' });
