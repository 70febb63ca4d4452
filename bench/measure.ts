/**
 * Taking one measurement on a shared machine: wait until it is quiet, run
 * the measurement, and when other processes used too much CPU meanwhile,
 * discard it and take it again, in fresh directories (a retry must never
 * trip over what the discarded attempt left behind).
 * @module
 */

/** What {@link Measurer} needs from the machine; injectable for tests. */
export interface MeasureHooks {
  /** Wait until the machine is quiet enough to start (`section` names the measurement). */
  waitQuiet(section: string): Promise<void>;
  /**
   * Start accounting other processes' CPU use; the returned function gives
   * the CPUs they used on average since.
   */
  startAccounting(): () => number;
  /** Whether a measurement during which others used `cpus` CPUs is discarded. */
  disturbed(cpus: number): boolean;
  /** Told about each discarded attempt. */
  onDiscard?(section: string, cpus: number): void;
}

/** One attempt at a measurement: where it may create its directories. */
export interface Attempt {
  /** 0 for the first attempt, then 1, 2, ... */
  number: number;
  /**
   * A name unique to this attempt (`name` itself for the first one,
   * `name-retry1`, ... after): every directory an attempt creates is named
   * with this, so a retry starts from fresh directories.
   */
  fresh(name: string): string;
}

/** Measurements with retries, and what the background did meanwhile. */
export class Measurer {
  readonly #hooks: MeasureHooks;
  #retriesLeft: number;
  /** Measurements discarded so far. */
  discarded = 0;
  /** Other processes' CPUs during each kept measurement. */
  readonly background: { section: string; cpus: number }[] = [];

  /**
   * @param hooks how to wait, account and decide
   * @param options.retries how many discarded attempts are retaken in all
   *   (once spent, a disturbed measurement is kept)
   */
  constructor(hooks: MeasureHooks, options: { retries: number }) {
    this.#hooks = hooks;
    this.#retriesLeft = options.retries;
  }

  /** Run `fn` once the machine is quiet; again (with fresh names) while disturbed. */
  async measure<T>(section: string, fn: (attempt: Attempt) => Promise<T>): Promise<T> {
    for (let number = 0;; number++) {
      await this.#hooks.waitQuiet(section);
      const attempt: Attempt = {
        number,
        fresh: (name) => number === 0 ? name : `${name}-retry${number}`,
      };
      const stop = this.#hooks.startAccounting();
      const result = await fn(attempt);
      const cpus = stop();
      if (this.#hooks.disturbed(cpus) && this.#retriesLeft > 0) {
        this.#retriesLeft--;
        this.discarded++;
        this.#hooks.onDiscard?.(section, cpus);
        continue;
      }
      this.background.push({ section, cpus });
      return result;
    }
  }
}
