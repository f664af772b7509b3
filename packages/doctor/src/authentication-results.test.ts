import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthenticationResults } from './authentication-results.ts';

// Shapes follow headers as the three receivers write them: Gmail folds with CRLF + 7 spaces and puts
// its verdict reasons in comments; Microsoft 365 omits the authserv-id, drops spaces after ";" and
// adds action= and compauth; Yahoo glues the DMARC comment to the result.
const gmail = [
  'Authentication-Results: mx.google.com;',
  '       dkim=pass header.i=@example.com header.s=4pr7hy5ywnrxk3lxkcq2ljcxmbu6lwbs header.b=Kx1aPqR7;',
  '       dkim=pass header.i=@amazonses.com header.s=224i4yxa5dv7c2xz3womw6peuasteono header.b=dZ3r9QmA;',
  '       spf=pass (google.com: domain of 0102018e0b7f6a2b-3c1d9f8e@mail.example.com designates 54.240.8.21 as permitted sender) smtp.mailfrom=0102018e0b7f6a2b-3c1d9f8e@mail.example.com;',
  '       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=example.com',
].join('\r\n');

const gmailArcFail = [
  'Authentication-Results: mx.google.com;',
  '       arc=pass (i=1 spf=pass spfdomain=pm.mtasv.net dkim=pass dkdomain=pm.mtasv.net);',
  '       spf=softfail (google.com: domain of transitioning bounce@example.org does not designate 203.0.113.9 as permitted sender) smtp.mailfrom=bounce@example.org;',
  '       dkim=fail header.i=@example.org header.s=20240101000000pm header.b="Qm9v+dA=";',
  '       dmarc=fail (p=REJECT sp=REJECT dis=REJECT) header.from=example.org',
].join('\r\n');

const microsoft365 = [
  'Authentication-Results: spf=pass (sender IP is 54.240.8.21)',
  ' smtp.mailfrom=send.example.com; dkim=pass (signature was verified)',
  ' header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass',
  ' reason=100',
].join('\r\n');

const microsoftFail =
  'spf=softfail (sender IP is 203.0.113.5) smtp.mailfrom=news.example.org; dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine header.from=example.org;compauth=fail reason=001';

const yahoo = [
  'Authentication-Results: atlas-production.v2.mail-bf1.yahoo.com;',
  ' dkim=pass header.i=@example.com header.s=resend;',
  ' spf=pass smtp.mailfrom=send.example.com;',
  ' dmarc=pass(p=QUARANTINE) header.from=example.com;',
].join('\r\n');

