// The floor for any proxy in Node: a bare http server that parses and re-serializes the JSON and forwards it with
// http.request, with no translation. The benchmark reports it so the proxy's own cost can be told apart from the
// price of an extra loopback hop. Prints its port on the first stdout line.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstreamPort = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = JSON.stringify(JSON.parse(Buffer.concat(parts).toString('utf8')));
    const up = request({ host: '127.0.0.1', port: upstreamPort, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, { 'content-type': upRes.headers['content-type'] ?? 'application/json' });
      upRes.pipe(res);
    });
    up.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));

// The benchmark asks for CPU time over IPC, to report cost per request independent of scheduling noise.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.(process.cpuUsage());
});
