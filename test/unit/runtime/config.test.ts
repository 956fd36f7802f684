import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMMON_ENV, envBoolean, parseEnv } from '../../../shared/runtime/config.js';
import { ConfigError } from '../../../shared/runtime/errors.js';

describe('Function: parseEnv', () => {
  it('applies defaults and converts flags and numbers', () => {
    // Act
    const config = parseEnv({ ...COMMON_ENV, DRY_RUN: envBoolean.default(true) }, { DRY_RUN: 'no' });

    // Assess
    expect(config).toEqual({ AWS_MAX_ATTEMPTS: 5, DRY_RUN: false });
  });

  it('names every bad variable with the value it got', () => {
    // Prepare
    const shape = { ...COMMON_ENV, STATE_TABLE: z.string().min(1), DRY_RUN: envBoolean };

    // Act
    const attempt = () => parseEnv(shape, { AWS_MAX_ATTEMPTS: 'many', DRY_RUN: 'maybe' });

    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'invalid environment: AWS_MAX_ATTEMPTS: expected a number (got "many"); STATE_TABLE: is required but not set; DRY_RUN: expected true or false (got "maybe")',
    );
  });

  it('rejects a retry budget above 20', () => {
    expect(() => parseEnv(COMMON_ENV, { AWS_MAX_ATTEMPTS: '50' })).toThrow(
      /AWS_MAX_ATTEMPTS: .*\(got "50"\)/,
    );
  });
});
