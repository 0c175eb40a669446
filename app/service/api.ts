import { priceFor } from '../cloud/index.js';
import type { Readable } from 'node:stream';
import { AppError, type ApiHandlers, type DocumentInfo, type Settings } from '../contract/index.js';
import { createEnvKeyStore, type KeyStore } from '../secrets/index.js';
import type { Storage } from '../storage/index.js';
import { ChatService } from './chat-service.js';
import { DocumentService } from './document-service.js';
import { DocumentTasks } from './document-tasks.js';
import { taskFromChat } from './document-intent.js';
import { CloudEscalation } from './cloud-escalation.js';
import { ModelHost } from './model-host.js';
import { ModelManager, type ModelManagerOptions } from './model-manager.js';
import { adoption } from './router-adoption.js';
import { labelStats } from '../eval/label-stats.js';
import { reportInWorker } from '../eval/report-in-worker.js';

export const VERSION = '0.1.0';

export interface Core {
  api: ApiHandlers;
  chat: ChatService;
  models: ModelHost;
  manager: ModelManager;
  storage: Storage;
  keys: KeyStore;
  documents: DocumentService;
  tasks: DocumentTasks;
  /** The browser mode's streamed upload (the HTTP server's one non-JSON route). */
  upload(conversationId: string, name: string, body: Readable, declaredSize: number, signal: AbortSignal): Promise<DocumentInfo>;
  /** Ends running replies as partial, unloads the model and closes the database. */
  shutdown(): Promise<void>;
}

/** Settings that only take effect when the model is loaded again. */
const RELOAD_KEYS: readonly (keyof Settings)[] = ['threads', 'contextSize', 'sequences', 'gpu'];

/** The application core behind the contract: transport-free, so HTTP and IPC serve the same object. */
export interface CoreOptions {
  availableMemory?: () => number;
  /** Which window talks to this core; reported in getStatus. */
  shell?: 'desktop' | 'browser';
  /** Where cloud API keys live. Only the desktop shell can reach the OS secret store. */
  keys?: KeyStore;
  /** The model manager's catalog, download endpoint and test hooks. */
  models?: ModelManagerOptions;
}

