/** A conversation's first message names it, as chat apps do: the first words, on one line. */
export function titleFromMessage(text: string, maxChars = 48): string {
  // Markdown markers read as noise in a sidebar; the words are what names a conversation.
  const line = text
    .replace(/[*_`~#>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (line.length <= maxChars) return line || 'New chat';
  const cut = line.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
