import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { selfSignedCertificate } from './crypto/certificate.ts';

/**
 * Endpoints that fail below HTTP, for testing how a client classifies transport failures. Each URL
 * is an origin: point an SDK's base URL at it and any request fails the same way.
 */
export interface TransportFaults {
  /** An http:// origin on 127.0.0.1 whose port refuses the connection (ECONNREFUSED). */
  readonly refusedUrl: string;
  /** Accepts the connection, reads the request, then resets it (TCP RST: ECONNRESET). */
  readonly resetUrl: string;
  /** An https:// origin whose certificate is self-signed, so no client trusts it. */
  readonly badTlsUrl: string;
  /** An origin whose host cannot resolve: `.invalid` never resolves (RFC 2606 §2). */
  readonly unresolvableUrl: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function close(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function tracked(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  return sockets;
}

/** A port that was free a moment ago and is closed now: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function keyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => {
      if (error) reject(error);
      else resolve({ privateKey, publicKey });
    });
  });
}

/** Starts the endpoints; `close()` stops them. */
export async function startTransportFaults(): Promise<TransportFaults> {
  const reset = createNetServer((socket) => {
    // Wait for the request so the client is mid-exchange, then send RST instead of FIN.
    socket.once('data', () => socket.resetAndDestroy());
  });
  const resetSockets = tracked(reset);
  const resetPort = await listen(reset);

  const { privateKey, publicKey } = await keyPair();
  const cert = selfSignedCertificate(privateKey, publicKey, 'localhost', randomBytes(8));
  const tls = createTlsServer({
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    cert,
  });
  tls.on('tlsClientError', () => undefined);
  const tlsSockets = tracked(tls);
  const tlsPort = await listen(tls);

  const refused = await closedPort();
  return {
    refusedUrl: `http://127.0.0.1:${refused}`,
    resetUrl: `http://127.0.0.1:${resetPort}`,
    badTlsUrl: `https://127.0.0.1:${tlsPort}`,
    unresolvableUrl: 'http://relaykit-simulator.nonexistent.invalid',
    async close() {
      await Promise.all([close(reset, resetSockets), close(tls, tlsSockets)]);
    },
  };
}
