/**
 * Where `faultline models fetch` and `faultline datasets fetch` download from. The official URL, unless
 * `--url <url>` names a mirror for one file, or $FAULTLINE_FETCH_BASE_URL names a base that serves every file
 * under its own file name (`<base>/<fileName>`): a local mirror on a machine without internet access, and what the
 * tests use to point the commands at a local HTTP server.
 */
export const FETCH_BASE_URL_ENV = 'FAULTLINE_FETCH_BASE_URL';

export function fetchUrl(
  official: string,
  fileName: string,
  override?: { url?: string; baseUrl?: string },
): string {
  if (override?.url) return override.url;
  const base = override?.baseUrl ?? process.env[FETCH_BASE_URL_ENV];
  if (base) return `${base.replace(/\/+$/, '')}/${encodeURIComponent(fileName)}`;
  return official;
}
