import { z } from 'zod';
import { AppError } from './errors.js';

/**
 * Boundary check shared by every transport. A failed parse becomes BAD_REQUEST whose message names
 * the field and the problem, so a caller can fix the request without reading logs.
 */
export function parseAt<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const path = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const message = first ? `${path}${first.message}` : 'The request was not valid.';
  throw new AppError('BAD_REQUEST', { message: `Invalid ${where}: ${message}`, detail: z.prettifyError(result.error) });
}
