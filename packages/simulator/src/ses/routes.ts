import { bareAddress } from '../address.ts';
import type { NormalBehaviour } from '../behaviour.ts';
import {
  isElementFault,
  isRecord,
  parseJson,
  str,
  withFault,
  type SimContext,
} from '../context.ts';
import { json, type Reply } from '../http/reply.ts';
import type { Router, SimRequest } from '../http/router.ts';
import { recipientMatches } from '../rules.ts';
import { renderTemplate, type Rendered } from '../templates.ts';
import type { SimMessage } from '../types.ts';
import { renderSesFault, sesError } from './errors.ts';
import { sesEventBuilder, type SesEventDeps } from './events.ts';
import { parseSendEmail, parseTags, parseTemplateData, type SesSend } from './parse.ts';

/** The account state GetAccount reports; `sendingEnabled: false` makes sends fail with SendingPausedException. */
export interface SesAccount {
  sendingEnabled: boolean;
  max24HourSend: number;
  maxSendRate: number;
  enforcementStatus: 'HEALTHY' | 'PROBATION' | 'SHUTDOWN';
  productionAccessEnabled: boolean;
}

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^/]+\//;

/**
 * A templated send rendered with its data: the stored template (or the inline TemplateContent).
 * A missing stored template is SendEmail's NotFoundException, HTTP 404
 * (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors);
 * a missing variable is no error at send time (SES reports a Rendering Failure event later).
 */
function rendered(ctx: SimContext, s: SesSend): Rendered | undefined | 'missing' {
  if (s.inline) return renderTemplate(s.inline, s.templateData ?? {});
  if (s.template === undefined) return undefined;
  const stored = ctx.templates.get(s.template);
  return stored ? renderTemplate(stored, s.templateData ?? {}) : 'missing';
}

const missingTemplate = (name: string): string => `Template ${name} does not exist.`;

function message(ctx: SimContext, s: SesSend, id: string, r?: Rendered): SimMessage {
  return {
    provider: 'ses',
    id,
    from: s.from,
    to: s.to,
    cc: s.cc,
    bcc: s.bcc,
    subject: r ? r.subject : s.subject,
    ...(r
      ? {
          ...(r.html === undefined ? {} : { html: r.html }),
          ...(r.text === undefined ? {} : { text: r.text }),
          ...(s.template === undefined ? {} : { template: s.template }),
          templateData: s.templateData ?? {},
        }
      : {
          ...(s.html === undefined ? {} : { html: s.html }),
          ...(s.text === undefined ? {} : { text: s.text }),
        }),
    headers: s.headers,
    tags: s.tags,
    metadata: {},
    attachments: s.attachments,
    ...(s.configurationSet ? { stream: s.configurationSet } : {}),
    acceptedAt: ctx.now(),
  };
}

/** The account-level suppression list: sends to these are accepted, then bounce OnAccountSuppressionList. */
export type SesSuppressionList = Map<string, { reason: string; at: number }>;

