// Node module hook: inside the child process that runs main/electron-main.ts for the wiring test,
// `electron` resolves to the stand-in module instead of the (absent) Electron binary.
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') {
    return { url: new URL('./fake-electron-module.ts', import.meta.url).href, shortCircuit: true, format: 'module' };
  }
  return next(specifier, context);
}
