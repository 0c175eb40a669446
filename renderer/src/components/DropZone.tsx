import { useEffect, useRef, useState } from 'react';
import { attachFiles } from '../documents.js';

/**
 * Files dragged anywhere over the window show a drop target; dropping attaches them to the open
 * conversation (or a new one). Counting enter/leave keeps the overlay steady over child elements.
 */
export function DropZone({ enabled }: { enabled: boolean }) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = enabled ? 'copy' : 'none';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      if (enabled) void attachFiles([...(e.dataTransfer?.files ?? [])]);
    };
    // Capture phase: the overlay goes whichever target takes the drop (the model picker stops it
    // from reaching the window).
    const reset = () => {
      depth.current = 0;
      setOver(false);
    };
    window.addEventListener('drop', reset, { capture: true });
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('drop', reset, { capture: true });
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, [enabled]);
  if (!over) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-card">
        <strong>{enabled ? 'Drop to attach' : 'Files cannot be attached right now'}</strong>
        <span>PDF, DOCX, TXT, MD, HTML, CSV or JSON — any size</span>
      </div>
    </div>
  );
}
