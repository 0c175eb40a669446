import { useState } from 'react';
import { SettingsSchema, type KeyStatus, type ProviderId, type Settings } from '../../../app/contract/index.js';
import { deleteAllData, exportConversations, openSettings, saveApiKey, toast, updateSettings } from '../actions.js';
import { downloadText } from '../lib/download.js';
import { useApp } from '../state.js';
import { CloudSettings } from './CloudSettings.js';
import { Dialog } from './Dialog.js';
import { DownloadIcon } from './icons.js';
import { ModelsSettings } from './ModelsSettings.js';

/** Settings, the models, export, and deleting everything. */
export function SettingsPanel() {
  const open = useApp((s) => s.settingsOpen);
  return (
    <Dialog open={open} onClose={() => openSettings(false)} title="Settings" className="settings-dialog">
      <ModelsSettings />
      <SettingsForm />
      <CloudSettings />
      <KeysSection />
      <ExportSection />
      <DangerZone />
    </Dialog>
  );
}

/** The settings this form edits; the cloud ones have their own section. */
const REPLY_SCHEMA = SettingsSchema.pick({
  sequences: true,
  maxReplyTokens: true,
  regenerateTemperature: true,
  systemPrompt: true,
});
type ReplyKey = keyof typeof REPLY_SCHEMA.shape;
type Form = Record<ReplyKey, string>;

const toForm = (s: Settings): Form => ({
  sequences: String(s.sequences),
  maxReplyTokens: String(s.maxReplyTokens),
  regenerateTemperature: String(s.regenerateTemperature),
  systemPrompt: s.systemPrompt,
});

const NUMBER_FIELDS: { key: Exclude<ReplyKey, 'systemPrompt'>; label: string; help: string; step?: string }[] = [
  { key: 'sequences', label: 'Conversations kept warm', help: 'Switching back to one of these is instant.' },
  { key: 'maxReplyTokens', label: 'Max reply tokens', help: 'Longest reply the model may write.' },
  { key: 'regenerateTemperature', label: 'Regenerate temperature', help: 'Higher gives more varied regenerated replies.', step: '0.05' },
];

function SettingsForm() {
  const settings = useApp((s) => s.status?.settings ?? null);
  if (!settings) return null;
  // Re-mount the form when the saved settings change, so it always starts from them.
  return <SettingsFields key={JSON.stringify(settings)} settings={settings} />;
}

