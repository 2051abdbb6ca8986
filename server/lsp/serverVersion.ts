/** The extension's version, read from package.json at bundle time so the server reports what was shipped. */
import * as pkg from '../../package.json';

export const SERVER_VERSION: string = (pkg as { version: string }).version;
