interface Active {
  conversationId: string;
  controller: AbortController;
  /** Settles once the reply is saved, however it ended (the work never rejects). */
  finished: Promise<void>;
}

/**
 * The replies being written right now, by message id: what Stop, "busy" checks and shutdown act
 * on. Chat replies and document tasks each keep one.
 */
export class ActiveReplies {
  private readonly active = new Map<string, Active>();

  list(): { conversationId: string; messageId: string }[] {
    return [...this.active].map(([messageId, a]) => ({ messageId, conversationId: a.conversationId }));
  }

  busy(conversationId: string): boolean {
    return [...this.active.values()].some((a) => a.conversationId === conversationId);
  }

  /**
   * Registers a reply, then starts its work: registered first, because the work's own cleanup
   * (which calls `delete`, before it closes the stream) may run synchronously.
   */
  run(messageId: string, conversationId: string, controller: AbortController, work: () => Promise<void>): void {
    const entry: Active = { conversationId, controller, finished: Promise.resolve() };
    this.active.set(messageId, entry);
    entry.finished = work();
  }

  delete(messageId: string): void {
    this.active.delete(messageId);
  }

  stop(messageId: string): boolean {
    const a = this.active.get(messageId);
    if (!a) return false;
    a.controller.abort(new Error('Stopped by the user.'));
    return true;
  }

  /** Graceful shutdown: every running reply ends as partial, and is saved so. */
  async stopAll(): Promise<void> {
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new Error('Modest is shutting down.'));
    await Promise.all(running.map((a) => a.finished));
  }
}
