import { addressEntries, bareAddress, isValidAddress } from '../address.ts';
import { str, withFault, type SimContext } from '../context.ts';
import { json, text, type Reply } from '../http/reply.ts';
import type { Router, SimRequest } from '../http/router.ts';
import { parseMime } from '../mime.ts';
import { parseMultipart, type FormData } from '../multipart.ts';
import { renderTemplate } from '../templates.ts';
import type { SimMessage } from '../types.ts';
import { mailgunError, renderMailgunFault } from './errors.ts';
import { mailgunEventBuilder, type MailgunEventDeps } from './events.ts';

const first = (form: FormData, name: string): string | undefined => form.fields.get(name)?.[0];

function authorised(req: SimRequest, apiKey: string): boolean {
  const header = str(req.headers['authorization']) ?? '';
  if (!header.startsWith('Basic ')) return false;
  return Buffer.from(header.slice(6), 'base64').toString('utf8') === `api:${apiKey}`;
}

export function registerMailgunRoutes(
  router: Router,
  ctx: SimContext,
  apiKey: string,
  deps: MailgunEventDeps,
): void {
  const newId = (domain: string): string => {
    const d = new Date(ctx.now()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    return `<${d}.${ctx.prng.hex(16).toUpperCase()}@${domain}>`;
  };

  const handle =
    (mime: boolean) =>
    async (req: SimRequest): Promise<Reply> => {
      const domain = req.params['domain'] ?? '';
      await ctx.latency('mailgun');
      if (!authorised(req, apiKey)) return text(401, 'Forbidden');
      const form = parseMultipart(req.body, str(req.headers['content-type']) ?? '');
      if (!form)
        return mailgunError(400, 'Unable to parse the request body: expected multipart/form-data.');
      const raw = mime ? form.files.find((f) => f.name === 'message') : undefined;
      const parsedMime = raw ? parseMime(raw.data) : undefined;
      const to = addressEntries(form.fields.get('to') ?? []);
      const cc = addressEntries(form.fields.get('cc') ?? []);
      const bcc = addressEntries(form.fields.get('bcc') ?? []);
      const recipients = [...to, ...cc, ...bcc].map(bareAddress);
      const proceed = (): Reply => {
        const from = first(form, 'from') ?? parsedMime?.headers.get('from') ?? '';
        if (!mime && !from) return mailgunError(400, 'from parameter is missing');
        if (to.length === 0) return mailgunError(400, 'to parameter is missing');
        const bad = [...to, ...cc, ...bcc].find((a) => !isValidAddress(a));
        if (bad !== undefined)
          return mailgunError(
            400,
            `to parameter is not a valid address. please check documentation`,
          );
        if (mime && !raw) return mailgunError(400, 'message parameter is missing');
        if (
          !mime &&
          !first(form, 'text') &&
          !first(form, 'html') &&
          !first(form, 'template') &&
          !first(form, 'amp-html')
        ) {
          return mailgunError(
            400,
            "Need at least one of 'text', 'html' or 'template' parameters specified",
          );
        }
        const headers: Record<string, string> = {};
        const metadata: Record<string, string> = {};
        for (const [name, values] of form.fields) {
          if (name.startsWith('h:')) headers[name.slice(2)] = values[0] ?? '';
          else if (name.startsWith('v:')) metadata[name.slice(2)] = values[0] ?? '';
        }
        const tags: Record<string, string> = {};
        for (const t of form.fields.get('o:tag') ?? []) tags[t] = t;
        const templateName = first(form, 'template');
        let shared: Record<string, unknown> | undefined;
        let sharedSource: string | undefined;
        let perRecipient: Record<string, Record<string, unknown>> | undefined;
        if (templateName !== undefined) {
          // Variables: `h:X-Mailgun-Variables` or `t:variables`, a JSON object; with a batch,
          // `recipient-variables` fill `%recipient.x%` in them per recipient
          // (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-templates,
          // https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/batch-sending).
          const source = first(form, 'h:X-Mailgun-Variables') ?? first(form, 't:variables');
          const rv = first(form, 'recipient-variables');
          try {
            sharedSource = source;
            shared = source === undefined ? {} : (JSON.parse(source) as Record<string, unknown>);
            perRecipient =
              rv === undefined
                ? undefined
                : (JSON.parse(rv) as Record<string, Record<string, unknown>>);
          } catch {
            return mailgunError(400, 'variables are not valid JSON');
          }
          if (typeof shared !== 'object' || shared === null || Array.isArray(shared))
            return mailgunError(400, 'variables must be a JSON object');
          if (!ctx.templates.get(templateName))
            // Mailgun answers a send naming an unknown template with a 400 (Messages API, "template").
            return mailgunError(400, `template not found: ${templateName}`);
        }
        const id = newId(domain);
        const deliveryTime = first(form, 'o:deliverytime');
        const scheduledAt = deliveryTime === undefined ? undefined : Date.parse(deliveryTime);
        if (scheduledAt !== undefined && Number.isNaN(scheduledAt))
          return mailgunError(400, 'o:deliverytime is not a valid RFC 2822 date');
        const message: SimMessage = {
          ...(scheduledAt === undefined ? {} : { scheduledAt }),
          provider: 'mailgun',
          id,
          from,
          to,
          cc,
          bcc,
          subject: first(form, 'subject') ?? parsedMime?.headers.get('subject') ?? '',
          headers,
          tags,
          metadata,
          attachments:
            form.files.filter((f) => f.name === 'attachment' || f.name === 'inline').length +
            (parsedMime?.attachments ?? 0),
          stream: domain,
          acceptedAt: ctx.now(),
        };
        const stored = templateName === undefined ? undefined : ctx.templates.get(templateName);
        if (stored === undefined || templateName === undefined) {
          const html = first(form, 'html');
          const textBody = first(form, 'text');
          ctx.accept(
            {
              ...message,
              ...(html === undefined ? {} : { html }),
              ...(textBody === undefined ? {} : { text: textBody }),
            },
            mailgunEventBuilder(deps, domain),
          );
          return json(200, { id, message: 'Queued. Thank you.' });
        }
        // Each To of a batch gets its own copy, its variables substituted.
        const copies = perRecipient === undefined ? [to] : to.map((r) => [r]);
        for (const copy of copies) {
          const own = perRecipient?.[bareAddress(copy[0] ?? '')] ?? {};
          const data = substitute(sharedSource, own) ?? shared ?? {};
          const r = renderTemplate(stored, data);
          ctx.accept(
            {
              ...message,
              to: copy,
              subject: r.subject,
              ...(r.html === undefined ? {} : { html: r.html }),
              ...(r.text === undefined ? {} : { text: r.text }),
              template: templateName,
              templateData: data,
            },
            mailgunEventBuilder(deps, domain),
          );
        }
        return json(200, { id, message: 'Queued. Thank you.' });
      };
      const fault = ctx.rules.match({ provider: 'mailgun', operation: 'send', recipients });
      return fault ? withFault(fault, (f) => renderMailgunFault(f, domain), proceed) : proceed();
    };

  // Templates API: POST /v3/{domain}/templates with name, template (the first version's content)
  // and headers (a JSON object, e.g. {"Subject": "..."}) as form fields
  // (https://documentation.mailgun.com/docs/mailgun/api-reference/openapi-final/tag/Templates/).
  router.add('POST', '/v3/:domain/templates', async (req) => {
    if (!authorised(req, apiKey)) return text(401, 'Forbidden');
    const form = parseMultipart(req.body, str(req.headers['content-type']) ?? '');
    const name = form ? first(form, 'name') : undefined;
    const content = form ? first(form, 'template') : undefined;
    if (!form || !name) return mailgunError(400, 'name parameter is missing');
    let headers: Record<string, unknown> = {};
    try {
      headers = JSON.parse(first(form, 'headers') ?? '{}') as Record<string, unknown>;
    } catch {
      return mailgunError(400, 'headers must be a JSON object');
    }
    ctx.templates.set(name.toLowerCase(), {
      subject: typeof headers['Subject'] === 'string' ? headers['Subject'] : '',
      ...(content === undefined ? {} : { html: content }),
    });
    return json(200, {
      message: 'template has been stored',
      template: { name: name.toLowerCase() },
    });
  });

  router.add('POST', '/v3/:domain/messages', handle(false));
  router.add('POST', '/v3/:domain/messages.mime', handle(true));
}

/**
 * `%recipient.x%` replaced with the recipient's variable x in the variables' JSON text, as Mailgun
 * substitutes recipient variables textually; undefined when there is no text or it stops being JSON.
 */
function substitute(
  source: string | undefined,
  own: Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (source === undefined) return undefined;
  const text = source.replace(/%recipient\.([A-Za-z0-9_.-]+)%/gu, (whole, key: string) =>
    own[key] === undefined ? whole : String(own[key]),
  );
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
