import { useCallback, useId, useRef, useState, type DragEvent } from 'react';
import { toast } from '../actions.js';
import { desktop } from '../api.js';
import { importAndLoad } from '../models.js';

/** One import at a time, its error shown by the form. Shared by the form and a drop target around it. */
export function useImport(onImported?: () => void) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const run = useCallback(
    async (path: string) => {
      setState({ busy: true, error: null });
      const error = await importAndLoad(path);
      setState({ busy: false, error });
      if (error === null) onImported?.();
      return error === null;
    },
    [onImported],
  );
  return { ...state, run };
}
export type ImportState = ReturnType<typeof useImport>;

/**
 * The desktop app learns a file's path from the preload (webUtils.getPathForFile). A browser never
 * reveals paths, and a model is gigabytes, so there the path must be typed.
 */
export function modelFilePath(file: File): string | { error: string } {
  if (!/\.gguf$/i.test(file.name)) return { error: `"${file.name}" is not a .gguf model file.` };
  if (!desktop) return { error: 'The browser cannot tell Modest where a dropped file is. Type its full path instead.' };
  const path = desktop.pathForFile(file);
  return path ? path : { error: `Modest could not find "${file.name}" on disk. Type its full path instead.` };
}

/** Drag-and-drop of a .gguf onto an element: the handlers to spread on it, and whether one hovers. */
export function useModelDrop(imp: ImportState, enabled: boolean) {
  const [dragging, setDragging] = useState(false);
  const onDragOver = (e: DragEvent) => {
    if (!enabled || imp.busy || !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    // This drop is for the model picker: the window's document drop zone must not take it too.
    e.stopPropagation();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!enabled || imp.busy || !file) return;
    const path = modelFilePath(file);
    if (typeof path === 'string') void imp.run(path);
    else toast(path.error, 'error');
  };
  return { dragging, handlers: { onDragOver, onDragLeave: () => setDragging(false), onDrop } };
}

/**
 * "Use a model file on this computer": pick or drop one in the desktop app, type its path in
 * the browser. The file is checked and brought into the models folder, then loaded.
 */
export function ImportModel({ imp, compact = false }: { imp: ImportState; compact?: boolean }) {
  const [path, setPath] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="import-model">
      {desktop && (
        <div className="import-pick">
          <input
            ref={fileRef}
            type="file"
            accept=".gguf"
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (!file) return;
              const p = modelFilePath(file);
              if (typeof p === 'string') void imp.run(p);
              else toast(p.error, 'error');
            }}
          />
          <button type="button" className="secondary" disabled={imp.busy} onClick={() => fileRef.current?.click()}>
            Choose a .gguf file…
          </button>
          {!compact && <span className="hint">or drop one on this window.</span>}
        </div>
      )}
      <form
        className="gate-form"
        onSubmit={(e) => {
          e.preventDefault();
          void imp.run(path).then((ok) => ok && setPath(''));
        }}
      >
        <label htmlFor={`${id}-path`}>{desktop ? 'Or type its full path' : 'Model file path'}</label>
        <div className="gate-row">
          <input
            id={`${id}-path`}
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="/home/you/models/model.Q4_K_M.gguf"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            aria-invalid={imp.error ? true : undefined}
            aria-describedby={imp.error ? errorId : undefined}
            aria-label={desktop ? 'Model file path' : undefined}
          />
          <button type="submit" className="secondary" disabled={imp.busy || path.trim() === ''}>
            {imp.busy ? 'Checking…' : 'Load model'}
          </button>
        </div>
        {!desktop && !compact && (
          <p className="hint">
            The path on the machine where Modest runs: the browser cannot pick a file for it. Modest checks the file, then adds it to
            its models folder.
          </p>
        )}
      </form>
      {imp.error && (
        <p id={errorId} className="form-error" role="alert">
          {imp.error}
        </p>
      )}
    </div>
  );
}
