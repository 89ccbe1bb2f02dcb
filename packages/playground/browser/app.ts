// The playground page: wires the form to the typed client's transports (fetch and the browser's
// WebSocket, imported as `@restbatch/client` through the page's import map).
import { type AnyResult, ClientError, createClient, httpTransport, type Transport, wsTransport } from '@restbatch/client';
import { checkBatch, type Dialect, ENDPOINTS, type Endpoint } from './check-batch.js';
import { batchSuggestions } from './batch-suggestions.js';
import { attachCompletion } from './completion.js';
import { curlCommand } from './curl-command.js';
import { EXAMPLES } from './examples.js';
import { itemFor, type RouteHint, routeHints } from './openapi-hints.js';
import { codeOf, itemsOfEnvelope, messageOf, summaryOf, viewOfItem } from './item-view.js';
import { type Arrival, createWaterfall, drawSummary } from './result-list.js';
import { createItemList } from './item-list.js';
import { attachResultFind } from './result-find.js';
import { FrameQueue } from './frame-queue.js';
import { readFragment, type SharedState, shareFragment } from './share-link.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('batch-form');
const endpointSelect = $<HTMLSelectElement>('endpoint');
const exampleSelect = $<HTMLSelectElement>('example');
const queryInput = $<HTMLInputElement>('query');
const headersInput = $<HTMLTextAreaElement>('headers');
const routeSelect = $<HTMLSelectElement>('route');
const editor = $<HTMLTextAreaElement>('batch');
const batchError = $<HTMLParagraphElement>('batch-error');
const curlBox = $<HTMLDivElement>('curl-box');
const curlText = $<HTMLTextAreaElement>('curl');
const copyStatus = $<HTMLParagraphElement>('copy-status');
const results = $<HTMLElement>('results');
const statusLine = $<HTMLParagraphElement>('status-line');
const rejected = $<HTMLDivElement>('batch-rejected');
const summaryBox = $<HTMLParagraphElement>('summary');
const waterfall = $<HTMLElement>('waterfall');
const waterfallRows = $<HTMLOListElement>('waterfall-rows');
const itemList = $<HTMLOListElement>('items');
const sessionState = $<HTMLParagraphElement>('session-state');
const callForm = $<HTMLFormElement>('call-form');
const callButton = $<HTMLButtonElement>('call');
const callResult = $<HTMLDivElement>('call-result');
const itemsHint = $<HTMLParagraphElement>('items-hint');
// Both lists are windowed (only the rows in view are in the document), made once for the page.
const items = createItemList(itemList);
const timeline = createWaterfall(waterfallRows);
// The browser's find in page sees only the items drawn: this one searches all of them.
attachResultFind(
  {
    panel: results,
    bar: $('find'),
    input: $<HTMLInputElement>('find-input'),
    count: $('find-count'),
    status: $('find-status'),
    previous: $<HTMLButtonElement>('find-previous'),
    next: $<HTMLButtonElement>('find-next'),
    close: $<HTMLButtonElement>('find-close'),
    opener: $<HTMLButtonElement>('find-open'),
    list: itemList,
  },
  items,
);

const http = httpTransport({ baseUrl: location.origin });
let ws: Transport | undefined;
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rest/ws`;
function transportOf(kind: 'http' | 'ws'): Transport {
  if (kind === 'http') return http;
  ws ??= wsTransport({ url: wsUrl });
  return ws;
}
const transportKind = (): 'http' | 'ws' => ((form.elements.namedItem('transport') as RadioNodeList).value === 'ws' ? 'ws' : 'http');

let openapi: unknown;
let routes: RouteHint[] = [];
let session: string | undefined;
let sending = false;

const endpoint = (): Endpoint => ENDPOINTS.find((e) => e.path === endpointSelect.value) ?? ENDPOINTS[0]!;
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function fillSelects(): void {
  for (const e of ENDPOINTS) endpointSelect.add(new Option(e.label, e.path));
  for (const e of ENDPOINTS) {
    const group = document.createElement('optgroup');
    group.label = e.label.split(' — ')[0]!;
    EXAMPLES.forEach((x, i) => {
      if (x.endpoint === e.path) group.append(new Option(x.name, String(i)));
    });
    exampleSelect.append(group);
  }
  exampleSelect.add(new Option('(edited)', 'custom'));
}

function loadExample(index: number): void {
  const x = EXAMPLES[index]!;
  exampleSelect.value = String(index);
  endpointSelect.value = x.endpoint;
  queryInput.value = x.query;
  headersInput.value = x.headers;
  editor.value = pretty(x.body);
  refreshRoutes();
  validate();
}

function restore(state: SharedState): void {
  endpointSelect.value = ENDPOINTS.some((e) => e.path === state.endpoint) ? state.endpoint : ENDPOINTS[0]!.path;
  (form.elements.namedItem('transport') as RadioNodeList).value = state.transport;
  queryInput.value = state.query;
  headersInput.value = state.headers;
  editor.value = state.batch;
  const same = EXAMPLES.findIndex((x) => x.endpoint === state.endpoint && pretty(x.body) === state.batch && x.query === state.query);
  exampleSelect.value = same >= 0 ? String(same) : 'custom';
  refreshRoutes();
  validate();
}

function refreshRoutes(): void {
  routes = openapi === undefined ? [] : routeHints(openapi, endpoint());
  routeSelect.replaceChildren(...routes.map((r, i) => new Option(`${r.method} ${r.path}`, String(i))));
  routeSelect.disabled = routes.length === 0;
}

/** Parses the header lines; throws a message naming the bad line. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Headers, line ${i + 1}: write it as "Name: value".`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  });
  return headers;
}

