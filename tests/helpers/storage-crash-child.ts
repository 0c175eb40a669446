/**
 * Run as `node --import tsx tests/helpers/storage-crash-child.ts <dataDir>`: plays the part of a
 * streaming reply. It prints one JSON line per committed write (stdout to a pipe is synchronous on
 * Linux and macOS, so a printed line means the commit returned first) and runs until killed.
 * If the folder cannot be opened it prints the AppError as {event: 'error'} and exits with 3.
 */
import { AppError } from '../../app/contract/index.js';
import { openStorage, type Storage } from '../../app/storage/index.js';

/** Reply text after n saves: "chunk 0; chunk 1; …", so any saved content can be checked exactly. */
const CHUNK = (i: number) => `chunk ${i}; `;

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: storage-crash-child.ts <dataDir>');
  process.exit(2);
}
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

let storage: Storage;
try {
  storage = openStorage(dataDir);
} catch (err) {
  const e = AppError.from(err);
  say({ event: 'error', code: e.code, message: e.message });
  process.exit(3);
}
const conv = storage.conversations.create('Crash test');
const user = storage.messages.insert({ conversationId: conv.id, role: 'user', content: 'Tell me a long story', status: 'complete' });
const reply = storage.messages.insert({ conversationId: conv.id, role: 'assistant', content: '', status: 'partial' });
say({ event: 'ready', conversationId: conv.id, userId: user.id, replyId: reply.id });

let text = '';
let i = 0;
setInterval(() => {
  text += CHUNK(i++);
  storage.messages.update(reply.id, { content: text, status: 'partial' });
  say({ event: 'saved', chunks: i, content: text });
}, 50);
