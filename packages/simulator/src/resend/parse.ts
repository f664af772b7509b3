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
  if (value['subject'] === undefined)
    return { statusCode: 422, name: 'missing_required_field', message: 'Missing `subject` field.' };
  if (!str(value['html']) && !str(value['text']) && value['template'] === undefined) {
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
  };
}
