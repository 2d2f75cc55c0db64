// Server-Sent Events over fetch: unlike EventSource, fetch can send the API key header.
import { ApiError, authHeaders, networkError, parseBody } from './api.js';

/** Reads text/event-stream from `path` and calls onEvent(type, data, id) per event. Like EventSource it reconnects
 *  after a dropped connection (sending Last-Event-ID) and gives up on an error answer. Returns { close() }. */
export function openEventStream(path, onEvent) {
  const controller = new AbortController();
  let lastId = null;
  (async () => {
    while (!controller.signal.aborted) {
      try {
        const headers = { ...authHeaders(), Accept: 'text/event-stream' };
        if (lastId !== null) headers['Last-Event-ID'] = lastId;
        const response = await fetch(path, { headers, signal: controller.signal });
        if (!response.ok) return;
        await read(response.body, (type, data, id) => {
          if (id !== null) lastId = id;
          onEvent(type, data, id);
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise(resolve => setTimeout(resolve, 1000));
    }
  })();
  return { close: () => controller.abort() };
}

/** POSTs body and calls onEvent(type, data) with each event's JSON data as the answer streams (EventSource cannot
 *  POST); a non-2xx answer throws ApiError like api(). */
export async function postEventStream(path, body, onEvent) {
  const headers = { ...authHeaders(), Accept: 'text/event-stream, application/problem+json', 'Content-Type': 'application/json' };
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch {
    throw networkError();
  }
  if (!response.ok) throw new ApiError(response.status, parseBody(await response.text()));
  await read(response.body, (type, data) => onEvent(type, JSON.parse(data)));
}

/** The event-stream format: "field: value" lines, an empty line ends an event; lines starting with ':' are comments. */
async function read(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let type = 'message', data = [], id = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        if (data.length) dispatch(type, data.join('\n'), id);
        type = 'message'; data = []; id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = text;
      else if (field === 'data') data.push(text);
      else if (field === 'id') id = text;
    }
  }
}
