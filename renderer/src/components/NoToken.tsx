/** Without the launch token nothing can be asked of Modest: explain how to get in. */
export function NoToken({ rejected }: { rejected: boolean }) {
  return (
    <main className="center-screen">
      <div className="card">
        <div className="logo big" aria-hidden="true">M</div>
        <h1>{rejected ? 'This link has expired' : 'Open the link Modest printed'}</h1>
        <p>
          {rejected
            ? 'Modest was restarted, so this window’s access is no longer valid.'
            : 'For your privacy, this window needs the access link from the current launch.'}{' '}
          In the terminal where you started Modest, find the line that begins with <code>http://127.0.0.1:</code> and open that
          whole address, including the part after <code>#token=</code>.
        </p>
        <p className="hint">The link changes every time Modest starts, and only works on this computer.</p>
      </div>
    </main>
  );
}
