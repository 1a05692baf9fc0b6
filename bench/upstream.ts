// The benchmark's "Mistral": a canned chat-completions server on loopback, in its own process.
// Two behaviours, switched by the runner between cases (POST /__mode {"mode":"burst"|"first-token","delayMs":n}):
//   burst        the whole answer in one write, at once (the best case for every path);
//   first-token  headers and the first content token at once, the rest `delayMs` later, as a real model does:
//                a proxy that holds the first token until more arrives shows it in time to first content.
// Prints its port on the first stdout line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const MODEL = 'mistral-large-latest';
const usage = { prompt_tokens: 15000, completion_tokens: 12, total_tokens: 15012 };
const completion = JSON.stringify({
  id: 'bench', object: 'chat.completion', created: 0, model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'The command printed CCPROXY_MARKER_42.', tool_calls: null }, finish_reason: 'stop' }],
  usage,
});
const pieces = ['The', ' command', ' printed', ' CCPROXY_', 'MARKER_42.'];
const chunk = (delta: object, last: boolean) =>
  `data: ${JSON.stringify({ id: 'bench', object: 'chat.completion.chunk', created: 0, model: MODEL, choices: [{ index: 0, delta, finish_reason: last ? 'stop' : null }], ...(last ? { usage } : {}) })}\n\n`;
const firstEvent = chunk({ role: 'assistant', content: pieces[0] }, false);
const restEvents = pieces.slice(1).map((c, i) => chunk({ content: c }, i === pieces.length - 2)).join('') + 'data: [DONE]\n\n';
const models = JSON.stringify({
  object: 'list',
  data: [{
    id: MODEL, object: 'model', created: 1_775_000_000, owned_by: 'mistralai', name: MODEL, description: '', max_context_length: 131072,
    aliases: [], deprecation: null, deprecation_replacement_model: null, default_model_temperature: 0.7, type: 'base',
    capabilities: { completion_chat: true, function_calling: true, reasoning: false, completion_fim: false, fine_tuning: false, vision: true, ocr: false, classification: false, moderation: false, audio: false, audio_transcription: false, audio_transcription_realtime: false, audio_speech: false, unified_resources: false },
  }],
});

let mode: 'burst' | 'first-token' = 'burst';
let delayMs = 5;

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    if (req.url === '/__mode') {
      const m = JSON.parse(body.toString()) as { mode: typeof mode; delayMs?: number };
      mode = m.mode;
      delayMs = m.delayMs ?? delayMs;
      res.end('{}');
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(models);
      return;
    }
    const stream = body.includes('"stream":true');
    res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
    if (mode === 'burst') {
      res.end(stream ? firstEvent + restEvents : completion);
      return;
    }
    const text = stream ? firstEvent + restEvents : completion;
    const cut = stream ? firstEvent.length : 40;
    res.write(text.slice(0, cut));
    setTimeout(() => res.end(text.slice(cut)), delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));
