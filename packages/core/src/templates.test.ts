import { describe, expect, it } from 'vitest';
import { deserializeMessage, serializeMessage } from './codec.ts';
import { createRelay, normalizeMessage, RelayError, templateIdFor } from './index.ts';
import { canCarry, carriers, templateFor } from './routing.ts';
import { memoryOutbox } from './memory/outbox.ts';
import { testingProvider } from './testing/index.ts';

const from = 'Shop <orders@mail.shop.test>';
const templated = {
  from,
  to: 'ann@x.test',
  template: { id: 'welcome', data: { name: 'Ann', order: { total: 12 } } },
};

async function refusal(input: unknown): Promise<RelayError> {
  const error = await normalizeMessage(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RelayError);
  return error as RelayError;
}

describe('message schema: content or a template', () => {
  it('normalises a template: id, ids per provider and merge data, subject left empty', async () => {
    const m = await normalizeMessage({
      ...templated,
      template: { ...templated.template, ids: { ses: 'Welcome-v2' } },
    });
    expect(m.template).toEqual({
      id: 'welcome',
      ids: { ses: 'Welcome-v2' },
      data: { name: 'Ann', order: { total: 12 } },
    });
    expect(m.subject).toBe('');
    expect(templateIdFor(m, 'ses')).toBe('Welcome-v2');
    expect(templateIdFor(m, 'postmark')).toBe('welcome');
  });

  it('refuses a template together with subject, text or html, naming them', async () => {
    const error = await refusal({ ...templated, subject: 'Hi', html: '<p>x</p>' });
    expect(error.kind).toBe('invalid');
    expect(error.field).toBe('template');
    expect(error.message).toContain('drop subject, html');
  });

  it('refuses a message with neither content nor a template', async () => {
    expect((await refusal({ from, to: 'a@x.test' })).field).toBe('subject');
    expect((await refusal({ from, to: 'a@x.test', subject: 'Hi' })).field).toBe('text');
  });

  it('refuses a template without any id, an unknown provider in ids, and data that is not JSON', async () => {
    const none = await refusal({ from, to: 'a@x.test', template: { data: {} } });
    expect(none.field).toBe('template');
    expect(none.message).toContain('give the template an id');
    const typo = await refusal({ from, to: 'a@x.test', template: { ids: { postmrak: 'x' } } });
    expect(typo.message).toContain('postmark');
    const fn = await refusal({ from, to: 'a@x.test', template: { id: 'x', data: { f: () => 1 } } });
    expect(fn.field).toBe('template.data.f');
  });

  it('survives the outbox codec unchanged', async () => {
    const m = await normalizeMessage({
      ...templated,
      template: { ...templated.template, ids: { postmark: 'pm-welcome' } },
      tags: ['welcome'],
    });
    const back = deserializeMessage(JSON.parse(JSON.stringify(serializeMessage(m))));
    expect(back).toEqual(m);
    expect(back.template?.data).toEqual({ name: 'Ann', order: { total: 12 } });
  });
});

describe('routing: providers without an id for the template are skipped', () => {
  const caps = (templates: boolean) => ({
    maxBatchSize: 1,
    idempotency: false,
    scheduling: false,
    inlineAttachments: false,
    maxMessageBytes: 1,
    maxRecipients: 1,
    templates,
  });
  const ses = { name: 'ses', type: 'ses', capabilities: caps(true) };
  const postmark = { name: 'postmark', type: 'postmark', capabilities: caps(true) };
  const plain = { name: 'smtp', type: 'smtp', capabilities: caps(false) };

  it('gives each provider its own id, else the generic one; none without the capability', () => {
    const m = { template: { id: 'welcome', ids: { ses: 'Welcome-v2' }, data: {} } };
    expect(templateFor(m, ses)).toBe('Welcome-v2');
    expect(templateFor(m, postmark)).toBe('welcome');
    expect(templateFor(m, plain)).toBeUndefined();
    expect(canCarry({}, plain)).toBe(true);
  });

  it('without a generic id only the providers ids names carry it; none left is a typed refusal', () => {
    const m = { template: { ids: { ses: 'Welcome-v2' }, data: {} } };
    expect(carriers(m, [postmark, plain, ses])).toEqual([ses]);
    const error = (() => {
      try {
        carriers(m, [postmark, plain]);
      } catch (e) {
        return e as RelayError;
      }
      return undefined;
    })();
    expect(error?.kind).toBe('invalid');
    expect(error?.field).toBe('template');
    expect(error?.message).toContain('postmark has no id');
    expect(error?.message).toContain('smtp (smtp) cannot send provider templates');
  });

  it('relay.send skips the provider that cannot send templates and records the template id', async () => {
    const first = testingProvider({ name: 'first' });
    const second = testingProvider({ name: 'second', capabilities: { templates: true } });
    const relay = createRelay({ providers: [first, second] });
    const report = await relay.send(templated);
    expect(report.provider).toBe('second');
    expect(report.template).toBe('welcome');
    expect(first.calls).toHaveLength(0);
    expect(second.sent[0]?.template?.data).toEqual({ name: 'Ann', order: { total: 12 } });
    const [entry] = await relay.stores.ledger.byMessageId(report.messageId);
    expect(entry?.template).toBe('welcome');
  });

  it('relay.send, sendBatch and enqueue refuse a template no provider can send', async () => {
    const relay = createRelay({ providers: [testingProvider()], outbox: memoryOutbox() });
    await expect(relay.send(templated)).rejects.toMatchObject({
      kind: 'invalid',
      field: 'template',
    });
    const [result] = await relay.sendBatch([templated]);
    expect(result?.ok).toBe(false);
    expect(!result?.ok && result?.error.field).toBe('template');
    await expect(relay.enqueue(templated)).rejects.toMatchObject({ field: 'template' });
  });

  it('a template error is permanent: not retried, not failed over', () => {
    const error = new RelayError({ kind: 'template', message: 'no such template', template: 'x' });
    expect(error.retryable).toBe(false);
    expect(error.providerFault).toBe(false);
    expect(error.toJSON()['template']).toBe('x');
  });
});

describe('optional fields given as undefined', () => {
  it('are accepted beside a template, as beside content', async () => {
    const m = await normalizeMessage({
      ...templated,
      subject: undefined,
      text: undefined,
      cc: undefined,
    });
    expect(m.template?.id).toBe('welcome');
    const error = await normalizeMessage({ ...templated, subject: 'x', text: undefined }).catch(
      (e: unknown) => e as RelayError,
    );
    expect(error).toMatchObject({ field: 'template' });
  });
});