function SettingsFields({ settings }: { settings: Settings }) {
  const [form, setForm] = useState<Form>(() => toForm(settings));
  const [state, setState] = useState<{ kind: 'idle' | 'saving' | 'error'; text?: string }>({ kind: 'idle' });

  const parsed = REPLY_SCHEMA.safeParse({
    ...Object.fromEntries(NUMBER_FIELDS.map((f) => [f.key, form[f.key].trim() === '' ? NaN : Number(form[f.key])])),
    systemPrompt: form.systemPrompt,
  });
  const issue = parsed.success ? null : parsed.error.issues[0];
  const invalidKey = issue?.path[0] as ReplyKey | undefined;
  const changed = parsed.success
    ? (Object.keys(REPLY_SCHEMA.shape) as ReplyKey[]).filter((k) => parsed.data[k] !== settings[k])
    : [];
  const reloads = changed.some((k) => k === 'sequences');

  const save = async () => {
    if (!parsed.success || changed.length === 0) return;
    const patch = Object.fromEntries(changed.map((k) => [k, parsed.data[k]])) as Partial<Settings>;
    setState({ kind: 'saving' });
    const err = await updateSettings(patch);
    if (err) setState({ kind: 'error', text: err });
    else toast(reloads ? 'Settings saved; the model was reloaded.' : 'Settings saved.');
    // On success the form re-mounts from the saved values (see SettingsForm).
  };

  return (
    <section className="settings-section" aria-labelledby="settings-chat">
      <h3 id="settings-chat">Replies</h3>
      <form
        className="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="fields">
          {NUMBER_FIELDS.map((f) => (
            <div key={f.key} className="field">
              <label htmlFor={`setting-${f.key}`}>{f.label}</label>
              <input
                id={`setting-${f.key}`}
                type="number"
                inputMode="decimal"
                step={f.step ?? '1'}
                value={form[f.key]}
                onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
                aria-invalid={invalidKey === f.key ? true : undefined}
                aria-describedby={`setting-${f.key}-help`}
              />
              <small id={`setting-${f.key}-help`}>{f.help}</small>
            </div>
          ))}
        </div>
        <div className="field">
          <label htmlFor="setting-systemPrompt">System prompt</label>
          <textarea
            id="setting-systemPrompt"
            rows={3}
            value={form.systemPrompt}
            onChange={(e) => setForm({ ...form, systemPrompt: e.target.value })}
          />
        </div>
        {issue && (
          <p className="form-error" role="alert">
            {labelOf(invalidKey)}: {issue.message === 'Invalid input: expected number, received NaN' ? 'enter a number' : issue.message}
          </p>
        )}
        {state.kind === 'error' && (
          <p className="form-error" role="alert">
            {state.text}
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={!parsed.success || changed.length === 0 || state.kind === 'saving'}>
            {state.kind === 'saving' ? (reloads ? 'Reloading the model…' : 'Saving…') : 'Save settings'}
          </button>
          {reloads && <span className="hint">Saving reloads the model with the new values.</span>}
        </div>
      </form>
    </section>
  );
}

function labelOf(key: keyof Settings | undefined): string {
  if (key === 'systemPrompt') return 'System prompt';
  return NUMBER_FIELDS.find((f) => f.key === key)?.label ?? 'Settings';
}

const PROVIDER_LABELS: Record<ProviderId, string> = { openai: 'OpenAI', anthropic: 'Anthropic', huggingface: 'Hugging Face' };

/**
 * Where cloud API keys live (they are used once escalation is on). The key itself never comes
 * back from Modest; the panel shows only where each provider's key is taken from.
 */
function KeysSection() {
  const keys = useApp((s) => s.status?.keys ?? null);
  if (!keys) return null;
  return (
    <section className="settings-section" aria-labelledby="settings-keys">
      <h3 id="settings-keys">API keys</h3>
      <p className="hint" data-testid="key-storage-note">
        {keys.note}
      </p>
      {(Object.keys(PROVIDER_LABELS) as ProviderId[]).map((p) => (
        <KeyRow key={p} provider={p} keys={keys} />
      ))}
    </section>
  );
}

function KeyRow({ provider, keys }: { provider: ProviderId; keys: KeyStatus }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const source = keys.providers[provider];
  const label = PROVIDER_LABELS[provider];
  const id = `key-${provider}`;
  const sourceText =
    source === 'saved' ? 'Saved, encrypted' : source === 'environment' ? `From ${keys.envVars[provider]}` : 'Not set';
  const run = async (key: string | null) => {
    setBusy(true);
    const err = await saveApiKey(provider, key);
    setBusy(false);
    setError(err);
    if (!err) {
      setValue('');
      toast(key === null ? `${label} key removed.` : `${label} key saved.`);
    }
  };
  return (
    <div className="key-row">
      <div className="row">
        {keys.storage === 'os-keychain' ? <label htmlFor={id}>{label}</label> : <span className="key-name">{label}</span>}
        <span className={`badge ${source === 'none' ? 'muted' : 'live'}`}>{sourceText}</span>
      </div>
      {keys.storage === 'os-keychain' && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void run(value);
          }}
        >
          <input
            id={id}
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={source === 'saved' ? 'Enter a new key to replace it' : 'Paste your API key'}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
          <button type="submit" className="secondary" disabled={busy || value.trim() === ''}>
            Save
          </button>
          {source === 'saved' && (
            <button type="button" className="secondary" disabled={busy} onClick={() => void run(null)}>
              Remove
            </button>
          )}
        </form>
      )}
      {error && (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function ExportSection() {
  const activeId = useApp((s) => s.activeId);
  const dataDir = useApp((s) => s.status?.dataDir ?? '');
  const run = async (format: 'markdown' | 'json', conversationId?: string) => {
    const file = await exportConversations(format, conversationId);
    if (file) downloadText(file.filename, file.mimeType, file.content);
  };
  return (
    <section className="settings-section" aria-labelledby="settings-export">
      <h3 id="settings-export">Your data</h3>
      <p className="hint">
        Stored on this computer in <code>{dataDir}</code>.
      </p>
      <div className="row wrap">
        <button type="button" className="secondary" disabled={!activeId} onClick={() => void run('markdown', activeId ?? undefined)}>
          <DownloadIcon size={14} /> This chat as Markdown
        </button>
        <button type="button" className="secondary" disabled={!activeId} onClick={() => void run('json', activeId ?? undefined)}>
          <DownloadIcon size={14} /> This chat as JSON
        </button>
        <button type="button" className="secondary" onClick={() => void run('markdown')}>
          <DownloadIcon size={14} /> All chats as Markdown
        </button>
        <button type="button" className="secondary" onClick={() => void run('json')}>
          <DownloadIcon size={14} /> All chats as JSON
        </button>
      </div>
    </section>
  );
}

function DangerZone() {
  const [typed, setTyped] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  return (
    <section className="settings-section danger-zone" aria-labelledby="settings-danger">
      <h3 id="settings-danger">Delete all my data</h3>
      <p className="hint">Every conversation and message is deleted from this computer. This cannot be undone.</p>
      <form
        className="gate-row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (typed !== 'DELETE') return;
          setState({ busy: true, error: null });
          const err = await deleteAllData();
          setState({ busy: false, error: err });
          if (!err) {
            setTyped('');
            openSettings(false);
          }
        }}
      >
        <input
          type="text"
          aria-label="Type DELETE to confirm"
          placeholder="Type DELETE to confirm"
          autoComplete="off"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" className="danger" disabled={typed !== 'DELETE' || state.busy}>
          Delete all my data
        </button>
      </form>
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
    </section>
  );
}
