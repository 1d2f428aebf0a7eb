/** NAS-Bench-201 cell wiring (Dong & Yang, ICLR 2020): edge e = [from, to], in the order of the arch string. */
export const NB201_EDGES: readonly (readonly [from: number, to: number])[] = [
  [0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3],
];
