import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../app/translate/errors.js';
import { ModelCatalog, resolveModel } from '../../app/translate/models.js';
import { anthropicToMistral } from '../../app/translate/request.js';
import { validateMessagesRequest } from '../../app/translate/validate.js';
import { defaultModels, indexModels } from '../mock-mistral/models.js';
import { validateChatBody } from '../mock-mistral/validate.js';
import { anthropicRequest } from './anthropic-arbitraries.js';

// Property: any request the Anthropic SDK's types allow yields either a Mistral body the strict mock's validator
// accepts, or a clear 400 invalid_request_error. Never a body Mistral would reject, never another exception.
// Seeded and bounded so it is reproducible and fast; on failure fast-check prints the shrunk counterexample.

const cards = defaultModels();
const catalog = new ModelCatalog();
catalog.update(cards);
const mockModels = indexModels(cards);
const tiers = { haiku: 'mistral-small-latest', sonnet: 'mistral-large-latest', opus: 'mistral-large-latest' };

/** What the proxy does with a request before anything goes upstream. */
function translate(params: unknown) {
  const req = validateMessagesRequest(JSON.parse(JSON.stringify(params)));
  const model = resolveModel(req.model, tiers, 'mistral-large-latest');
  return anthropicToMistral(req, { model, caps: catalog.capsOf(model), maxTokensCap: 16384, sessionId: 'sess' });
}

describe('translator property (seeded fuzz)', () => {
  it('a request valid under the SDK types gives a body the strict validator accepts, or a 400 invalid_request_error', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(anthropicRequest, (params) => {
        let body: unknown;
        try {
          body = translate(params).body;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          expect({ status: err.status, type: err.type }).toEqual({ status: 400, type: 'invalid_request_error' });
          expect(err.message.length).toBeGreaterThan(10);
          refused++;
          return;
        }
        const v = validateChatBody(JSON.parse(JSON.stringify(body)), { models: mockModels });
        expect([...v.schema.map((d) => `${d.loc.join('.')}: ${d.msg}`), ...v.rules.map((r) => r.message)]).toEqual([]);
        accepted++;
      }),
      { seed: 20261129, numRuns: 1500 },
    );
    // The generator must exercise both outcomes, or the property says little.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(20);
  });
});
