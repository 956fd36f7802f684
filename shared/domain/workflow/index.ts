/** What both workflows (migration, durability upgrade) share, free of I/O: error names and polling. */
export * from './errors.js';
export * from './poll.js';
