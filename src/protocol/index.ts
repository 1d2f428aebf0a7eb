export * from './backend';
export * from './events';
export * from './run';
export * from './search-api';
export * from './tabular-api';
export * from './profile-api';
export * from './data-api';
export * from './oneshot-api';
