import { useState } from 'react'
import { useApi } from '../data/api.js'
import { isVendor, useSession } from '../data/session.js'
import { ExportButtons } from '../components/common/export-buttons.jsx'
import { NO_REPORT_FILTERS, ReportFilters } from '../components/report/filters.jsx'
import { ReportSection } from '../components/report/section.jsx'
import { CostFigures } from '../components/report/cost.jsx'
import { ChargebackFigures, TradeCostFigures } from '../components/report/scope.jsx'
import { DaysVacantFigures, OnTimeFigures, TurnTimeFigures } from '../components/report/durations.jsx'
import { PipelineFigures } from '../components/report/pipeline.jsx'
import { StageDwellFigures } from '../components/report/stage-dwell.jsx'
import { PropertySummaryFigures } from '../components/report/summary.jsx'
import { VendorFigures } from '../components/report/vendors.jsx'
import './reports.css'

// The turns behind a report, as the turns export filters them: the report's period applies to
// the completion date or to the move-out date. A completion report counts completed turns
// only, so its export asks for a completion date on or after a day before any turn.
const COMPLETED = { from: 'completed_from', to: 'completed_to', earliest: '1900-01-01' }
const MOVED_OUT = { from: 'move_out_from', to: 'move_out_to' }

/** The export of the turns a report counts: its filters, its period on `dates`, and `fixed`. */
function turnsBehind(dates, fixed = {}) {
  return ({ market, manager_id, vendor_id, from, to }) => ({
    resource: 'turns',
    query: {
      market,
      manager_id,
      vendor_id,
      ...fixed,
      ...(dates && { [dates.from]: from || dates.earliest, [dates.to]: to }),
    },
  })
}

const REPORTS = [
  {
    name: 'pipeline',
    title: 'Pipeline',
    about:
      'Active turns by stage and by scope approval, by days since move-out. The period applies to the move-out date.',
    Figures: PipelineFigures,
    wide: true,
    exported: turnsBehind(MOVED_OUT, { active: true }),
  },
  {
    name: 'turn-time',
    title: 'Turn time',
    about: 'Days from move-out to completion. The period applies to the completion date.',
    Figures: TurnTimeFigures,
    exported: turnsBehind(COMPLETED),
  },
  {
    name: 'on-time',
    title: 'On-time completion',
    about: 'Completed turns finished on or before their expected date. The period applies to the completion date.',
    Figures: OnTimeFigures,
    exported: turnsBehind(COMPLETED),
  },
  {
    name: 'cost',
    title: 'Cost per turn',
    about:
      'Quoted, approved, change-order and final amounts of completed turns. The period applies to the completion date.',
    Figures: CostFigures,
    exported: turnsBehind(COMPLETED),
  },
  {
    name: 'cost-by-trade',
    title: 'Cost by trade',
    about:
      'The scope lines of completed turns by trade: total, average a turn and share. The period applies to the completion date.',
    Figures: TradeCostFigures,
    exported: turnsBehind(COMPLETED),
  },
  {
    name: 'chargebacks',
    title: 'Charge-backs',
    about:
      'Scope lines of completed turns charged back to the resident, by month. The period applies to the completion date.',
    Figures: ChargebackFigures,
    exported: turnsBehind(COMPLETED),
  },
  {
    name: 'vendors',
    title: 'Vendor scorecards',
    about:
      'Per company: jobs, completion, punctuality, average cost and rating; bids won, won quotes against the work, and visits finished in their window. The period applies to the move-out date.',
    Figures: VendorFigures,
    wide: true,
    exported: turnsBehind(MOVED_OUT),
    files: (filters) => ({
      path: '/api/v1/reports/vendors',
      resource: 'scorecards',
      formats: ['csv', 'xlsx'],
      query: filters,
    }),
  },
  {
    name: 'days-vacant',
    title: 'Days vacant',
    about: "Days from a turn's move-out to the property's next move-in. The period applies to the move-out date.",
    Figures: DaysVacantFigures,
    exported: turnsBehind(MOVED_OUT),
  },
  {
    name: 'stage-dwell',
    title: 'Time in each stage',
    about:
      'How long turns stayed in each stage, and how many wait there now. The period applies to the day a stay began.',
    Figures: StageDwellFigures,
    exported: turnsBehind(null),
  },
  {
    name: 'property-summary',
    title: 'Property summary',
    about: "Turns per property. The period applies to the day of the property's newest turn.",
    Figures: PropertySummaryFigures,
    wide: true,
    query: { limit: 25 },
    exported: ({ market, manager_id }) => ({ resource: 'properties', query: { market, manager_id } }),
  },
]

/** KPI reports over the turns the user may see, with their filters, charts and exports. */
export function Reports() {
  const { me } = useSession()
  const [filters, setFilters] = useState(NO_REPORT_FILTERS)
  if (isVendor(me)) {
    return (
      <p className="notice" role="alert">
        Reports are not for your role: vendor users follow their turns on the <a href="#/board">board</a>.
      </p>
    )
  }
  return (
    <section className="reports-page" aria-labelledby="reports-title">
      <div className="page-head">
        <h1 id="reports-title">Reports</h1>
      </div>
      <ReportFilters onChange={setFilters} />
      <div className="reports">
        {REPORTS.map((spec) => (
          <Report key={spec.name} spec={spec} filters={filters} />
        ))}
      </div>
      <Exports filters={filters} />
    </section>
  )
}

function Report({ spec, filters }) {
  const query = { ...filters, ...spec.query }
  const report = useApi(`/api/v1/reports/${spec.name}`, query)
  const { Figures } = spec
  return (
    <ReportSection
      name={spec.name}
      wide={spec.wide}
      title={spec.title}
      about={spec.about}
      report={report}
      exported={spec.exported(filters)}
      files={spec.files?.(filters)}
    >
      {(data) => <Figures data={data} query={query} report={report} />}
    </ReportSection>
  )
}

function Exports({ filters }) {
  const { market, manager_id, vendor_id, from, to } = filters
  const audit = { created_from: from && `${from}T00:00:00Z`, created_to: to && `${to}T23:59:59.999Z` }
  return (
    <section className="panel exports-panel" aria-labelledby="exports-title">
      <h2 id="exports-title">Exports</h2>
      <p className="muted">
        What you may see, as CSV, Excel or PDF. Turns and properties follow the market and manager filters above (turns
        also the vendor), the audit log the period. A large export is prepared in the background: its progress and
        download link appear next to its buttons.
      </p>
      <ExportButtons resource="turns" query={{ market, manager_id, vendor_id }} label="Turns:" />
      <ExportButtons resource="properties" query={{ market, manager_id }} label="Properties:" />
      <ExportButtons resource="vendors" label="Vendors:" />
      <ExportButtons resource="audit" query={audit} label="Audit log:" />
    </section>
  )
}
