import { packageConfig } from '../../tsdown.config.base.ts';

const config = packageConfig({ index: 'src/index.ts', client: 'src/client.ts' });

// `@relaykit/mailgun/client` is mailgun.js's shape: in CommonJS `require()` returns the class
// itself (module.exports = Mailgun, as `require('mailgun.js')` does) and `Mailgun.default` is the
// class again, so the declared `export default` holds under every interop mode. attw reports that
// as "missing export equals"; the runtime answers both forms (test/clients/mailgun.test.ts).
export default {
  ...config,
  attw: {
    profile: 'node16' as const,
    level: 'error' as const,
    ignoreRules: ['missing-export-equals' as const],
  },
};
