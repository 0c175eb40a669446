import { useState } from 'react';
import { SettingsSchema, type Settings } from '../../../app/contract/index.js';
import { toast, updateSettings } from '../actions.js';
import { adoptRouter, openEvaluation } from '../evaluation.js';
import { usd } from '../lib/format.js';
import { isCustomRouter, routerInForce } from '../lib/router.js';
import { useApp } from '../state.js';
import '../evaluation.css';

const CLOUD_SCHEMA = SettingsSchema.pick({
  escalationMode: true,
  cloudProvider: true,
  cloudBaseUrl: true,
  cloudModel: true,
  confidenceThreshold: true,
  minPFloor: true,
  shortAnswerTokens: true,
  monthlyBudgetUsd: true,
  cloudTimeoutSeconds: true,
  previewBeforeSend: true,
  redactBeforeSend: true,
  documentsToCloud: true,
});
type CloudKey = keyof typeof CLOUD_SCHEMA.shape;
type CloudForm = { [K in CloudKey]: Settings[K] extends number ? string : Settings[K] };

const MODES: { value: Settings['escalationMode']; label: string; help: string }[] = [
  { value: 'off', label: 'Off', help: 'Nothing leaves this computer. Everything works offline.' },
  { value: 'ask', label: 'Ask', help: 'A doubtful local answer offers to ask the cloud model; nothing is sent without your click.' },
  { value: 'auto', label: 'Auto', help: 'A doubtful local answer is sent to the cloud model automatically, within your budget.' },
];

const NUMBERS: { key: Extract<CloudKey, 'confidenceThreshold' | 'minPFloor' | 'shortAnswerTokens' | 'monthlyBudgetUsd' | 'cloudTimeoutSeconds'>; label: string; help: string; step: string }[] = [
  { key: 'confidenceThreshold', label: 'Confidence threshold', help: 'A local answer scoring below this is escalated (the score is the router’s, below).', step: '0.05' },
  { key: 'minPFloor', label: 'Single-token floor', help: 'Any local token less likely than this escalates at once.', step: '0.01' },
  { key: 'shortAnswerTokens', label: 'Short answer (tokens)', help: 'Answers this short are scored by the first token’s margin.', step: '1' },
  { key: 'monthlyBudgetUsd', label: 'Monthly budget (USD)', help: 'Calls that could go over it are refused; you are warned at 80%.', step: '0.5' },
  { key: 'cloudTimeoutSeconds', label: 'Timeout (seconds)', help: 'How long to wait for the provider before giving up.', step: '1' },
];

function toForm(s: Settings): CloudForm {
  return {
    escalationMode: s.escalationMode,
    cloudProvider: s.cloudProvider,
    cloudBaseUrl: s.cloudBaseUrl,
    cloudModel: s.cloudModel,
    confidenceThreshold: String(s.confidenceThreshold),
    minPFloor: String(s.minPFloor),
    shortAnswerTokens: String(s.shortAnswerTokens),
    monthlyBudgetUsd: String(s.monthlyBudgetUsd),
    cloudTimeoutSeconds: String(s.cloudTimeoutSeconds),
    previewBeforeSend: s.previewBeforeSend,
    redactBeforeSend: s.redactBeforeSend,
    documentsToCloud: s.documentsToCloud,
  };
}

/** Cloud escalation: the mode toggle, the provider, the policy's numbers and the budget. */
export function CloudSettings() {
  const settings = useApp((s) => s.status?.settings ?? null);
  if (!settings) return null;
  return <CloudFields key={JSON.stringify(settings)} settings={settings} />;
}

