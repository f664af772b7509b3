import { createSocket, type RemoteInfo, type Socket as Socket4 } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import * as packet from 'dns-packet';

/** One resource record of a fixture zone; `data` is in dns-packet's shape for the type. */
export type FixtureRecord =
  | { type: 'TXT'; data: string | string[] }
  | { type: 'MX'; data: { preference: number; exchange: string } }
  | { type: 'CNAME'; data: string }
  | { type: 'A'; data: string }
  | { type: 'AAAA'; data: string }
  | { type: 'SOA'; data: { mname: string; rname: string; serial?: number } };

/** Owner name → records. Names are lower-case and without the trailing dot. */
export type FixtureZone = Record<string, FixtureRecord[]>;

export interface TestDnsServer {
  port: number;
  /** Every question received, as `TYPE name`, so tests can see what the code under test asked. */
  queries: string[];
  /** The questions that came over TCP (after a truncated UDP answer). */
  tcpQueries: string[];
  close(): Promise<void>;
}

// Without EDNS a UDP answer is limited to 512 bytes (RFC 1035 §4.2.1); bigger ones are truncated so
// the client retries over TCP, which is how a 2048-bit DKIM key travels in the wild too.
const udpLimit = 512;

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on one ephemeral port) serving fixture
 * zones, so the doctor is tested through node:dns and c-ares rather than a mocked resolver function.
 */
export async function startDnsServer(zone: FixtureZone): Promise<TestDnsServer> {
  const queries: string[] = [];
  const tcpQueries: string[] = [];
  const names = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));

  const answer = (query: packet.Packet): packet.Packet => {
    const question = query.questions?.[0];
    const base = { id: query.id ?? 0, type: 'response' as const, questions: query.questions ?? [] };
    if (question === undefined) return { ...base, flags: 1 /* FORMERR */ };
    queries.push(`${question.type} ${question.name.toLowerCase()}`);
    const answers: packet.Answer[] = [];
    let name = question.name.toLowerCase();
    // Follow CNAMEs inside the fixture, as a recursive resolver would, so resolveTxt on an SES Easy
    // DKIM name returns the key at the CNAME target.
    for (let hops = 0; hops < 8; hops++) {
      const records = names.get(name) ?? [];
      const cname = records.find((r) => r.type === 'CNAME');
      if (cname && question.type !== 'CNAME') {
        answers.push({ type: 'CNAME', name, ttl: 60, data: cname.data as string });
        name = (cname.data as string).toLowerCase();
        continue;
      }
      for (const r of records.filter((r) => r.type === question.type))
        answers.push(toAnswer(name, r));
      break;
    }
    const exists = names.has(name) || [...names.keys()].some((n) => n.endsWith(`.${name}`));
    const rcode = answers.length === 0 && !exists ? 3 /* NXDOMAIN */ : 0;
    return {
      ...base,
      flags:
        packet.AUTHORITATIVE_ANSWER |
        packet.RECURSION_AVAILABLE |
        ((query.flags ?? 0) & packet.RECURSION_DESIRED) |
        rcode,
      answers,
    };
  };

  const respondUdp = (udp: Socket4, msg: Buffer, from: RemoteInfo) => {
    let reply: Buffer;
    try {
      const response = answer(packet.decode(msg));
      reply = packet.encode(response);
      if (reply.length > udpLimit) {
        reply = packet.encode({
          ...response,
          answers: [],
          flags: (response.flags ?? 0) | packet.TRUNCATED_RESPONSE,
        });
      }
    } catch {
      return;
    }
    udp.send(reply, from.port, from.address);
  };

  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const size = buffered.readUInt16BE(0);
        if (buffered.length < size + 2) break;
        const message = buffered.subarray(0, size + 2);
        buffered = buffered.subarray(size + 2);
        try {
          const query = packet.streamDecode(message);
          const q = query.questions?.[0];
          if (q) tcpQueries.push(`${q.type} ${q.name.toLowerCase()}`);
          socket.write(packet.streamEncode(answer(query)));
        } catch {
          socket.destroy();
        }
      }
    });
    socket.on('error', () => socket.destroy());
  };

  // The UDP port is chosen by the OS; TCP must then bind the same number, which can already be
  // taken, so try a few ports.
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket('udp4');
    udp.on('message', (msg: Buffer, from: RemoteInfo) => respondUdp(udp, msg, from));
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    const port = udp.address().port;
    const tcp: Server = createServer(onConnection);
    try {
      tcp.listen(port, '127.0.0.1');
      await once(tcp, 'listening');
    } catch (error) {
      udp.close();
      if (attempt >= 5) throw error;
      continue;
    }
    return {
      port,
      queries,
      tcpQueries,
      async close() {
        for (const s of sockets) s.destroy();
        await Promise.all([
          new Promise<void>((resolve) => tcp.close(() => resolve())),
          new Promise<void>((resolve) => udp.close(() => resolve())),
        ]);
      },
    };
  }
}
function toAnswer(name: string, r: FixtureRecord): packet.Answer {
  switch (r.type) {
    case 'TXT': {
      // A TXT record is a list of ≤255-byte strings; long values are split the way zone tools do.
      const parts = Array.isArray(r.data) ? r.data : (r.data.match(/.{1,255}/gsu) ?? ['']);
      return { type: 'TXT', name, ttl: 60, data: parts };
    }
    case 'SOA':
      return {
        type: 'SOA',
        name,
        ttl: 60,
        data: {
          mname: r.data.mname,
          rname: r.data.rname,
          serial: r.data.serial ?? 1,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 60,
        },
      };
    case 'MX':
      return { type: 'MX', name, ttl: 60, data: r.data };
    case 'CNAME':
    case 'A':
    case 'AAAA':
      return { type: r.type, name, ttl: 60, data: r.data };
  }
}
