/**
 * `@relaykit/ses/client`: the AWS SDK's SES v2 sending surface (`new SESv2Client(config)
 * .send(new SendEmailCommand(input))`) backed by a relay, so moving an app onto relaykit is one
 * changed import line:
 *
 *   - import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
 *   + import { SESv2Client, SendEmailCommand } from '@relaykit/ses/client';
 *
 * Inputs are the SDK's own command inputs, results its command outputs (`{ MessageId, $metadata }`),
 * failures its own exception classes (`SESv2ServiceException` subclasses with `name` and
 * `$metadata`), each carrying relaykit's detail in `relaykit`. Every other command (identities,
 * suppression list, account, templates management) stays with the SDK's own SESv2Client.
 */
import {
  BadRequestException,
  MessageRejected,
  NotFoundException,
  SendBulkEmailCommand,
  SendEmailCommand,
  SESv2ServiceException,
  TooManyRequestsException,
  type BulkEmailEntryResult,
  type BulkEmailStatus,
  type SendBulkEmailCommandOutput,
  type SendBulkEmailRequest,
  type SendEmailCommandOutput,
  type SendEmailRequest,
  type Template,
  type SESv2ClientConfig,
} from '@aws-sdk/client-sesv2';
import { RelayError } from '@relaykit/core';
import type { BatchResult, MessageInput, Relay, SendReport } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { ClientRelayOptions, RelaykitDetails } from '@relaykit/core/adapter';
import type { SesOptions } from './options.ts';
import { ses } from './provider.ts';

// What a caller of the SDK imports beside the client: the commands, their inputs and outputs.
export {
  SendBulkEmailCommand,
  SendEmailCommand,
  type SendBulkEmailCommandInput,
  type SendBulkEmailCommandOutput,
  type SendEmailCommandInput,
  type SendEmailCommandOutput,
} from '@aws-sdk/client-sesv2';

export type { ClientRelayOptions, RelaykitDetails };

/** The `ses()` options the SDK client config stands for: region, credentials, endpoint, attempts. */
type FromSdk = 'region' | 'credentials' | 'baseUrl' | 'maxAttempts';

/** The `ses()` adapter options a client-built provider takes (not the credentials or endpoint). */
export type ClientProviderOptions = kit.DropInProviderOptions<SesOptions, FromSdk>;

/** The SDK client config relaykit honours, plus where relaykit sends from. */
export type ClientConfig = Pick<SESv2ClientConfig, 'region' | 'credentials' | 'maxAttempts'> & {
  /** The endpoint, as a URL string (e.g. a local simulator). */
  endpoint?: string;
  /**
   * An existing relay (so several clients share stores and limits; its providers send), or
   * options for the relay this client builds: SES first, then `providers`, memory stores,
   * default throttle and suppression.
   */
  relay?: Relay | ClientRelayOptions;
  /** Options of the `ses()` provider this client builds (webhook, configurationSetName, ...). */
  ses?: ClientProviderOptions;
};

/** An AWS SDK exception as this client throws it, with relaykit's detail. */
export type ClientError = SESv2ServiceException & { relaykit: RelaykitDetails };

const metadata = (httpStatusCode: number, attempts?: number) => ({
  httpStatusCode,
  ...(attempts === undefined ? {} : { attempts }),
});

/** A relaykit failure → the AWS SDK exception SES callers catch (models/errors.d.ts). */
export function toSesSdkError(error: unknown, messageId?: string): ClientError {
  const { error: relayError, details: relaykit, cause } = client.failure(error, messageId);
  // SES's own answer, as the SDK built it: rethrown as it is.
  if (cause instanceof SESv2ServiceException) return Object.assign(cause, { relaykit });
  const message = relayError.message;
  const status = relayError.status;
  let out: SESv2ServiceException;
  switch (relayError.kind) {
    case 'rate-limited':
      out = new TooManyRequestsException({ message, $metadata: metadata(429) });
      break;
    case 'suppressed':
    case 'recipient-rejected':
    case 'message-rejected':
      out = new MessageRejected({ message, $metadata: metadata(400) });
      break;
    case 'invalid':
    case 'config':
      out = new BadRequestException({ message, $metadata: metadata(400) });
      break;
    case 'template':
      // SES answers a template it does not have with NotFoundException (404).
      out = new NotFoundException({ message, $metadata: metadata(404) });
      break;
    case 'auth':
      // What the SDK throws for a bad signature or key (a generic service exception).
      out = new SESv2ServiceException({
        name: 'UnrecognizedClientException',
        $fault: 'client',
        message,
        $metadata: metadata(403),
      });
      break;
    case 'provider-unavailable':
      out = new SESv2ServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message,
        $metadata: metadata(status ?? 503),
      });
      break;
    case 'transient':
      out = new SESv2ServiceException({
        name: status === undefined ? 'TimeoutError' : 'InternalFailure',
        $fault: 'server',
        message,
        $metadata: status === undefined ? {} : metadata(status),
      });
      break;
  }
  return Object.assign(out, { relaykit });
}

