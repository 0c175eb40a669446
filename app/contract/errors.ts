/**
 * The one error type that crosses the contract. Every failure a person can see carries a stable
 * code, a sentence that says what happened and what to do, and the detail for the log.
 * HTTP status and UI text are mapped here, once.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, message: 'The request was not valid.' },
  UNAUTHORIZED: { status: 401, message: 'This window is not signed in to Modest. Open the link Modest printed at start-up.' },
  NOT_FOUND: { status: 404, message: 'That item no longer exists.' },
  CONFLICT: { status: 409, message: 'That action conflicts with something already in progress.' },
  MESSAGE_EMPTY: { status: 400, message: 'Type a message before sending.' },
  MESSAGE_TOO_LONG: { status: 413, message: 'That message is too long to send.' },
  PROMPT_TOO_LONG: {
    status: 413,
    message: 'This message is longer than the model can read at once. Shorten it, or raise the context size in Settings.',
  },
  NO_MODEL: { status: 409, message: 'No model is loaded. Choose a GGUF model file to start chatting.' },
  MODEL_LOADING: { status: 409, message: 'A model is still loading. Try again in a moment.' },
  MODEL_NOT_FOUND: { status: 404, message: 'There is no file at that path. Check the path and try again.' },
  MODEL_NOT_A_FILE: { status: 400, message: 'That path is a folder, not a model file.' },
  MODEL_NOT_GGUF: { status: 400, message: 'That file is not a GGUF model. Modest runs models in the GGUF format.' },
  MODEL_TRUNCATED: {
    status: 400,
    message: 'That model file is incomplete (it ends before its data does). Download it again.',
  },
  MODEL_CORRUPT: { status: 400, message: 'That model file is damaged and cannot be read.' },
  MODEL_UNSUPPORTED_ARCH: { status: 400, message: 'This model architecture is not supported by the bundled llama.cpp.' },
  MODEL_OUT_OF_MEMORY: {
    status: 507,
    message: 'There is not enough free memory for this model. Close other apps or pick a smaller model.',
  },
  MODEL_LOAD_FAILED: { status: 500, message: 'The model could not be loaded.' },
  CONTEXT_TOO_LARGE: {
    status: 400,
    message: 'The context size is larger than this model was trained for.',
  },
  GENERATION_FAILED: { status: 500, message: 'The model failed while writing a reply.' },
  BUSY: { status: 429, message: 'Modest is already answering in this conversation. Stop it or wait.' },
  DATA_DIR_LOCKED: {
    status: 409,
    message: 'Another Modest process is using this data folder. Close it first, or use another --data-dir.',
  },
  DATA_DIR_UNWRITABLE: { status: 500, message: 'Modest cannot write to its data folder.' },
  CLOUD_NO_KEY: { status: 409, message: 'No API key is set for the cloud provider. Add one in Settings.' },
  CLOUD_AUTH: { status: 502, message: 'The cloud provider refused the API key. Check it in Settings.' },
  CLOUD_MODEL_NOT_FOUND: { status: 502, message: 'The cloud provider does not know that model, or this key cannot use it.' },
  CLOUD_TOO_LARGE: { status: 413, message: 'This conversation is too large for the cloud model.' },
  CLOUD_RATE_LIMITED: { status: 503, message: 'The cloud provider is rate-limiting requests. Try again shortly.' },
  CLOUD_UNAVAILABLE: { status: 503, message: 'The cloud provider could not be reached or failed. Try again shortly.' },
  CLOUD_TIMEOUT: { status: 504, message: 'The cloud provider did not answer in time.' },
  BUDGET_EXCEEDED: { status: 402, message: "This cloud call would go over this month's cloud budget." },
  CLOUD_BAD_RESPONSE: { status: 502, message: 'The cloud provider sent an answer Modest could not read.' },
  KEYS_ENV_ONLY: {
    status: 409,
    message: 'API keys cannot be saved here; set them as environment variables instead.',
  },
  DOC_UNSUPPORTED: {
    status: 415,
    message: 'Modest cannot read this kind of file. Drop a PDF, DOCX, TXT, MD, HTML, CSV or JSON file.',
  },
  DOC_EMPTY: { status: 400, message: 'This file is empty.' },
  DOC_BINARY: { status: 415, message: 'This file is not text, although its name says it is.' },
  DOC_ENCRYPTED: { status: 401, message: 'This PDF is protected by a password. Enter it to read the document.' },
  DOC_BAD_PASSWORD: { status: 401, message: 'That password does not open this PDF.' },
  DOC_CORRUPT: { status: 422, message: 'This file is damaged or incomplete, and cannot be read.' },
  DOC_NO_TEXT: {
    status: 422,
    message: 'This PDF has no text layer (it looks scanned). Run it through OCR first, then drop it again.',
  },
  DOC_LIMIT: { status: 413, message: 'This file unpacks to far more data than a document should (a zip bomb?), so Modest stopped reading it.' },
  DOC_NOT_FOUND: { status: 404, message: 'That document no longer exists.' },
  DOC_NOT_READY: { status: 409, message: 'This document is still being indexed. Try again when it is ready.' },
  DOC_CANCELLED: { status: 409, message: 'Stopped.' },
  CATALOG_INVALID: { status: 500, message: 'The model catalog is damaged, so no models can be offered for download.' },
  CATALOG_UNKNOWN: { status: 404, message: 'That model is not in the catalog.' },
  LICENSE_NOT_ACCEPTED: { status: 400, message: 'This model is gated: accept its license before downloading it.' },
  HF_TOKEN_REQUIRED: {
    status: 401,
    message: 'This model is gated: Hugging Face serves it only with a token from an account that accepted its license. Add your token in Models.',
  },
  DOWNLOAD_DENIED: { status: 403, message: 'Hugging Face refused the download. Accept the model license on its page, and check your token.' },
  DOWNLOAD_NOT_FOUND: { status: 404, message: 'The server has no file at that address (404).' },
  DOWNLOAD_UNREACHABLE: { status: 502, message: 'The download server cannot be reached. Check your internet connection, then try again.' },
  DOWNLOAD_FAILED: { status: 502, message: 'The download failed.' },
  DOWNLOAD_STALLED: { status: 504, message: 'The download stopped receiving data. What was downloaded is kept: press Resume to continue.' },
  DOWNLOAD_SIZE_MISMATCH: { status: 422, message: 'The downloaded file has the wrong size, so it was deleted.' },
  DOWNLOAD_CHECKSUM_MISMATCH: { status: 422, message: 'The downloaded file does not match its published checksum, so it was deleted.' },
  DISK_FULL: { status: 507, message: 'There is not enough free disk space for this model.' },
  MODEL_IN_USE: { status: 409, message: 'That model is loaded. Unload it or load another one first.' },
  EVAL_CSV_EMPTY: { status: 400, message: 'That CSV has no rows. It needs a header and one row per task.' },
  EVAL_CSV_MISSING_COLUMN: { status: 400, message: 'That CSV is missing a required column.' },
  EVAL_CSV_BAD_VALUE: { status: 400, message: 'That CSV has a value that is not valid for its column.' },
  EVAL_CSV_UNREADABLE: { status: 400, message: 'That file could not be read as CSV.' },
  EVAL_SIGNAL_UNKNOWN: { status: 400, message: 'That CSV has no such signal column.' },
  EVAL_TASKS_INVALID: { status: 400, message: 'That task file is not valid. Each line must be a JSON task with a prompt, a reference and a grader.' },
  EVAL_NO_CLOUD: { status: 409, message: 'An evaluation run needs a cloud model: set the provider and its API key first.' },
  ROUTER_NOT_ADOPTABLE: { status: 400, message: 'Modest cannot use that router: it needs signals Modest computes for each reply.' },
  INTERNAL: { status: 500, message: 'Something went wrong inside Modest.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What travels over any transport: plain data, no class. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  detail?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail?: string;

  /** `message` overrides the default sentence when a more specific one helps the user. */
  constructor(code: ErrorCode, opts: { message?: string; detail?: string; cause?: unknown } = {}) {
    super(opts.message ?? ERROR_CODES[code].message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.detail = opts.detail;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** What crosses a transport: the code and the sentence. `detail` stays in this process's log. */
  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }

  static from(err: unknown): AppError {
    if (err instanceof AppError) return err;
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return new AppError('INTERNAL', { detail, cause: err });
  }

  static fromPayload(p: ErrorPayload): AppError {
    const code = (p.code in ERROR_CODES ? p.code : 'INTERNAL') as ErrorCode;
    return new AppError(code, { message: p.message, detail: p.detail });
  }
}

export function isErrorPayload(x: unknown): x is ErrorPayload {
  return typeof x === 'object' && x !== null && typeof (x as ErrorPayload).code === 'string' && typeof (x as ErrorPayload).message === 'string';
}

/** Faults (5xx) go to the log with their detail; a person's mistakes (4xx) are not noise there. */
export function logFault(e: AppError): void {
  if (e.status >= 500) console.error(`[modest] ${e.code}: ${e.detail ?? e.message}`);
}
