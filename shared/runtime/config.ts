import * as z from 'zod';
import { ConfigError } from './errors.js';
import { isSecretKey } from './redact.js';

/** Environment flags arrive as strings; `true/false/1/0/yes/no` are what operators type. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A positive whole number given as a string. */
export const envPositiveInt = z.coerce.number({ error: 'expected a number' }).int().positive();

/**
 * Parse the environment against a zod shape; the error names every bad variable.
 *
 * @example
 * const config = parseEnv({ STATE_TABLE: z.string().min(1), DRY_RUN: envBoolean.default(true) });
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.');
    const value = env[variable];
    return value === undefined
      ? `${variable}: is required but not set`
      : `${variable}: ${issue.message}${isSecretKey(variable) ? '' : ` (got "${value}")`}`;
  });
  throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
}

/** Settings every function shares. */
export const COMMON_ENV = {
  AWS_MAX_ATTEMPTS: envPositiveInt.max(20).default(5),
} as const;
