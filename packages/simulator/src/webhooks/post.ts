import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

/**
 * POST a webhook body. Resolves with the status, or undefined on a network error or timeout (the
 * case every provider retries). Userinfo in the URL becomes Basic auth, as Postmark does it.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(undefined);
      return;
    }
    const secure = target.protocol === 'https:';
    const all: Record<string, string | number> = {
      ...headers,
      'content-length': Buffer.byteLength(body),
    };
    if (target.username || target.password) {
      const user = decodeURIComponent(target.username);
      const pass = decodeURIComponent(target.password);
      all['authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    const req = (secure ? httpsRequest : httpRequest)(
      {
        method: 'POST',
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: all,
        agent: secure ? httpsAgent : httpAgent,
        timeout: timeoutMs,
      },
      (res) => {
        // Drain so the keep-alive socket goes back to the pool.
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}