/**
 * No recipient was sent (all suppressed or refused). SES itself accepts a message to an address on
 * the account-level suppression list and reports a Bounce with bounceSubType
 * `OnAccountSuppressionList` (https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html);
 * relaykit sends nothing, so there is no MessageId, and it throws `MessageRejected`, SES's answer
 * for a message it will not send.
 */
function noneSent(report: SendReport): ClientError {
  const relaykit = client.noneSent(report, { prefix: 'OnAccountSuppressionList: ' });
  const message = relaykit.error.message;
  return Object.assign(new MessageRejected({ message, $metadata: metadata(400) }), { relaykit });
}

function refuse(field: string, why: string): ClientError {
  const relaykit = client.refusal(field, why);
  const message = relaykit.error.message;
  return Object.assign(new BadRequestException({ message, $metadata: metadata(400) }), {
    relaykit,
  });
}

interface Settings {
  external: boolean;
  configurationSetName: string | undefined;
}

const known = new Set([
  'FromEmailAddress',
  'Destination',
  'ReplyToAddresses',
  'Content',
  'EmailTags',
  'ConfigurationSetName',
]);

/** SES's `SendEmailRequest` → relaykit's message; refuses what relaykit cannot carry. */
function toInput(request: SendEmailRequest, settings: Settings): MessageInput {
  if (typeof request !== 'object' || request === null) {
    throw refuse('input', 'give the SendEmailCommand input');
  }
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || known.has(key)) continue;
    throw refuse(
      key,
      `relaykit does not carry this field per message${key.startsWith('Feedback') || key === 'FromEmailAddressIdentityArn' || key === 'ListManagementOptions' ? '; set it on the ses() provider (ses: { ... } in the client config)' : ''}; remove it`,
    );
  }
  if (
    request.ConfigurationSetName !== undefined &&
    !settings.external &&
    request.ConfigurationSetName !== settings.configurationSetName
  ) {
    throw refuse(
      'ConfigurationSetName',
      `relaykit sets the configuration set per provider; pass ses: { configurationSetName: ${JSON.stringify(request.ConfigurationSetName)} } in the client config`,
    );
  }
  const content = request.Content;
  if (content?.Raw !== undefined) {
    throw refuse('Content.Raw', 'relaykit builds the MIME itself; give Content.Simple');
  }
  if (content?.Template !== undefined) {
    return withTemplate(base(request), content.Template, 'Content.Template');
  }
  const simple = content?.Simple;
  if (simple === undefined) throw refuse('Content.Simple', 'give Content.Simple');
  for (const key of Object.keys(simple)) {
    if (!['Subject', 'Body', 'Headers', 'Attachments'].includes(key)) {
      throw refuse(`Content.Simple.${key}`, 'relaykit does not carry this field; remove it');
    }
  }
  const input = base(request);
  if (simple.Subject?.Data !== undefined) input.subject = simple.Subject.Data;
  if (simple.Body?.Text?.Data !== undefined) input.text = simple.Body.Text.Data;
  if (simple.Body?.Html?.Data !== undefined) input.html = simple.Body.Html.Data;
  addParts(input, simple, 'Content.Simple');
  return input;
}

/** Sender, recipients, Reply-To and EmailTags of a SendEmailRequest. */
function base(request: SendEmailRequest): MessageInput {
  const input = { from: request.FromEmailAddress } as MessageInput;
  const d = request.Destination;
  if (d?.ToAddresses !== undefined) input.to = d.ToAddresses;
  if (d?.CcAddresses !== undefined) input.cc = d.CcAddresses;
  if (d?.BccAddresses !== undefined) input.bcc = d.BccAddresses;
  if (request.ReplyToAddresses !== undefined) input.replyTo = request.ReplyToAddresses;
  if (request.EmailTags !== undefined) {
    // Each tag travels as relaykit metadata, which the ses adapter sends as EmailTags (tags.ts).
    input.metadata = Object.fromEntries(request.EmailTags.map((t) => [t.Name, t.Value]));
  }
  return input;
}

type TemplateData = NonNullable<MessageInput['template']>['data'];

/** TemplateData is a JSON object as a string (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Template.html). */
function templateData(json: string | undefined, field: string): TemplateData {
  if (json === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as TemplateData;
    }
  } catch {
    // Refused below.
  }
  throw refuse(
    field,
    'give TemplateData as a JSON object string (JSON.stringify({ name: "Ada" }))',
  );
}

