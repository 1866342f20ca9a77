import { initBackend, type BackendChoice, type BackendInfo } from '../backend';

/**
 * Starts the backend a command runs on — `--backend`, else `EMBEDLAB_BACKEND`,
 * else the best available — before any tensor is made, and says which on stderr.
 */
export async function startBackend(choice: BackendChoice | undefined): Promise<BackendInfo> {
  const info = await initBackend(choice);
  process.stderr.write(`${info.summary}\n`);
  return info;
}
