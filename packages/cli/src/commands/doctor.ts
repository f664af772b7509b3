import { Resolver } from 'node:dns/promises';
import {
  checkDomain,
  exitCodeFor,
  formatReport,
  type CheckDomainOptions,
  type DomainReport,
  type ProviderInUse,
} from '@relaykit/doctor';
import { parseArgs } from 'node:util';
import { list, parsing } from './args.ts';
import type { Command } from './command.ts';
import { line, UsageError } from './io.ts';
import { parseProviders, type ProviderName } from './providers.ts';

const usage = `relaykit doctor <domain...> --provider <name[,name]> [options]

Checks that each sending domain is set up for the relays that send for it: SPF, DKIM, DMARC,
alignment, the return-path (MAIL FROM) records, MX, and the Gmail/Yahoo/Outlook bulk-sender rules.
Each problem comes with what was found and what to fix.

Options:
  --provider <names>    relays sending for the domains: ses, postmark, mailgun, resend (comma-separated)
  --region <region>     the relays' region (SES/Resend AWS region, e.g. eu-west-1; 'eu' for Mailgun EU);
                        provider:region sets one relay's (repeatable), e.g. --region ses:eu-west-1
  --selector <sel>      a DKIM selector (repeatable): with one provider it is that relay's (SES: the
                        three Easy DKIM tokens); with several, write provider:selector, or give a
                        selector of your own keys
  --mail-from <domain>  the custom return-path (MAIL FROM) domain, e.g. bounce.example.com
  --dns <server>        ask this DNS server (ip or ip:port) instead of the system's resolvers
  --dns-timeout <ms>    how long one DNS query may take before it is retried once (default 3000);
                        a check whose queries all time out is reported NOT CHECKED
  --json                print the reports as a JSON array (one report per domain)
  --no-color            no colours (also NO_COLOR=1; colours are on only when stdout is a terminal)

Each row is PASS, WARN (mail flows, some receivers may penalise it), FAIL, or NOT CHECKED (the
check could not run, e.g. DNS timed out or was unreachable; the row says why).

Exit codes:
  0   every check is met
  1   some check is not met (a failure or a warning)
  2   none is known to be unmet, but some could not be checked (offline, DNS timeout)
  64  usage mistake (a bad flag or domain)
`;

/** `--region eu-west-1` holds for every relay; `--region ses:eu-west-1` for one. */
function regions(values: string[], providers: ProviderName[]): Map<ProviderName, string> {
  const result = new Map<ProviderName, string>();
  for (const value of values.filter((v) => !v.includes(':')))
    for (const p of providers) result.set(p, value);
  for (const value of values.filter((v) => v.includes(':'))) {
    const [name, region] = value.split(':', 2) as [string, string];
    if (!providers.includes(name as ProviderName))
      throw new UsageError(
        `relaykit doctor: --region ${value} names '${name}', which is not in --provider`,
      );
    result.set(name as ProviderName, region);
  }
  return result;
}

function dkimSelectors(values: string[], providers: ProviderName[]) {
  const perProvider = new Map<ProviderName, string[]>();
  const own: string[] = [];
  for (const value of values) {
    const at = value.indexOf(':');
    const named = at === -1 ? undefined : value.slice(0, at);
    if (named !== undefined) {
      if (!providers.includes(named as ProviderName))
        throw new UsageError(
          `relaykit doctor: --selector ${value} names '${named}', which is not in --provider`,
        );
      perProvider.set(named as ProviderName, [
        ...(perProvider.get(named as ProviderName) ?? []),
        value.slice(at + 1),
      ]);
    } else if (providers.length === 1) {
      const only = providers[0] as ProviderName;
      perProvider.set(only, [...(perProvider.get(only) ?? []), value]);
    } else {
      own.push(value);
    }
  }
  return { perProvider, own };
}

export const doctor: Command = {
  name: 'doctor',
  summary: 'check SPF, DKIM, DMARC and alignment of sending domains',
  usage,
  async run(args, io) {
    const { values, positionals } = parsing('doctor', () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        strict: true,
        options: {
          provider: { type: 'string', multiple: true },
          region: { type: 'string', multiple: true },
          selector: { type: 'string', multiple: true },
          'mail-from': { type: 'string' },
          dns: { type: 'string' },
          'dns-timeout': { type: 'string' },
          json: { type: 'boolean' },
          'no-color': { type: 'boolean' },
        },
      }),
    );
    if (positionals.length === 0)
      throw new UsageError(
        'relaykit doctor: name at least one domain, e.g. relaykit doctor example.com --provider ses',
      );
    const providers = parseProviders('doctor', list(values.provider).join(','));
    const { perProvider, own } = dkimSelectors(list(values.selector), providers);
    const region = regions(list(values.region), providers);
    const inUse = providers.map((name): ProviderInUse => {
      const selectors = perProvider.get(name);
      const r = region.get(name);
      return {
        name,
        ...(r === undefined ? {} : { region: r }),
        ...(selectors ? { dkimSelectors: selectors } : {}),
      };
    });
    const rawTimeout = values['dns-timeout'];
    const timeout = rawTimeout === undefined ? 3000 : Number(rawTimeout);
    if (!Number.isInteger(timeout) || timeout < 1)
      throw new UsageError(
        `relaykit doctor: --dns-timeout must be a whole number of milliseconds, not '${rawTimeout ?? ''}'`,
      );
    let resolver: Resolver | undefined;
    if (values.dns !== undefined || rawTimeout !== undefined)
      resolver = new Resolver({ timeout, tries: 2 });
    if (resolver && values.dns !== undefined) {
      try {
        resolver.setServers([values.dns]);
      } catch {
        throw new UsageError(
          `relaykit doctor: --dns must be an IP address with an optional port (1.1.1.1, 127.0.0.1:5353), not '${values.dns}'`,
        );
      }
    }
    const options: CheckDomainOptions = {
      providers: inUse,
      ...(own.length > 0 ? { dkimSelectors: own } : {}),
      ...(values['mail-from'] === undefined ? {} : { mailFrom: values['mail-from'] }),
      ...(resolver ? { resolver } : {}),
      hints: 'cli',
    };
    const reports: DomainReport[] = [];
    for (const domain of positionals) {
      try {
        reports.push(await checkDomain(domain, options));
      } catch (error) {
        // The doctor throws TypeErrors with a [relaykit] [doctor] message for bad input.
        if (error instanceof TypeError && error.message.startsWith('[relaykit]'))
          throw new UsageError(error.message);
        throw error;
      }
    }
    if (values.json) {
      line(io.stdout, JSON.stringify(reports, null, 2));
    } else {
      const color = io.stdout.isTTY === true && !values['no-color'] && !io.env['NO_COLOR'];
      io.stdout.write(reports.map((r) => formatReport(r, { color })).join('\n'));
    }
    return exitCodeFor(reports);
  },
};
