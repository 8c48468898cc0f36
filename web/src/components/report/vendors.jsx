// Figures of the vendor scorecards: jobs, completion, punctuality, cost and rating per company,
// and from the scope of work: bids answered and won, won quotes against the work's current
// amount, and visits finished within their agreed window. On a phone each card is a block.
import { formatMoney } from '../../format.js'
import { ReportFigure, formatNumber, formatRate } from './figure.jsx'

const count = (key, label) => ({ key, label, value: (v) => v[key], numeric: true })
const rate = (key, label) => ({ key, label, value: (v) => formatRate(v[key]), numeric: true })
const amount = (key, label) => ({ key, label, value: (v) => formatMoney(v[key]), numeric: true })
/** "2 of 3": `part` of `whole`, or nothing when `whole` is none. */
const partOf = (part, whole, label) => ({
  key: part,
  label,
  value: (v) => (v[whole] ? `${v[part]} of ${v[whole]}` : null),
  numeric: true,
})

const vendorColumn = { key: 'company_name', label: 'Vendor', value: (v) => v.company_name }

export function VendorFigures({ data }) {
  const { vendors } = data
  const busiest = [...vendors].sort((a, b) => b.jobs - a.jobs).find((v) => v.jobs > 0)
  const sum = (key) => vendors.reduce((total, v) => total + (v[key] || 0), 0)
  return (
    <>
      <ReportFigure
        chart={
          vendors.length > 0 && {
            title: 'Jobs per vendor, active and completed',
            labels: vendors.map((v) => v.company_name),
            series: [
              { label: 'Active', values: vendors.map((v) => v.active) },
              { label: 'Completed', values: vendors.map((v) => v.completed) },
            ],
            stacked: true,
            horizontal: true,
            counts: true,
            unit: 'jobs',
            height: `${Math.max(12, vendors.length * 2 + 5)}rem`,
          }
        }
        summary={
          busiest
            ? `${vendors.length} vendors have a scorecard; ${busiest.company_name} has the most jobs (${busiest.jobs}).`
            : vendors.length > 0
              ? `${vendors.length} vendors have bids or visits, and none a job among these turns.`
              : 'No vendor has a job, a bid or a visit among these turns.'
        }
        table={{
          caption: 'Vendor scorecards',
          rowKey: (v) => v.vendor_id,
          rows: vendors,
          columns: [
            vendorColumn,
            count('jobs', 'Jobs'),
            count('active', 'Active'),
            count('completed', 'Completed'),
            partOf('on_time', 'with_expected_date', 'On time'),
            rate('on_time_rate', 'On-time rate'),
            amount('average_cost', 'Average cost'),
            { key: 'rating', label: 'Rating', value: (v) => formatNumber(v.rating), numeric: true },
          ],
          stacked: true,
        }}
      />
      <ReportFigure
        summary={
          `Bids: ${sum('bids_requested')} asked, ${sum('bids_quoted')} quoted, ${sum('bids_awarded')} won. ` +
          `Visits: ${sum('visits_done')} of ${sum('visits_scheduled')} agreed visits done, ` +
          `${sum('visits_on_time')} of ${sum('visits_measured')} measured on time.`
        }
        table={{
          caption: 'Bids, won work and visits per vendor',
          rowKey: (v) => v.vendor_id,
          rows: vendors,
          columns: [
            vendorColumn,
            count('bids_requested', 'Bids asked'),
            count('bids_quoted', 'Quoted'),
            count('bids_declined', 'Declined'),
            count('bids_unanswered', 'Late or no answer'),
            count('bids_awaiting', 'Awaiting answer'),
            count('bids_awarded', 'Bids won'),
            rate('win_rate', 'Win rate'),
            amount('awarded_quotes', 'Won quotes'),
            amount('awarded_actual', 'Actual of won work'),
            rate('actual_over_quote', 'Actual to quote'),
            amount('actual_minus_quote', 'Actual − quote'),
            partOf('visits_done', 'visits_scheduled', 'Visits done'),
            partOf('visits_on_time', 'visits_measured', 'Visits on time'),
            rate('visit_on_time_rate', 'Visit on-time rate'),
            {
              key: 'average_days_late',
              label: 'Average days late',
              value: (v) => formatNumber(v.average_days_late),
              numeric: true,
            },
          ],
          stacked: true,
        }}
      />
    </>
  )
}
