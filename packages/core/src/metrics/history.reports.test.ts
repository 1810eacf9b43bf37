import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ReportResult, reportToCsv } from './history.reports';

const window = { from: 0, to: 86_400_000, previousFrom: -86_400_000, timeZone: 'UTC' } as const;
const empty = { figures: [], volume: [], problems: [] } as const;

describe('reportToCsv', () => {
  it('writes figures with the grouping as the key column, empty cells for figures without data', () => {
    const report: ReportResult = {
      ...window,
      ...empty,
      kind: 'figures',
      groupBy: 'queue',
      figures: [
        {
          key: '=HYPERLINK("x")',
          contacts: 3,
          outbound: 1,
          queued: 3,
          answered: 2,
          abandoned: 1,
          answerRate: 2 / 3,
          abandonmentRate: 1 / 3,
          asaSeconds: 12.5,
          serviceLevel: 1,
          handled: 2,
          ahtSeconds: 300,
          occupancy: 0.75,
          csatResponses: 0,
          csatAverage: null,
          fcrContacts: 2,
          fcr: 0.5,
        },
        {
          key: null,
          contacts: 0,
          outbound: 1,
          queued: 0,
          answered: 0,
          abandoned: 0,
          answerRate: null,
          abandonmentRate: null,
          asaSeconds: null,
          serviceLevel: null,
          handled: 1,
          ahtSeconds: 60,
          occupancy: null,
          csatResponses: 0,
          csatAverage: null,
          fcrContacts: 0,
          fcr: null,
        },
      ],
    };
    const lines = reportToCsv(report).split('\r\n');
    assert.equal(
      lines[0],
      'queue,contacts,outbound,queued,answered,abandoned,answerRate,abandonmentRate,asaSeconds,serviceLevel,handled,ahtSeconds,occupancy,csatResponses,csatAverage,fcrContacts,fcr',
    );
    // A formula in a key is neutralised; ratios keep six decimals.
    assert.equal(lines[1], `"'=HYPERLINK(""x"")",3,1,3,2,1,0.666667,0.333333,12.5,1,2,300,0.75,0,,2,0.5`);
    assert.equal(lines[2], ',0,1,0,0,0,,,,,1,60,,0,,0,');
    assert.equal(lines[3], '');
  });

  it('writes volume cells and recurring problems', () => {
    assert.equal(
      reportToCsv({
        ...window,
        ...empty,
        kind: 'volume',
        groupBy: 'total',
        volume: [{ weekday: 1, hour: 9, contacts: 4 }],
      }),
      'weekday,hour,contacts\r\n1,9,4\r\n',
    );
    assert.equal(
      reportToCsv({
        ...window,
        ...empty,
        kind: 'problems',
        groupBy: 'total',
        problems: [
          { dimension: 'topic', key: 'login', contacts: 6, previous: 4, change: 0.5 },
          { dimension: 'disposition', key: 'spam', contacts: 2, previous: 0, change: null },
        ],
      }),
      'dimension,key,contacts,previous,change\r\ntopic,login,6,4,0.5\r\ndisposition,spam,2,0,\r\n',
    );
  });
});
