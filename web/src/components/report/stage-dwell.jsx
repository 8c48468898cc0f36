// Figures of the stage dwell report: how long finished stays in each stage lasted, and how
// many turns wait in each stage now.
import { ReportFigure, formatNumber, spreadChart, spreadColumns } from './figure.jsx'

const IN_HOURS = { median: 'median_hours', p90: 'p90_hours', mean: 'mean_hours' }

export function StageDwellFigures({ data }) {
  const { stages } = data
  const measured = stages.filter((s) => s.stays > 0)
  const longest = [...measured].sort((a, b) => b.median_hours - a.median_hours)[0]
  return (
    <ReportFigure
      chart={
        measured.length > 0 &&
        spreadChart({
          title: 'Hours spent in each stage',
          rows: stages,
          label: (s) => s.stage,
          unit: 'hours',
          fields: IN_HOURS,
        })
      }
      summary={
        longest
          ? `The longest median stay is in ${longest.stage}: ${formatNumber(longest.median_hours)} hours.`
          : 'No turn has left a stage in this period yet.'
      }
      table={{
        caption: 'Time in each stage, in hours',
        rowKey: (s) => s.stage_id,
        rows: stages,
        columns: [
          { key: 'stage', label: 'Stage', value: (s) => s.stage },
          { key: 'stays', label: 'Finished stays', value: (s) => s.stays, numeric: true },
          ...spreadColumns('hours', IN_HOURS),
          { key: 'waiting', label: 'Waiting now', value: (s) => s.waiting, numeric: true },
        ],
      }}
    />
  )
}
