/**
 * Models and datasets from local folders or the Hugging Face Hub, cached in
 * the layout huggingface_hub uses.
 */
export { resolveModel } from './resolveModel';
export { resolveDataset } from './resolveDataset';
export { MODEL_FILE_PATTERNS, DATASET_FILE_PATTERNS } from './select';
export { hubCacheDir } from './paths';
export type { HubOptions, DownloadProgress } from './options';
export { pushToHub } from './push';
export type { PushOptions, PushProgress, PushResult } from './push';
