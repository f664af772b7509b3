import { addressEntries, isValidAddress } from '../address.ts';
import { isRecord, str } from '../context.ts';
import { parseMime } from '../mime.ts';
import { splitAddressList } from '../address.ts';

/** The fields of a SendEmail request (or one bulk entry) the simulator records. */
export interface SesSend {
  readonly from: string;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly subject: string;
  readonly headers: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly attachments: number;
  readonly configurationSet?: string;
  readonly raw: boolean;
  readonly html?: string;
  readonly text?: string;
  /** Content.Template: the TemplateName (or the name the TemplateArn ends in). */
  readonly template?: string;
  /** Content.Template.TemplateData, parsed. */
  readonly templateData?: Record<string, unknown>;
  /** An inline TemplateContent, rendered in place of a stored template. */
  readonly inline?: { subject: string; html?: string; text?: string };
}

const TAG_CHARS = /^[A-Za-z0-9_-]{1,256}$/;

export function parseTags(value: unknown): Record<string, string> | string {
  const tags: Record<string, string> = {};
  if (!Array.isArray(value)) return tags;
  for (const t of value) {
    if (!isRecord(t)) return 'Invalid EmailTags entry.';
    const name = str(t['Name']) ?? '';
    const v = str(t['Value']) ?? '';
    if (!TAG_CHARS.test(name) || !TAG_CHARS.test(v))
      return `Tag name and value may contain only ASCII letters, digits, underscores and dashes: ${name}.`;
    tags[name] = v;
  }
  return tags;
}

function destination(d: unknown): { to: string[]; cc: string[]; bcc: string[] } {
  const r = isRecord(d) ? d : {};
  return {
    to: addressEntries(r['ToAddresses']),
    cc: addressEntries(r['CcAddresses']),
    bcc: addressEntries(r['BccAddresses']),
  };
}

/** Returns the parsed send, or a BadRequestException message. */
export function parseSendEmail(body: Record<string, unknown>): SesSend | string {
  const content = isRecord(body['Content']) ? body['Content'] : undefined;
  if (!content) return 'Content is required.';
  let { to, cc, bcc } = destination(body['Destination']);
  let from = str(body['FromEmailAddress']) ?? '';
  let subject = '';
  const headers: Record<string, string> = {};
  let attachments = 0;
  let raw = false;
  let html: string | undefined;
  let text: string | undefined;
  let templateName: string | undefined;
  let templateData: Record<string, unknown> | undefined;
  let inlineTemplate: SesSend['inline'];
  const simple = content['Simple'];
  const rawContent = content['Raw'];
  const template = content['Template'];
  if (isRecord(simple)) {
    subject = str(isRecord(simple['Subject']) ? simple['Subject']['Data'] : undefined) ?? '';
    if (!isRecord(simple['Body'])) return 'Body is required.';
    const body = simple['Body'];
    html = str(isRecord(body['Html']) ? body['Html']['Data'] : undefined);
    text = str(isRecord(body['Text']) ? body['Text']['Data'] : undefined);
    if (Array.isArray(simple['Headers'])) {
      for (const h of simple['Headers'])
        if (isRecord(h)) headers[str(h['Name']) ?? ''] = str(h['Value']) ?? '';
    }
    attachments = Array.isArray(simple['Attachments']) ? simple['Attachments'].length : 0;
  } else if (isRecord(rawContent)) {
    raw = true;
    const data = str(rawContent['Data']);
    if (!data) return 'Raw message data is required.';
    const mime = parseMime(Buffer.from(data, 'base64'));
    from ||= mime.headers.get('from') ?? '';
    subject = mime.headers.get('subject') ?? '';
    if (to.length + cc.length + bcc.length === 0) {
      to = splitAddressList(mime.headers.get('to') ?? '');
      cc = splitAddressList(mime.headers.get('cc') ?? '');
      bcc = splitAddressList(mime.headers.get('bcc') ?? '');
    }
    for (const [k, v] of mime.headers) if (k.startsWith('x-')) headers[k] = v;
    attachments = mime.attachments;
  } else if (isRecord(template)) {
    const inline = isRecord(template['TemplateContent']) ? template['TemplateContent'] : undefined;
    subject = str(inline?.['Subject']) ?? '';
    templateName = str(template['TemplateName']) ?? str(template['TemplateArn'])?.split('/').pop();
    if (inline) {
      const ih = str(inline['Html']);
      const it = str(inline['Text']);
      inlineTemplate = {
        subject,
        ...(ih === undefined ? {} : { html: ih }),
        ...(it === undefined ? {} : { text: it }),
      };
    } else if (templateName === undefined) {
      return 'Template must contain TemplateName, TemplateArn or TemplateContent.';
    }
    // TemplateData is a JSON object in a string (SendEmail API, Template data type:
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Template.html).
    const data = str(template['TemplateData']);
    if (data !== undefined) {
      const parsed = parseTemplateData(data);
      if (parsed === undefined) return 'Invalid TemplateData: it must be a JSON object.';
      templateData = parsed;
    }
  } else {
    return 'Content must contain one of Simple, Raw or Template.';
  }
  if (!from) return "Missing final '@domain'";
  if (!isValidAddress(from)) return `Illegal address: ${from}`;
  const all = [...to, ...cc, ...bcc];
  if (all.length === 0) return 'Missing required field: Destination.';
  if (all.length > 50) return 'Recipient count exceeds 50.';
  const bad = all.find((a) => !isValidAddress(a));
  if (bad !== undefined) return `Illegal address: ${bad}`;
  const tags = parseTags(body['EmailTags']);
  if (typeof tags === 'string') return tags;
  const configurationSet = str(body['ConfigurationSetName']);
  return {
    from,
    to,
    cc,
    bcc,
    subject,
    headers,
    tags,
    attachments,
    raw,
    ...(configurationSet ? { configurationSet } : {}),
    ...(html === undefined ? {} : { html }),
    ...(text === undefined ? {} : { text }),
    ...(templateName === undefined ? {} : { template: templateName }),
    ...(templateData === undefined ? {} : { templateData }),
    ...(inlineTemplate === undefined ? {} : { inline: inlineTemplate }),
  };
}

/** A TemplateData string as the object it must hold; undefined when it is not one. */
export function parseTemplateData(data: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(data) as unknown;
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
