/**
 * Campaigns: `relay.sendBatch` of one message per recipient against one direct SDK call per
 * recipient (32 in flight), per provider, against the simulator in a process of its own. Blocks
 * of each alternate within one run, so the ratio (sendBatch recipients/s over direct
 * recipients/s) holds on a loaded host where absolute rates do not. The relay runs with its
 * defaults (suppression, health guard, ledger) and the throttle on, with limits that do not bind:
 * what is measured is the pipeline and the providers' batch calls, not a quota. Goal: ≥ 5×.
 *
 *   pnpm vitest bench --run test/bench/campaign.bench.ts
 *
 * BENCH_TEMPLATES=1 runs the templated campaign: each message names the stored template
 * `campaign` with the recipient's own merge data, against one direct SDK template call per
 * recipient (SES Content.Template, Postmark sendEmailWithTemplate, Mailgun `template`, Resend
 * `template`).
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { createRelay, createThrottle } from '@relaykit/core';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { ServerClient } from 'postmark';
import { Resend } from 'resend';
import { adapter, startSimulator, type Info, type Name } from './bench-providers.ts';
import { afterAll, bench, describe } from 'vitest';
import { interleave } from './interleave.ts';

const BLOCK = 1_000;
const ROUNDS = 4;
const IN_FLIGHT = 32;
const from = 'news@mail.example.com';
const subject = 'Our spring news';
const text = 'Hello from the shop.';
const templated = process.env['BENCH_TEMPLATES'] === '1';
const template = 'campaign';
const data = (to: string) => ({ name: to });

const names: Name[] = (process.env['BENCH_PROVIDERS']?.split(',') as Name[] | undefined) ?? [
  'ses',
  'postmark',
  'mailgun',
  'resend',
];

/** The call a user makes without relaykit, one recipient per call. */
function direct(name: Name, info: Info): (to: string) => Promise<unknown> {
  switch (name) {
    case 'ses': {
      const client = new SESv2Client(info.ses);
      if (templated)
        return (to) =>
          client.send(
            new SendEmailCommand({
              FromEmailAddress: from,
              Destination: { ToAddresses: [to] },
              Content: {
                Template: { TemplateName: template, TemplateData: JSON.stringify(data(to)) },
              },
            }),
          );
      return (to) =>
        client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [to] },
            Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
          }),
        );
    }
    case 'postmark': {
      const client = new ServerClient(info.postmark.serverToken, info.postmark.clientOptions);
      if (templated)
        return (to) =>
          client.sendEmailWithTemplate({
            From: from,
            To: to,
            TemplateAlias: template,
            TemplateModel: data(to),
          });
      return (to) => client.sendEmail({ From: from, To: to, Subject: subject, TextBody: text });
    }
    case 'mailgun': {
      const client = new Mailgun(FormData).client(info.mailgun.clientOptions);
      if (templated)
        return (to) =>
          client.messages.create(info.mailgun.domain, {
            from,
            to,
            template,
            'h:X-Mailgun-Variables': JSON.stringify(data(to)),
          });
      return (to) => client.messages.create(info.mailgun.domain, { from, to, subject, text });
    }
    case 'resend': {
      const client = new Resend(info.resend.apiKey, { baseUrl: info.resend.baseUrl } as never);
      return async (to) => {
        const { error } = await client.emails.send(
          templated
            ? { from, to, template: { id: template, variables: data(to) } }
            : { from, to, subject, text },
        );
        if (error) throw new Error(error.message);
      };
    }
  }
}

let serial = 0;
const recipients = () => Array.from({ length: BLOCK }, () => `reader${(serial += 1)}@example.org`);

const rates: Partial<Record<Name, { batch: number[]; direct: number[] }>> = {};

async function measure(name: Name): Promise<void> {
  const { info, child } = await startSimulator();
  try {
    const relay = createRelay({
      providers: [adapter(name, info)],
      throttle: createThrottle({
        accounts: { [name]: { rate: 1e9, burst: 1e9 } },
        profiles: { other: { rate: 1e9, burst: 1e9 } },
        mx: { domains: { 'example.org': 'other' } },
      }),
    });
    const send = direct(name, info);
    const batchBlock = async () => {
      const messages = recipients().map((to) =>
        templated
          ? { from, to, template: { id: template, data: data(to) } }
          : { from, to, subject, text },
      );
      const started = performance.now();
      const results = await relay.sendBatch(messages);
      const took = performance.now() - started;
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
      return BLOCK / (took / 1000);
    };
    const directBlock = async () => {
      const list = recipients();
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < list.length) await send(list[next++] as string);
        }),
      );
      return BLOCK / ((performance.now() - started) / 1000);
    };
    const [batchRates, directRates] = await interleave(batchBlock, directBlock, ROUNDS);
    rates[name] = { batch: batchRates, direct: directRates };
    await relay.close();
  } finally {
    child.stdin?.end();
  }
}

describe(`${templated ? 'templated ' : ''}campaigns: sendBatch vs one direct SDK call per recipient, blocks of ${BLOCK}`, () => {
  for (const name of names) {
    bench(
      `${name}: sendBatch vs direct`,
      // vitest's bench drops a failed task quietly: say why.
      () =>
        measure(name).catch((error: unknown) => {
          console.error(`[campaign.bench] ${name} failed:`, error);
          throw error;
        }),
      {
        iterations: 1,
        warmupIterations: 0,
        time: 0,
      },
    );
  }
});

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const lines = Object.entries(rates).map(([name, r]) => {
    const ratios = r.batch.map((b, i) => b / (r.direct[i] ?? b));
    return (
      `${name.padEnd(8)} sendBatch ${fmt(median(r.batch))} recipients/s, direct ${fmt(median(r.direct))}/s: ` +
      `${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}× (median ${median(ratios).toFixed(1)}×)`
    );
  });
  console.log(
    `\n[campaign.bench]${templated ? ' templated' : ''} goal ≥ 5×\n  ${lines.join('\n  ')}`,
  );
});
