import { memo, useRef, type ComponentPropsWithoutRef } from 'react';
import ReactMarkdown, { type Components, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
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
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  table: ({ node: _node, ...props }) => (
    <div className="table-wrap">
      <table {...props} />
    </div>
  ),
};

/** A reply as Markdown (GitHub flavour) with highlighted code. Raw HTML in replies is not rendered. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
