import { memo, useRef, type ComponentPropsWithoutRef } from 'react';
import ReactMarkdown, { type Components, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import type { Citation } from '../../../app/contract/index.js';
import { linkCitations } from '../lib/citations.js';
import { openPassage } from '../documents.js';
import { CopyButton } from './CopyButton.js';

const remarkPlugins: Options['remarkPlugins'] = [remarkGfm];
const rehypePlugins: Options['rehypePlugins'] = [[rehypeHighlight, { detect: false }]];

type PreProps = ComponentPropsWithoutRef<'pre'> & { node?: unknown };

/** A fenced code block with its language and a Copy button. */
function CodeBlock({ node, children, ...rest }: PreProps) {
  const ref = useRef<HTMLPreElement>(null);
  const lang = languageOf(node);
  return (
    <div className="code-block">
      <div className="code-toolbar">
        <span className="code-lang">{lang ?? 'code'}</span>
        <CopyButton label="Copy code" getText={() => ref.current?.querySelector('code')?.textContent ?? ref.current?.textContent ?? ''} />
      </div>
      <pre ref={ref} {...rest}>
        {children}
      </pre>
    </div>
  );
}

function languageOf(node: unknown): string | null {
  const code = (node as { children?: { tagName?: string; properties?: { className?: unknown } }[] } | undefined)?.children?.[0];
  const classes = code?.tagName === 'code' && Array.isArray(code.properties?.className) ? (code.properties.className as string[]) : [];
  const lang = classes.find((c) => c.startsWith('language-'));
  return lang ? lang.slice('language-'.length) : null;
}

const components: Components = {
  pre: CodeBlock,
  a: ({ node: _node, href, children, ...props }) => {
    const cite = /^#cite-(\d+)$/.exec(href ?? '');
    if (cite) {
      return (
        <button type="button" className="citation" title="Show this passage" onClick={() => void openPassage(Number(cite[1]))}>
          {children}
        </button>
      );
    }
    return (
      <a {...props} href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  },
  table: ({ node: _node, ...props }) => (
    <div className="table-wrap">
      <table {...props} />
    </div>
  ),
};

/** A reply as Markdown (GitHub flavour) with highlighted code. Raw HTML in replies is not rendered. */
export const Markdown = memo(function Markdown({ text, citations }: { text: string; citations?: readonly Citation[] }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
        {citations ? linkCitations(text, citations) : text}
      </ReactMarkdown>
    </div>
  );
});
