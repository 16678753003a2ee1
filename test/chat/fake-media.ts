import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file as the stand-in media subgraph describes it through `_entities`. */
export interface FakeMedia {
  id: string;
  kind: 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT';
  status: 'UPLOADING' | 'PROCESSING' | 'READY' | 'FAILED';
  conversationId: string | null;
  uploader: { id: string };
}

/**
 * Stands in for the media subgraph (which chat and users only reach through `_entities`): answers
 * `Media` references from the files added to it, null for any other id — as media does for a file
 * the caller may not see — and records the Authorization each lookup came with.
 */
export class FakeMediaSubgraph {
  readonly files = new Map<string, FakeMedia>();
  readonly authorizations: Array<string | undefined> = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.authorizations.push(req.headers.authorization);
        const { variables } = JSON.parse(body) as { variables: { r: Array<{ __typename: string; id: string }> } };
        const entities = variables.r.map((r) => (r.__typename === 'Media' ? (this.files.get(r.id) ?? null) : null));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { _entities: entities } }));
      });
    });
  }

  /** Adds a file (READY IMAGE unless told otherwise) and returns its id. */
  add(uploaderId: string, conversationId: string | null, changes: Partial<Omit<FakeMedia, 'id'>> = {}): string {
    const id = randomUUID();
    this.files.set(id, { id, kind: 'IMAGE', status: 'READY', conversationId, uploader: { id: uploaderId }, ...changes });
    return id;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
