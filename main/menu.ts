import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openDataFolder(): void;
}

/**
 * The native menu: standard roles only, so every platform gets its own labels and shortcuts
 * (copy, paste, undo, zoom, full screen, quit). App shortcuts such as Ctrl+N and Ctrl+K belong to
 * the window, which shows them under "?", so the menu deliberately binds none of them.
 */
export function menuTemplate(platform: NodeJS.Platform, opts: { devTools: boolean; actions: MenuActions }): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (opts.devTools) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' });
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    {
      label: mac ? 'File' : '&File',
      submenu: [
        { label: 'Open Data Folder', click: () => opts.actions.openDataFolder() },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: mac ? 'View' : '&View', submenu: view },
    { role: 'windowMenu' },
  ];
}
