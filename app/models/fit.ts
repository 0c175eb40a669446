import type { CatalogEntry, Fit, Hardware, HardwareClass } from '../contract/index.js';

const GiB = 1024 ** 3;

/**
 * The machine's class picks the recommended model. Memory decides what can load, but on the CPU
 * the cores decide what is pleasant to use: decode speed falls with model size, so a 3B model on
 * 2 cores answers at a walking pace even with RAM to spare.
 */
export function hardwareClass(h: Pick<Hardware, 'ramBytes' | 'cpuCores' | 'gpu' | 'vramBytes'>): HardwareClass {
  if (h.gpu !== null && h.vramBytes >= 6 * GiB) return 'gpu';
  if (h.ramBytes >= 12 * GiB && h.cpuCores >= 8) return 'high';
  if (h.ramBytes >= 6 * GiB && h.cpuCores >= 4) return 'mid';
  return 'low';
}

/**
 * fits: all of it in free VRAM, or at most half the RAM and no more than is free now.
 * tight: at most 80% of the RAM: it runs, but other apps may need closing, or it will swap.
 * wont-fit: more than that.
 */
export function fitOf(entry: Pick<CatalogEntry, 'memoryBytes'>, h: Hardware): Fit {
  const need = entry.memoryBytes;
  const gb = (n: number) => `${(n / GiB).toFixed(1)} GB`;
  if (h.gpu !== null && need <= h.freeVramBytes) {
    return { label: 'fits', note: `Needs about ${gb(need)}; the GPU has ${gb(h.freeVramBytes)} free.` };
  }
  if (need <= h.ramBytes * 0.5 && need <= h.freeRamBytes) {
    return { label: 'fits', note: `Needs about ${gb(need)} of this computer's ${gb(h.ramBytes)} of memory.` };
  }
  if (need <= h.ramBytes * 0.8) {
    return {
      label: 'tight',
      note: `Needs about ${gb(need)}; ${gb(h.freeRamBytes)} of ${gb(h.ramBytes)} is free now, so close other apps first.`,
    };
  }
  return { label: 'wont-fit', note: `Needs about ${gb(need)}, more than this computer's ${gb(h.ramBytes)} of memory allows.` };
}
