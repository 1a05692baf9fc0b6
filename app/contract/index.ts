export * from './api.js';
export * from './settings.js';
export * from './usage.js';
