export { createCore, VERSION, type Core } from './api.js';
export { PARTIAL_SAVE_MS } from './chat-service.js';
