/**
 * Runs two measured blocks side by side: one warm-up each, then `rounds` rounds in which the
 * order alternates, so neither always runs on a warmer heap. Returns each block's results in
 * round order.
 */
export async function interleave(
  first: () => Promise<number>,
  second: () => Promise<number>,
  rounds: number,
): Promise<[number[], number[]]> {
  await first();
  await second();
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      a.push(await first());
      b.push(await second());
    } else {
      b.push(await second());
      a.push(await first());
    }
  }
  return [a, b];
}
