import type { Message } from './message.ts';
import type { RecipientState, SerializedMessage } from './stores.ts';

/** A normalised message as JSON-safe data (attachments in base64, dates as ISO strings). */
export function serializeMessage(message: Message): SerializedMessage {
  return {
    ...message,
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
  const { sendAt, attachments, ...rest } = data as unknown as Stored;
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
