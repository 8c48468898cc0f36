// Figures of the vendor scorecards: jobs, completion, punctuality, cost and rating per company,
// and from the scope of work: bids answered and won, won quotes against the work's current
// amount, and visits finished within their agreed window. On a phone each card is a block. An
// operator may have thousands of vendors: the chart draws the busiest, the tables every card from
// the busiest down (a hundred at a time), sortable by any figure.
import { useMemo } from 'react'
import { formatMoney } from '../../format.js'
import { ReportFigure, formatNumber, formatRate } from './figure.jsx'

/** A figure as a number to sort by (decimals come as strings), or null. */
const number = (value) => (value === null || value === undefined ? null : Number(value))
/** A column sorted by the figure itself and shown formatted (a dash for none). */
const figure = (key, label, format) => ({
  key,
  label,
  value: (v) => number(v[key]),
  render: (v) => format(v) ?? '—',
  numeric: true,
})
const count = (key, label) => figure(key, label, (v) => v[key])
const rate = (key, label) => figure(key, label, (v) => formatRate(v[key]))
const amount = (key, label) => figure(key, label, (v) => formatMoney(v[key]))
const decimal = (key, label) => figure(key, label, (v) => formatNumber(v[key]))
/** "2 of 3": `part` of `whole`, or nothing when `whole` is none; sorted by `part`. */
const partOf = (part, whole, label) => figure(part, label, (v) => (v[whole] ? `${v[part]} of ${v[whole]}` : null))

const vendorColumn = { key: 'company_name', label: 'Vendor', value: (v) => v.company_name }
/** The tables' first order: the most jobs first. */
const BUSIEST_FIRST = { key: 'jobs', descending: true }
/** Vendors the chart draws at most: the busiest. */
export const CHARTED_VENDORS = 15

const thousands = new Intl.NumberFormat('en-US')

export function VendorFigures({ data }) {
  const { vendors } = data
  const ranked = useMemo(
    () => [...data.vendors].sort((a, b) => b.jobs - a.jobs || a.company_name.localeCompare(b.company_name)),
    [data],
  )
  const charted = ranked.slice(0, CHARTED_VENDORS)
  const busiest = ranked.find((v) => v.jobs > 0)
  const sum = (key) => vendors.reduce((total, v) => total + (v[key] || 0), 0)
  return (
    <>
      <ReportFigure
        chart={
          vendors.length > 0 && {
            title:
              charted.length < vendors.length
                ? `Jobs of the ${charted.length} vendors with the most, active and completed`
                : 'Jobs per vendor, active and completed',
            labels: charted.map((v) => v.company_name),
            series: [
              { label: 'Active', values: charted.map((v) => v.active) },
              { label: 'Completed', values: charted.map((v) => v.completed) },
            ],
            stacked: true,
            horizontal: true,
            counts: true,
            unit: 'jobs',
            height: `${Math.max(12, charted.length * 2 + 5)}rem`,
          }
        }
        summary={
          busiest
            ? `${thousands.format(vendors.length)} vendors have a scorecard; ${busiest.company_name} has the most jobs (${busiest.jobs}).` +
              (charted.length < vendors.length ? ` The chart shows the ${charted.length} with the most jobs.` : '')
            : vendors.length > 0
              ? `${thousands.format(vendors.length)} vendors have bids or visits, and none a job among these turns.`
              : 'No vendor has a job, a bid or a visit among these turns.'
        }
        table={{
          caption: 'Vendor scorecards',
          rowKey: (v) => v.vendor_id,
          rows: vendors,
          sortable: true,
          sortedBy: BUSIEST_FIRST,
          columns: [
            vendorColumn,
            count('jobs', 'Jobs'),
            count('active', 'Active'),
            count('completed', 'Completed'),
            partOf('on_time', 'with_expected_date', 'On time'),
            rate('on_time_rate', 'On-time rate'),
            amount('average_cost', 'Average cost'),
            decimal('rating', 'Rating'),
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
          sortable: true,
          sortedBy: { key: 'bids_requested', descending: true },
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
            decimal('average_days_late', 'Average days late'),
          ],
          stacked: true,
        }}
      />
    </>
  )
}
