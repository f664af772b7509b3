import type { SmtpReply } from '@relaykit/core';

/**
 * Reads an SMTP reply line such as `550 5.1.1 <a@b.c>: Recipient address rejected` or
 * `smtp; 550-5.1.1 The email account ... does not exist` into its codes and text.
 */
export function parseSmtpReply(line: string): SmtpReply {
  const text = line.replace(/^\s*smtp;\s*/iu, '').trim();
  const basic =
    /^([245]\d\d)[\s-]/u.exec(text) ?? /\b([245]\d\d)[\s-]+[245]\.\d{1,3}\.\d{1,3}\b/u.exec(text);
  // Not part of a longer dotted number: '4.16.55.1' (Yahoo) and IP addresses are not status codes.
  const enhanced = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/u.exec(text);
  const reply: SmtpReply = { diagnostic: text };
  if (basic?.[1]) reply.status = Number(basic[1]);
  if (enhanced?.[1]) reply.enhanced = enhanced[1];
  return reply;
}
