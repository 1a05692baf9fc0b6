import { describe, expect, it } from 'vitest';
import { MistralClient, readText } from '../../app/mistral/client.js';
import { startMockMistral } from '../mock-mistral/index.js';

describe('MistralClient', () => {
  it('survives an abort signal that fires after the response was read', async () => {
    const mock = await startMockMistral();
    const client = new MistralClient(() => ({ baseUrl: mock.url, apiKey: mock.apiKey }));
    const controller = new AbortController();
    const res = await client.open('GET', '/models', undefined, controller.signal);
    expect(res.status).toBe(200);
    expect(JSON.parse(await readText(res.body)).data.length).toBeGreaterThan(0);
    // A late abort used to surface as an unhandled 'error' event on the finished got stream: a process crash.
    controller.abort();
    await new Promise((r) => setTimeout(r, 50));
    const again = await client.open('GET', '/models', undefined, new AbortController().signal);
    expect(again.status).toBe(200);
    await readText(again.body);
    await mock.close();
  });
});
