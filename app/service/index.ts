export { createCore, VERSION, type Core, type CoreOptions } from './api.js';
