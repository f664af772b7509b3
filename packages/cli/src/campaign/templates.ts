import type { SimTemplate } from '@relaykit/simulator';

/**
 * The templates the embedded simulator holds for `relaykit campaign run` without --provider, as
 * a provider account would hold its own (Postmark templates, SES templates, Mailgun and Resend
 * templates). Placeholders are `{{column}}`: a recipient's CSV columns fill them.
 */
export const simulatorTemplates: Readonly<Record<string, SimTemplate>> = {
  welcome: {
    subject: 'Welcome, {{name}}',
    html: '<p>Hi {{name}},</p><p>Welcome aboard. Your account is ready.</p>',
    text: 'Hi {{name}},\n\nWelcome aboard. Your account is ready.',
  },
  newsletter: {
    subject: 'What is new this month',
    html: '<p>Hi {{name}},</p><p>Here is what is new this month.</p>',
    text: 'Hi {{name}},\n\nHere is what is new this month.',
  },
  'password-reset': {
    subject: 'Reset your password',
    html: '<p>Hi {{name}},</p><p>Use this link to reset your password: {{url}}</p>',
    text: 'Hi {{name}},\n\nUse this link to reset your password: {{url}}',
  },
};
