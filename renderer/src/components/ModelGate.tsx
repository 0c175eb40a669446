import { useState, type DragEvent } from 'react';
import type { ModelState } from '../../../app/contract/index.js';
import { loadModel, toast } from '../actions.js';
import { desktop } from '../api.js';
import { useApp } from '../state.js';
import { ChipIcon } from './icons.js';

/**
 * Shown while no model is ready: asks for the path of a .gguf file on the computer running
 * Modest, shows loading progress, and the exact reason when a file cannot be used.
 */
export function ModelGate({ compact = false }: { compact?: boolean }) {
  const model = useApp((s) => s.status?.model ?? null);
  const loadError = useApp((s) => s.modelLoadError);
  const [dragging, setDragging] = useState(false);
  if (!model) return null;
  const canDrop = model.state !== 'loading';
  const onDragOver = (e: DragEvent) => {
    if (!canDrop || !e.dataTransfer.types.includes('Files')) return;
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
    if (!canDrop || !file) return;
    const path = droppedModelPath(file);
    if (typeof path === 'string') void loadModel(path);
    else toast(path.error, 'error');
  };
  return (
    <section
      className={`model-gate ${compact ? 'compact' : ''} ${dragging ? 'drop-target' : ''}`}
      aria-labelledby="model-gate-title"
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {!compact && (
        <div className="gate-icon" aria-hidden="true">
          <ChipIcon size={28} />
        </div>
      )}
      <h2 id="model-gate-title">{model.state === 'loading' ? 'Loading the model…' : 'Choose a model to start chatting'}</h2>
      {model.state === 'loading' ? <Loading model={model} /> : <PathForm model={model} error={loadError} compact={compact} />}
    </section>
  );
}

/**
 * The desktop app learns a dropped file's path from the preload (webUtils.getPathForFile). A
 * browser never reveals paths, and a model is gigabytes, so there the path must be typed.
 */
function droppedModelPath(file: File): string | { error: string } {
  if (!/\.gguf$/i.test(file.name)) return { error: `"${file.name}" is not a .gguf model file.` };
  if (!desktop) return { error: 'The browser cannot tell Modest where a dropped file is. Type its full path instead.' };
  const path = desktop.pathForFile(file);
  return path ? path : { error: `Modest could not find "${file.name}" on disk. Type its full path instead.` };
}

function Loading({ model }: { model: Extract<ModelState, { state: 'loading' }> }) {
  const pct = Math.round(model.progress * 100);
  return (
    <div className="gate-loading">
      <p className="gate-path" title={model.path}>
        {model.path}
      </p>
      <progress max={100} value={pct} aria-label="Model loading progress">
        {pct}%
      </progress>
      <p className="hint" aria-live="polite">
        {pct}% · this takes a few seconds for small models, longer for large ones.
      </p>
    </div>
  );
}

function PathForm({ model, error, compact }: { model: ModelState; error: string | null; compact: boolean }) {
  const previous = model.state === 'error' ? model.path : '';
  const [path, setPath] = useState(previous);
  const message = error ?? (model.state === 'error' ? model.message : null);

  return (
    <form
      className="gate-form"
      onSubmit={(e) => {
        e.preventDefault();
        void loadModel(path);
      }}
    >
      {!compact && (
        <p>
          Modest runs a language model on this computer. {desktop ? 'Drop a ' : 'Give the full path of a '}
          <strong>.gguf</strong> model file {desktop ? 'here, or give its full path.' : 'on the machine where Modest is running.'}
        </p>
      )}
      <label htmlFor="model-path">Model file path</label>
      <div className="gate-row">
        <input
          id="model-path"
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="/home/you/models/model.Q4_K_M.gguf"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? 'model-error' : undefined}
        />
        <button type="submit" className="primary" disabled={path.trim() === ''}>
          Load model
        </button>
      </div>
      {message && (
        <p id="model-error" className="form-error" role="alert">
          {message}
        </p>
      )}
      {!compact && (
        <p className="hint">
          Tip: start Modest with <code>--model &lt;file.gguf&gt;</code> to load one automatically.
        </p>
      )}
    </form>
  );
}
