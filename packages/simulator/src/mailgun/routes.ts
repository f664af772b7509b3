import { addressEntries, bareAddress, isValidAddress } from '../address.ts';
import { isRecord, parseJson, str, withFault, type SimContext } from '../context.ts';
import { json, text, type Reply } from '../http/reply.ts';
import type { Router, SimRequest } from '../http/router.ts';
import { parseMime } from '../mime.ts';
import { parseMultipart, type FormData } from '../multipart.ts';
import type { SimMessage } from '../types.ts';
import { mailgunError, renderMailgunFault } from './errors.ts';
import { mailgunEventBuilder, type MailgunEventDeps, type RecipientVariables } from './events.ts';

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
        const id = newId(domain);
        // Batch sending: https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/batch-sending
        const variablesField = first(form, 'recipient-variables');
        let recipientVariables: RecipientVariables | undefined;
        if (variablesField !== undefined) {
          const parsed = parseJson(Buffer.from(variablesField));
          if (!parsed.ok || !isRecord(parsed.value))
            return mailgunError(400, 'recipient-variables parameter is not a valid JSON');
          recipientVariables = parsed.value as RecipientVariables;
        }
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
        ctx.accept(message, mailgunEventBuilder(deps, domain, recipientVariables));
        return json(200, { id, message: 'Queued. Thank you.' });
      };
      const fault = ctx.rules.match({ provider: 'mailgun', operation: 'send', recipients });
      return fault ? withFault(fault, (f) => renderMailgunFault(f, domain), proceed) : proceed();
    };

  router.add('POST', '/v3/:domain/messages', handle(false));
  router.add('POST', '/v3/:domain/messages.mime', handle(true));
}
