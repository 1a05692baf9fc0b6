export { Limiter, PacingRefusal, type Ticket } from './limiter.js';
export { chatPaced, type FallbackReason, type PacingOutcome, type PacedChat } from './policy.js';
export * from './presets.js';
