import {
  CreateEmailTemplateCommand,
  SendBulkEmailCommand,
  SendEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { ServerClient } from 'postmark';
import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index.ts';
import { renderTemplate } from './templates.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'templates-test' });
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.reset();
  sim.templates.clear();
  sim.templates.set('welcome', {
    subject: 'Hi {{name}}',
    html: '<p>Total {{order.total}} for {{name}}</p>',
    text: 'Total {{order.total}}',
  });
});

const data = { name: 'Ann <&>', order: { total: 12 } };

describe('renderTemplate', () => {
  it('fills {{name}} and {{a.b}}, escapes html only, and lists the missing', () => {
    const r = renderTemplate({ subject: '{{ name }} / {{gone.x}}', html: '{{name}}' }, data);
    expect(r.subject).toBe('Ann <&> / ');
    expect(r.html).toBe('Ann &lt;&amp;&gt;');
    expect(r.missing).toEqual(['gone.x']);
  });
});

describe('Postmark templates', () => {
  const client = () => new ServerClient(sim.postmark.serverToken, sim.postmark.clientOptions);

  it('renders /email/withTemplate by alias and records the rendered subject and body', async () => {
    await client().sendEmailWithTemplate({
      From: 'shop@example.com',
      To: 'ann@example.org',
      TemplateAlias: 'welcome',
      TemplateModel: data,
    });
    expect(sim.messages[0]).toMatchObject({
      subject: 'Hi Ann <&>',
      html: '<p>Total 12 for Ann &lt;&amp;&gt;</p>',
      text: 'Total 12',
      template: 'welcome',
    });
  });

  it('creates a template with POST /templates and sends it by TemplateId', async () => {
    const created = await client().createTemplate({
      Name: 'Receipt',
      Alias: 'receipt',
      Subject: 'Receipt {{n}}',
      HtmlBody: '<b>{{n}}</b>',
    });
    await client().sendEmailWithTemplate({
      From: 'shop@example.com',
      To: 'ann@example.org',
      TemplateId: created.TemplateId,
      TemplateModel: { n: 7 },
    });
    expect(sim.messages[0]?.subject).toBe('Receipt 7');
  });

  it('answers an unknown template with 422 and ErrorCode 1101, in a batch per element', async () => {
    const error = await client()
      .sendEmailWithTemplate({
        From: 'shop@example.com',
        To: 'ann@example.org',
        TemplateAlias: 'nope',
        TemplateModel: {},
      })
      .catch((e: unknown) => e as { statusCode: number; code: number });
    expect(error).toMatchObject({ statusCode: 422, code: 1101 });
    const batch = await client().sendEmailBatchWithTemplates([
      {
        From: 'shop@example.com',
        To: 'a@example.org',
        TemplateAlias: 'welcome',
        TemplateModel: data,
      },
      { From: 'shop@example.com', To: 'b@example.org', TemplateAlias: 'nope', TemplateModel: {} },
    ]);
    expect(batch.map((b) => b.ErrorCode)).toEqual([0, 1101]);
    expect(sim.messages).toHaveLength(1);
  });
});

