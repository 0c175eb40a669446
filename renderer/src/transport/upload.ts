import { AppError, DocumentSchema, isErrorPayload, UPLOAD_PATH, type DocumentInfo } from '../../../app/contract/index.js';
import { NetworkError } from './http.js';

export interface UploadHandle {
  done: Promise<DocumentInfo>;
  cancel(): void;
}

/**
 * The browser mode's upload: the File is the request body, so the browser streams it from disk
 * (nothing is read into this page's memory, whatever the size). XMLHttpRequest rather than fetch,
 * because only it reports upload progress.
 */
export function uploadFile(
  file: File,
  conversationId: string,
  getToken: () => string | null,
  onProgress: (loaded: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<DocumentInfo>((resolve, reject) => {
    const query = new URLSearchParams({ conversationId, name: file.name });
    xhr.open('POST', `${UPLOAD_PATH}?${query.toString()}`);
    const token = getToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new NetworkError());
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: handled below as an unexpected answer.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const parsed = DocumentSchema.safeParse(body);
        if (parsed.success) resolve(parsed.data);
        else reject(new AppError('INTERNAL', { message: 'Modest sent an answer this window could not read.' }));
        return;
      }
      const payload = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
      if (isErrorPayload(payload)) reject(AppError.fromPayload(payload));
      else reject(new AppError('INTERNAL', { message: `The upload failed (HTTP ${xhr.status}).` }));
    };
    xhr.send(file);
  });
  return { done, cancel: () => xhr.abort() };
}
