// Figures of the vendor scorecards: jobs, completion, punctuality, cost and rating per company.
import { formatMoney } from '../../format.js'
import { ReportFigure, formatNumber, formatRate } from './figure.jsx'

export function VendorFigures({ data }) {
  const { vendors } = data
  const busiest = [...vendors].sort((a, b) => b.jobs - a.jobs)[0]
  return (
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
          ? `${vendors.length} vendors have jobs; ${busiest.company_name} has the most (${busiest.jobs}).`
          : 'No vendor has a job among these turns.'
      }
      table={{
        caption: 'Vendor scorecards',
        rowKey: (v) => v.vendor_id,
        rows: vendors,
        columns: [
          { key: 'company_name', label: 'Vendor', value: (v) => v.company_name },
          { key: 'jobs', label: 'Jobs', value: (v) => v.jobs, numeric: true },
          { key: 'active', label: 'Active', value: (v) => v.active, numeric: true },
          { key: 'completed', label: 'Completed', value: (v) => v.completed, numeric: true },
          {
            key: 'on_time',
            label: 'On time',
            value: (v) => (v.with_expected_date ? `${v.on_time} of ${v.with_expected_date}` : null),
            numeric: true,
          },
          { key: 'on_time_rate', label: 'On-time rate', value: (v) => formatRate(v.on_time_rate), numeric: true },
          { key: 'average_cost', label: 'Average cost', value: (v) => formatMoney(v.average_cost), numeric: true },
          { key: 'rating', label: 'Rating', value: (v) => formatNumber(v.rating), numeric: true },
        ],
      }}
    />
  )
}
