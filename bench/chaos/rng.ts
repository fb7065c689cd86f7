// A seeded random source (mulberry32), so that a soak's choices of faults and times can be replayed.

/** Random numbers from one seed. */
export interface Rng {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  /** One of the choices, with probability proportional to its weight. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T;
}

export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
      const total = choices.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [c, w] of choices) {
        r -= w;
        if (r < 0) return c;
      }
      const last = choices.at(-1);
      if (!last) throw new Error('weighted: no choices');
      return last[0];
    },
  };
}

/** Draws from shuffled copies of `items`, one after another: every kind comes up as often as it is
 *  listed, in a seeded random order. One that is not allowed now stays for the next draw. */
export class Deck<T> {
  #cards: T[] = [];

  constructor(
    private readonly items: readonly T[],
    private readonly rng: Rng,
  ) {}

  draw(allowed: (item: T) => boolean = () => true): T {
    if (!this.#cards.some(allowed)) this.#cards.push(...this.#shuffled());
    const i = this.#cards.findIndex(allowed);
    const [card] = this.#cards.splice(i, 1);
    if (card === undefined) throw new Error('deck: nothing allowed');
    return card;
  }

  #shuffled(): T[] {
    const a = [...this.items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.rng.between(0, i);
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  }
}