/** Checks the batch and the headers as they are typed; shows the first problem next to the editor. */
function validate(): ReturnType<typeof checkBatch> {
  const checked = checkBatch(editor.value, endpoint().dialect);
  let message = checked.ok ? '' : checked.message;
  try {
    parseHeaders(headersInput.value);
  } catch (error) {
    message ||= (error as Error).message;
  }
  batchError.textContent = message;
  editor.setAttribute('aria-invalid', String(!checked.ok));
  return message === '' ? checked : { ok: false, message };
}

/** The exact HTTP request the page sends for the current form. */
function currentRequest(body: unknown) {
  const query = queryInput.value.trim().replace(/^\?/, '');
  const url = endpoint().path + (query === '' ? '' : `?${query}`);
  const headers = { ...parseHeaders(headersInput.value) };
  return { url, headers, body };
}

async function send(): Promise<void> {
  if (sending) return;
  const checked = validate();
  if (!checked.ok) {
    editor.focus();
    statusLine.textContent = 'Not sent: fix the batch first.';
    return;
  }
  const dialect: Dialect = endpoint().dialect;
  const kind = transportKind();
  const request = currentRequest(checked.body);
  sending = true;
  results.setAttribute('aria-busy', 'true');
  rejected.hidden = true;
  summaryBox.hidden = true;
  items.clear();
  timeline.clear();
  waterfall.hidden = true;
  itemsHint.hidden = true;
  // One column (a phone): bring the results into view, where the items will appear.
  if (matchMedia('(max-width: 900px)').matches) results.scrollIntoView({ block: 'start' });
  statusLine.textContent = `Sending ${checked.items.length} items over ${kind === 'http' ? 'HTTP' : 'WebSocket'}…`;
  const arrivals: Arrival[] = [];
  const started = performance.now();
  // An item's arrival time is read when the transport hands it over; drawing waits for the coming
  // animation frames, a frame's share at a time (FrameQueue), so the times are the server's, not
  // the page's rendering, and thousands of items arriving at once never make one long task.
  const queue = new FrameQueue<{ item: unknown; index: number; at: number }>(({ item, index, at }) => {
    const arrival = { view: viewOfItem(item, dialect, index), label: checked.items[index], at };
    const previousAt = arrivals[arrivals.length - 1]?.at ?? 0;
    arrivals.push(arrival);
    items.add(arrival);
    timeline.add(arrival, previousAt);
    waterfall.hidden = false;
    itemsHint.hidden = false;
  });
  let received = 0;
  const arrive = (item: unknown, index: number) => {
    received++;
    queue.push({ item, index, at: performance.now() - started });
  };
  try {
    const response = await transportOf(kind).send({ method: 'POST', ...request, onItem: arrive });
    const ms = performance.now() - started;
    if (received === 0 && response.status < 400) itemsOfEnvelope(response.body, dialect).forEach(arrive);
    await queue.drained();
    timeline.finish();
    if (arrivals.length === 0 && response.status >= 400) {
      showRejected(response.status, response.body);
    } else {
      drawSummary(
        summaryBox,
        summaryOf(
          response.summary,
          response.body,
          response.headers,
          arrivals.map((a) => a.view),
        ),
      );
      pickSession(dialect, arrivals);
    }
    const what = arrivals.length === 0 && response.status >= 400 ? 'rejected' : `${arrivals.length} items`;
    statusLine.textContent = `${response.status} · ${what} · ${ms.toFixed(1)} ms over ${kind === 'http' ? 'HTTP' : 'WebSocket'}`;
  } catch (error) {
    const e = error as ClientError;
    showRejected(undefined, { code: e instanceof ClientError ? e.code : 'ERROR', message: e.message });
    statusLine.textContent = 'Failed.';
  } finally {
    await queue.drained();
    timeline.finish();
    sending = false;
    results.removeAttribute('aria-busy');
  }
}

