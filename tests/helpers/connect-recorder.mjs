// Loaded with --import into a Modest process under test: records every outbound connection
// attempt and every DNS lookup, as JSON lines in $MODEST_CONNECT_LOG, before it happens. The
// offline test reads it together with the process's open sockets (/proc), which catch what this
// could miss, while this catches attempts too short-lived to be seen there.
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';

const file = process.env.MODEST_CONNECT_LOG;
if (file) {
  const record = (entry) => fs.appendFileSync(file, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const first = args[0];
    const opts = Array.isArray(first) ? first[0] : first;
    if (opts && typeof opts === 'object') record({ kind: 'connect', host: opts.host ?? null, port: opts.port ?? null, path: opts.path ?? null });
    else record({ kind: 'connect', port: first ?? null, host: typeof args[1] === 'string' ? args[1] : null });
    return connect.apply(this, args);
  };
  const lookup = dns.lookup;
  dns.lookup = function (hostname, ...rest) {
    record({ kind: 'lookup', host: hostname });
    return lookup.call(this, hostname, ...rest);
  };
}
