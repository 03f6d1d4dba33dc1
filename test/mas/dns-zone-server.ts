// A tiny authoritative DNS server on loopback UDP, so the CNAME check runs through the real
// node:dns Resolver (c-ares) without the internet. Answers A, AAAA and CNAME from a fixed zone.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export interface ZoneEntry {
  cname?: string;
  a?: string[];
  aaaa?: string[];
}
export type Zone = Record<string, ZoneEntry>;

const TYPE = { A: 1, CNAME: 5, AAAA: 28 } as const;

function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (buf[i] !== 0) {
    labels.push(buf.subarray(i + 1, i + 1 + buf[i]).toString());
    i += buf[i] + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(
    groups.flatMap((g) => {
      const n = parseInt(g, 16);
      return [n >> 8, n & 255];
    }),
  );
}

function record(name: string, type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(1, 2);
  head.writeUInt32BE(60, 4);
  head.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), head, rdata]);
}

function answer(zone: Zone, qname: string, qtype: number): Buffer[] | null {
  const entry = zone[qname];
  if (!entry) return null;
  if (entry.cname) {
    const out = [record(qname, TYPE.CNAME, encodeName(entry.cname))];
    if (qtype !== TYPE.CNAME) out.push(...(answer(zone, entry.cname, qtype) ?? []));
    return out;
  }
  if (qtype === TYPE.A) return (entry.a ?? []).map((ip) => record(qname, TYPE.A, Buffer.from(ip.split('.').map(Number))));
  if (qtype === TYPE.AAAA) return (entry.aaaa ?? []).filter(isIPv6).map((ip) => record(qname, TYPE.AAAA, ipv6Bytes(ip)));
  return [];
}

export async function startZoneServer(zone: Zone): Promise<{ address: string; close: () => Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const answers = answer(zone, name, qtype);
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(answers === null ? 0x8583 : 0x8580, 2); // authoritative; rcode 3 = NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers?.length ?? 0, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, end + 4), ...(answers ?? [])]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
