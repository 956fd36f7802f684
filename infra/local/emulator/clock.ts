/** The emulator's time: real by default, or held and advanced by tests and the demo. */
export class Clock {
  #offsetMs = 0;
  #frozenAt: number | undefined;

  now(): number {
    return (this.#frozenAt ?? Date.now()) + this.#offsetMs;
  }

  /** Move time forward: pending transitions whose time has come are applied on the next read. */
  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  /** Let real time pass again, from the time shown now (a frozen demo left running). */
  resume(): void {
    if (this.#frozenAt === undefined) return;
    this.#offsetMs = this.now() - Date.now();
    this.#frozenAt = undefined;
  }

  /** Stop real time from passing, so only `advance` moves it (deterministic tests). */
  freeze(at: number = Date.now()): void {
    this.#frozenAt = at;
    this.#offsetMs = 0;
  }
}
