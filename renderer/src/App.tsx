import { useEffect, useState } from 'react';
import { adoptTokenFromHash } from './api.js';
import { init, openDashboard, startHeartbeat } from './actions.js';
import { ChatHeader } from './components/ChatHeader.js';
import { Composer } from './components/Composer.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { MessageList } from './components/MessageList.js';
import { Dashboard } from './components/Dashboard.js';
import { DocTaskDialog } from './components/DocTaskDialog.js';
import { DocumentBar } from './components/DocumentBar.js';
import { DropZone } from './components/DropZone.js';
import { EvalDialog } from './components/EvalDialog.js';
import { PassageDialog } from './components/PassageDialog.js';
import { ModelGate } from './components/ModelGate.js';
import { ModelsDialog } from './components/ModelsDialog.js';
import { PreviewDialog } from './components/PreviewDialog.js';
import { NoToken } from './components/NoToken.js';
import { SettingsPanel } from './components/SettingsPanel.js';
import { ShortcutsHelp } from './components/ShortcutsHelp.js';
import { Sidebar } from './components/Sidebar.js';
import { Toasts } from './components/Toast.js';
import { useShortcuts } from './components/useShortcuts.js';
import { selectActiveGeneration, selectActiveMessages, selectModelReady, useApp } from './state.js';

export function App() {
  const auth = useApp((s) => s.auth);
  const ready = useApp((s) => s.status !== null);
  const fatal = useApp((s) => s.fatal);
  const offline = useApp((s) => s.offline);
  useEffect(() => {
    void init();
    const onHash = () => {
      if (adoptTokenFromHash()) void init();
    };
    window.addEventListener('hashchange', onHash);
    // Before the chat window (and its drop zone) exists, a dropped file would replace the page.
    const swallowFileDrop = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', swallowFileDrop);
    window.addEventListener('drop', swallowFileDrop);
    const stopHeartbeat = startHeartbeat();
    return () => {
      window.removeEventListener('dragover', swallowFileDrop);
      window.removeEventListener('drop', swallowFileDrop);
      window.removeEventListener('hashchange', onHash);
      stopHeartbeat();
    };
  }, []);

  if (auth !== 'ok') return <NoToken rejected={auth === 'rejected'} />;
  if (!ready) {
    return (
      <>
        <ConnectionBanner />
        <main className="center-screen">
          <div className="card">
            {fatal ? (
              <>
                <h1>Modest could not start this window</h1>
                <p className="form-error">{fatal}</p>
                <button type="button" className="primary" onClick={() => void init()}>
                  Retry
                </button>
              </>
            ) : (
              <p className="hint" aria-live="polite">{offline ? 'Waiting for Modest…' : 'Connecting to Modest…'}</p>
            )}
          </div>
        </main>
      </>
    );
  }
  return <ChatWindow />;
}

function ChatWindow() {
  const [sidebarOpen, setSidebarOpen] = useState(false);
  useShortcuts();
  return (
    <div className={`layout ${sidebarOpen ? 'sidebar-open' : ''}`}>
      <Sidebar />
      <div className="sidebar-scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" />
      <main className="chat" onClickCapture={() => sidebarOpen && setSidebarOpen(false)}>
        <ChatHeader onToggleSidebar={() => setSidebarOpen((v) => !v)} />
        <ConnectionBanner />
        <ChatBody />
      </main>
      <SettingsPanel />
      <ModelsDialog />
      <PreviewDialog />
      <DocTaskDialog />
      <PassageDialog />
      <DropZone enabled />
      <DashboardMount />
      <EvalDialog />
      <ShortcutsHelp />
      <Toasts />
    </div>
  );
}

function ChatBody() {
  const activeId = useApp((s) => s.activeId);
  const messages = useApp(selectActiveMessages);
  const generation = useApp(selectActiveGeneration);
  const modelReady = useApp(selectModelReady);
  const loading = useApp((s) => s.loadingMessages !== null && s.loadingMessages === s.activeId);
  const missing = useApp((s) => s.activeId !== null && s.messages[s.activeId] === undefined);
  const focusMessageId = useApp((s) => s.focusMessageId);
  const composerError = useApp((s) => s.composerError);

  const empty = messages.length === 0;
  return (
    <>
      {empty ? (
        <div className="scroller">
          {loading ? (
            <p className="hint center">Loading messages…</p>
          ) : missing ? (
            <p className="hint center">This conversation could not be loaded yet.</p>
          ) : modelReady ? (
            <ChatWelcome />
          ) : (
            <ModelGate />
          )}
        </div>
      ) : (
        <MessageList
          conversationId={activeId}
          messages={messages}
          streamingId={generation?.messageId ?? null}
          canAct={modelReady && !generation}
          focusMessageId={focusMessageId}
        />
      )}
      {!empty && !modelReady && <ModelGate compact />}
      <BudgetBanner />
      <DocumentBar conversationId={activeId} canRun={modelReady && !generation} />
      <Composer
        conversationId={activeId}
        generating={generation !== null}
        stopping={generation?.stopping ?? false}
        modelReady={modelReady}
        error={composerError}
      />
    </>
  );
}

function ChatWelcome() {
  const name = useApp((s) => (s.status?.model.state === 'ready' ? s.status.model.model.name : ''));
  return (
    <div className="welcome">
      <div className="logo big" aria-hidden="true">M</div>
      <h2>What can I help with?</h2>
      <p className="hint">
        {name ? <>Chatting with <strong>{name}</strong>, running on this computer. </> : null}
        Nothing you write leaves this machine.
      </p>
      <p className="hint">Drop a PDF, Word file, web page, CSV or text file here to summarize it, ask about it, or extract fields.</p>
    </div>
  );
}

/** Warns at 80% of the month's cloud budget, while escalation is on. */
function BudgetBanner() {
  const mode = useApp((s) => s.status?.settings.escalationMode ?? 'off');
  const budget = useApp((s) => s.status?.cloud.budget ?? null);
  if (mode === 'off' || !budget || budget.fraction < 0.8) return null;
  return (
    <p className="note budget-banner" role="status">
      {budget.fraction >= 1 ? 'This month’s cloud budget is used up' : `${Math.round(budget.fraction * 100)}% of this month’s cloud budget is used`}: $
      {budget.spentUsd.toFixed(2)} of ${budget.budgetUsd.toFixed(2)}. Calls that would go over it stay local. Change the budget in Settings.
    </p>
  );
}

/** Mounted only while open: it fetches its period when it appears. */
function DashboardMount() {
  const open = useApp((s) => s.dashboardOpen);
  return open ? <Dashboard onClose={() => openDashboard(false)} /> : null;
}
