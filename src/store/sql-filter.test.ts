import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { describePrecondition } from './precondition-text.js';
import { prefixUpperBound } from './sql-filter.js';

describe('prefixUpperBound', () => {
  // Object ids are ASCII ([a-zA-Z0-9/_|\-=+]), so code-unit order is the databases' byte order.
  const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 6 });

  test('a string starts with the prefix exactly when it lies in [prefix, upper)', () => {
    fc.assert(
      fc.property(ascii, ascii, (prefix, s) => {
        fc.pre(prefix.length > 0);
        const upper = prefixUpperBound(prefix);
        const inRange = s >= prefix && (upper === undefined || s < upper);
        // Without an upper bound the range is only a superset; the query adds an exact check.
        if (upper === undefined) return !s.startsWith(prefix) || inRange;
        return inRange === s.startsWith(prefix);
      }),
      { numRuns: 2000 },
    );
  });

  test('increments the last incrementable character', () => {
    expect(prefixUpperBound('doc')).toBe('dod');
    expect(prefixUpperBound('a\x7f')).toBe('b');
    expect(prefixUpperBound('\x7f\x7f')).toBeUndefined();
  });
});

test('preconditions print as SpiceDB prints the Precondition message', () => {
  expect(
    describePrecondition({
      operation: 'must_not_match',
      filter: {
        resourceType: 'doc',
        resourceIdPrefix: 'x',
        relation: 'viewer',
        subject: { type: 'group', ids: ['eng'], relation: 'member' },
      },
    }),
  ).toBe(
    'operation:OPERATION_MUST_NOT_MATCH filter:{resource_type:"doc" optional_resource_id_prefix:"x" optional_relation:"viewer" optional_subject_filter:{subject_type:"group" optional_subject_id:"eng" optional_relation:{relation:"member"}}}',
  );
});
