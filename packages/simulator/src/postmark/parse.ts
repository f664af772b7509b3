import { bareAddress, isValidAddress, splitAddressList } from '../address.ts';
import { isRecord, str } from '../context.ts';

export interface PostmarkSend {
  readonly from: string;
  readonly toField: string;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly subject: string;
  readonly headers: Record<string, string>;
  readonly metadata: Record<string, string>;
  readonly tag?: string;
  readonly stream: string;
  readonly attachments: number;
  readonly html?: string;
  readonly text?: string;
  /** /email/withTemplate: the TemplateAlias, or the TemplateId as text. */
  readonly template?: string;
  readonly templateModel?: Record<string, unknown>;
}

export interface PostmarkInvalid {
  readonly errorCode: number;
  readonly message: string;
}

/** Validates one message as Postmark does (ErrorCode 300 for a bad request, 403 for a bad field type). */
export function parsePostmarkMessage(
  value: unknown,
  templated: boolean,
): PostmarkSend | PostmarkInvalid {
  if (!isRecord(value)) return { errorCode: 402, message: 'Received invalid JSON input.' };
  const from = str(value['From']) ?? '';
  if (!from) return { errorCode: 300, message: "Invalid 'From' address: ''." };
  if (!isValidAddress(from))
    return { errorCode: 300, message: `Invalid 'From' address: '${from}'.` };
  const toField = str(value['To']) ?? '';
  const to = splitAddressList(toField);
  const cc = splitAddressList(str(value['Cc']) ?? '');
  const bcc = splitAddressList(str(value['Bcc']) ?? '');
  const all = [...to, ...cc, ...bcc];
  if (all.length === 0) return { errorCode: 300, message: 'Zero recipients specified' };
  if (all.length > 50)
    return { errorCode: 300, message: 'Maximum of 50 recipients allowed per message.' };
  for (const [field, list] of [
    ['To', to],
    ['Cc', cc],
    ['Bcc', bcc],
  ] as const) {
    const bad = list.find((a) => !isValidAddress(a));
    if (bad !== undefined)
      return {
        errorCode: 300,
        message: `Error parsing '${field}': Illegal email address '${bareAddress(bad)}'. It must contain the '@' symbol.`,
      };
  }
  if (!templated && !str(value['HtmlBody']) && !str(value['TextBody'])) {
    return { errorCode: 300, message: 'Provide either email TextBody or HtmlBody or both.' };
  }
  if (templated && value['TemplateId'] === undefined && value['TemplateAlias'] === undefined) {
    return { errorCode: 300, message: 'Either TemplateId or TemplateAlias must be specified.' };
  }
  const model = value['TemplateModel'];
  if (templated && model !== undefined && model !== null && !isRecord(model)) {
    // Postmark reads TemplateModel as a JSON object (https://postmarkapp.com/developer/api/templates-api#email-with-template).
    return {
      errorCode: 403,
      message: "Incompatible JSON input: 'TemplateModel' must be an object.",
    };
  }
  const html = str(value['HtmlBody']);
  const text = str(value['TextBody']);
  const templateName = templated
    ? (str(value['TemplateAlias']) ??
      (typeof value['TemplateId'] === 'number' ? String(value['TemplateId']) : undefined))
    : undefined;
  const headers: Record<string, string> = {};
  if (Array.isArray(value['Headers'])) {
    for (const h of value['Headers'])
      if (isRecord(h)) headers[str(h['Name']) ?? ''] = str(h['Value']) ?? '';
  }
  const metadata: Record<string, string> = {};
  if (value['Metadata'] !== undefined && value['Metadata'] !== null) {
    if (!isRecord(value['Metadata']))
      return { errorCode: 403, message: "Invalid 'Metadata' value." };
    for (const [k, v] of Object.entries(value['Metadata'])) metadata[k] = String(v);
  }
  const tag = str(value['Tag']);
  return {
    from,
    toField,
    to,
    cc,
    bcc,
    subject: str(value['Subject']) ?? '',
    headers,
    metadata,
    ...(tag ? { tag } : {}),
    stream: str(value['MessageStream']) ?? 'outbound',
    attachments: Array.isArray(value['Attachments']) ? value['Attachments'].length : 0,
    ...(html === undefined || templated ? {} : { html }),
    ...(text === undefined || templated ? {} : { text }),
    ...(templateName === undefined ? {} : { template: templateName }),
    ...(templated && isRecord(model) ? { templateModel: model } : {}),
  };
}