export function createCore(storage: Storage, opts: CoreOptions = {}): Core {
  const keys = opts.keys ?? createEnvKeyStore('the browser mode cannot reach the operating system’s secret store');
  const models = new ModelHost(opts.availableMemory, storage.models, (file) => manager.noteLoaded(file));
  const manager: ModelManager = new ModelManager(storage, keys, () => storage.settings.get().gpu, () => models.current?.info.path ?? null, opts.models);
  void manager.start().catch((err: unknown) => console.error('Resuming model downloads failed:', err));
  const cloud = new CloudEscalation(storage, keys);
  const chat = new ChatService(storage, models, cloud);
  const documents = new DocumentService(storage, () => models.current);
  const tasks = new DocumentTasks(storage, models, documents, cloud, (id) => chat.activeGenerations().some((g) => g.conversationId === id));
  void documents.start().catch((err: unknown) => console.error('Resuming document indexing failed:', err));
  const running = () => [...chat.activeGenerations(), ...tasks.activeGenerations()];
  const assertNoTask = (conversationId: string) => {
    if (tasks.busy(conversationId)) throw new AppError('BUSY');
  };

  const api: ApiHandlers = {
    calls: {
      getStatus: async () => ({
        version: VERSION,
        shell: opts.shell ?? 'browser',
        dataDir: storage.dataDir,
        model: models.status,
        settings: storage.settings.get(),
        activeGenerations: running(),
        keys: keys.status(),
        cloud: (() => {
          const s = storage.settings.get();
          const price = priceFor(s.cloudModel, s.prices);
          const yours = price !== null && priceFor(s.cloudModel, {}) !== price;
          return { ready: cloud.ready(s), budget: cloud.budget(s), price, priceSource: price === null ? 'unknown' : yours ? 'yours' : 'shipped' } as const;
        })(),
      }),
      setKeepLocal: async ({ id, keepLocal }) => storage.conversations.setKeepLocal(id, keepLocal),
      labelMessage: async ({ messageId, thumb }) => {
        storage.messages.get(messageId);
        storage.labels.setThumb(messageId, thumb === null ? null : thumb === 'up' ? 'thumbs-up' : 'thumbs-down');
        return { messageId, thumb };
      },
      previewEscalation: async ({ messageId }) => chat.preview(messageId),
      evalReport: async ({ csv, target, signal }) => reportInWorker({ csv, target, signal }),
      getLabelStats: async ({ flagShare }) => labelStats(storage.labels.localVerdicts(), flagShare, storage.settings.get().shortAnswerTokens),
      adoptRouter: async (input) => {
        const verdicts = input.kind !== 'reset' && input.provenance.source === 'labels' ? storage.labels.localVerdicts() : [];
        const bad = verdicts.filter((v) => !v.acceptable).length;
        return storage.settings.update(adoption(input, Date.now(), { acceptable: verdicts.length - bad, unacceptable: bad }));
      },
      usageSummary: async ({ from, to }) => {
        const s = storage.settings.get();
        return storage.usageSummary(from, to, priceFor(s.cloudModel, s.prices), s.cloudModel);
      },
      exportUsage: async ({ from, to }) => storage.usageCsv(from, to),
      setApiKey: async ({ provider, key }) => keys.set(provider, key),
      deleteApiKey: async ({ provider }) => keys.delete(provider),
      loadModel: async ({ path }) => {
        if (running().length > 0) {
          throw new AppError('CONFLICT', { message: 'Stop the reply in progress before switching models.' });
        }
        return models.load(path, storage.settings.get());
      },
      getModels: async () => manager.overview(),
      downloadModel: async ({ catalogId, acceptLicense }) => manager.download(catalogId, { acceptLicense }),
      pauseDownload: async ({ catalogId }) => manager.pause(catalogId),
      cancelDownload: async ({ catalogId }) => {
        await manager.cancel(catalogId);
        return {};
      },
      importModel: async ({ path }) => manager.importFile(path),
      deleteModel: async ({ id }) => manager.remove(id),
      retuneModel: async () => {
        const loaded = models.current;
        if (!loaded) throw new AppError('NO_MODEL');
        if (running().length > 0) throw new AppError('CONFLICT', { message: 'Stop the reply in progress before re-tuning.' });
        const settings = storage.settings.get();
        if (settings.threads !== 0) {
          throw new AppError('BAD_REQUEST', { message: `Threads are set by hand (${settings.threads}). Set them to 0 ("measure") in Settings to tune them.` });
        }
        return models.load(loaded.info.path, settings, { retune: true });
      },
      unloadModel: async () => {
        if (running().length > 0) {
          throw new AppError('CONFLICT', { message: 'Stop the reply in progress before unloading the model.' });
        }
        return models.unload();
      },
      updateSettings: async (patch) => {
        const before = storage.settings.get();
        const after = storage.settings.update(patch);
        const loaded = models.current;
        if (loaded && RELOAD_KEYS.some((k) => before[k] !== after[k])) {
          if (running().length > 0) {
            storage.settings.update(before);
            throw new AppError('CONFLICT', { message: 'Stop the reply in progress before changing these settings.' });
          }
          try {
            await models.load(loaded.info.path, after);
          } catch (err) {
            // The old model keeps running, so the saved settings must stay the ones it runs with.
            storage.settings.update(before);
            throw err;
          }
        }
        return after;
      },
      listConversations: async () => storage.conversations.list(),
      createConversation: async ({ title }) => storage.conversations.create(title),
      renameConversation: async ({ id, title }) => storage.conversations.rename(id, title),
      deleteConversation: async ({ id }) => {
        for (const g of running()) if (g.conversationId === id && !chat.stop(g.messageId)) tasks.stop(g.messageId);
        storage.conversations.softDelete(id);
        models.current?.forgetConversation(id);
        return { id };
      },
      restoreConversation: async ({ id }) => storage.conversations.restore(id),
      getMessages: async ({ conversationId }) => {
        storage.conversations.get(conversationId);
        return storage.messages.list(conversationId);
      },
      search: async ({ query, limit }) => storage.search(query, limit),
      stopGeneration: async ({ messageId }) => ({ stopped: chat.stop(messageId) || tasks.stop(messageId) }),
      listDocuments: async ({ conversationId }) => documents.list(conversationId),
      addDocumentPath: async ({ conversationId, path }) => documents.addPath(conversationId, path),
      removeDocument: async ({ id }) => documents.remove(id),
      cancelDocument: async ({ id }) => documents.cancel(id),
      retryDocument: async ({ id }) => documents.retry(id),
      unlockDocument: async ({ id, password }) => documents.unlock(id, password),
      setDocumentCloud: async ({ id, allowCloud }) => documents.setAllowCloud(id, allowCloud),
      getPassage: async ({ chunkId }) => documents.passage(chunkId),
      exportConversations: async ({ conversationId, format }) => storage.exportConversations(conversationId, format),
      deleteAllData: async () => ({
        deleted: await chat.exclusive('Modest is deleting all data. Try again in a moment.', async () => {
          await tasks.stopAll();
          await documents.removeAllFiles();
          return storage.deleteAll();
        }),
      }),
    },
    streams: {
      sendMessage: ({ conversationId, text, toCloud }, signal) => {
        assertNoTask(conversationId);
        // With documents attached, a message is about them: answered from their passages, or a
        // summary or extraction when it asks for one.
        const task = toCloud ? null : taskFromChat(text, storage.documents.list(conversationId));
        if (task) return tasks.start({ conversationId, ...task }, signal, text);
        return chat.send(conversationId, text, signal, toCloud === true);
      },
      regenerate: ({ messageId }, signal) => {
        const target = storage.messages.get(messageId);
        assertNoTask(target.conversationId);
        if (target.task) throw new AppError('BAD_REQUEST', { message: 'A document answer is not regenerated: run the task again from the document’s chip.' });
        return chat.regenerate(messageId, signal);
      },
      editAndResend: ({ messageId, text }, signal) => {
        assertNoTask(storage.messages.get(messageId).conversationId);
        return chat.editAndResend(messageId, text, signal);
      },
      escalate: ({ messageId, approved }, signal) => chat.escalate(messageId, signal, approved),
      documentTask: ({ conversationId, documentIds, task }, signal) => tasks.start({ conversationId, documentIds, task }, signal),
    },
  };

  return {
    api,
    chat,
    models,
    manager,
    storage,
    keys,
    documents,
    tasks,
    upload: (conversationId, name, body, declaredSize, signal) => documents.addStream(conversationId, name, body, declaredSize, signal),
    shutdown: async () => {
      await chat.stopAll();
      await tasks.stopAll();
      await documents.close();
      await manager.close();
      await models.dispose();
      storage.close();
    },
  };
}