/** A stored template by TemplateName, as relaykit's template field. */
function withTemplate(input: MessageInput, template: Template, field: string): MessageInput {
  if (template.TemplateArn !== undefined || template.TemplateContent !== undefined) {
    throw refuse(
      `${field}.${template.TemplateArn !== undefined ? 'TemplateArn' : 'TemplateContent'}`,
      'relaykit names a stored template by TemplateName only',
    );
  }
  if (template.TemplateName === undefined) throw refuse(`${field}.TemplateName`, 'give it');
  input.template = {
    ids: { ses: template.TemplateName },
    data: templateData(template.TemplateData, `${field}.TemplateData`),
  };
  addParts(input, template, field);
  return input;
}

/** Headers and attachments of Content.Simple or Content.Template. */
function addParts(
  input: MessageInput,
  part: Pick<Template, 'Headers' | 'Attachments'>,
  field: string,
): void {
  if (part.Headers !== undefined) {
    input.headers = Object.fromEntries(part.Headers.map((h) => [h.Name ?? '', h.Value ?? '']));
  }
  if (part.Attachments !== undefined) {
    input.attachments = part.Attachments.map((a, i) => {
      if (a.RawContent === undefined) {
        throw refuse(`${field}.Attachments[${i}].RawContent`, 'give the file bytes');
      }
      return {
        ...(a.FileName === undefined ? {} : { filename: a.FileName }),
        content: new Uint8Array(a.RawContent),
        ...(a.ContentType === undefined ? {} : { contentType: a.ContentType }),
        ...(a.ContentId === undefined || a.ContentDisposition === 'ATTACHMENT'
          ? {}
          : { cid: a.ContentId }),
      };
    });
  }
}

const bulkKnown = new Set([
  'FromEmailAddress',
  'ReplyToAddresses',
  'DefaultEmailTags',
  'DefaultContent',
  'BulkEmailEntries',
  'ConfigurationSetName',
]);

/** SendBulkEmail → one templated relaykit message per entry (default data, then the entry's). */
function toBulkInputs(request: SendBulkEmailRequest, settings: Settings): MessageInput[] {
  if (typeof request !== 'object' || request === null) {
    throw refuse('input', 'give the SendBulkEmailCommand input');
  }
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined && !bulkKnown.has(key)) {
      throw refuse(key, 'relaykit does not carry this field; remove it');
    }
  }
  const template = request.DefaultContent?.Template;
  if (template === undefined) throw refuse('DefaultContent.Template', 'give the template');
  if (!Array.isArray(request.BulkEmailEntries) || request.BulkEmailEntries.length === 0) {
    throw refuse('BulkEmailEntries', 'give at least one entry');
  }
  const shared: Omit<SendEmailRequest, 'Content'> = {
    ...(request.FromEmailAddress === undefined
      ? {}
      : { FromEmailAddress: request.FromEmailAddress }),
    ...(request.ReplyToAddresses === undefined
      ? {}
      : { ReplyToAddresses: request.ReplyToAddresses }),
    ...(request.ConfigurationSetName === undefined
      ? {}
      : { ConfigurationSetName: request.ConfigurationSetName }),
  };
  return request.BulkEmailEntries.map((entry, i) => {
    const at = `BulkEmailEntries[${i}]`;
    const tags = [...(request.DefaultEmailTags ?? []), ...(entry.ReplacementTags ?? [])];
    const input = toInput(
      {
        ...shared,
        ...(entry.Destination === undefined ? {} : { Destination: entry.Destination }),
        ...(tags.length === 0 ? {} : { EmailTags: tags }),
        Content: { Template: template },
      },
      settings,
    );
    const replacement = entry.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData;
    if (replacement !== undefined && input.template) {
      input.template.data = {
        ...input.template.data,
        ...templateData(
          replacement,
          `${at}.ReplacementEmailContent.ReplacementTemplate.ReplacementTemplateData`,
        ),
      };
    }
    if (entry.ReplacementHeaders !== undefined) {
      input.headers = {
        ...input.headers,
        ...Object.fromEntries(entry.ReplacementHeaders.map((h) => [h.Name ?? '', h.Value ?? ''])),
      };
    }
    return input;
  });
}

/** A failed bulk entry's Status (the SDK's BulkEmailStatus). */
function bulkStatus(error: ClientError): BulkEmailStatus {
  const kind = error.relaykit.error?.kind;
  if (error.name === 'MessageRejected' || kind === 'suppressed' || kind === 'recipient-rejected') {
    return 'MESSAGE_REJECTED';
  }
  if (kind === 'template' || error.name === 'NotFoundException') return 'TEMPLATE_NOT_FOUND';
  if (error.name === 'AccountSuspendedException') return 'ACCOUNT_SUSPENDED';
  if (error.name === 'SendingPausedException') return 'ACCOUNT_SENDING_PAUSED';
  if (kind === 'rate-limited') return 'ACCOUNT_THROTTLED';
  if (kind === 'invalid') return 'INVALID_PARAMETER';
  if (kind === 'transient' || kind === 'provider-unavailable') return 'TRANSIENT_FAILURE';
  return 'FAILED';
}

