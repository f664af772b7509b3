import type { Message } from './message.ts';
import type { RecipientState, SerializedMessage } from './stores.ts';
import type { TraceCarrier } from './telemetry.ts';

/**
 * Where a queued message keeps the trace context of the span that enqueued it (W3C traceparent,
 * https://www.w3.org/TR/trace-context/#traceparent-header), so the run that sends it links back.
 */
const traceKey = '_trace';

/** A normalised message as JSON-safe data (attachments in base64, dates as ISO strings). */
export function serializeMessage(message: Message, trace?: TraceCarrier): SerializedMessage {
  return {
    ...message,
    ...(trace?.traceparent ? { [traceKey]: { ...trace } } : {}),
    attachments: message.attachments.map((a) => ({
      ...a,
      content: Buffer.from(a.content).toString('base64'),
    })),
    ...(message.sendAt ? { sendAt: message.sendAt.toISOString() } : {}),
  } as unknown as SerializedMessage;
}

interface Stored extends Omit<Message, 'attachments' | 'sendAt'> {
  attachments: Array<Omit<Message['attachments'][number], 'content'> & { content: string }>;
  sendAt?: string;
}

/** The inverse of serializeMessage. */
export function deserializeMessage(data: SerializedMessage): Message {
  const {
    sendAt,
    attachments,
    [traceKey]: _trace,
    ...rest
  } = data as unknown as Stored & {
    [traceKey]?: unknown;
  };
  const message: Message = {
    ...rest,
    attachments: attachments.map((a) => ({
      ...a,
      content: new Uint8Array(Buffer.from(a.content, 'base64')),
    })),
  };
  if (typeof sendAt === 'string') message.sendAt = new Date(sendAt);
  return message;
}

/** The enqueuing span's trace context kept by serializeMessage, if any. */
export function traceCarrierOf(data: SerializedMessage): TraceCarrier | undefined {
  const trace = data[traceKey] as Partial<Record<keyof TraceCarrier, unknown>> | undefined;
  if (typeof trace?.traceparent !== 'string') return undefined;
  return {
    traceparent: trace.traceparent,
    ...(typeof trace.tracestate === 'string' ? { tracestate: trace.tracestate } : {}),
  };
}

interface StoredState extends Omit<RecipientState, 'updatedAt' | 'history'> {
  updatedAt: string;
  history: Array<{ id: string; type: RecipientState['status']; at: string }>;
}

/** A recipient's state as JSON text, for stores that keep it as a string. */
export function serializeRecipientState(state: RecipientState): string {
  return JSON.stringify(state);
}

/** The inverse of serializeRecipientState: dates come back as Dates. */
export function reviveRecipientState(json: string): RecipientState {
  const s = JSON.parse(json) as StoredState;
  return {
    ...s,
    updatedAt: new Date(s.updatedAt),
    history: s.history.map((h) => ({ ...h, at: new Date(h.at) })),
  };
}
