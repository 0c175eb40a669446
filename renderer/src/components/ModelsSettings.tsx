import { useEffect, useId, useState } from 'react';
import { SettingsSchema, type InstalledModel, type ModelInfo, type ModelState, type Settings, type Tuning } from '../../../app/contract/index.js';
import { toast, unloadModel, updateSettings } from '../actions.js';
import { bytes, rate } from '../lib/format.js';
import { deleteInstalled, loadInstalled, openModelCatalog, refreshModels, retuneModel } from '../models.js';
import { useApp } from '../state.js';

/** Settings → the loaded model (backend, tuning), the installed files, and how models run. */
export function ModelsSettings() {
  useEffect(() => {
    void refreshModels();
  }, []);
  return (
    <>
      <LoadedModel />
      <InstalledModels />
      <RunSettingsForm />
    </>
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/* ---------- the loaded model ---------- */

function LoadedModel() {
  const model = useApp((s) => s.status?.model ?? null);
  const loadError = useApp((s) => s.modelLoadError);
  if (!model) return null;
  return (
    <section className="settings-section" aria-labelledby="settings-model">
      <h3 id="settings-model">Model</h3>
      <ModelStateInfo model={model} />
      {loadError && model.state !== 'error' && (
        <p className="form-error" role="alert">
          {loadError}
        </p>
      )}
    </section>
  );
}

function ModelStateInfo({ model }: { model: ModelState }) {
  switch (model.state) {
    case 'none':
      return <p className="hint">No model is loaded. Load one below, or download one.</p>;
    case 'loading':
      return (
        <p className="hint" aria-live="polite">
          Loading {model.path}… {Math.round(model.progress * 100)}%
        </p>
      );
    case 'error':
      return (
        <p className="form-error" role="alert">
          {model.message}
        </p>
      );
    case 'ready':
      return <ReadyModel m={model.model} />;
  }
}

function ReadyModel({ m }: { m: ModelInfo }) {
  return (
    <>
      <dl className="model-info">
        <dt>Name</dt>
        <dd>{m.name}</dd>
        <dt>Architecture</dt>
        <dd>{m.architecture}</dd>
        <dt>File</dt>
        <dd className="path" title={m.path}>
          {m.path} ({bytes(m.sizeBytes)})
        </dd>
        <dt>Runs on</dt>
        <dd>{m.backend}</dd>
        <dt>Context</dt>
        <dd>
          {m.contextSize.toLocaleString()} tokens (trained for {m.trainContextSize.toLocaleString()})
        </dd>
        <dt>Threads</dt>
        <dd>
          {m.threads}
          {m.tuning ? ' (measured)' : ' (set by hand)'}
        </dd>
        <dt>Batch size</dt>
        <dd>{m.batchSize}</dd>
        <dt>Sequences</dt>
        <dd>{m.sequences}</dd>
        <dt>Chat format</dt>
        <dd>{m.chatTemplate}</dd>
      </dl>
      {m.gpuNote && <p className="note">{m.gpuNote}</p>}
      {m.contextNote && <p className="note">{m.contextNote}</p>}
      <TuningInfo tuning={m.tuning} />
      <div className="row">
        <button type="button" className="secondary" onClick={() => void unloadModel().then(() => void refreshModels())}>
          Unload
        </button>
      </div>
    </>
  );
}

/** What the thread measurement found, every count it tried, and a way to measure again. */
function TuningInfo({ tuning }: { tuning: Tuning | null }) {
  const retuning = useApp((s) => s.models.retuning);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const best = tuning ? Math.max(...tuning.trials.map((t) => t.tokensPerSecond), tuning.tokensPerSecond) : 0;
  return (
    <div className="tuning" aria-labelledby={titleId} role="group">
      <div className="row tuning-head">
        <h4 id={titleId}>Speed tuning</h4>
        <button
          type="button"
          className="secondary"
          disabled={retuning}
          aria-busy={retuning || undefined}
          onClick={async () => {
            setError(null);
            setError(await retuneModel());
          }}
        >
          {retuning ? 'Measuring…' : 'Re-tune'}
        </button>
      </div>
      {retuning && (
        <div className="tuning-busy" role="status">
          <progress aria-label="Measuring speed at each thread count" />
          <span className="hint">Measuring the speed at each thread count; this takes several seconds.</span>
        </div>
      )}
      {tuning ? (
        <>
          <p className="hint tuning-summary">
            {plural(tuning.threads, 'thread')} · batch size {tuning.batchSize} · {rate(tuning.tokensPerSecond)} · measured{' '}
            {new Date(tuning.tunedAt).toLocaleString()}
          </p>
          {tuning.trials.length > 0 && (
            <table className="trials">
              <caption className="visually-hidden">Decode speed at each thread count tried</caption>
              <thead>
                <tr>
                  <th scope="col">Threads</th>
                  <th scope="col">Speed</th>
                  <th scope="col">
                    <span className="visually-hidden">Relative</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tuning.trials.map((t) => (
                  <tr key={t.threads} className={t.threads === tuning.threads ? 'chosen' : undefined}>
                    <td>
                      {t.threads}
                      {t.threads === tuning.threads && <span className="badge live">chosen</span>}
                    </td>
                    <td>{rate(t.tokensPerSecond)}</td>
                    <td className="trial-bar" aria-hidden="true">
                      <span style={{ width: `${best > 0 ? Math.round((t.tokensPerSecond / best) * 100) : 0}%` }} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : (
        <p className="hint">Threads are set by hand. Re-tune measures this model and uses the fastest count.</p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/* ---------- installed models ---------- */

function InstalledModels() {
  const overview = useApp((s) => s.models.overview);
  const error = useApp((s) => s.models.error);
  const model = useApp((s) => s.status?.model ?? null);
  const loadedPath = model?.state === 'ready' ? model.model.path : null;
  const total = overview?.installed.reduce((n, m) => n + m.sizeBytes, 0) ?? 0;
  return (
    <section className="settings-section" aria-labelledby="settings-installed">
      <div className="row section-head">
        <h3 id="settings-installed">Installed models</h3>
        <button type="button" className="secondary" onClick={() => openModelCatalog(true)}>
          Download models…
        </button>
      </div>
      {!overview ? (
        <p className="hint">{error ? `The models could not be listed: ${error}` : 'Reading the models folder…'}</p>
      ) : (
        <>
          {overview.installed.length === 0 ? (
            <p className="hint">No models are installed yet.</p>
          ) : (
            <ul className="installed-list">
              {overview.installed.map((m) => (
                <InstalledRow
                  key={m.id}
                  m={m}
                  loaded={loadedPath !== null && (m.path === loadedPath || m.loaded)}
                  loading={model?.state === 'loading'}
                />
              ))}
            </ul>
          )}
          <p className="hint disk-line">
            {overview.installed.length} model{overview.installed.length === 1 ? '' : 's'} · {bytes(total)} on disk ·{' '}
            {bytes(overview.freeDiskBytes)} free
          </p>
          <p className="hint">
            Models folder: <code className="path">{overview.modelsDir}</code>
          </p>
        </>
      )}
    </section>
  );
}

function InstalledRow({ m, loaded, loading }: { m: InstalledModel; loaded: boolean; loading: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const nameId = useId();
  const del = async () => {
    setState({ busy: true, error: null });
    const error = await deleteInstalled(m.id);
    setState({ busy: false, error });
    setConfirming(false);
  };
  return (
    <li className="installed-row" aria-labelledby={nameId}>
      <div className="installed-main">
        <span id={nameId} className="installed-name" title={m.path}>
          {m.name}
        </span>
        <span className="hint">
          {bytes(m.sizeBytes)} · {m.source === 'import' ? 'imported' : 'downloaded'}
          {m.tuning ? ` · ${plural(m.tuning.threads, 'thread')}, ${rate(m.tuning.tokensPerSecond)}` : ''}
        </span>
      </div>
      <div className="installed-actions">
        {loaded ? (
          <span className="badge live">Loaded</span>
        ) : (
          <button type="button" className="secondary" disabled={loading} aria-label={`Load ${m.name}`} onClick={() => void loadInstalled(m.id)}>
            Load
          </button>
        )}
        {!confirming && (
          <button type="button" className="ghost danger" aria-label={`Delete ${m.name}`} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm-row" role="group" aria-label={`Delete ${m.name}?`}>
          <span>
            Delete this file? This frees <strong>{bytes(m.sizeBytes)}</strong>.
          </span>
          <button type="button" className="danger" disabled={state.busy} onClick={() => void del()}>
            Delete {bytes(m.sizeBytes)}
          </button>
          <button type="button" className="secondary" autoFocus disabled={state.busy} onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
    </li>
  );
}

/* ---------- how models run ---------- */

const RUN_SCHEMA = SettingsSchema.pick({ gpu: true, contextSize: true, threads: true });
type RunKey = keyof typeof RUN_SCHEMA.shape;

function RunSettingsForm() {
  const settings = useApp((s) => s.status?.settings ?? null);
  if (!settings) return null;
  // Re-mount when the saved values change, so the form always starts from them.
  return <RunSettings key={`${settings.gpu}/${settings.contextSize}/${settings.threads}`} settings={settings} />;
}

function RunSettings({ settings }: { settings: Settings }) {
  const ready = useApp((s) => s.status?.model.state === 'ready');
  const [gpu, setGpu] = useState(settings.gpu);
  const [context, setContext] = useState({ auto: settings.contextSize === 0, value: String(settings.contextSize || 4096) });
  const [threads, setThreads] = useState({ auto: settings.threads === 0, value: String(settings.threads || 4) });
  const [state, setState] = useState<{ saving: boolean; error: string | null }>({ saving: false, error: null });
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  const parsed = RUN_SCHEMA.safeParse({
    gpu,
    contextSize: context.auto ? 0 : num(context.value),
    threads: threads.auto ? 0 : num(threads.value),
  });
  const issue = parsed.success ? null : parsed.error.issues[0];
  const invalid = issue?.path[0] as RunKey | undefined;
  const changed = parsed.success ? (Object.keys(RUN_SCHEMA.shape) as RunKey[]).filter((k) => parsed.data[k] !== settings[k]) : [];

  const save = async () => {
    if (!parsed.success || changed.length === 0) return;
    setState({ saving: true, error: null });
    const error = await updateSettings(Object.fromEntries(changed.map((k) => [k, parsed.data[k]])) as Partial<Settings>);
    setState({ saving: false, error });
    if (!error) toast(ready ? 'Saved; the model was reloaded.' : 'Saved.');
    void refreshModels();
  };

  return (
    <section className="settings-section" aria-labelledby="settings-run">
      <h3 id="settings-run">Performance</h3>
      <form
        className="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="fields">
          <label className="field">
            <span>GPU</span>
            <select value={gpu} onChange={(e) => setGpu(e.target.value as Settings['gpu'])} aria-describedby="setting-gpu-help">
              <option value="auto">Auto</option>
              <option value="cpu">CPU only</option>
            </select>
            <small id="setting-gpu-help">Auto uses a GPU (CUDA, Vulkan or Metal) when there is one, else the CPU.</small>
          </label>
          <AutoNumber
            id="setting-contextSize"
            label="Context size"
            autoLabel="Fit automatically"
            unit="tokens"
            help="How much of the conversation the model reads at once. Automatic picks the largest that fits in memory."
            value={context}
            onChange={setContext}
            invalid={invalid === 'contextSize'}
          />
          <AutoNumber
            id="setting-threads"
            label="CPU threads"
            autoLabel="Measure per model (recommended)"
            unit="threads"
            help="Measured once for each model on this computer; Re-tune measures again."
            value={threads}
            onChange={setThreads}
            invalid={invalid === 'threads'}
          />
        </div>
        {issue && (
          <p className="form-error" role="alert">
            {invalid === 'threads' ? 'CPU threads' : invalid === 'contextSize' ? 'Context size' : 'GPU'}:{' '}
            {issue.message.startsWith('Invalid input: expected number') ? 'enter a number' : issue.message}
          </p>
        )}
        {state.error && (
          <p className="form-error" role="alert">
            {state.error}
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={!parsed.success || changed.length === 0 || state.saving}>
            {state.saving ? (ready ? 'Reloading the model…' : 'Saving…') : 'Save'}
          </button>
          {ready && changed.length > 0 && <span className="hint">Saving reloads the model.</span>}
        </div>
      </form>
    </section>
  );
}

/** A number setting where 0 means "let Modest decide": a choice, then the number when set by hand. */
function AutoNumber({
  id,
  label,
  autoLabel,
  unit,
  help,
  value,
  onChange,
  invalid,
}: {
  id: string;
  label: string;
  autoLabel: string;
  unit: string;
  help: string;
  value: { auto: boolean; value: string };
  onChange: (v: { auto: boolean; value: string }) => void;
  invalid: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={`${id}-mode`}>{label}</label>
      <select
        id={`${id}-mode`}
        value={value.auto ? 'auto' : 'manual'}
        onChange={(e) => onChange({ ...value, auto: e.target.value === 'auto' })}
        aria-describedby={`${id}-help`}
      >
        <option value="auto">{autoLabel}</option>
        <option value="manual">Set by hand</option>
      </select>
      {!value.auto && (
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          aria-label={`${label} (${unit})`}
          value={value.value}
          onChange={(e) => onChange({ ...value, value: e.target.value })}
          aria-invalid={invalid || undefined}
        />
      )}
      <small id={`${id}-help`}>{help}</small>
    </div>
  );
}