const client = kit.dropInClient({
  provider: 'ses',
  caller: 'SESv2Client',
  honoured: ['region', 'credentials', 'endpoint', 'maxAttempts', 'relay', 'ses'],
  elsewhere: () =>
    ` (the relay's ses adapter builds its own SDK client; keep the SDK's SESv2Client for commands outside sending)`,
});

/**
 * The AWS SDK's SESv2Client for sending, backed by a relay: retry with backoff, throttling,
 * suppression, failover, events. Built from the same config as the SDK's.
 *
 * @example
 * import { SESv2Client, SendEmailCommand } from '@relaykit/ses/client';
 * const client = new SESv2Client({ region: 'eu-west-1' });
 * const { MessageId } = await client.send(new SendEmailCommand({ FromEmailAddress: 'sender@example.com', Destination: { ToAddresses: ['recipient@example.com'] }, Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi' } } } } }));
 */
export class SESv2Client {
  /** The relay that sends (built by this client unless one was given). */
  readonly relay: Relay;
  readonly #settings: Settings;

  constructor(config: ClientConfig = {}) {
    const given = config.relay;
    const existing = client.accept(config, given, config.ses);
    if (config.endpoint !== undefined && typeof config.endpoint !== 'string') {
      throw new RelayError({
        kind: 'config',
        provider: 'ses',
        message: 'SESv2Client: relaykit takes endpoint as a URL string only',
      });
    }
    this.relay =
      existing ??
      client.build(
        given,
        ses({
          webhook: false,
          ...config.ses,
          ...(config.region === undefined ? {} : { region: config.region as string }),
          ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
          ...(config.endpoint === undefined ? {} : { baseUrl: config.endpoint }),
          ...(config.maxAttempts === undefined
            ? {}
            : { maxAttempts: config.maxAttempts as number }),
        }),
      );
    const set = config.ses?.configurationSetName;
    this.#settings = {
      external: existing !== undefined,
      configurationSetName: typeof set === 'string' ? set : undefined,
    };
  }

  /**
   * Sends a SendEmailCommand or SendBulkEmailCommand through the relay; other commands belong to
   * the SDK's own client.
   */
  send(
    command: SendEmailCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<SendEmailCommandOutput>;
  send(
    command: SendBulkEmailCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<SendBulkEmailCommandOutput>;
  async send(
    command: SendEmailCommand | SendBulkEmailCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<SendEmailCommandOutput | SendBulkEmailCommandOutput> {
    if (command instanceof SendBulkEmailCommand) return this.#bulk(command, options);
    if (!(command instanceof SendEmailCommand)) {
      const name = (command as object | null)?.constructor?.name ?? typeof command;
      throw refuse(
        'command',
        `${name} is not a sending command; send it with the SDK's own SESv2Client (@aws-sdk/client-sesv2)`,
      );
    }
    const input = toInput(command.input, this.#settings);
    let report: SendReport;
    try {
      report = await this.relay.send(
        input,
        options?.abortSignal ? { signal: options.abortSignal } : {},
      );
    } catch (error) {
      throw toSesSdkError(error);
    }
    if (report.status === 'none') throw noneSent(report);
    return {
      MessageId: report.providerMessageId ?? report.messageId,
      $metadata: { httpStatusCode: 200, attempts: report.attempts },
    };
  }

  async #bulk(
    command: SendBulkEmailCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<SendBulkEmailCommandOutput> {
    const inputs = toBulkInputs(command.input, this.#settings);
    let results: BatchResult[];
    try {
      results = await this.relay.sendBatch(
        inputs,
        options?.abortSignal ? { signal: options.abortSignal } : {},
      );
    } catch (error) {
      throw toSesSdkError(error);
    }
    // SES fails the whole call for the account, not for one entry: when every entry failed for
    // the same provider-side reason, the SDK's exception is thrown as it would be.
    const whole = client.wholeBatchFailure(results);
    if (whole) throw toSesSdkError(whole.error, whole.messageId);
    const entries: BulkEmailEntryResult[] = results.map((result) => {
      if (result.ok && result.report.status !== 'none') {
        return {
          Status: 'SUCCESS',
          MessageId: result.report.providerMessageId ?? result.report.messageId,
        };
      }
      const error = result.ok ? noneSent(result.report) : toSesSdkError(result.error);
      return Object.assign(
        { Status: bulkStatus(error), Error: error.message },
        { relaykit: error.relaykit },
      );
    });
    return { BulkEmailEntryResults: entries, $metadata: { httpStatusCode: 200 } };
  }

  /** The SDK's `destroy()`: nothing to free for sending (close the relay with `relay.close()`). */
  destroy(): void {}
}
