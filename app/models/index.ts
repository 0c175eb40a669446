export { downloadUrl, huggingFaceEndpoint, loadCatalog, localFileName, parseCatalog, defaultCatalogFile } from './catalog.js';
export { fitOf, hardwareClass } from './fit.js';
export { freeDiskBytes } from './disk.js';
export { sha256File, verifyDownload } from './verify.js';
export { probeDownload } from './probe.js';
export { partialBytes, removePartial, startDownload, PARTIAL_SUFFIX, type RunningDownload } from './download.js';
export { machineKey, modelKey } from './keys.js';
