// A job's live Server-Sent Events, closed when the view is left.

/** Follows a job's Server-Sent Events; closes on 'end' (the server closes too) and when the view is left.
 *  Epochs arrive in bursts (the service writes them in batches), so they are handed over together, at most
 *  every 100 ms: a view redraws once per burst, not once per epoch. */
export function followJob(ctx, id, { onEpochs, onEnd }) {
  const source = new EventSource(`/jobs/${id}/events`);
  let pending = [];
  let timer = null;
  const flush = () => {
    timer = null;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    onEpochs?.(batch);
  };
  source.addEventListener('epoch', e => {
    pending.push(JSON.parse(e.data));
    timer ??= setTimeout(flush, 100);
  });
  source.addEventListener('end', e => {
    source.close();
    clearTimeout(timer);
    flush();
    onEnd?.(JSON.parse(e.data));
  });
  ctx.onLeave(() => { source.close(); clearTimeout(timer); });
  return source;
}
