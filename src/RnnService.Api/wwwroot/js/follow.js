// A job's live Server-Sent Events, closed when the view is left.
import { openEventStream } from './sse.js';

/** Follows a job's Server-Sent Events; closes on 'end' (the server closes too) and when the view is left.
 *  Epochs arrive in bursts (the service writes them in batches), so they are handed over together, at most
 *  every 100 ms: a view redraws once per burst, not once per epoch. */
export function followJob(ctx, id, { onEpochs, onEnd }) {
  let pending = [];
  let timer = null;
  const flush = () => {
    timer = null;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    onEpochs?.(batch);
  };
  const stream = openEventStream(`/jobs/${id}/events`, (type, data) => {
    if (type === 'epoch') {
      pending.push(JSON.parse(data));
      timer ??= setTimeout(flush, 100);
    } else if (type === 'end') {
      stream.close();
      clearTimeout(timer);
      flush();
      onEnd?.(JSON.parse(data));
    }
  });
  ctx.onLeave(() => { stream.close(); clearTimeout(timer); });
  return stream;
}

/** Follows a sweep's Server-Sent Events: each 'sweep' event is the whole sweep as GET /sweeps/{id} answers it (sent
 *  when it changed); 'end' is the finished sweep, after which both sides close. */
export function followSweep(ctx, id, { onSweep, onEnd }) {
  const stream = openEventStream(`/sweeps/${id}/events`, (type, data) => {
    if (type === 'sweep') onSweep?.(JSON.parse(data));
    else if (type === 'end') { stream.close(); onEnd?.(JSON.parse(data)); }
  });
  ctx.onLeave(() => stream.close());
  return stream;
}
