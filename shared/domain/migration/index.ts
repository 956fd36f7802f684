/** The online-migration workflow's pure rules, in one import. */
export * from './input.js';
export * from './preflight.js';
export * from './progress.js';
