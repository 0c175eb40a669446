import { clearSearch, newChat, openSettings, openShortcuts, setSearchQuery } from '../actions.js';
import { useApp } from '../state.js';
import { ConversationList } from './ConversationList.js';
import { KeyboardIcon, PlusIcon, SearchIcon, SettingsIcon } from './icons.js';
import { SearchResults } from './SearchResults.js';
import { isMac } from './shortcuts.js';

const mod = isMac() ? '⌘' : 'Ctrl+';

/** New chat, search, the conversation list (or search hits), and the settings entry. */
export function Sidebar() {
  const query = useApp((s) => s.searchQuery);
  return (
    <nav className="sidebar" aria-label="Conversations and search">
      <div className="brand">
        <span className="logo" aria-hidden="true">M</span>
        <span>Modest</span>
      </div>
      <button type="button" className="new-chat" onClick={newChat} title={`New chat (${mod}N)`}>
        <PlusIcon />
        <span>New chat</span>
      </button>
      <div className="search" role="search">
        <SearchIcon size={15} />
        <input
          id="search-input"
          type="search"
          aria-label="Search messages"
          placeholder={`Search  (${mod}K)`}
          value={query}
          onChange={(e) => setSearchQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.preventDefault();
              clearSearch();
            } else if (e.key === 'ArrowDown') {
              e.preventDefault();
              (document.querySelector('.sidebar-list button') as HTMLElement | null)?.focus();
            }
          }}
        />
      </div>
      <div className="sidebar-list">{query.trim() ? <SearchResults /> : <ConversationList />}</div>
      <div className="sidebar-footer">
        <button type="button" className="ghost" onClick={() => openSettings()}>
          <SettingsIcon />
          <span>Settings</span>
        </button>
        <button type="button" className="ghost" onClick={() => openShortcuts()} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
          <KeyboardIcon />
        </button>
      </div>
    </nav>
  );
}
