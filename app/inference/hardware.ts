import os from 'node:os';
import type { Hardware } from '../contract/index.js';
import { acquireBackend, type GpuChoice } from './backend.js';

export type DetectedHardware = Omit<Hardware, 'hardwareClass'>;

/**
 * RAM from the OS; the GPU, its VRAM and whether it started from llama.cpp itself (the backend
 * the model will run on), so what the UI shows is what loading will find.
 */
export async function detectHardware(gpu: GpuChoice): Promise<DetectedHardware> {
  const { llama, note } = await acquireBackend(gpu);
  const onGpu = llama.gpu !== false;
  const vram = onGpu ? await llama.getVramState() : { total: 0, free: 0 };
  const names = onGpu ? await llama.getGpuDeviceNames().catch(() => []) : [];
  return {
    ramBytes: os.totalmem(),
    freeRamBytes: os.freemem(),
    cpuCores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    gpu: onGpu ? (llama.gpu as 'cuda' | 'vulkan' | 'metal') : null,
    gpuNames: names,
    vramBytes: vram.total,
    freeVramBytes: vram.free,
    gpuNote: note,
  };
}
