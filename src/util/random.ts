/**
 * Seeded pseudo-random numbers (mulberry32). Every seeded operation in
 * embedlab — splits, shuffles, batch sampling, negative mining, weight
 * initialisation — draws from this so a seed reproduces a run exactly.
 *
 * @example
 * const random = new Random(42);
 * random.shuffle([1, 2, 3, 4]); // the same order for seed 42 on every run
 * const saved = random.seedState;
 * Random.fromState(saved).next() === random.next(); // true: resumes the same stream
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal sample (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** The current state, to store in a checkpoint. */
  get seedState(): number {
    return this.state;
  }

  /** Restores a state saved with {@link seedState}. */
  static fromState(state: number): Random {
    const random = new Random(0);
    random.state = state >>> 0;
    return random;
  }
}
