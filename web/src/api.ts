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

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  return parse<T>(await fetch(url, { headers }));
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
