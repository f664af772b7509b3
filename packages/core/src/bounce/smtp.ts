import type { SmtpReply } from '../errors.ts';

/**
 * Reads an SMTP reply line such as `550 5.1.1 <a@b.c>: Recipient address rejected` or
 * `smtp; 550-5.1.1 The email account ... does not exist` into its codes and text.
 */
export function parseSmtpReply(line: string): SmtpReply {
  const reply = parseSmtpCodes(line);
  const stage = parseSmtpStage(reply.diagnostic ?? '');
  if (stage) reply.stage = stage;
  return reply;
}

/** parseSmtpReply without the stage (the classifier reads the stage only when it matters). */
export function parseSmtpCodes(line: string): SmtpReply {
  const text = line.replace(/^\s*smtp;\s*/iu, '').trim();
  const basic =
    /^([245]\d\d)(?:[\s-]|$)/u.exec(text) ??
    /\b([245]\d\d)[\s-]+[245]\.\d{1,3}\.\d{1,3}\b/u.exec(text);
  // Not part of a longer dotted number: '4.16.55.1' (Yahoo) and IP addresses are not status codes.
  const enhanced = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/u.exec(text);
  const reply: SmtpReply = { diagnostic: text };
  if (basic?.[1]) reply.status = Number(basic[1]);
  if (enhanced?.[1]) reply.enhanced = enhanced[1];
  return reply;
}

/** The SMTP command a reply answered: where in the dialogue the remote server refused. */
export type SmtpStage = NonNullable<SmtpReply['stage']>;

export const smtpStages: readonly SmtpStage[] = ['connect', 'helo', 'mail', 'rcpt', 'data'];

// Postfix bounce texts end with "(in reply to RCPT TO command)" (postfix/src/smtp/smtp_proto.c);
// Exim's say "SMTP error from remote mail server after MAIL FROM:<...>" (src/src/transports/smtp.c).
const stagePattern =
  /\b(?:in reply to (?:the )?|error from remote mail server after (?:pipelined )?|after )(MAIL FROM|RCPT TO|end of DATA|DATA|BDAT|end of data|HELO|EHLO|LHLO|STARTTLS|AUTH|initial (?:connection|greeting|server greeting)|(?:the )?initial greeting)\b/iu;

/** The stage a reply names ("in reply to MAIL FROM command", "after RCPT TO:<...>"), if any. */
export function parseSmtpStage(text: string): SmtpStage | undefined {
  const found = stagePattern.exec(text.length > 4000 ? text.slice(0, 4000) : text)?.[1];
  if (found === undefined) return undefined;
  const word = found.toUpperCase();
  if (word.startsWith('MAIL')) return 'mail';
  if (word.startsWith('RCPT')) return 'rcpt';
  if (word.includes('DATA') || word === 'BDAT') return 'data';
  if (word.startsWith('INITIAL') || word.startsWith('THE')) return 'connect';
  return 'helo';
}