function CloudFields({ settings }: { settings: Settings }) {
  const cloud = useApp((s) => s.status?.cloud ?? null);
  const [form, setForm] = useState<CloudForm>(() => toForm(settings));
  const [state, setState] = useState<{ saving: boolean; error: string | null }>({ saving: false, error: null });
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  const parsed = CLOUD_SCHEMA.safeParse({
    ...form,
    confidenceThreshold: num(form.confidenceThreshold),
    minPFloor: num(form.minPFloor),
    shortAnswerTokens: num(form.shortAnswerTokens),
    monthlyBudgetUsd: num(form.monthlyBudgetUsd),
    cloudTimeoutSeconds: num(form.cloudTimeoutSeconds),
  });
  const issue = parsed.success ? null : parsed.error.issues[0];
  const changed = parsed.success ? (Object.keys(CLOUD_SCHEMA.shape) as CloudKey[]).filter((k) => parsed.data[k] !== settings[k]) : [];
  const set = <K extends CloudKey>(k: K, v: CloudForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  const save = async () => {
    if (!parsed.success || changed.length === 0) return;
    setState({ saving: true, error: null });
    const err = await updateSettings(Object.fromEntries(changed.map((k) => [k, parsed.data[k]])) as Partial<Settings>);
    setState({ saving: false, error: err });
    if (!err) toast('Cloud settings saved.');
  };

  return (
    <section className="settings-section" aria-labelledby="settings-cloud">
      <h3 id="settings-cloud">Cloud escalation</h3>
      <form
        className="settings-form cloud-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset className="mode-toggle">
          <legend>When to use the cloud</legend>
          {MODES.map((m) => (
            <label key={m.value} className={`mode-option ${form.escalationMode === m.value ? 'selected' : ''}`}>
              <input type="radio" name="escalationMode" value={m.value} checked={form.escalationMode === m.value} onChange={() => set('escalationMode', m.value)} />
              <span className="mode-label">{m.label}</span>
              <span className="hint">{m.help}</span>
            </label>
          ))}
        </fieldset>
        {cloud && form.escalationMode !== 'off' && !cloud.ready && (
          <p className="note" role="note">
            No API key is set for this provider yet: add one under API keys below. Until then nothing is sent.
          </p>
        )}
        <div className="fields">
          <label className="field">
            <span>Provider</span>
            <select value={form.cloudProvider} onChange={(e) => set('cloudProvider', e.target.value as Settings['cloudProvider'])}>
              <option value="openai">OpenAI-compatible</option>
              <option value="anthropic">Anthropic</option>
            </select>
          </label>
          <label className="field">
            <span>Model</span>
            <input type="text" value={form.cloudModel} spellCheck={false} onChange={(e) => set('cloudModel', e.target.value)} />
          </label>
        </div>
        <label className="field">
          <span>Endpoint (base URL)</span>
          <input
            type="text"
            value={form.cloudBaseUrl}
            spellCheck={false}
            placeholder={form.cloudProvider === 'anthropic' ? 'Anthropic’s own (leave empty)' : 'OpenAI’s own (leave empty), or e.g. https://openrouter.ai/api/v1'}
            onChange={(e) => set('cloudBaseUrl', e.target.value.trim())}
          />
          <span className="hint">Any OpenAI-compatible server works: OpenRouter, Groq, Together, DeepSeek, vLLM, Ollama, llama.cpp server…</span>
        </label>
        <div className="fields">
          {NUMBERS.map((f) => (
            <label key={f.key} className="field">
              <span>{f.label}</span>
              <input type="number" inputMode="decimal" step={f.step} value={form[f.key]} onChange={(e) => set(f.key, e.target.value)} />
              <span className="hint">{f.help}</span>
            </label>
          ))}
        </div>
        <RouterInForce settings={settings} />
        <label className="check">
          <input type="checkbox" checked={form.previewBeforeSend} onChange={(e) => set('previewBeforeSend', e.target.checked)} />
          <span>Show exactly what will be sent, and its cost, before sending (Ask mode)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={form.redactBeforeSend} onChange={(e) => set('redactBeforeSend', e.target.checked)} />
          <span>Replace emails, phone and card numbers, IBANs and IP addresses with placeholders before sending</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={form.documentsToCloud} onChange={(e) => set('documentsToCloud', e.target.checked)} />
          <span>
            Let every document’s text be offered to the cloud model (otherwise only documents you allow one by one, with the lock on their
            chip). Each send is still shown to you first.
          </span>
        </label>
        {cloud && (
          <p className={`hint ${cloud.budget.fraction >= 0.8 ? 'warn' : ''}`}>
            This month: {usd(cloud.budget.spentUsd)} of {usd(cloud.budget.budgetUsd)} spent.
          </p>
        )}
        {issue && (
          <p className="form-error" role="alert">
            {String(issue.path[0] ?? 'Settings')}: {issue.message === 'Invalid input: expected number, received NaN' ? 'enter a number' : issue.message}
          </p>
        )}
        {state.error && (
          <p className="form-error" role="alert">
            {state.error}
          </p>
        )}
        <button type="submit" className="primary" disabled={!parsed.success || changed.length === 0 || state.saving}>
          Save cloud settings
        </button>
      </form>
      <PriceEditor settings={settings} />
    </section>
  );
}

/** Which router decides (and where it came from), the way to evaluate it, and Reset. */
function RouterInForce({ settings }: { settings: Settings }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  return (
    <div className="router-in-force" data-testid="router-in-force">
      <p>
        <strong>Router:</strong> {routerInForce(settings)}
      </p>
      <div className="row wrap">
        <button type="button" className="secondary" onClick={() => openEvaluation(true)}>
          Evaluate the router…
        </button>
        {isCustomRouter(settings) && (
          <button
            type="button"
            className="secondary"
            disabled={state.busy}
            onClick={async () => {
              setState({ busy: true, error: null });
              const error = await adoptRouter({ kind: 'reset' });
              setState({ busy: false, error });
              if (!error) toast('The default router is back in force.');
            }}
          >
            Reset to default
          </button>
        )}
      </div>
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}

/** The configured model's price per million tokens: the shipped one, or the user's own. */
function PriceEditor({ settings }: { settings: Settings }) {
  const cloud = useApp((s) => s.status?.cloud ?? null);
  const [input, setInput] = useState(cloud?.price ? String(cloud.price.input) : '');
  const [output, setOutput] = useState(cloud?.price ? String(cloud.price.output) : '');
  const [error, setError] = useState<string | null>(null);
  if (!cloud) return null;
  const source = cloud.priceSource === 'shipped' ? 'the shipped list price' : cloud.priceSource === 'yours' ? 'your price' : 'no known price';
  const save = async () => {
    const price = { input: Number(input), output: Number(output) };
    if (input.trim() === '' || output.trim() === '' || !Number.isFinite(price.input) || !Number.isFinite(price.output) || price.input < 0 || price.output < 0) {
      setError('Enter both prices as numbers of dollars per million tokens.');
      return;
    }
    const err = await updateSettings({ prices: { ...settings.prices, [settings.cloudModel]: price } });
    setError(err);
    if (!err) toast(`Price for ${settings.cloudModel} saved.`);
  };
  return (
    <form
      className="settings-form price-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <p className="hint">
        Price of <strong>{settings.cloudModel}</strong> (USD per million tokens), now {source}. Costs, the budget and the dashboard use it.
      </p>
      <div className="fields">
        <label className="field">
          <span>Input</span>
          <input type="number" inputMode="decimal" step="0.01" min="0" value={input} onChange={(e) => setInput(e.target.value)} />
        </label>
        <label className="field">
          <span>Output</span>
          <input type="number" inputMode="decimal" step="0.01" min="0" value={output} onChange={(e) => setOutput(e.target.value)} />
        </label>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="secondary">
        Save price
      </button>
    </form>
  );
}
