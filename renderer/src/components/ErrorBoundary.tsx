import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** Never a blank window: a rendering failure shows what happened and a way back. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Modest window error:', error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <main className="center-screen">
        <div className="card" role="alert">
          <h1>Something went wrong in this window</h1>
          <p>Your conversations are safe: they are saved by Modest, not by this window.</p>
          <pre className="error-detail">{error.message}</pre>
          <div className="row">
            <button type="button" className="primary" onClick={() => window.location.reload()}>
              Reload the window
            </button>
            <button type="button" className="secondary" onClick={() => this.setState({ error: null })}>
              Try to continue
            </button>
          </div>
        </div>
      </main>
    );
  }
}
