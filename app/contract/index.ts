export * from './api.js';
export * from './settings.js';
export * from './usage.js';
export * from './health.js';
export * from './claude.js';
export * from './pacing.js';