describe('SES templates', () => {
  const client = () => new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1 });

  it('renders Content.Template with TemplateData, and CreateEmailTemplate stores one', async () => {
    await client().send(
      new CreateEmailTemplateCommand({
        TemplateName: 'Receipt',
        TemplateContent: { Subject: 'Receipt {{n}}', Html: '<b>{{n}}</b>' },
      }),
    );
    await client().send(
      new SendEmailCommand({
        FromEmailAddress: 'shop@example.com',
        Destination: { ToAddresses: ['ann@example.org'] },
        Content: { Template: { TemplateName: 'Receipt', TemplateData: '{"n":7}' } },
      }),
    );
    expect(sim.messages[0]).toMatchObject({
      subject: 'Receipt 7',
      html: '<b>7</b>',
      template: 'Receipt',
    });
  });

  it('renders each bulk entry with its ReplacementTemplateData', async () => {
    const out = await client().send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'shop@example.com',
        DefaultContent: { Template: { TemplateName: 'welcome', TemplateData: '{}' } },
        BulkEmailEntries: ['a', 'b'].map((n) => ({
          Destination: { ToAddresses: [`${n}@example.org`] },
          ReplacementEmailContent: {
            ReplacementTemplate: { ReplacementTemplateData: JSON.stringify({ name: n }) },
          },
        })),
      }),
    );
    expect(out.BulkEmailEntryResults?.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.messages.map((m) => m.subject)).toEqual(['Hi a', 'Hi b']);
  });

  it('answers an unknown template with NotFoundException (404), TEMPLATE_NOT_FOUND in bulk', async () => {
    const error = await client()
      .send(
        new SendEmailCommand({
          FromEmailAddress: 'shop@example.com',
          Destination: { ToAddresses: ['ann@example.org'] },
          Content: { Template: { TemplateName: 'nope', TemplateData: '{}' } },
        }),
      )
      .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
    expect(error).toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    const bulk = await client().send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'shop@example.com',
        DefaultContent: { Template: { TemplateName: 'nope', TemplateData: '{}' } },
        BulkEmailEntries: [{ Destination: { ToAddresses: ['a@example.org'] } }],
      }),
    );
    expect(bulk.BulkEmailEntryResults?.[0]?.Status).toBe('TEMPLATE_NOT_FOUND');
  });
});

describe('Mailgun templates', () => {
  const client = () => new Mailgun(FormData).client(sim.mailgun.clientOptions);

  it('renders template with h:X-Mailgun-Variables, and one copy per recipient with recipient-variables', async () => {
    await client().messages.create(sim.mailgun.domain, {
      from: 'shop@example.com',
      to: ['ann@example.org'],
      template: 'welcome',
      'h:X-Mailgun-Variables': JSON.stringify(data),
    });
    expect(sim.messages[0]).toMatchObject({ subject: 'Hi Ann <&>', template: 'welcome' });
    await client().messages.create(sim.mailgun.domain, {
      from: 'shop@example.com',
      to: ['a@example.org', 'b@example.org'],
      template: 'welcome',
      'h:X-Mailgun-Variables': JSON.stringify({ name: '%recipient.name%' }),
      'recipient-variables': JSON.stringify({
        'a@example.org': { name: 'A' },
        'b@example.org': { name: 'B' },
      }),
    });
    expect(sim.messages.slice(1).map((m) => [m.to[0], m.subject])).toEqual([
      ['a@example.org', 'Hi A'],
      ['b@example.org', 'Hi B'],
    ]);
  });

  it('answers an unknown template with a 400', async () => {
    const error = await client()
      .messages.create(sim.mailgun.domain, {
        from: 'shop@example.com',
        to: ['ann@example.org'],
        template: 'nope',
      })
      .catch((e: unknown) => e as { status: number; details: string });
    expect(error.status).toBe(400);
    expect(error.details).toContain('template not found');
  });
});

describe('Resend templates', () => {
  const client = () => new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });

  it('renders template { id, variables } and creates templates with POST /templates', async () => {
    const created = await client().templates.create({
      name: 'Receipt',
      subject: 'Receipt {{n}}',
      html: '<b>{{n}}</b>',
    });
    const out = await client().emails.send({
      from: 'shop@example.com',
      to: 'ann@example.org',
      template: { id: created.data?.id ?? '', variables: { n: 7 } },
    });
    expect(out.error).toBeNull();
    expect(sim.messages[0]).toMatchObject({ subject: 'Receipt 7', html: '<b>7</b>' });
  });

  it('answers an unknown template with 404 not_found and a missing variable with 422', async () => {
    const missing = await client().emails.send({
      from: 'shop@example.com',
      to: 'ann@example.org',
      template: { id: 'nope' },
    });
    expect(missing.error).toMatchObject({ statusCode: 404, name: 'not_found' });
    const variable = await client().emails.send({
      from: 'shop@example.com',
      to: 'ann@example.org',
      template: { id: 'welcome', variables: { name: 'Ann' } },
    });
    expect(variable.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(variable.error?.message).toContain('order.total');
    expect(sim.messages).toHaveLength(0);
  });
});
