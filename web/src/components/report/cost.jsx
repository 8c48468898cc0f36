// Figures of the cost report: what completed turns were quoted, approved, changed and cost in
// the end, overall and the averages by month of completion.
import { formatMoney } from '../../format.js'
import { DataTable } from '../common/data-table.jsx'
import { ReportFigure, formatMonth, monthColumn, monthKey, monthRows } from './figure.jsx'

const AMOUNTS = {
  quoted: 'Quoted',
  approved: 'Approved',
  change_orders: 'Change orders',
  final: 'Final',
  variance: 'Final − approved',
}
const AVERAGED = ['quoted', 'approved', 'final']

export function CostFigures({ data }) {
  const { overall, by_month: months } = data
  return (
    <>
      <DataTable
        caption="Cost of the completed turns"
        rowKey={(r) => r.key}
        rows={Object.entries(AMOUNTS).map(([key, name]) => ({ key, name, ...overall[key] }))}
        columns={[
          { key: 'name', label: 'Amount', value: (r) => r.name },
          { key: 'count', label: 'Turns', value: (r) => r.count, numeric: true },
          { key: 'total', label: 'Total', value: (r) => formatMoney(r.total), numeric: true },
          { key: 'average', label: 'Average', value: (r) => formatMoney(r.average), numeric: true },
        ]}
      />
      <ReportFigure
        chart={
          months.length > 0 && {
            title: 'Average cost per turn by month of completion, in dollars',
            labels: months.map((m) => formatMonth(m.month)),
            series: AVERAGED.map((key) => ({
              label: AMOUNTS[key],
              values: months.map((m) => (m[key].average === null ? null : Number(m[key].average))),
            })),
            unit: 'USD',
          }
        }
        summary={
          overall.turns
            ? `${overall.turns} completed turns, ${overall.variance.over_approved} of them above the approved amount.`
            : 'No turn was completed in this period.'
        }
        table={{
          caption: 'Average cost per turn, by month of completion',
          rowKey: monthKey,
          rows: monthRows(data),
          columns: [
            monthColumn('Month of completion'),
            { key: 'turns', label: 'Turns', value: (r) => r.turns, numeric: true },
            ...AVERAGED.map((key) => ({
              key,
              label: `Average ${AMOUNTS[key].toLowerCase()}`,
              value: (r) => formatMoney(r[key].average),
              numeric: true,
            })),
            { key: 'over', label: 'Above approved', value: (r) => r.variance.over_approved, numeric: true },
          ],
        }}
      />
    </>
  )
}
