/** Compatibility cases: functions. */
import type { Section } from './table.js';

const P = (name: string) => `Pebble docs: ${name}`;
const K = (test: string) => `Kestra test: ${test}`;
const S = (source: string) => `Kestra source: ${source}`;
const CALENDAR_DOCS = 'Kestra docs: Date and Calendar Functions';

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
      ["{{ tasksWithState(state='SUCCESS') is empty }}", 'false', K('TasksWithStateFunctionTest')],
      ["{{ tasksWithState(state='SUCCESS') is not empty }}", 'true', K('TasksWithStateFunctionTest')],
      ["{{ tasksWithState(state='FAILED') is empty }}", 'true', K('TasksWithStateFunctionTest')],
      ["{{ (tasksWithState('success') | first).taskId }}", 'hello', S('TasksWithStateFunction')],
      ['{{ tasksWithState() | length }}', '0', S("TasksWithStateFunction (state defaults to 'FAILED')")],
      [
        "{{ loopOutputs([{'outputs': {'uri': 's3://bucket/a'}}, {'outputs': {'uri': 's3://bucket/b'}}], 'uri') }}",
        '["s3://bucket/a","s3://bucket/b"]',
        K('LoopOutputsFunctionTest'),
      ],
      [
        "{{ loopOutputs([{'outputs': {'uri': 'a'}}], 'nonExistentKey') }}",
        '[null]',
        K('LoopOutputsFunctionTest'),
      ],
      [
        "{{ loopOutputs([{'outputs': {'uri': 'a'}}, {'item': 2}, 'not-a-map'], 'uri') }}",
        '["a",null,null]',
        K('LoopOutputsFunctionTest'),
      ],
      ["{{ loopOutputs([], 'uri') }}", '[]', K('LoopOutputsFunctionTest')],
      [
        '{{ loopOutputs() }}',
        { error: "The 'loopOutputs' function expects a non-null argument 'outputs'." },
        K('LoopOutputsFunctionTest'),
      ],
      [
        '{{ loopOutputs([], null) }}',
        { error: "The 'loopOutputs' function expects a non-null argument 'name'." },
        K('LoopOutputsFunctionTest'),
      ],
      [
        "{{ loopOutputs('not-a-list', 'uri') }}",
        { error: "The 'loopOutputs' function expects 'outputs' to be a list." },
        K('LoopOutputsFunctionTest'),
      ],
      [
        "{{ subflow(namespace='company.team', id='child').outputs.x }}",
        { error: 'subflow() is not available in Tern' },
        'Kestra source: SubflowFunction',
        "Kestra's `subflow()` runs a flow while the expression renders, blocking until it ends; Kestra allows it only in execute forms on its web server (to fill a SELECT input's values). Tern renders synchronously under a budget of 500 ms, with no place to wait for another execution. The function exists with Kestra's arguments and says to use an `io.kestra.plugin.core.flow.Subflow` task, whose outputs later expressions read.",
      ],
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
  {
    feature: 'Calendar functions',
    about:
      "Kestra's date tests and parts: the date is an ISO date or zoned date-time, read as written (no move to UTC).",
    cases: [
      ["{{ isWeekend('2025-01-04') }}", 'true', S('IsWeekendFunction')],
      ["{{ isWeekend('2025-01-06T00:30:00+02:00') }}", 'false', S('IsWeekendFunction')],
      [
        '{{ isWeekend() }}',
        { error: "The 'isWeekend()' function expects a 'date' argument." },
        S('IsWeekendFunction'),
      ],
      [
        "{{ isWeekend('2025-01-06T10:00:00') }}",
        { error: "The 'isWeekend()' function could not parse 'date'" },
        S('DateUtils.parseLocalDate (a date-time needs an offset)'),
      ],
      ["{{ dayOfWeek('2025-01-06T00:30:00+02:00') }}", 'MONDAY', S('DayOfWeekFunction')],
      ["{{ dayOfMonth('2025-01-31') }}", '31', CALENDAR_DOCS],
      ["{{ monthOfYear('2025-12-01') }}", '12', CALENDAR_DOCS],
      ["{{ hourOfDay('2025-01-06T14:30:00+02:00') }}", '14', S('HourOfDayFunction')],
      ["{{ hourOfDay('2025-01-06T14:30:00') }}", '14', S('HourOfDayFunction')],
      [
        "{{ hourOfDay('2025-01-06') }}",
        { error: "The 'hourOfDay()' function could not parse 'date'" },
        S('HourOfDayFunction (a date alone has no hour)'),
      ],
      ["{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIRST') }}", 'true', S('IsDayWeekInMonthFunction')],
      ["{{ isDayWeekInMonth('2025-01-13', 'MONDAY', 'SECOND') }}", 'true', S('IsDayWeekInMonthFunction')],
      ["{{ isDayWeekInMonth('2025-01-27', 'monday', 'LAST') }}", 'true', S('IsDayWeekInMonthFunction')],
      ["{{ isDayWeekInMonth('2025-01-20', 'MONDAY', 'LAST') }}", 'false', S('IsDayWeekInMonthFunction')],
      [
        "{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIFTH') }}",
        { error: "invalid 'position' value: 'FIFTH'. Expected one of: FIRST, SECOND, THIRD, FOURTH, LAST." },
        S('IsDayWeekInMonthFunction'),
      ],
      [
        "{{ isDayWeekInMonth('2025-01-06', 'MONDAYS', 'FIRST') }}",
        { error: "invalid 'dayOfWeek' value: 'MONDAYS'" },
        S('IsDayWeekInMonthFunction'),
      ],
      ["{{ isLastWorkingDay('2025-05-30') }}", 'true', S('IsLastWorkingDayFunction')],
      ["{{ isLastWorkingDay('2025-05-31') }}", 'false', S('IsLastWorkingDayFunction')],
      ["{{ isLastWorkingDay('2025-05-31', 'SATURDAY SUNDAY') }}", 'true', S('IsLastWorkingDayFunction')],
      [
        "{{ isLastWorkingDay('2025-05-31', 'FUNDAY') }}",
        { error: "invalid 'workingDays' value: 'FUNDAY'" },
        S('IsLastWorkingDayFunction'),
      ],
      ["{{ isPublicHoliday('2024-12-25', 'FR') }}", 'true', K('IsPublicHolidayFunctionTest')],
      ["{{ isPublicHoliday('2024-03-12', 'FR') }}", 'false', K('IsPublicHolidayFunctionTest')],
      [
        "{{ isPublicHoliday('2024-11-11', 'FR', 'IDF') }}",
        'true',
        K('IsPublicHolidayFunctionTest'),
        "Kestra's calendars are Jollyday's; Tern's are those of the date-holidays package (its public holidays only, loaded at the first call), with ISO 3166-2 sub-division codes (`BY` for Bavaria). A sub-division the calendars do not know (`IDF` here) leaves the country's holidays, as in Jollyday. Both follow the law of each country; a regional or rare holiday can still be missing from one of them.",
      ],
      ["{{ isPublicHoliday('2024-12-25T10:00:00Z', 'FR') }}", 'true', K('IsPublicHolidayFunctionTest')],
      ["{{ isPublicHoliday('2024-11-11', 'FR', '') }}", 'true', K('IsPublicHolidayFunctionTest')],
      [
        "{{ isPublicHoliday(date='2024-01-06', countryCode='DE', subDivision='BY') }}",
        'true',
        S('IsPublicHolidayFunction (Epiphany is a holiday in Bavaria only)'),
      ],
      ["{{ isPublicHoliday('2024-01-06', 'DE') }}", 'false', S('IsPublicHolidayFunction')],
      ["{{ isPublicHoliday('2024-07-04', 'us') }}", 'true', S('IsPublicHolidayFunction')],
      [
        '{{ isPublicHoliday() }}',
        { error: "The 'isPublicHoliday()' function expects a 'date' argument." },
        K('IsPublicHolidayFunctionTest'),
      ],
      [
        "{{ isPublicHoliday('2024-12-25') }}",
        { error: "The 'isPublicHoliday()' function expects a 'countryCode' argument." },
        K('IsPublicHolidayFunctionTest'),
      ],
      [
        "{{ isPublicHoliday('not-a-date', 'FR') }}",
        { error: "The 'isPublicHoliday()' function could not parse 'date'" },
        K('IsPublicHolidayFunctionTest'),
      ],
      [
        "{{ isPublicHoliday('2024-12-25', 'XX') }}",
        { error: "unknown country code 'XX'" },
        K('IsPublicHolidayFunctionTest'),
      ],
      [
        "{{ http(uri='https://example.com', method='GET') }}",
        { error: 'http() is not available in Tern' },
        'Kestra source: HttpFunction',
        "Kestra's `http()` sends the request while the expression renders and gives the response body. Tern renders synchronously, on the thread that also runs every other execution of the process, under a budget of 500 ms: a network call there would stall them all. The function exists with Kestra's arguments and says to use an `io.kestra.plugin.core.http.Request` task, whose outputs (`code`, `headers`, `body`) later expressions read.",
      ],
      [
        "{{ isDateAfter('2025-01-06T10:00:00+02:00', '2025-01-06T07:59:59Z') }}",
        'true',
        S('IsDateAfterFunction'),
      ],
      [
        "{{ isDateAfter('2025-01-06T10:00:00+02:00', '2025-01-06T08:00:00Z') }}",
        'false',
        S('IsDateAfterFunction'),
      ],
      [
        "{{ isDateAfter('2025-01-06T00:00:01', '2025-01-06') }}",
        'true',
        S('IsDateAfterFunction (without an offset, UTC; a date alone, its start)'),
      ],
      ["{{ isDateBefore('2025-01-05', '2025-01-06T00:00:00Z') }}", 'true', S('IsDateBeforeFunction')],
      ["{{ isDateBefore(date='2025-01-06', reference='2025-01-06') }}", 'false', S('IsDateBeforeFunction')],
      [
        "{{ isDateBefore('2025-01-06') }}",
        { error: "The 'isDateBefore()' function expects a 'reference' argument." },
        S('IsDateBeforeFunction'),
      ],
      [
        "{{ isDateAfter('soon', '2025-01-06') }}",
        { error: "The 'isDateAfter()' function could not parse a date argument" },
        S('IsDateAfterFunction'),
      ],
      [
        "{{ isDateBetween('2026-03-01T00:00:00-03:00', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
        'true',
        S('IsDateBetweenFunction'),
      ],
      [
        "{{ isDateBetween('2025-12-31T23:59:59Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
        'false',
        S('IsDateBetweenFunction (both bounds exclusive)'),
      ],
      [
        "{{ isDateBetween('2026-03-01', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
        { error: "The 'isDateBetween()' function could not parse 'date'" },
        S('IsDateBetweenFunction (each value has an offset)'),
      ],
    ],
  },
  {
    feature: 'Identifier and environment functions',
    about: "Kestra's generated identifiers and `randomPort()` (each call gives a new value), and `env()`.",
    cases: [
      ['{{ uuid() | slice(14, 15) }}', '7', S('UUIDFunction (a time-based epoch UUID, version 7)')],
      ['{{ ksuid() | length }}', '27', S('KSUIDFunction')],
      ['{{ nanoId() | length }}', '21', S('NanoIDFunction')],
      ["{{ nanoId(length=10, alphabet='a') }}", 'aaaaaaaaaa', S('NanoIDFunction')],
      [
        "{{ nanoId(length=200, alphabet='0123456789') | replace({'0': '', '1': '', '8': '', '9': ''}) | length > 0 }}",
        'true',
        S('NanoIDFunction'),
        'Kestra picks a character as `random byte & (alphabet length - 1)`, which for an alphabet whose length is ' +
          'not a power of two reaches only some of its characters (0, 1, 8 and 9 of ten digits: Kestra prints false). ' +
          'Tern draws uniformly from the whole alphabet, as an identifier should.',
      ],
      [
        '{{ nanoId(length=1001) }}',
        { error: "The 'nanoId()' function field 'length' must be lower than: 1000" },
        S('NanoIDFunction'),
      ],
      [
        "{{ nanoId(length='x') | length }}",
        '21',
        S('NanoIDFunction (a length that is not a Long is ignored)'),
      ],
      ['{{ randomPort() > 0 }}', 'true', S('RandomPortFunction')],
      ["{% set envs = {'region': 'eu'} %}{{ env('region') }}", 'eu', S('EnvFunction (reads envs)')],
      ["{{ env('NOPE', 'fallback') }}", 'fallback', S('EnvFunction (default when missing or empty)')],
      ["{{ env('NOPE') is null }}", 'true', S('EnvFunction')],
      ['{{ env() }}', { error: "The 'env' function expects an argument 'name'." }, S('EnvFunction')],
    ],
  },
];
