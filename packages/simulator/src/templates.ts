/** A template as the simulator stores it: the parts each provider's own template holds. */
export interface SimTemplate {
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
}

/** What a stored template rendered with merge data gives. */
export interface Rendered {
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  /** Placeholders the data had no value for (rendered empty, as Handlebars and Mustachio do). */
  readonly missing: readonly string[];
}

/**
 * The templates of the simulated accounts, one store for every provider (a test names the same
 * template on each, as a failover setup would). Each provider's own create-template call writes
 * here too. `reset()` keeps them: they are account configuration, like the SES account state.
 */
export interface TemplateStore {
  set(id: string, template: SimTemplate): void;
  get(id: string): SimTemplate | undefined;
  delete(id: string): boolean;
  clear(): void;
  readonly size: number;
}

export function createTemplateStore(): TemplateStore {
  const byId = new Map<string, SimTemplate>();
  return {
    set(id, template) {
      byId.set(id, { ...template });
    },
    get: (id) => byId.get(id),
    delete: (id) => byId.delete(id),
    clear: () => byId.clear(),
    get size() {
      return byId.size;
    },
  };
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
};

/** HTML-escapes a value as Handlebars' `{{x}}` does (https://handlebarsjs.com/guide/#html-escaping). */
export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/gu, (c) => escapes[c] ?? c);

/** `a.b.c` looked up in the data; undefined when any step is missing. */
function lookup(data: unknown, path: string): unknown {
  let at: unknown = data;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

const placeholder = /\{\{\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}/gu;

/** Replaces `{{name}}` and `{{a.b}}` with the data's values, escaping them when `html` is set. */
export function renderText(
  source: string,
  data: unknown,
  html: boolean,
  missing: Set<string>,
): string {
  return source.replace(placeholder, (_, path: string) => {
    const value = lookup(data, path);
    if (value === undefined || value === null) {
      missing.add(path);
      return '';
    }
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return html ? escapeHtml(text) : text;
  });
}

/** Renders a stored template's subject, html and text with the merge data. */
export function renderTemplate(template: SimTemplate, data: unknown): Rendered {
  const missing = new Set<string>();
  const subject = renderText(template.subject, data, false, missing);
  const html =
    template.html === undefined ? undefined : renderText(template.html, data, true, missing);
  const text =
    template.text === undefined ? undefined : renderText(template.text, data, false, missing);
  return {
    subject,
    ...(html === undefined ? {} : { html }),
    ...(text === undefined ? {} : { text }),
    missing: [...missing],
  };
}
