// Exercises the installed relaykit packages the way a consumer would, whatever loaded them
// (require in CommonJS, a Jest test, import in ESM): the loader hands in the module namespaces.
// Sends go through the real adapters and SDKs to the local simulator, and one send retries through
// the core's retry loop (the code that pulls in p-retry).
'use strict';
const assert = require('node:assert/strict');

const exported = {
  core: ['createRelay', 'createThrottle', 'RelayError', 'isRelayError'],
  testing: ['testingProvider'],
  ses: ['ses'],
  postmark: ['postmark'],
  mailgun: ['mailgun'],
  resend: ['resend'],
  postmarkClient: ['ServerClient'],
  sesClient: ['SESv2Client', 'SendEmailCommand'],
  mailgunClient: ['default'],
  resendClient: ['Resend'],
  simulator: ['startSimulator'],
  sqlite: ['sqliteStores'],
  redis: ['redisStores'],
  postgres: ['postgresStores', 'migrate'],
  doctor: ['checkDomain'],
  cli: ['runCli', 'runDemo'],
};

const message = (to) => ({
  from: 'Example <orders@mail.example.com>',
  to,
  subject: 'Packaging check',
  text: 'Sent by the packaging test.',
});

module.exports = async function exercise(m, log = () => undefined) {
  for (const [name, keys] of Object.entries(exported)) {
    for (const key of keys) {
      assert.equal(typeof m[name]?.[key], 'function', `${name} exports ${key}`);
    }
  }
  log('every export is there');

  const sim = await m.simulator.startSimulator({ seed: 'packaging' });
  try {
    const adapters = [
      m.postmark.postmark({ serverToken: sim.postmark.serverToken, baseUrl: sim.url }),
      m.ses.ses({
        ...sim.ses.options,
        webhook: { topicArns: [sim.ses.topicArn] },
      }),
      m.mailgun.mailgun({
        apiKey: sim.mailgun.apiKey,
        domain: sim.mailgun.domain,
        baseUrl: sim.mailgun.url,
        webhook: { signingKey: sim.mailgun.webhookSigningKey },
      }),
      m.resend.resend({
        apiKey: sim.resend.apiKey,
        baseUrl: sim.resend.baseUrl,
        webhook: { secret: sim.resend.webhookSecret },
      }),
    ];
    for (const provider of adapters) {
      const relay = m.core.createRelay({ providers: [provider], throttle: false });
      const report = await relay.send(message('ada@example.org'));
      assert.equal(report.status, 'sent', `${provider.name}: ${JSON.stringify(report)}`);
      assert.equal(report.provider, provider.name);
      await relay.close();
      log(`sent through ${provider.name} and its SDK to the simulator`);
    }

    // The drop-in clients (@relaykit/<adapter>/client), each with the SDK's own arguments.
    const from = 'orders@mail.example.com';
    const postmarkClient = new m.postmarkClient.ServerClient(
      sim.postmark.serverToken,
      sim.postmark.clientOptions,
    );
    const sent = await postmarkClient.sendEmail({
      From: from,
      To: 'ada@example.org',
      Subject: 'x',
      TextBody: 'x',
    });
    assert.equal(sent.ErrorCode, 0);
    await postmarkClient.relay.close();
    const sesClient = new m.sesClient.SESv2Client(sim.ses.clientConfig);
    const out = await sesClient.send(
      new m.sesClient.SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: ['ada@example.org'] },
        Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    assert.equal(typeof out.MessageId, 'string');
    await sesClient.relay.close();
    const mg = new m.mailgunClient.default(globalThis.FormData).client(sim.mailgun.clientOptions);
    const queued = await mg.messages.create(sim.mailgun.domain, {
      from,
      to: 'ada@example.org',
      subject: 'x',
      text: 'x',
    });
    assert.equal(queued.status, 200);
    await mg.close();
    const resendClient = new m.resendClient.Resend(sim.resend.apiKey, {
      baseUrl: sim.resend.baseUrl,
    });
    const result = await resendClient.emails.send({
      from,
      to: 'ada@example.org',
      subject: 'x',
      text: 'x',
    });
    assert.equal(result.error, null);
    await resendClient.relay.close();
    log('sent through each drop-in client to the simulator');
  } finally {
    await sim.stop();
  }

  // The adapter entry shares the root's classes: an error an adapter builds is a RelayError.
  const refused = m.adapter.transportError('refused', { provider: 'x', service: 'X' });
  assert.ok(refused instanceof m.core.RelayError, 'the adapter entry shares RelayError');
  log('the adapter entry builds errors the root recognises');

  const provider = m.testing.testingProvider({ events: false });
  provider.script({ times: 2, outcome: { type: 'fail', kind: 'transient' } });
  const relay = m.core.createRelay({
    providers: [provider],
    throttle: false,
    retry: { minDelayMs: 1, maxDelayMs: 2 },
  });
  const report = await relay.send(message('grace@example.org'));
  assert.equal(report.status, 'sent');
  assert.equal(report.attempts, 3, 'two transient failures, then sent');
  await relay.close();
  log('retried two transient failures, then sent');

  const stores = m.sqlite.sqliteStores(':memory:');
  const relayOnSqlite = m.core.createRelay({
    providers: [m.testing.testingProvider({ events: false })],
    throttle: false,
    ledger: stores.ledger,
    state: stores.state,
    dedupe: stores.dedupe,
    suppression: { store: stores.suppression, strikes: stores.strikes },
  });
  assert.equal((await relayOnSqlite.send(message('alan@example.org'))).status, 'sent');
  await relayOnSqlite.close();
  log('sent with state in SQLite (better-sqlite3 loaded)');
};
