import type { EntityManager } from '@chirpchat/kit';
import { User } from '../entities/user.entity.js';

interface Waiter {
  resolve(user: User | null): void;
  reject(error: unknown): void;
}

/**
 * Loads users by id for one request, batching every id asked for in the same tick into one
 * query — `_entities` asks for each representation separately, often dozens at once (the
 * senders of a page of messages).
 */
export class UserLoader {
  private queue = new Map<string, Waiter[]>();

  constructor(private readonly em: EntityManager) {}

  load(id: string): Promise<User | null> {
    return new Promise((resolve, reject) => {
      if (this.queue.size === 0) queueMicrotask(() => void this.dispatch());
      this.queue.set(id, [...(this.queue.get(id) ?? []), { resolve, reject }]);
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = new Map();
    try {
      const users = await this.em.find(User, { id: { $in: [...batch.keys()] } });
      const byId = new Map(users.map((user) => [user.id, user]));
      for (const [id, waiters] of batch) for (const waiter of waiters) waiter.resolve(byId.get(id) ?? null);
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
