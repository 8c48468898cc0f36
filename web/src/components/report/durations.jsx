// Figures of the duration reports: turn time, on-time completion and days vacant, each
// overall and by month.
import {
  ReportFigure,
  formatMonth,
  formatNumber,
  formatRate,
  monthColumn,
  monthKey,
  monthRows,
  spreadChart,
  spreadColumns,
} from './figure.jsx'

/** Days from move-out to completion: median and 90th percentile by month of completion. */
export function TurnTimeFigures({ data }) {
  const { overall, by_month: months } = data
  return (
    <ReportFigure
      chart={
        months.length > 0 &&
        spreadChart({ type: 'line', title: 'Turn time by month of completion, in days', rows: months })
      }
      summary={
        overall.count
          ? `${overall.count} completed turns took a median of ${formatNumber(overall.median)} days from move-out ` +
            `to completion (90th percentile ${formatNumber(overall.p90)} days).`
          : 'No turn with a move-out date was completed in this period.'
      }
      table={{
        caption: 'Turn time in days, by month of completion',
        rowKey: monthKey,
        rows: monthRows(data),
        columns: [
          monthColumn('Month of completion'),
          { key: 'count', label: 'Turns', value: (r) => r.count, numeric: true },
          ...spreadColumns('days'),
        ],
      }}
    />
  )
}

/** Completed turns finished by their expected date, by month of completion. */
export function OnTimeFigures({ data }) {
  const { overall, by_month: months } = data
  return (
    <ReportFigure
      chart={
        months.length > 0 && {
          title: 'On-time rate by month of completion, in percent',
          labels: months.map((m) => formatMonth(m.month)),
          series: [
            {
              label: 'On time (%)',
              values: months.map((m) => (m.on_time_rate === null ? null : m.on_time_rate * 100)),
            },
          ],
          unit: '%',
        }
      }
      summary={
        overall.with_expected_date
          ? `${overall.on_time} of ${overall.with_expected_date} completed turns with an expected date were on time ` +
            `(${formatRate(overall.on_time_rate)}).`
          : `${overall.completed} turns completed in this period, none with an expected date to compare with.`
      }
      table={{
        caption: 'On-time completion by month of completion',
        rowKey: monthKey,
        rows: monthRows(data),
        columns: [
          monthColumn('Month of completion'),
          { key: 'completed', label: 'Completed', value: (r) => r.completed, numeric: true },
          {
            key: 'with_expected_date',
            label: 'With an expected date',
            value: (r) => r.with_expected_date,
            numeric: true,
          },
          { key: 'on_time', label: 'On time', value: (r) => r.on_time, numeric: true },
          { key: 'on_time_rate', label: 'Rate', value: (r) => formatRate(r.on_time_rate), numeric: true },
        ],
      }}
    />
  )
}

/** Days from move-out to the next move-in, by month of move-out. */
export function DaysVacantFigures({ data }) {
  const { overall, by_month: months } = data
  return (
    <ReportFigure
      chart={
        months.some((m) => m.count > 0) && spreadChart({ title: 'Days vacant by month of move-out', rows: months })
      }
      summary={
        overall.count
          ? `Of ${overall.move_outs} move-outs, ${overall.count} have a known move-in: a median of ` +
            `${formatNumber(overall.median)} days vacant (90th percentile ${formatNumber(overall.p90)}).`
          : `${overall.move_outs} move-outs in this period, none with a known move-in yet: days vacant are unknown.`
      }
      table={{
        caption: 'Days vacant, by month of move-out',
        rowKey: monthKey,
        rows: monthRows(data),
        columns: [
          monthColumn('Month of move-out'),
          { key: 'move_outs', label: 'Move-outs', value: (r) => r.move_outs, numeric: true },
          { key: 'count', label: 'Move-in known', value: (r) => r.count, numeric: true },
          ...spreadColumns('days'),
        ],
      }}
    />
  )
}
