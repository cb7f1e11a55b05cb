/** Compatibility cases: functions. */
import type { Section } from './table.js';

const P = (name: string) => `Pebble docs: ${name}`;
const K = (test: string) => `Kestra test: ${test}`;

export const FUNCTION_CASES: readonly Section[] = [
  {
    feature: 'Functions',
    about: "Pebble's `max`, `min`, `range` and Kestra's own functions.",
    cases: [
      ['{{ max(1, 5, 3) }}', '5', P('max')],
      ['{{ min(1, 5, 3) }}', '1', P('min')],
      ['{{ max(1, 5.5, 3) }}', '5.5', P('max')],
      ['{{ fromJson(\'{"a": [1, 2]}\').a | length }}', '2', K('FromJsonFunctionTest')],
      ['{{ json(\'{"a": 1}\').a }}', '1', K('JsonFunctionTest')],
      ['{{ uuid() | length }}', '36', 'Kestra docs: Expressions (uuid)'],
      ["{{ render('{{ user.name }}') }}", 'Ada', K('RenderFunctionTest')],
      ["{{ renderOnce('{{ num + 1 }}') }}", '6', K('RenderOncerFunctionTest')],
      [
        "{{ read('file.txt') }}",
        { error: 'read() is not available here' },
        'Kestra docs: Expressions (read)',
      ],
      [
        '{{ errorLogs() }}',
        { error: 'errorLogs() is only available while an execution runs' },
        'Kestra source: ErrorLogsFunction (in an execution it gives its ERROR log entries)',
        'In an execution Tern gives the newest 100 ERROR lines (at most 64 KB of messages, the newest line always), ' +
          'kept in memory beside the running execution so that a noisy one cannot grow without bound; Kestra reads ' +
          'them all from its log repository on each call. Every line stays in the execution log.',
      ],
      ['{{ nowhere() }}', { error: "unknown function 'nowhere'" }, P('Functions')],
      ["{{ secret('KEY') }}", { error: "secret 'KEY' is not available" }, 'Kestra docs: Secrets'],
    ],
  },
];
