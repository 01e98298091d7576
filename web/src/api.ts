/** Typed access to the explorer's JSON API. Errors carry the server's message so pages can show it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const message = (body as { error?: string } | null)?.error ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return body as T;
}

/** GETs in flight, so two components (or a re-run effect) asking for the same URL share one request. */
const inflight = new Map<string, Promise<unknown>>();
/** Responses requested before React started (see prefetch), handed to the first component that asks. */
const prefetched = new Map<string, Promise<unknown>>();

export function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const key = `${url}\n${JSON.stringify(headers)}`;
  const early = prefetched.get(key);
  if (early) {
    // Kept a moment after first use, so an effect that runs twice on mount shares it too.
    window.setTimeout(() => prefetched.delete(key), 1000);
    return early as Promise<T>;
  }
  let pending = inflight.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = fetch(url, { headers }).then((res) => parse<T>(res));
    inflight.set(key, pending);
    const forget = () => inflight.delete(key);
    pending.then(forget, forget);
  }
  return pending;
}

/** Starts a GET before the app renders, so the first page's data loads while React boots. */
export function prefetch(url: string): void {
  const key = `${url}\n{}`;
  const pending = fetch(url).then((res) => parse(res));
  pending.catch(() => undefined);
  prefetched.set(key, pending);
}

export async function postJson<T>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  return parse<T>(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** URL of a sample image (by row; the server never takes a path), optionally as a thumbnail. */
export function imageUrl(row: number, width?: number): string {
  return width ? `/api/images/${row}?w=${width}` : `/api/images/${row}`;
}
