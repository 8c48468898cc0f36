// Figures of the pipeline report: active turns by stage and by scope approval status, each
// split by days since move-out.
import { APPROVAL_LABELS } from '../../format.js'
import { ReportFigure } from './figure.jsx'

const BUCKETS = [
  ['days_0_7', '0–7 days'],
  ['days_8_14', '8–14 days'],
  ['days_15_30', '15–30 days'],
  ['days_over_30', 'Over 30 days'],
  ['no_move_out', 'No move-out date'],
]

const ageingColumns = [
  { key: 'total', label: 'Active', value: (r) => r.total, numeric: true },
  ...BUCKETS.map(([key, label]) => ({ key, label, value: (r) => r[key], numeric: true })),
]

/** One stacked bar per group ({key, name, ...ageing}: a stage or a status), its parts the ageing buckets. */
function AgeingFigure({ title, heading, groups, overall }) {
  const listed = groups.map((g) => `${g.total} ${g.name}`).join(', ')
  return (
    <ReportFigure
      chart={
        groups.length > 0 && {
          title,
          labels: groups.map((g) => g.name),
          series: BUCKETS.map(([key, label]) => ({ label, values: groups.map((g) => g[key]) })),
          stacked: true,
          counts: true,
          unit: 'active turns',
        }
      }
      summary={overall.total ? `${overall.total} active turns: ${listed}.` : 'No active turn matches the filters.'}
      table={{
        caption: title,
        rowKey: (r) => r.key,
        rows: [...groups, { ...overall, key: 'all', name: 'All' }],
        columns: [{ key: 'name', label: heading, value: (r) => r.name }, ...ageingColumns],
      }}
    />
  )
}

export function PipelineFigures({ data }) {
  return (
    <div className="figure-pair">
      <AgeingFigure
        title="Active turns by stage and days since move-out"
        heading="Stage"
        groups={data.by_stage.map((s) => ({ ...s, key: s.stage_id, name: s.stage }))}
        overall={data.overall}
      />
      <AgeingFigure
        title="Active turns by scope approval and days since move-out"
        heading="Scope approval"
        groups={data.by_approval_status.map((s) => ({
          ...s,
          key: s.approval_status || 'none',
          name: APPROVAL_LABELS[s.approval_status] || 'No status',
        }))}
        overall={data.overall}
      />
    </div>
  )
}
