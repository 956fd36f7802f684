/** The CLI's version: the package's (a test keeps them equal). */
export const CLI_VERSION = '0.1.0';
