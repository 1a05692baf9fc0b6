// The floor: the least any Node proxy that translates has to do, with OUR translator, in a bare node:http server.
//   parse → translate (anthropicToMistral) → stringify → forward (keep-alive http.Agent) → translate back
//   (mistralToAnthropic, or StreamTranslator per SSE event with one joined write per upstream read).
// No framework, no validation beyond the translator's, no ledger, no log. The benchmark reports the product's
// cost as the difference to this. Bundled by the runner (no transpiler at run time). Prints its port.
// It runs with JSON.stringify's fast path on, as the product does (and as Electron 45's V8 has by default): the floor
// is what any translating proxy pays on the product's runtime.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import type { AnthropicRequest } from '../app/translate/anthropic-types.js';
import type { MistralChunk, MistralResponse } from '../app/translate/mistral-types.js';
import { enableJsonStringifyFastPath } from '../app/core/heap-flags.js';
import { ModelCatalog, resolveModel } from '../app/translate/models.js';
import { anthropicToMistral } from '../app/translate/request.js';
import { mistralToAnthropic } from '../app/translate/response.js';
import { StreamTranslator } from '../app/translate/stream.js';

enableJsonStringifyFastPath();
const upstreamPort = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const catalog = new ModelCatalog();
const tiers = { haiku: 'mistral-small-latest', sonnet: 'mistral-large-latest', opus: 'mistral-large-latest' };

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(parts);
    const anthropic = JSON.parse(raw.toString('utf8')) as AnthropicRequest;
    const model = resolveModel(anthropic.model, tiers, 'mistral-large-latest');
    const t = anthropicToMistral(anthropic, { model, caps: catalog.capsOf(model), maxTokensCap: 16384 });
    const body = Buffer.from(JSON.stringify(t.body));
    const up = request({
      host: '127.0.0.1', port: upstreamPort, path: '/v1/chat/completions', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: 'Bearer bench' },
    }, (upRes) => {
      if (anthropic.stream !== true) {
        const got: Buffer[] = [];
        upRes.on('data', (c: Buffer) => got.push(c));
        upRes.on('end', () => {
          const out = JSON.stringify(mistralToAnthropic(JSON.parse(Buffer.concat(got).toString('utf8')) as MistralResponse, t.context));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        });
        return;
      }
      const tr = new StreamTranslator(t.context, Math.ceil(raw.length / 4));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(tr.start());
      let out = '';
      const parser = createParser({
        onEvent: (e) => {
          if (e.data === '[DONE]') return;
          out += tr.push(JSON.parse(e.data) as MistralChunk);
        },
      });
      const decoder = new TextDecoder();
      upRes.on('data', (c: Buffer) => {
        parser.feed(decoder.decode(c, { stream: true }));
        if (out) res.write(out);
        out = '';
      });
      upRes.on('end', () => res.end(tr.end()));
    });
    up.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));
