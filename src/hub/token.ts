import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hfHome } from './paths';

/**
 * Finds the Hugging Face access token the way huggingface_hub does:
 * `HF_TOKEN`, then the legacy `HUGGING_FACE_HUB_TOKEN`, then the token file
 * (`HF_TOKEN_PATH`, default `$HF_HOME/token`, written by `huggingface-cli login`).
 * Returns undefined when there is none.
 */
export function findToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['HF_TOKEN'] ?? env['HUGGING_FACE_HUB_TOKEN'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  const tokenPath = env['HF_TOKEN_PATH'] ?? join(hfHome(env), 'token');
  try {
    if (!existsSync(tokenPath)) return undefined;
    const text = readFileSync(tokenPath, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    // An unreadable token file means "no token", as in huggingface_hub.
    return undefined;
  }
}

/**
 * Removes secrets from text that may end up in an error or a log: the token
 * itself (raw and URL-encoded), `Bearer …` values and `user:password@` in URLs.
 */
export function redact(text: string, token?: string): string {
  let out = text;
  if (token) {
    for (const form of new Set([token, encodeURIComponent(token)])) out = out.split(form).join('***');
  }
  out = out.replace(/(Bearer\s+)[^\s"',;]+/gi, '$1***');
  out = out.replace(/(\/\/)[^\s/@]+@/g, '$1***@');
  return out;
}
