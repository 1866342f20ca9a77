import { EmbedlabError } from '../util/errors';

/**
 * A `fetch` for hub requests: adds `Authorization: Bearer <token>` only for
 * the hub endpoint's own origin, and follows redirects by hand so the token is
 * dropped as soon as a redirect leaves that origin (e.g. to a CDN).
 */
export function hubFetch(endpoint: string, token: string | undefined, timeoutMs?: number): typeof fetch {
  const hubOrigin = new URL(endpoint).origin;
  const wrapped = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    const signal = timeoutMs === undefined ? init.signal : AbortSignal.timeout(timeoutMs);
    for (let hop = 0; hop <= 10; hop++) {
      const headers = new Headers(init.headers);
      headers.delete('authorization');
      if (token && url.origin === hubOrigin) headers.set('authorization', `Bearer ${token}`);
      const response = await fetch(url, { ...init, method, headers, signal, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return withUrl(response, url);
      await response.body?.cancel();
      url = new URL(location, url);
    }
    throw new EmbedlabError(`too many redirects from ${hubOrigin}`);
  };
  return wrapped as typeof fetch;
}

/** Node's manual-redirect responses keep their own URL; keep it readable for callers that use `response.url`. */
function withUrl(response: Response, url: URL): Response {
  if (response.url) return response;
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/** True for failures to reach the server at all (refused, DNS, reset, timeout), as opposed to HTTP errors. */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return true;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_)/.test(code);
}
