export * from './schema';
export * from './records';
export * from './datasets';
export * from './runs';
export * from './tables';
export * from './luts';
export * from './oneshot';
export * from './run-file';
