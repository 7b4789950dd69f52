import { expect } from 'chai';
import { canonicalQuantity } from '../../src/resources/quantity.js';

describe('canonical quantities (as the API server stores them)', () => {
  const cases: [string | number, string][] = [
    ['2', '2'],
    [4, '4'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['2000m', '2'],
    ['100m', '100m'],
    ['1000', '1k'],
    [1500, '1500'],
    ['0.0005', '500u'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['4Gi', '4Gi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['1Ki', '1Ki'],
    ['0.5Ki', '512'],
    ['1G', '1G'],
    ['1000M', '1G'],
    ['1e3', '1e3'],
    ['0', '0'],
    ['+3', '3'],
    ['not-a-quantity', 'not-a-quantity'],
  ];
  for (const [input, want] of cases) {
    it(`writes ${JSON.stringify(input)} as ${want}`, () => expect(canonicalQuantity(input)).to.equal(want));
  }
});
