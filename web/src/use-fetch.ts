/** Loads JSON for a page, re-fetching when the URL changes; stale responses are dropped. */
import { useEffect, useState } from 'react';
import { getJson } from './api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export function useFetch<T>(url: string | null, headers?: Record<string, string>): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: url !== null,
  });
  const [nonce, setNonce] = useState(0);
  const headerKey = JSON.stringify(headers ?? {});
  useEffect(() => {
    if (url === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    getJson<T>(url, JSON.parse(headerKey) as Record<string, string>)
      .then((data) => live && setState({ data, error: null, loading: false }))
      .catch((e: Error) => live && setState({ data: null, error: e.message, loading: false }));
    return () => {
      live = false;
    };
  }, [url, nonce, headerKey]);
  return { ...state, reload: () => setNonce((n) => n + 1) };
}