function showRejected(status: number | undefined, body: unknown): void {
  const strong = document.createElement('strong');
  strong.textContent = `Batch rejected${status === undefined ? '' : ` (${status})`}${codeOf(body) === undefined ? '' : `: ${codeOf(body)}`}`;
  const message = document.createElement('p');
  message.textContent = messageOf(body) ?? '';
  const details = document.createElement('pre');
  details.textContent = pretty(body);
  rejected.replaceChildren(strong, message, details);
  rejected.hidden = false;
}

/** Keeps the session a `POST Sessions` item created, for ordinary calls. */
function pickSession(dialect: Dialect, arrivals: readonly Arrival[]): void {
  if (dialect !== 'exago') return;
  for (const a of arrivals) {
    const id = (a.view.body as { Id?: unknown } | undefined)?.Id;
    if (a.label?.method === 'POST' && /^\/?Sessions$/.test(a.label.path) && a.view.status < 300 && typeof id === 'string') session = id;
  }
  if (session === undefined) return;
  const code = document.createElement('code');
  code.id = 'session-id';
  code.textContent = session;
  sessionState.replaceChildren('Session ', code, ' — ordinary calls below carry it as ?sid=.');
  callButton.disabled = false;
}

type LooseCall = (path: string, init: { params?: { query?: Record<string, string> }; body?: unknown; batch?: false }) => Promise<AnyResult>;

async function ordinaryCall(): Promise<void> {
  if (session === undefined) return;
  const method = $<HTMLSelectElement>('call-method').value as 'GET' | 'POST' | 'PATCH' | 'DELETE';
  // A query typed in the path joins the session's: the client appends its own `?sid=`.
  const typed = $<HTMLInputElement>('call-path').value.trim();
  // After a `#` comes a fragment, which no request carries (fetch drops it, and `?sid=` appended
  // after it with it): refused, rather than sent without the session over HTTP and with it over WebSocket.
  if (typed.includes('#')) {
    callResult.textContent =
      'Not sent: the path holds “#”, and what follows a # is a fragment, which no request carries. Remove it, or write %23 for a # inside a segment.';
    return;
  }
  const mark = typed.indexOf('?');
  const path = mark < 0 ? typed : typed.slice(0, mark);
  const query: Record<string, string> = Object.fromEntries(new URLSearchParams(mark < 0 ? '' : typed.slice(mark + 1)));
  query.sid = session;
  const bodyText = $<HTMLTextAreaElement>('call-body').value.trim();
  let body: unknown;
  try {
    body = bodyText === '' ? undefined : JSON.parse(bodyText);
  } catch (error) {
    callResult.textContent = `Body: invalid JSON (${(error as Error).message})`;
    return;
  }
  const client = createClient({ transport: transportOf(transportKind()) });
  const call = client[method] as unknown as LooseCall;
  callResult.textContent = `${method} ${path}…`;
  try {
    const result = await call(path, { params: { query }, body, batch: false });
    const head = document.createElement('p');
    const status = document.createElement('span');
    status.className = `status s${Math.floor(result.status / 100)}`;
    status.textContent = String(result.status);
    head.append(status, ` ${method} ${path}?${new URLSearchParams(query)}`);
    const pre = document.createElement('pre');
    pre.textContent = pretty(result.ok ? result.data : result.error) ?? '(no body)';
    callResult.replaceChildren(head, pre);
  } catch (error) {
    callResult.textContent = `${(error as Error).message}`;
  }
}

/**
 * The URL as fetch sends it: the URL parser percent-encodes what the query may not hold (a space,
 * `"`, `<`, `>`, non-ASCII text as UTF-8) and drops a fragment, so curl gets the same bytes.
 */
function wireUrl(path: string): string {
  const url = new URL(path, location.origin);
  url.hash = '';
  return url.href;
}

