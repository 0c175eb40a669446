import { parentPort } from 'node:worker_threads';
import { AppError } from '../../contract/index.js';
import { LocalEngine } from '../engine.js';
import type { FromWorker, ToWorker } from './protocol.js';

/**
 * The engine's thread. llama.cpp's own work already runs off the event loop, but node-llama-cpp
 * does some per-reply work in JavaScript (the first token's full distribution becomes a
 * 151,936-entry Map; prompts are tokenized synchronously): here it cannot stall the server or UI.
 */
const port = parentPort!;
let engine: LocalEngine | null = null;
const running = new Map<number, AbortController>();
const send = (m: FromWorker) => port.postMessage(m);
const fail = (id: number, err: unknown) => {
  const e = AppError.from(err);
  send({ type: 'error', id, error: { code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) } });
};
const need = () => {
  if (!engine) throw new AppError('NO_MODEL');
  return engine;
};

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'load':
      LocalEngine.load({ ...m.opts, availableMemory: () => m.availableMemory, onProgress: (fraction, phase) => send({ type: 'progress', id: m.id, fraction, phase }) })
        .then((e) => {
          engine = e;
          send({ type: 'loaded', id: m.id, info: e.info, tokenizerId: e.tokenizerId });
        })
        .catch((err: unknown) => fail(m.id, err));
      break;
    case 'generate': {
      const controller = new AbortController();
      running.set(m.id, controller);
      Promise.resolve()
        .then(() =>
          need().generate(
            { ...m.req, signal: controller.signal },
            {
              onPrompt: (info) => send({ type: 'prompt', id: m.id, info }),
              onText: (piece) => send({ type: 'text', id: m.id, piece }),
              onToken: (probability) => send({ type: 'token', id: m.id, probability }),
            },
          ),
        )
        .then((result) => send({ type: 'result', id: m.id, result }))
        .catch((err: unknown) => fail(m.id, err))
        .finally(() => running.delete(m.id));
      break;
    }
    case 'abort':
      running.get(m.id)?.abort(new Error('Stopped.'));
      break;
    case 'countTokens':
      try {
        send({ type: 'count', id: m.id, tokens: need().countTokens(m.text) });
      } catch (err) {
        fail(m.id, err);
      }
      break;
    case 'countPrompt':
      try {
        send({ type: 'count', id: m.id, tokens: need().countPrompt(m.systemPrompt, m.turns) });
      } catch (err) {
        fail(m.id, err);
      }
      break;
    case 'countTokensMany':
      try {
        send({ type: 'counts', id: m.id, tokens: need().countTokensMany(m.texts) });
      } catch (err) {
        fail(m.id, err);
      }
      break;
    case 'assertFits':
      try {
        need().assertFits(m.systemPrompt, m.lastTurn, m.maxTokens);
        send({ type: 'ok', id: m.id });
      } catch (err) {
        fail(m.id, err);
      }
      break;
    case 'forget':
      engine?.forgetConversation(m.conversationId);
      break;
    case 'dispose':
      (engine?.dispose() ?? Promise.resolve())
        .then(() => send({ type: 'ok', id: m.id }))
        .catch((err: unknown) => fail(m.id, err));
      break;
  }
});
