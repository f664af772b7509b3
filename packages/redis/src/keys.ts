/** Every key relaykit writes, under one prefix (default `relaykit:`). */
export function keysFor(prefix: string) {
  return {
    prefix,
    suppressionGlobal: `${prefix}sup:g`,
    suppressionScope: (stream: string | undefined) =>
      stream === undefined ? `${prefix}sup:g` : `${prefix}sup:s:${stream}`,
    suppressionIndex: `${prefix}sup:idx`,
    suppressionExpiry: `${prefix}sup:exp`,
    suppressionDomains: `${prefix}sup:domains`,
    suppressionRemovals: `${prefix}sup:removals`,
    strikes: (address: string) => `${prefix}strike:${address}`,
    ledgerByMessage: (messageId: string) => `${prefix}ledger:m:${messageId}`,
    ledgerByProvider: (provider: string, providerMessageId: string) =>
      `${prefix}ledger:p:${provider}:${providerMessageId}`,
    dedupe: (key: string) => `${prefix}dedupe:${key}`,
    replay: (key: string) => `${prefix}replay:${key}`,
    state: (messageId: string) => `${prefix}state:${messageId}`,
    rate: (key: string) => `${prefix}rate:${key}`,
    campaign: (id: string) => `${prefix}campaign:${id}`,
  };
}

export type Keys = ReturnType<typeof keysFor>;