describe('parseAuthenticationResults', () => {
  it('reads a Gmail header: folded, two DKIM signatures, SPF comment, DMARC policy comment', () => {
    const ar = parseAuthenticationResults(gmail);
    expect(ar.authservId).toBe('mx.google.com');
    expect(ar.dkim).toEqual([
      {
        result: 'pass',
        domain: 'example.com',
        selector: '4pr7hy5ywnrxk3lxkcq2ljcxmbu6lwbs',
        identity: '@example.com',
      },
      {
        result: 'pass',
        domain: 'amazonses.com',
        selector: '224i4yxa5dv7c2xz3womw6peuasteono',
        identity: '@amazonses.com',
      },
    ]);
    expect(ar.spf).toEqual([
      {
        result: 'pass',
        domain: 'mail.example.com',
        mailfrom: '0102018e0b7f6a2b-3c1d9f8e@mail.example.com',
      },
    ]);
    expect(ar.dmarc).toEqual([{ result: 'pass', domain: 'example.com', policy: 'quarantine' }]);
    expect(ar.results.find((r) => r.method === 'spf')?.comments[0]).toMatch(
      /^google\.com: domain of .* designates 54\.240\.8\.21 as permitted sender$/u,
    );
    expect(ar.results.find((r) => r.method === 'dkim')?.properties['header.b']).toBe('Kx1aPqR7');
  });

  it('reads a Gmail failure with an ARC comment holding "=", and a quoted header.b ending in "="', () => {
    const ar = parseAuthenticationResults(gmailArcFail);
    expect(ar.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'arc=pass',
      'spf=softfail',
      'dkim=fail',
      'dmarc=fail',
    ]);
    expect(ar.results[0]?.comments).toEqual([
      'i=1 spf=pass spfdomain=pm.mtasv.net dkim=pass dkdomain=pm.mtasv.net',
    ]);
    expect(ar.dkim[0]).toEqual({
      result: 'fail',
      domain: 'example.org',
      selector: '20240101000000pm',
      identity: '@example.org',
    });
    expect(ar.results[2]?.properties['header.b']).toBe('Qm9v+dA=');
    expect(ar.spf[0]?.domain).toBe('example.org');
    expect(ar.dmarc[0]).toEqual({ result: 'fail', domain: 'example.org', policy: 'reject' });
  });

  it('reads a Microsoft 365 header without an authserv-id, with action= and compauth reason', () => {
    const ar = parseAuthenticationResults(microsoft365);
    expect(ar.authservId).toBeUndefined();
    expect(ar.spf).toEqual([
      { result: 'pass', domain: 'send.example.com', mailfrom: 'send.example.com' },
    ]);
    expect(ar.dkim).toEqual([
      { result: 'pass', domain: 'example.com', selector: undefined, identity: undefined },
    ]);
    expect(ar.dmarc).toEqual([{ result: 'pass', domain: 'example.com', policy: undefined }]);
    expect(ar.results.find((r) => r.method === 'dmarc')?.properties['action']).toBe('none');
    expect(ar.results.find((r) => r.method === 'compauth')).toMatchObject({
      result: 'pass',
      reason: '100',
    });
    expect(ar.results.find((r) => r.method === 'dkim')?.comments).toEqual([
      'signature was verified',
    ]);
  });

  it('reads a Microsoft failure where header.d=none means "not signed"', () => {
    const ar = parseAuthenticationResults(microsoftFail);
    expect(ar.dkim).toEqual([
      { result: 'none', domain: undefined, selector: undefined, identity: undefined },
    ]);
    expect(ar.spf[0]).toMatchObject({ result: 'softfail', domain: 'news.example.org' });
    expect(ar.dmarc[0]).toMatchObject({ result: 'fail', domain: 'example.org' });
    expect(ar.results.find((r) => r.method === 'dmarc')?.properties['action']).toBe('quarantine');
  });

  it('reads a Yahoo header with the DMARC comment glued to the result and a trailing ";"', () => {
    const ar = parseAuthenticationResults(yahoo);
    expect(ar.authservId).toBe('atlas-production.v2.mail-bf1.yahoo.com');
    expect(ar.dkim).toEqual([
      { result: 'pass', domain: 'example.com', selector: 'resend', identity: '@example.com' },
    ]);
    expect(ar.spf).toEqual([
      { result: 'pass', domain: 'send.example.com', mailfrom: 'send.example.com' },
    ]);
    expect(ar.dmarc).toEqual([{ result: 'pass', domain: 'example.com', policy: 'quarantine' }]);
  });

  it('follows the RFC 8601 grammar: version, quoted reason, quoted local part, nested comment, CFWS around "="', () => {
    const ar = parseAuthenticationResults(
      'example.org 1; dkim = fail reason="signature verification failed (bad \\"bh\\")" header.d=Example.NET header.i="@mail.example.net"; spf=pass smtp.mailfrom="first last"@example.net (comment (nested; with a semicolon)); auth=pass smtp.auth=sender@example.net',
    );
    expect(ar.authservId).toBe('example.org');
    expect(ar.results[0]).toMatchObject({
      method: 'dkim',
      result: 'fail',
      reason: 'signature verification failed (bad "bh")',
    });
    expect(ar.dkim[0]?.domain).toBe('example.net');
    expect(ar.spf[0]).toEqual({
      result: 'pass',
      domain: 'example.net',
      mailfrom: 'first last@example.net',
    });
    expect(ar.results[1]?.comments).toEqual(['comment (nested; with a semicolon)']);
    expect(ar.results[2]).toMatchObject({
      method: 'auth',
      properties: { 'smtp.auth': 'sender@example.net' },
    });
  });

  it('reads "none" (no authentication done) as no results', () => {
    expect(parseAuthenticationResults('mx.example.org; none')).toEqual({
      authservId: 'mx.example.org',
      results: [],
      spf: [],
      dkim: [],
      dmarc: [],
    });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'ab=.;()"\\@ \r\n\t-'.split('')), maxLength: 80 }),
        (s) => {
          const ar = parseAuthenticationResults(s);
          expect(Array.isArray(ar.results)).toBe(true);
        },
      ),
    );
    // @ts-expect-error: a JavaScript caller passing the parsed header object
    expect(() => parseAuthenticationResults({ value: 'x' })).toThrow(
      /\[relaykit\] \[doctor\] parseAuthenticationResults expects the header as a string/u,
    );
  });
});
