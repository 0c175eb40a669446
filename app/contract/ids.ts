import { z } from 'zod';

export const IdSchema = z.string().min(1, 'An id is required.').max(64, 'That id is too long.');
