import { bareAddress } from '../address.ts';
import {
  isElementFault,
  isRecord,
  parseJson,
  str,
  withFault,
  type SimContext,
} from '../context.ts';
import { json, type Reply } from '../http/reply.ts';
import type { Router } from '../http/router.ts';
import { recipientMatches, type Fault } from '../rules.ts';
import { renderTemplate, type Rendered } from '../templates.ts';
import type { SimMessage } from '../types.ts';
import { inactiveMessage, postmarkError, renderPostmarkFault } from './errors.ts';
import { postmarkEventBuilder, type PostmarkEventDeps } from './events.ts';
import { parsePostmarkMessage, type PostmarkSend } from './parse.ts';

/** Postmark's documented test token: requests are validated, nothing is sent. */
const API_TEST_TOKEN = 'POSTMARK_API_TEST';

type Element = {
  ErrorCode: number;
  Message: string;
  To?: string;
  SubmittedAt?: string;
  MessageID?: string;
};

export function registerPostmarkRoutes(
  router: Router,
  ctx: SimContext,
  serverToken: string,
  deps: PostmarkEventDeps,
): void {
  const build = postmarkEventBuilder(deps);

  const recipientsOf = (s: PostmarkSend): string[] => [...s.to, ...s.cc, ...s.bcc].map(bareAddress);

  /** One message through validation, inactive-recipient checks and acceptance: the /email body or one batch element. */
  const sendOne = (
    value: unknown,
    templated: boolean,
    testMode: boolean,
    fault: Fault | undefined,
  ): Element => {
    const s = parsePostmarkMessage(value, templated);
    if ('errorCode' in s) return { ErrorCode: s.errorCode, Message: s.message };
    let rendered: Rendered | undefined;
    if (s.template !== undefined) {
      const stored = ctx.templates.get(s.template);
      // ErrorCode 1101 "Template not found" (https://postmarkapp.com/developer/api/overview#error-codes);
      // Mustachio renders a missing variable empty, with no error.
      if (!stored)
        return {
          ErrorCode: 1101,
          Message: `The template with ID or alias '${s.template}' was not found or is not associated with this server.`,
        };
      rendered = renderTemplate(stored, s.templateModel ?? {});
    }
    const rcpts = recipientsOf(s);
    if (
      fault &&
      (fault.recipient === undefined ||
        rcpts.some((r) => recipientMatches(fault.recipient ?? '', r)))
    ) {
      const matched =
        fault.recipient === undefined
          ? rcpts
          : rcpts.filter((r) => recipientMatches(fault.recipient ?? '', r));
      return fault.kind === 'inactive-recipient'
        ? { ErrorCode: 406, Message: fault.message ?? inactiveMessage(matched) }
        : { ErrorCode: 300, Message: fault.message ?? 'Invalid email request.' };
    }
    // Postmark refuses suppressed (inactive) addresses at send time instead of bouncing them later.
    const inactive = rcpts.filter((r) => ctx.recipients.resolve(r).kind === 'suppressed');
    if (inactive.length > 0) return { ErrorCode: 406, Message: inactiveMessage(inactive) };
    const id = ctx.prng.uuid();
    const submittedAt = new Date(ctx.now()).toISOString();
    if (!testMode) {
      const message: SimMessage = {
        provider: 'postmark',
        id,
        from: s.from,
        to: s.to,
        cc: s.cc,
        bcc: s.bcc,
        subject: rendered ? rendered.subject : s.subject,
        ...(rendered
          ? {
              ...(rendered.html === undefined ? {} : { html: rendered.html }),
              ...(rendered.text === undefined ? {} : { text: rendered.text }),
              template: s.template as string,
              templateData: s.templateModel ?? {},
            }
          : {
              ...(s.html === undefined ? {} : { html: s.html }),
              ...(s.text === undefined ? {} : { text: s.text }),
            }),
        headers: s.headers,
        tags: s.tag ? { Tag: s.tag } : {},
        metadata: s.metadata,
        attachments: s.attachments,
        stream: s.stream,
        acceptedAt: ctx.now(),
      };
      ctx.accept(message, build);
    }
    return { To: s.toField, SubmittedAt: submittedAt, MessageID: id, ErrorCode: 0, Message: 'OK' };
  };

  const single =
    (templated: boolean) =>
    async (req: { headers: Record<string, unknown>; body: Buffer }): Promise<Reply> => {
      const token = str(req.headers['x-postmark-server-token']);
      await ctx.latency('postmark');
      if (token !== serverToken && token !== API_TEST_TOKEN)
        return renderPostmarkFault({ kind: 'auth' });
      const parsed = parseJson(req.body);
      if (!parsed.ok) return postmarkError(422, 402, 'Received invalid JSON input.');
      const preview = isRecord(parsed.value)
        ? parsePostmarkMessage(parsed.value, templated)
        : undefined;
      const recipients = preview && !('errorCode' in preview) ? recipientsOf(preview) : [];
      const fault = ctx.rules.match({ provider: 'postmark', operation: 'send', recipients });
      const proceed = (): Reply => {
        const el = sendOne(
          parsed.value,
          templated,
          token === API_TEST_TOKEN,
          fault && isElementFault(fault) ? fault : undefined,
        );
        return el.ErrorCode === 0 ? json(200, el) : postmarkError(422, el.ErrorCode, el.Message);
      };
      if (fault && !isElementFault(fault))
        return withFault(fault, (f) => renderPostmarkFault(f, recipients), proceed);
      return proceed();
    };

  const batch =
    (templated: boolean) =>
    async (req: { headers: Record<string, unknown>; body: Buffer }): Promise<Reply> => {
      const token = str(req.headers['x-postmark-server-token']);
      await ctx.latency('postmark');
      if (token !== serverToken && token !== API_TEST_TOKEN)
        return renderPostmarkFault({ kind: 'auth' });
      const parsed = parseJson(req.body);
      if (!parsed.ok) return postmarkError(422, 402, 'Received invalid JSON input.');
      const list = templated
        ? isRecord(parsed.value)
          ? parsed.value['Messages']
          : undefined
        : parsed.value;
      if (!Array.isArray(list))
        return postmarkError(422, 403, 'Incompatible JSON input: expected an array of messages.');
      if (list.length > 500)
        return postmarkError(
          422,
          410,
          'Too many batch messages. You can send up to 500 messages per batch.',
        );
      const recipients = list.flatMap((v: unknown) => {
        const s = parsePostmarkMessage(v, templated);
        return 'errorCode' in s ? [] : recipientsOf(s);
      });
      const fault = ctx.rules.match({ provider: 'postmark', operation: 'batch', recipients });
      // A batch answers 200 even when elements fail; each element carries its own ErrorCode.
      const proceed = (): Reply =>
        json(
          200,
          list.map((v: unknown) =>
            sendOne(
              v,
              templated,
              token === API_TEST_TOKEN,
              fault && isElementFault(fault) ? fault : undefined,
            ),
          ),
        );
      if (fault && !isElementFault(fault))
        return withFault(fault, (f) => renderPostmarkFault(f, recipients), proceed);
      return proceed();
    };

  // POST /templates (https://postmarkapp.com/developer/api/templates-api#create-template): stored
  // under its alias and its TemplateId, as a send may name either. The SDK posts to `/templates/`
  // (postmark/dist/client/ServerClient.js createTemplate), which keeps it apart from Resend's.
  let nextTemplateId = 1000;
  router.add('POST', '/templates/', async (req) => {
    const token = str(req.headers['x-postmark-server-token']);
    if (token !== serverToken) return renderPostmarkFault({ kind: 'auth' });
    const parsed = parseJson(req.body);
    if (!parsed.ok || !isRecord(parsed.value))
      return postmarkError(422, 402, 'Received invalid JSON input.');
    const body = parsed.value;
    const name = str(body['Name']);
    const subject = str(body['Subject']);
    const html = str(body['HtmlBody']);
    const text = str(body['TextBody']);
    if (!name || subject === undefined || (html === undefined && text === undefined))
      return postmarkError(
        422,
        1120,
        'A required Template field is missing: Name, Subject and HtmlBody or TextBody.',
      );
    const id = (nextTemplateId += 1);
    const alias = str(body['Alias']);
    const template = {
      subject,
      ...(html === undefined ? {} : { html }),
      ...(text === undefined ? {} : { text }),
    };
    ctx.templates.set(String(id), template);
    if (alias) ctx.templates.set(alias, template);
    return json(200, {
      TemplateId: id,
      Name: name,
      Active: true,
      Alias: alias ?? null,
      TemplateType: 'Standard',
    });
  });

  router.add('POST', '/email', single(false));
  router.add('POST', '/email/withTemplate', single(true));
  router.add('POST', '/email/batch', batch(false));
  router.add('POST', '/email/batchWithTemplates', batch(true));
}
