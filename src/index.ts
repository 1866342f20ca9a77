/**
 * embedlab — fine-tune sentence-embedding models in TypeScript on TensorFlow.js.
 *
 * @example
 * import { initBackend } from 'embedlab';
 * console.log((await initBackend()).summary);
 */
export { initBackend, backendInfo } from './backend';
export type { BackendChoice, BackendInfo } from './backend';
export { EmbedlabError } from './util/errors';
export { Matrix } from './util/matrix';
export { Random } from './util/random';
export * from './losses';
