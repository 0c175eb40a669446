import { config } from 'zod';

// Zod 4 probes `new Function('')` to decide whether to compile fast parsers. The window's CSP
// forbids eval, so the probe only logs a CSP violation; jitless skips it (the parsers here are small).
config({ jitless: true });
