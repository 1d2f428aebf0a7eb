/** Public surface of the profiler: latency measurement, op-instance LUTs, the predictor and its report, backend comparison. */
export * from './latency';
export * from './stats';
export * from './fingerprint';
export * from './instances';
export * from './lut';
export * from './report';
export * from './compare';
export { profilerSpace, parseGenotype, sampleDistinct } from './space';
export * from './round-robin';
