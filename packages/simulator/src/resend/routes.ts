import { bareAddress } from '../address.ts';
import { isElementFault, parseJson, str, withFault, type SimContext } from '../context.ts';
import { json, type Reply } from '../http/reply.ts';
import type { Router, SimRequest } from '../http/router.ts';
import { recipientMatches, type Fault } from '../rules.ts';
import { renderTemplate, type Rendered } from '../templates.ts';
import type { SimMessage } from '../types.ts';
import { renderResendFault, resendError } from './errors.ts';
import { resendEventBuilder, type ResendEventDeps } from './events.ts';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency.ts';
import { parseResendEmail, type ResendSend } from './parse.ts';

export function registerResendRoutes(
  router: Router,
  ctx: SimContext,
  apiKey: string,
  deps: ResendEventDeps,
): IdempotencyStore {
  const idempotency = createIdempotencyStore(ctx.now);
  const build = resendEventBuilder(deps);
  const recipientsOf = (s: ResendSend): string[] => [...s.to, ...s.cc, ...s.bcc].map(bareAddress);

  const auth = (req: SimRequest): Reply | undefined => {
    const header = str(req.headers['authorization']) ?? '';
    if (!header.startsWith('Bearer ') || header.length <= 7) {
      return resendError(
        401,
        'missing_api_key',
        'Missing API key in the authorization header. Include the following header `Authorization: Bearer YOUR_API_KEY` in the request.',
      );
    }
    return header.slice(7) === apiKey ? undefined : renderResendFault({ kind: 'auth' });
  };

  /**
   * A template send rendered, or the error Resend answers: 404 `not_found` for an unknown
   * template, 422 `validation_error` for a variable the template uses that has no value (Resend
   * renders a declared variable's fallback; the simulator's templates declare none)
   * (https://resend.com/docs/dashboard/templates/template-variables, https://resend.com/docs/api-reference/errors).
   */
  const render = (s: ResendSend): Rendered | Reply | undefined => {
    if (s.template === undefined) return undefined;
    const stored = ctx.templates.get(s.template.id);
    if (!stored) return resendError(404, 'not_found', 'Template not found');
    const r = renderTemplate(stored, s.template.variables);
    if (r.missing.length > 0)
      return resendError(
        422,
        'validation_error',
        `Missing required template variables: ${r.missing.join(', ')}.`,
      );
    return r;
  };
  const isReply = (v: Rendered | Reply | undefined): v is Reply => v !== undefined && 'status' in v;

  const accept = (s: ResendSend, key: string | undefined): string => {
    const id = ctx.prng.uuid();
    const rendered = render(s);
    const r = rendered === undefined || isReply(rendered) ? undefined : rendered;
    const message: SimMessage = {
      provider: 'resend',
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
            template: s.template?.id ?? '',
            templateData: s.template?.variables ?? {},
          }
        : {
            ...(s.html === undefined ? {} : { html: s.html }),
            ...(s.text === undefined ? {} : { text: s.text }),
          }),
      headers: s.headers,
      tags: s.tags,
      metadata: {},
      attachments: s.attachments,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      ...(s.scheduledAt !== undefined ? { scheduledAt: s.scheduledAt } : {}),
      acceptedAt: ctx.now(),
    };
    ctx.accept(message, build);
    return id;
  };

  const hitBy = (fault: Fault | undefined, s: ResendSend): boolean =>
    fault !== undefined &&
    isElementFault(fault) &&
    (fault.recipient === undefined ||
      recipientsOf(s).some((r) => recipientMatches(fault.recipient ?? '', r)));

  router.add('POST', '/emails', async (req) => {
    const denied = auth(req);
    if (denied) return denied;
    const key = str(req.headers['idempotency-key']);
    const parsed = parseJson(req.body);
    if (!parsed.ok) return resendError(400, 'validation_error', 'Invalid JSON body.');
    const s = parseResendEmail(parsed.value);
    const recipients = 'statusCode' in s ? [] : recipientsOf(s);
    return idempotency.run(key, '/emails', req.body, async () => {
      await ctx.latency('resend');
      const fault = ctx.rules.match({ provider: 'resend', operation: 'send', recipients });
      const proceed = (): Reply => {
        if ('statusCode' in s) return resendError(s.statusCode, s.name, s.message);
        const refused = render(s);
        if (isReply(refused)) return refused;
        return json(200, { id: accept(s, key) });
      };
      return fault ? withFault(fault, renderResendFault, proceed) : proceed();
    });
  });

  router.add('POST', '/emails/batch', async (req) => {
    const denied = auth(req);
    if (denied) return denied;
    const key = str(req.headers['idempotency-key']);
    const permissive = str(req.headers['x-batch-validation']) === 'permissive';
    const parsed = parseJson(req.body);
    if (!parsed.ok || !Array.isArray(parsed.value))
      return resendError(422, 'validation_error', 'The request body must be an array of emails.');
    const list: unknown[] = parsed.value;
    if (list.length > 100)
      return resendError(422, 'validation_error', 'Too many emails in the batch. Maximum is 100.');
    const sends = list.map((v) => parseResendEmail(v));
    const recipients = sends.flatMap((s) => ('statusCode' in s ? [] : recipientsOf(s)));
    return idempotency.run(key, '/emails/batch', req.body, async () => {
      await ctx.latency('resend');
      const fault = ctx.rules.match({ provider: 'resend', operation: 'batch', recipients });
      const proceed = (): Reply => {
        const errors: { index: number; message: string }[] = [];
        const refusals = new Map<number, Reply>();
        sends.forEach((s, index) => {
          const refused = 'statusCode' in s ? undefined : render(s);
          if ('statusCode' in s) errors.push({ index, message: s.message });
          else if (isReply(refused)) {
            refusals.set(index, refused);
            const said =
              'body' in refused ? (JSON.parse(refused.body) as { message?: string }) : {};
            errors.push({ index, message: said.message ?? 'Template not found' });
          } else if (hitBy(fault, s))
            errors.push({ index, message: fault?.message ?? 'Invalid `to` field.' });
        });
        // Strict (the SDK default) refuses the whole batch on one bad email; permissive sends the rest.
        if (!permissive && errors.length > 0) {
          const firstError = errors[0];
          const bad = firstError ? sends[firstError.index] : undefined;
          const refused = firstError ? refusals.get(firstError.index) : undefined;
          if (refused) return refused;
          if (bad && 'statusCode' in bad)
            return resendError(
              bad.statusCode,
              bad.name,
              `emails[${firstError?.index ?? 0}]: ${bad.message}`,
            );
          return resendError(
            422,
            'validation_error',
            `emails[${firstError?.index ?? 0}]: ${firstError?.message ?? ''}`,
          );
        }
        const failed = new Set(errors.map((e) => e.index));
        const data = sends.flatMap((s, i) =>
          'statusCode' in s || failed.has(i) ? [] : [{ id: accept(s, key) }],
        );
        return json(200, permissive ? { data, errors } : { data });
      };
      return fault && !isElementFault(fault)
        ? withFault(fault, renderResendFault, proceed)
        : proceed();
    });
  });

  // POST /templates (https://resend.com/docs/api-reference/templates/create-template): stored
  // under its id and its alias; the simulator treats it as published at once.
  router.add('POST', '/templates', async (req) => {
    const denied = auth(req);
    if (denied) return denied;
    const parsed = parseJson(req.body);
    const body =
      parsed.ok && typeof parsed.value === 'object' && parsed.value !== null
        ? (parsed.value as Record<string, unknown>)
        : {};
    const name = str(body['name']);
    const html = str(body['html']);
    if (!name || html === undefined)
      return resendError(422, 'missing_required_field', 'Missing `name` or `html` field.');
    const id = ctx.prng.uuid();
    const text = str(body['text']);
    const template = {
      subject: str(body['subject']) ?? '',
      html,
      ...(text === undefined ? {} : { text }),
    };
    ctx.templates.set(id, template);
    const alias = str(body['alias']);
    if (alias) ctx.templates.set(alias, template);
    return json(201, { id, object: 'template' });
  });

  return idempotency;
}
