/** What a shared link restores. */
export interface SharedState {
  endpoint: string;
  transport: 'http' | 'ws';
  query: string;
  headers: string;
  batch: string;
}

const KEY = 'batch=';

/** The URL fragment that holds `state`: `#batch=` and the state as base64url of its UTF-8 JSON. */
export function shareFragment(state: SharedState): string {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `#${KEY}${btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
}

/** Reads a fragment made by {@link shareFragment}; undefined when there is none, an error when it is damaged. */
export function readFragment(hash: string): SharedState | Error | undefined {
  const text = hash.replace(/^#/, '');
  if (!text.startsWith(KEY)) return undefined;
  try {
    const base64 = text.slice(KEY.length).replaceAll('-', '+').replaceAll('_', '/');
    const binary = atob(base64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const state = JSON.parse(new TextDecoder().decode(bytes)) as Partial<SharedState>;
    if (typeof state.batch !== 'string' || typeof state.endpoint !== 'string') throw new Error('it holds no batch');
    return {
      endpoint: state.endpoint,
      transport: state.transport === 'ws' ? 'ws' : 'http',
      query: typeof state.query === 'string' ? state.query : '',
      headers: typeof state.headers === 'string' ? state.headers : '',
      batch: state.batch,
    };
  } catch (error) {
    return new Error(`The shared link is damaged: ${(error as Error).message}`);
  }
}
