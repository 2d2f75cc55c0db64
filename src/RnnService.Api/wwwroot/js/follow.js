// A job's live Server-Sent Events, closed when the view is left.

/** Follows a job's Server-Sent Events; closes on 'end' (the server closes too) and when the view is left. */
export function followJob(ctx, id, { onEpoch, onEnd }) {
  const source = new EventSource(`/jobs/${id}/events`);
  source.addEventListener('epoch', e => onEpoch?.(JSON.parse(e.data)));
  source.addEventListener('end', e => { source.close(); onEnd?.(JSON.parse(e.data)); });
  ctx.onLeave(() => source.close());
  return source;
}
