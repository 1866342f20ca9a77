import { hubCacheDir } from './paths';
import { findToken } from './token';

/** Where the hub lives, where the cache is, and how to reach it. */
export interface HubOptions {
  /**
   * Branch, tag or commit id.
   * @default `main`
   */
  revision?: string;
  /**
   * Cache root.
   * @default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`
   */
  cacheDir?: string;
  /**
   * Hub base URL.
   * @default `$HF_ENDPOINT`, else `https://huggingface.co`
   */
  endpoint?: string;
  /**
   * Access token; `false` sends none.
   * @default `$HF_TOKEN`, else the token file (`$HF_TOKEN_PATH`, `$HF_HOME/token`)
   */
  token?: string | false;
  /**
   * Use the cache only, never the network.
   * @default `$HF_HUB_OFFLINE` is 1/true/yes/on
   */
  offline?: boolean;
  /**
   * Glob patterns of repo files to fetch (pickle weights are never fetched).
   * @default {@link MODEL_FILE_PATTERNS} for models, {@link DATASET_FILE_PATTERNS} for datasets
   */
  allowPatterns?: readonly string[];
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * Called with a one-line warning, e.g. when the hub is unreachable and the cache is used.
   * @default stderr
   */
  onWarning?: (message: string) => void;
}

/** One progress report while a repo file downloads. */
export interface DownloadProgress {
  repo: string;
  file: string;
  loaded: number;
  total: number;
  /** Files of this snapshot still to download, including this one. */
  filesLeft: number;
}

/** Options resolved against the environment. */
export interface HubSettings {
  revision: string;
  cacheDir: string;
  endpoint: string;
  token: string | undefined;
  offline: boolean;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);

/** Fills unset options from the environment the way huggingface_hub reads it. */
export function hubSettings(options: HubOptions, env: NodeJS.ProcessEnv = process.env): HubSettings {
  return {
    revision: options.revision ?? 'main',
    cacheDir: options.cacheDir ?? hubCacheDir(env),
    endpoint: (options.endpoint ?? env['HF_ENDPOINT'] ?? 'https://huggingface.co').replace(/\/+$/, ''),
    token: options.token === false ? undefined : (options.token ?? findToken(env)),
    offline: options.offline ?? TRUE.has((env['HF_HUB_OFFLINE'] ?? '').trim().toLowerCase()),
  };
}
