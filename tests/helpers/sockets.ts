import fs from 'node:fs';

export interface SocketSeen {
  proto: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  local: string;
  remote: string;
  remoteIp: string;
  remotePort: number;
}

function hexToIp(hex: string, v6: boolean): string {
  if (!v6) {
    const n = Number.parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  }
  // /proc stores IPv6 as four little-endian 32-bit words.
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse());
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(`${bytes[i]}${bytes[i + 1]}`.replace(/^0+(?=.)/, ''));
  return groups.join(':').toLowerCase();
}

/**
 * The sockets process `pid` holds right now, with their remote ends: its fds that are sockets,
 * matched by inode against its network namespace's tables.
 */
export function socketsOf(pid: number): SocketSeen[] {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out: SocketSeen[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    let table: string;
    try {
      table = fs.readFileSync(`/proc/${pid}/net/${proto}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      const [rip, rport] = cols[2]!.split(':');
      const v6 = proto.endsWith('6');
      const remoteIp = hexToIp(rip!, v6);
      out.push({ proto, local: cols[1]!, remote: cols[2]!, remoteIp, remotePort: Number.parseInt(rport!, 16) });
    }
  }
  return out;
}

/** Loopback (127/8, ::1, v4-mapped loopback) or unconnected (a listening or unbound socket). */
export function isLocalOnly(s: SocketSeen): boolean {
  const ip = s.remoteIp;
  if (s.remotePort === 0) return true;
  return ip.startsWith('127.') || ip === '0:0:0:0:0:0:0:1' || /^0:0:0:0:0:ffff:7f/.test(ip) || /^0:0:0:0:0:ffff:7f00:/.test(ip);
}
