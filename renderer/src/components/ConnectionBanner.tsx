import { useState } from 'react';
import { retryConnection } from '../actions.js';
import { useApp } from '../state.js';

/** Shown when Modest cannot be reached; Retry picks up where things were. */
export function ConnectionBanner() {
  const offline = useApp((s) => s.offline);
  const [trying, setTrying] = useState(false);
  if (!offline) return null;
  return (
    <div className="banner" role="alert">
      <span>Can’t reach Modest. Check that it is still running in its terminal, then retry.</span>
      <button
        type="button"
        className="secondary"
        disabled={trying}
        onClick={async () => {
          setTrying(true);
          await retryConnection();
          setTrying(false);
        }}
      >
        {trying ? 'Retrying…' : 'Retry'}
      </button>
    </div>
  );
}
