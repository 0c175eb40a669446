/** The public face of the contract: the only module renderer/ and main/ may import from app/. */
export * from './api.js';
export * from './schema.js';
export * from './documents.js';
export * from './models.js';
export * from './eval.js';
export * from './errors.js';
export * from './client.js';
export { parseAt } from './validate.js';
export * from './ipc.js';