function showCurl(): void {
  const checked = validate();
  if (!checked.ok) {
    copyStatus.textContent = 'Fix the batch first: curl needs valid JSON.';
    return;
  }
  const request = currentRequest(checked.body);
  // Exactly what the HTTP transport sends: its JSON text, its content type and its Accept for NDJSON.
  const headers = { ...request.headers, 'content-type': 'application/json', accept: 'application/x-ndjson' };
  curlText.value = curlCommand({ method: 'POST', url: wireUrl(request.url), headers, body: JSON.stringify(request.body) });
  curlBox.hidden = false;
  copy(curlText.value, 'curl command copied (it sends the batch over HTTP).');
}

function shareLink(): void {
  const state: SharedState = {
    endpoint: endpoint().path,
    transport: transportKind(),
    query: queryInput.value,
    headers: headersInput.value,
    batch: editor.value,
  };
  history.replaceState(null, '', shareFragment(state));
  copy(location.href, 'Share link copied; it is also in the address bar.');
}

function copy(text: string, done: string): void {
  const clipboard = navigator.clipboard as Clipboard | undefined;
  if (clipboard === undefined) {
    copyStatus.textContent = done.replace(/copied/, 'ready (select and copy it)');
    return;
  }
  clipboard.writeText(text).then(
    () => {
      copyStatus.textContent = done;
    },
    () => {
      copyStatus.textContent = done.replace(/copied/, 'ready (the browser did not allow copying: select and copy it)');
    },
  );
}

function addRoute(): void {
  const route = routes[Number(routeSelect.value)];
  if (route === undefined) return;
  const dialect = endpoint().dialect;
  let body: unknown;
  try {
    body = JSON.parse(editor.value);
  } catch {
    body = dialect === 'exago' ? [] : { requests: [] };
  }
  const list = dialect === 'exago' ? body : (body as { requests?: unknown }).requests;
  const items = Array.isArray(list) ? list : [];
  items.push(itemFor(route, dialect, openapi, items.length));
  editor.value = pretty(dialect === 'exago' ? items : { ...(body as object), requests: items });
  exampleSelect.value = 'custom';
  validate();
}

/** Reads the OpenAPI document for completion and the list of routes; the page works without it. */
async function loadOpenApi(): Promise<void> {
  try {
    const response = await http.send({ method: 'GET', url: '/rest/openapi.json', headers: {} });
    if (response.status !== 200) throw new Error(`GET /rest/openapi.json answered ${response.status}`);
    openapi = response.body;
    refreshRoutes();
  } catch (error) {
    statusLine.textContent = `The OpenAPI document could not be read, so completion is off (${(error as Error).message}).`;
  }
  document.documentElement.dataset.ready = 'true';
}

function start(): void {
  fillSelects();
  const shared = readFragment(location.hash);
  if (shared instanceof Error || shared === undefined) {
    loadExample(0);
    if (shared instanceof Error) statusLine.textContent = shared.message;
  } else restore(shared);

  exampleSelect.addEventListener('change', () => {
    if (exampleSelect.value !== 'custom') loadExample(Number(exampleSelect.value));
  });
  endpointSelect.addEventListener('change', () => {
    // An untouched example follows the endpoint; an edited batch stays, and is checked against it.
    const untouched = exampleSelect.value !== 'custom';
    const first = EXAMPLES.findIndex((x) => x.endpoint === endpointSelect.value);
    if (untouched && first >= 0) loadExample(first);
    else {
      refreshRoutes();
      validate();
    }
  });
  const edited = () => {
    exampleSelect.value = 'custom';
    validate();
  };
  editor.addEventListener('input', edited);
  headersInput.addEventListener('input', edited);
  queryInput.addEventListener('input', () => (exampleSelect.value = 'custom'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  callForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void ordinaryCall();
  });
  $('copy-curl').addEventListener('click', showCurl);
  $('copy-link').addEventListener('click', shareLink);
  $('add-item').addEventListener('click', addRoute);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    if (callForm.contains(document.activeElement)) void ordinaryCall();
    else void send();
  });
  window.addEventListener('hashchange', () => {
    const state = readFragment(location.hash);
    // A damaged link says so, as on load; the batch on the page stays as it is.
    if (state instanceof Error) statusLine.textContent = state.message;
    else if (state !== undefined) restore(state);
  });
  attachCompletion(editor, $('completions'), (text, offset) => batchSuggestions(text, offset, endpoint().dialect, routes, openapi), edited);
  void loadOpenApi();
}

start();
