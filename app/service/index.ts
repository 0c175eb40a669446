export { createCore, VERSION, type Core } from './api.js';
