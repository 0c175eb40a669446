import { useEffect } from 'react';
import { focusSearch, newChat, openShortcuts, stopGeneration } from '../actions.js';
import { openEvaluation } from '../evaluation.js';
import { store } from '../state.js';

/** Window-wide keys: Esc stops, Mod+N new chat, Mod+K search, Mod+O attach, Mod+Shift+E evaluation, ? shows the list. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const s = store.get();
      const dialogOpen = s.settingsOpen || s.shortcutsOpen || s.docDialog !== null || s.passage !== null || s.evaluation.open;
      if (e.key === 'Escape' && !e.defaultPrevented && !dialogOpen) {
        if (s.activeId && s.generations[s.activeId]) {
          e.preventDefault();
          void stopGeneration(s.activeId);
        }
        return;
      }
      if (mod && !e.shiftKey && !e.altKey && (e.key === 'n' || e.key === 'N')) {
        e.preventDefault();
        if (!dialogOpen) newChat();
        return;
      }
      if (mod && !e.shiftKey && !e.altKey && (e.key === 'k' || e.key === 'K')) {
        e.preventDefault();
        if (!dialogOpen) focusSearch();
        return;
      }
      if (mod && !e.shiftKey && !e.altKey && (e.key === 'o' || e.key === 'O')) {
        e.preventDefault();
        if (!dialogOpen) document.getElementById('attach-input')?.click();
        return;
      }
      if (mod && e.shiftKey && !e.altKey && (e.key === 'e' || e.key === 'E')) {
        e.preventDefault();
        // Also over Settings: the evaluation opens on top, and Settings shows what was adopted.
        if (!s.evaluation.open) openEvaluation(true);
        return;
      }
      if (e.key === '?' && !mod && !isTyping(e.target)) {
        e.preventDefault();
        openShortcuts(true);
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}
