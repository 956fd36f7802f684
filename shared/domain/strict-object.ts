import * as z from 'zod';

/** A strict object whose unknown-key error lists the valid keys. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const valid = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')} (valid keys: ${valid})`
        : undefined,
  });
}
