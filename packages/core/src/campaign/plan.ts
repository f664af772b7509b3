import { createHash } from 'node:crypto';
import { domainOf, parseAddress } from '../address.ts';
import { RelayError } from '../errors.ts';
import type { MessageInput } from '../message.ts';
import type { CampaignOptions, CampaignRecipient } from './types.ts';

/** One recipient of a campaign and how to make its message. */
export interface PlannedRecipient {
  /** Lower-case address: the key duplicates are dropped by. */
  address: string;
  domain: string;
  /** relaykit's message id (and idempotency key) for this recipient in this campaign. */
  messageId: string;
  message(): MessageInput;
}

export interface CampaignPlan {
  recipients: PlannedRecipient[];
  fingerprint: string;
}

/** The message id of `address` in campaign `id`: the same on every run, so the outbox dedupes. */
export function campaignMessageId(id: string, address: string): string {
  const digest = createHash('sha256').update(id).update('\0').update(address).digest('hex');
  return `cmp.${id}.${digest.slice(0, 24)}`;
}

type TemplateData = NonNullable<NonNullable<MessageInput['template']>['data']>;

const fault = (message: string) =>
  new RelayError({ kind: 'invalid', provider: 'campaign', message: `campaign(): ${message}` });

function singleRecipient(message: MessageInput, index: number): string {
  const to = Array.isArray(message.to) ? message.to : [message.to];
  if (to.length !== 1 || message.cc !== undefined || message.bcc !== undefined)
    throw fault(
      `messages[${index}] must have exactly one recipient in to (no cc or bcc): a campaign counts, suppresses and draws its canary per recipient`,
    );
  const first = to[0];
  return typeof first === 'string' ? first : (first?.address ?? '');
}

function addressOf(raw: string, where: string): string {
  try {
    return parseAddress(raw).address.toLowerCase();
  } catch (error) {
    throw fault(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Turns the options into the campaign's recipients, in list order, each once (a repeated address
 * keeps its first place), with a message id derived from the campaign id and the address.
 */
export function planCampaign(options: CampaignOptions): CampaignPlan {
  const seen = new Set<string>();
  const out: PlannedRecipient[] = [];
  const add = (address: string, message: () => MessageInput) => {
    if (seen.has(address)) return;
    seen.add(address);
    const messageId = campaignMessageId(options.id, address);
    out.push({
      address,
      domain: domainOf(address),
      messageId,
      message: () => ({ ...message(), id: messageId, idempotencyKey: messageId }),
    });
  };
  if ('messages' in options) {
    options.messages.forEach((m, i) => {
      const address = addressOf(singleRecipient(m, i), `messages[${i}].to`);
      add(address, () => m);
    });
  } else {
    const template = options.template;
    options.recipients.forEach((r: CampaignRecipient, i) => {
      const raw = typeof r === 'string' ? r : r.address;
      const data = typeof r === 'string' ? {} : (r.data ?? {});
      const address = addressOf(raw, `recipients[${i}]`);
      add(address, () => {
        if (typeof template === 'function') return template({ address: raw, data });
        const base = template as MessageInput;
        return {
          ...base,
          to: raw,
          ...(base.template
            ? {
                template: {
                  ...base.template,
                  data: { ...base.template.data, ...data } as TemplateData,
                },
              }
            : {}),
        };
      });
    });
  }
  const hash = createHash('sha256');
  for (const r of out) hash.update(r.address).update('\n');
  return { recipients: out, fingerprint: hash.digest('hex') };
}
