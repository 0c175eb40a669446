import { useEffect, useRef, useState } from 'react';
import { copyText } from '../lib/clipboard.js';
import { CheckIcon, CopyIcon } from './icons.js';

/** A copy button that says "Copied" for a moment; `label` is its accessible name. */
export function CopyButton({ getText, label, className = '' }: { getText: () => string; label: string; className?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const onClick = async () => {
    const ok = await copyText(getText());
    setState(ok ? 'copied' : 'failed');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 1600);
  };

  return (
    <button type="button" className={`ghost small ${className}`} aria-label={label} title={label} onClick={onClick}>
      {state === 'copied' ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
    </button>
  );
}
