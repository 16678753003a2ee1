import type { EntityManager, Logger } from '@chirpchat/kit';
import type { StoryService } from './story.service.js';

export interface StoryCleanupOptions {
  /** How often to look for expired stories. */
  intervalMs: number;
  /** Rows deleted per statement, so one run never holds many locks for long. @default 1000 */
  batchSize?: number;
  logger: Logger;
}

/**
 * Removes expired stories from the database on a timer. Readers already ignore expired
 * stories, so this only reclaims space and nothing waits for it: a plain periodic timer is
 * enough, and pg-boss (the queue for durable jobs) would add nothing — a run that is missed
 * or interrupted loses nothing, the next one deletes the same rows. Several instances may run
 * it at once, because deleting what another instance deleted is a no-op.
 */
export class StoryCleanupService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(
    private readonly stories: StoryService,
    private readonly rootEm: EntityManager,
    private readonly options: StoryCleanupOptions,
  ) {}

  /** Runs every `intervalMs` from now on. */
  start(): void {
    this.timer ??= setInterval(() => void this.run(), this.options.intervalMs);
    // Never the reason a process stays up.
    this.timer.unref();
  }

  /** Deletes every expired story, a batch at a time; a call during a run joins it. Resolves with the count. */
  run(): Promise<number> {
    this.running ??= this.deleteAll().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops the timer and waits for a run under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async deleteAll(): Promise<number> {
    const batchSize = this.options.batchSize ?? 1000;
    let total = 0;
    try {
      let deleted: number;
      do {
        deleted = await this.stories.deleteExpired(this.rootEm.fork(), batchSize);
        total += deleted;
      } while (deleted === batchSize);
      if (total > 0) this.options.logger.info({ deleted: total }, 'expired stories removed');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'story cleanup failed; the next run will try again');
    }
    return total;
  }
}
