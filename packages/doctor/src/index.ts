export { checkDomain } from './check-domain.ts';
export type {
  CheckDomainOptions,
  ProviderInUse,
  StreamSpec,
  DkimSelectorInput,
} from './options.ts';
export type { DnsResolver } from './dns.ts';
export type { RelayName } from './relays.ts';
export { exitCodeFor } from './report.ts';
export type { Check, CheckArea, DomainReport, Status } from './report.ts';
export { formatReport } from './format.ts';
export type { FormatOptions } from './format.ts';
export { parseAuthenticationResults } from './authentication-results.ts';
export type {
  AuthenticationResults,
  AuthResult,
  DkimAuthResult,
  DmarcAuthResult,
  SpfAuthResult,
} from './authentication-results.ts';
