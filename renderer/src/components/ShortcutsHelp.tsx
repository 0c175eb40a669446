import { openShortcuts } from '../actions.js';
import { useApp } from '../state.js';
import { Dialog } from './Dialog.js';
import { keysLabel, SHORTCUTS } from './shortcuts.js';

export function ShortcutsHelp() {
  const open = useApp((s) => s.shortcutsOpen);
  return (
    <Dialog open={open} onClose={() => openShortcuts(false)} title="Keyboard shortcuts" className="shortcuts-dialog">
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.keys}>
            <dt>
              <kbd>{keysLabel(s.keys)}</kbd>
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
