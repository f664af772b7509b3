import { addressEntries, isValidAddress } from '../address.ts';
import { isRecord, str } from '../context.ts';

export interface ResendSend {
  readonly from: string;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly subject: string;
  readonly headers: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly attachments: number;
  /** `scheduled_at` as epoch ms, when the email was scheduled. */
  readonly scheduledAt?: number;
  readonly html?: string;
  readonly text?: string;
  /** `template: { id, variables }` (resend 6.x `EmailTemplateOptions`). */
  readonly template?: { readonly id: string; readonly variables: Record<string, unknown> };
}

export interface ResendInvalid {
  readonly statusCode: number;
  readonly name: string;
  readonly message: string;
}

const TAG = /^[A-Za-z0-9_-]{1,256}$/;
const BAD_TO =
  'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';

export function parseResendEmail(value: unknown): ResendSend | ResendInvalid {
  if (!isRecord(value))
    return { statusCode: 422, name: 'validation_error', message: 'Invalid request body.' };
  const from = str(value['from']) ?? '';
  if (!from)
    return { statusCode: 422, name: 'missing_required_field', message: 'Missing `from` field.' };
  if (!isValidAddress(from))
    return {
      statusCode: 422,
      name: 'validation_error',
      message:
        'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
    };
  const to = addressEntries(value['to']);
  if (to.length === 0)
    return { statusCode: 422, name: 'missing_required_field', message: 'Missing `to` field.' };
  if (to.length > 50)
    return {
      statusCode: 422,
      name: 'validation_error',
      message: 'Too many recipients in the `to` field. Maximum is 50.',
    };
  const cc = addressEntries(value['cc']);
  const bcc = addressEntries(value['bcc']);
  if ([...to, ...cc, ...bcc].some((a) => !isValidAddress(a)))
    return { statusCode: 422, name: 'validation_error', message: BAD_TO };
  const template = value['template'];
  if (template !== undefined) {
    // A template send takes no html or text (https://resend.com/docs/api-reference/emails/send-email).
    if (!isRecord(template) || !str(template['id']))
      return {
        statusCode: 422,
        name: 'validation_error',
        message: 'Invalid `template` field: `id` is required.',
      };
    if (value['html'] !== undefined || value['text'] !== undefined || value['react'] !== undefined)
      return {
        statusCode: 422,
        name: 'validation_error',
        message: 'The `template` field cannot be used together with `html`, `text` or `react`.',
      };
    const variables = template['variables'];
    if (variables !== undefined && !isRecord(variables))
      return {
        statusCode: 422,
        name: 'validation_error',
        message: 'Invalid `template.variables` field: it must be an object.',
      };
  }
  if (value['subject'] === undefined && template === undefined)
    return { statusCode: 422, name: 'missing_required_field', message: 'Missing `subject` field.' };
  if (!str(value['html']) && !str(value['text']) && template === undefined) {
    return {
      statusCode: 422,
      name: 'validation_error',
      message: 'Missing `html` or `text` field.',
    };
  }
  const headers: Record<string, string> = {};
  if (isRecord(value['headers']))
    for (const [k, v] of Object.entries(value['headers'])) headers[k] = String(v);
  const tags: Record<string, string> = {};
  if (Array.isArray(value['tags'])) {
    for (const t of value['tags']) {
      const name = isRecord(t) ? (str(t['name']) ?? '') : '';
      const v = isRecord(t) ? (str(t['value']) ?? '') : '';
      if (!TAG.test(name) || (v !== '' && !TAG.test(v))) {
        return {
          statusCode: 422,
          name: 'validation_error',
          message:
            'Tags should only contain ASCII letters (a–z, A–Z), numbers (0–9), underscores (_), or dashes (-).',
        };
      }
      tags[name] = v;
    }
  }
  const scheduled = str(value['scheduled_at']);
  const scheduledAt = scheduled === undefined ? undefined : Date.parse(scheduled);
  if (scheduledAt !== undefined && Number.isNaN(scheduledAt))
    return { statusCode: 422, name: 'validation_error', message: 'Invalid `scheduled_at` field.' };
  return {
    ...(scheduledAt === undefined ? {} : { scheduledAt }),
    from,
    to,
    cc,
    bcc,
    subject: str(value['subject']) ?? '',
    headers,
    tags,
    attachments: Array.isArray(value['attachments']) ? value['attachments'].length : 0,
    ...(str(value['html']) === undefined ? {} : { html: str(value['html']) as string }),
    ...(str(value['text']) === undefined ? {} : { text: str(value['text']) as string }),
    ...(isRecord(template)
      ? {
          template: {
            id: str(template['id']) as string,
            variables: isRecord(template['variables']) ? template['variables'] : {},
          },
        }
      : {}),
  };
}
