import { z } from 'zod';

/**
 * The model manager's side of the contract: the catalog file's schema (models/catalog.json is
 * validated against it when read), what this machine can run, installed files and downloads.
 */

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 lowercase hex digits.');

export const HardwareClassSchema = z.enum(['low', 'mid', 'high', 'gpu']);
export type HardwareClass = z.infer<typeof HardwareClassSchema>;

export const CatalogEntrySchema = z
  .object({
    /** Stable, used in URLs and storage: lowercase letters, digits, dots and dashes. */
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,63}$/, 'An id is lowercase letters, digits, dots and dashes.'),
    name: z.string().min(1).max(80),
    /** One line for the picker: what it is good at. */
    description: z.string().min(1).max(200),
    /** Parameter count in billions, as published. */
    paramsB: z.number().positive().max(100),
    /** Hugging Face repository, owner/name. */
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'A repository is owner/name.'),
    /** File within the repository. */
    file: z.string().regex(/^[\w./-]+\.gguf$/, 'The file must be a .gguf.'),
    revision: z.string().regex(/^[\w.-]+$/).default('main'),
    sizeBytes: z.number().int().positive(),
    /** Null where no published hash is known; the size and GGUF checks still apply. */
    sha256: Sha256.nullable(),
    quant: z.string().min(1).max(20),
    /** What the model was trained for. */
    contextLength: z.number().int().min(512),
    license: z.object({ name: z.string().min(1).max(80), url: z.url() }),
    /** The repository asks each person to accept the license before it serves the file. */
    gated: z.boolean(),
    /** Memory it needs to run with a 4,096-token context: weights plus KV cache and scratch. */
    memoryBytes: z.number().int().positive(),
  })
  .strict();
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const CatalogSchema = z
  .object({
    version: z.literal(1),
    /** The recommended model for each hardware class (see `hardwareClass`). */
    recommended: z.record(HardwareClassSchema, z.string()),
    models: z.array(CatalogEntrySchema).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.models.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `The id "${m.id}" appears twice.` });
      ids.add(m.id);
    });
    for (const [cls, id] of Object.entries(c.recommended)) {
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['recommended', cls], message: `"${id}" is not in the catalog.` });
    }
  });
export type Catalog = z.infer<typeof CatalogSchema>;

export const FitLabelSchema = z.enum(['fits', 'tight', 'wont-fit']);
export type FitLabel = z.infer<typeof FitLabelSchema>;

export const FitSchema = z.object({
  label: FitLabelSchema,
  /** One sentence: why, in numbers. */
  note: z.string(),
});
export type Fit = z.infer<typeof FitSchema>;

export const HardwareSchema = z.object({
  ramBytes: z.number(),
  freeRamBytes: z.number(),
  cpuCores: z.number().int(),
  cpuModel: z.string(),
  /** The backend llama.cpp uses; null means the CPU. */
  gpu: z.enum(['cuda', 'vulkan', 'metal']).nullable(),
  gpuNames: z.array(z.string()),
  vramBytes: z.number(),
  freeVramBytes: z.number(),
  /** Why there is no GPU in use when one was asked for or failed, in words. */
  gpuNote: z.string().nullable(),
  hardwareClass: HardwareClassSchema,
});
export type Hardware = z.infer<typeof HardwareSchema>;

export const DownloadStateSchema = z.enum(['checking', 'downloading', 'paused', 'verifying', 'error', 'done']);

export const DownloadSchema = z.object({
  catalogId: z.string(),
  state: DownloadStateSchema,
  downloadedBytes: z.number(),
  totalBytes: z.number(),
  bytesPerSecond: z.number(),
  /** Null while unknown. */
  secondsLeft: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type Download = z.infer<typeof DownloadSchema>;

export const TuningSchema = z.object({
  threads: z.number().int(),
  batchSize: z.number().int(),
  /** Decode speed the chosen setting reached in the tuning run. */
  tokensPerSecond: z.number(),
  /** Every thread count tried, with its decode speed. */
  trials: z.array(z.object({ threads: z.number().int(), tokensPerSecond: z.number() })),
  tunedAt: z.number(),
});
export type Tuning = z.infer<typeof TuningSchema>;

export const InstalledModelSchema = z.object({
  /** The file name inside the models folder. */
  id: z.string(),
  path: z.string(),
  name: z.string(),
  sizeBytes: z.number(),
  source: z.enum(['catalog', 'import']),
  catalogId: z.string().nullable(),
  addedAt: z.number(),
  /** Stored per model file and machine; null until the first load tunes it. */
  tuning: TuningSchema.nullable(),
  loaded: z.boolean(),
});
export type InstalledModel = z.infer<typeof InstalledModelSchema>;

export const CatalogItemSchema = z.object({
  entry: CatalogEntrySchema,
  fit: FitSchema,
  /** The installed file made from this entry, if any. */
  installedId: z.string().nullable(),
  download: DownloadSchema.nullable(),
});
export type CatalogItem = z.infer<typeof CatalogItemSchema>;

export const ModelsOverviewSchema = z.object({
  hardware: HardwareSchema,
  recommendedId: z.string(),
  catalog: z.array(CatalogItemSchema),
  installed: z.array(InstalledModelSchema),
  modelsDir: z.string(),
  freeDiskBytes: z.number(),
  /** Whether a Hugging Face token is available (saved or from HF_TOKEN), for gated models. */
  hasHuggingFaceToken: z.boolean(),
});
export type ModelsOverview = z.infer<typeof ModelsOverviewSchema>;

export const CatalogIdSchema = z.string().min(1).max(64);
