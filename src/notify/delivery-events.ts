// The event-log record of notification deliveries (pure): one notify.delivered or notify.failed
// per delivery attempt recorded in delivery_results[], naming the notification it carried.
import type { EventBody } from '../store/event-log.js';
import type { DeliveryResult } from './events.js';

/** The events of one notification's delivery results (`notifyEvent`: job.finished, job.output.matched). */
export function deliveryEvents(notifyEvent: string, results: readonly DeliveryResult[]): EventBody[] {
  return results.map((r) => {
    const body: EventBody = { event_type: r.ok ? 'notify.delivered' : 'notify.failed', notify_event: notifyEvent, sink: r.sink, target: r.target, attempted_at: r.attempted_at };
    if (r.status !== undefined) body['status'] = r.status;
    if (r.error !== undefined) body['error'] = r.error;
    if (r.duration_ms !== undefined) body['duration_ms'] = r.duration_ms;
    return body;
  });
}