export function registerSesRoutes(
  router: Router,
  ctx: SimContext,
  deps: SesEventDeps,
  account: SesAccount,
  sent: { count: number },
  suppressed: SesSuppressionList,
): void {
  const override = (recipient: string): NormalBehaviour | undefined =>
    suppressed.has(recipient) ? { kind: 'suppressed' } : undefined;
  const newId = (): string => `${ctx.prng.hex(16)}-${ctx.prng.uuid()}-000000`;
  const requestId = (): Record<string, string> => ({ 'x-amzn-requestid': ctx.prng.uuid() });
  // The signature is never checked (tests sign with any key); only its presence is, as AWS would.
  const unsigned = (req: SimRequest): Reply | undefined =>
    SIGV4.test(str(req.headers['authorization']) ?? '')
      ? undefined
      : sesError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const paused = (): Reply | undefined =>
    account.sendingEnabled
      ? undefined
      : sesError(
          400,
          'SendingPausedException',
          'Sending is paused for this account. For more information, please check the AWS console.',
        );

  router.add('POST', '/v2/email/outbound-emails', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    await ctx.latency('ses');
    const parsed = parseJson(req.body);
    if (!parsed.ok || !isRecord(parsed.value))
      return sesError(400, 'SerializationException', 'Could not parse the request body as JSON.');
    const send = parseSendEmail(parsed.value);
    const recipients =
      typeof send === 'string' ? [] : [...send.to, ...send.cc, ...send.bcc].map(bareAddress);
    const proceed = (): Reply => {
      if (typeof send === 'string') return sesError(400, 'BadRequestException', send);
      const blocked = paused();
      if (blocked) return blocked;
      const r = rendered(ctx, send);
      if (r === 'missing')
        return sesError(404, 'NotFoundException', missingTemplate(send.template ?? ''));
      const id = newId();
      sent.count += recipients.length;
      ctx.accept(message(ctx, send, id, r), sesEventBuilder(deps, 'SendEmail'), override);
      return json(200, { MessageId: id }, requestId());
    };
    const fault = ctx.rules.match({ provider: 'ses', operation: 'send', recipients });
    return fault ? withFault(fault, renderSesFault, proceed) : proceed();
  });

  router.add('POST', '/v2/email/outbound-bulk-emails', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    await ctx.latency('ses');
    const parsed = parseJson(req.body);
    if (!parsed.ok || !isRecord(parsed.value))
      return sesError(400, 'SerializationException', 'Could not parse the request body as JSON.');
    const body = parsed.value;
    const entries = Array.isArray(body['BulkEmailEntries']) ? body['BulkEmailEntries'] : [];
    const defaults = parseTags(body['DefaultEmailTags']);
    const template =
      isRecord(body['DefaultContent']) && isRecord(body['DefaultContent']['Template'])
        ? body['DefaultContent']['Template']
        : undefined;
    const sends = entries.map((entry: unknown): SesSend | string => {
      const e = isRecord(entry) ? entry : {};
      const replacement = parseTags(e['ReplacementTags']);
      if (typeof replacement === 'string') return replacement;
      // ReplacementEmailContent.ReplacementTemplate.ReplacementTemplateData: this entry's data
      // (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_BulkEmailEntry.html).
      const replacementContent = isRecord(e['ReplacementEmailContent'])
        ? e['ReplacementEmailContent']
        : {};
      const replacementTemplate = isRecord(replacementContent['ReplacementTemplate'])
        ? replacementContent['ReplacementTemplate']
        : {};
      const data = str(replacementTemplate['ReplacementTemplateData']);
      if (data !== undefined && parseTemplateData(data) === undefined)
        return 'Invalid ReplacementTemplateData: it must be a JSON object.';
      const one = parseSendEmail({
        FromEmailAddress: body['FromEmailAddress'],
        Destination: e['Destination'],
        Content: {
          Template: {
            ...(template ?? {}),
            ...(data === undefined ? {} : { TemplateData: data }),
          },
        },
        ...(body['ConfigurationSetName']
          ? { ConfigurationSetName: body['ConfigurationSetName'] }
          : {}),
      });
      if (typeof one === 'string') return one;
      return {
        ...one,
        tags: { ...(typeof defaults === 'string' ? {} : defaults), ...replacement },
      };
    });
    const all = sends.flatMap((s) =>
      typeof s === 'string' ? [] : [...s.to, ...s.cc, ...s.bcc].map(bareAddress),
    );
    const fault = ctx.rules.match({ provider: 'ses', operation: 'batch', recipients: all });
    const proceed = (): Reply => {
      if (!template)
        return sesError(
          400,
          'BadRequestException',
          'DefaultContent.Template is required for SendBulkEmail.',
        );
      if (entries.length === 0)
        return sesError(400, 'BadRequestException', 'BulkEmailEntries must not be empty.');
      const blocked = paused();
      if (blocked) return blocked;
      const results = sends.map((s) => {
        if (typeof s === 'string') return { Status: 'INVALID_PARAMETER', Error: s };
        const r = rendered(ctx, s);
        // BulkEmailStatus TEMPLATE_NOT_FOUND (API_BulkEmailEntryResult).
        if (r === 'missing')
          return { Status: 'TEMPLATE_NOT_FOUND', Error: missingTemplate(s.template ?? '') };
        const rcpts = [...s.to, ...s.cc, ...s.bcc].map(bareAddress);
        if (
          fault &&
          (fault.recipient === undefined ||
            rcpts.some((r) => recipientMatches(fault.recipient ?? '', r)))
        ) {
          return {
            Status: fault.kind === 'validation' ? 'INVALID_PARAMETER' : 'MESSAGE_REJECTED',
            Error: fault.message ?? 'Email address is on the suppression list for your account.',
          };
        }
        const id = newId();
        sent.count += rcpts.length;
        ctx.accept(message(ctx, s, id, r), sesEventBuilder(deps, 'SendBulkEmail'), override);
        return { Status: 'SUCCESS', MessageId: id };
      });
      return json(200, { BulkEmailEntryResults: results }, requestId());
    };
    // Per-entry problems go into the entry results with a 200, as SES does; the rest fail the call.
    if (fault && !isElementFault(fault)) return withFault(fault, renderSesFault, proceed);
    return proceed();
  });

  // CreateEmailTemplate: POST /v2/email/templates
  // (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateEmailTemplate.html).
  router.add('POST', '/v2/email/templates', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    const parsed = parseJson(req.body);
    const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
    const name = str(body['TemplateName']);
    const content = isRecord(body['TemplateContent']) ? body['TemplateContent'] : undefined;
    const subject = str(content?.['Subject']);
    if (!name || !content || subject === undefined)
      return sesError(
        400,
        'BadRequestException',
        'TemplateName and TemplateContent.Subject are required.',
      );
    if (ctx.templates.get(name))
      return sesError(400, 'AlreadyExistsException', `Template ${name} already exists.`);
    const html = str(content['Html']);
    const text = str(content['Text']);
    ctx.templates.set(name, {
      subject,
      ...(html === undefined ? {} : { html }),
      ...(text === undefined ? {} : { text }),
    });
    return json(200, {}, requestId());
  });

  router.add('GET', '/v2/email/account', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    await ctx.latency('ses');
    const proceed = (): Reply =>
      json(
        200,
        {
          DedicatedIpAutoWarmupEnabled: false,
          EnforcementStatus: account.enforcementStatus,
          ProductionAccessEnabled: account.productionAccessEnabled,
          SendQuota: {
            Max24HourSend: account.max24HourSend,
            MaxSendRate: account.maxSendRate,
            SentLast24Hours: sent.count,
          },
          SendingEnabled: account.sendingEnabled,
          SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
        },
        requestId(),
      );
    const fault = ctx.rules.match({ provider: 'ses', operation: 'account', recipients: [] });
    return fault ? withFault(fault, renderSesFault, proceed) : proceed();
  });

  router.add('PUT', '/v2/email/suppression/addresses', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    const parsed = parseJson(req.body);
    const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
    const address = str(body['EmailAddress'])?.toLowerCase();
    const reason = str(body['Reason']);
    if (!address || (reason !== 'BOUNCE' && reason !== 'COMPLAINT'))
      return sesError(
        400,
        'BadRequestException',
        'EmailAddress and Reason (BOUNCE or COMPLAINT) are required.',
      );
    suppressed.set(address, { reason, at: ctx.now() });
    return json(200, {}, requestId());
  });

  router.add('GET', '/v2/email/suppression/addresses/:address', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    const address = (req.params['address'] ?? '').toLowerCase();
    const entry = suppressed.get(address);
    if (!entry)
      return sesError(
        404,
        'NotFoundException',
        `Email address ${address} does not exist on your suppression list.`,
      );
    return json(
      200,
      {
        SuppressedDestination: {
          EmailAddress: address,
          Reason: entry.reason,
          LastUpdateTime: entry.at / 1000,
        },
      },
      requestId(),
    );
  });

  router.add('DELETE', '/v2/email/suppression/addresses/:address', async (req) => {
    const denied = unsigned(req);
    if (denied) return denied;
    const address = (req.params['address'] ?? '').toLowerCase();
    if (!suppressed.delete(address))
      return sesError(
        404,
        'NotFoundException',
        `Email address ${address} does not exist on your suppression list.`,
      );
    return json(200, {}, requestId());
  });
}
