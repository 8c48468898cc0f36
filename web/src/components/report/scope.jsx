// Figures of the scope reports: what completed turns' scope lines cost by trade, and what was
// charged back to residents, overall and by month of completion.
import { formatMoney } from '../../format.js'
import { ReportFigure, formatMonth, formatRate, monthColumn, monthKey, monthRows } from './figure.jsx'

export function TradeCostFigures({ data }) {
  const { trades } = data
  return (
    <ReportFigure
      chart={
        trades.length > 0 && {
          title: 'Total of the completed turns’ scope lines by trade, in dollars',
          labels: trades.map((t) => t.label),
          series: [{ label: 'Total', values: trades.map((t) => Number(t.total)) }],
          unit: 'USD',
        }
      }
      summary={
        data.turns
          ? `${data.turns} completed turns with scope lines, ${formatMoney(data.total)} in all, ` +
            `${formatMoney(data.average_per_turn)} a turn on average; ${trades[0].label} is the largest trade.`
          : 'No completed turn in this period has scope lines.'
      }
      table={{
        caption: 'Cost of the completed turns by trade',
        rowKey: (t) => t.trade,
        rows: trades,
        columns: [
          { key: 'label', label: 'Trade', value: (t) => t.label },
          { key: 'lines', label: 'Lines', value: (t) => t.lines, numeric: true },
          { key: 'turns', label: 'Turns', value: (t) => t.turns, numeric: true },
          { key: 'total', label: 'Total', value: (t) => formatMoney(t.total), numeric: true },
          { key: 'average', label: 'Average a turn', value: (t) => formatMoney(t.average_per_turn), numeric: true },
          { key: 'share', label: 'Share', value: (t) => formatRate(t.share), numeric: true },
        ],
      }}
    />
  )
}

export function ChargebackFigures({ data }) {
  const { overall, by_month: months } = data
  return (
    <ReportFigure
      chart={
        months.length > 0 && {
          title: 'Charged back to residents by month of completion, in dollars',
          labels: months.map((m) => formatMonth(m.month)),
          series: [{ label: 'Charged back', values: months.map((m) => Number(m.total ?? 0)) }],
          unit: 'USD',
        }
      }
      summary={
        overall.lines
          ? `${formatMoney(overall.total)} charged back on ${overall.lines} lines of ${overall.turns} turns ` +
            `(the work itself came to ${formatMoney(overall.scope_total)}).`
          : 'Nothing was charged back to a resident in this period.'
      }
      table={{
        caption: 'Charge-backs by month of completion',
        rowKey: monthKey,
        rows: monthRows(data),
        columns: [
          monthColumn('Month of completion'),
          { key: 'turns', label: 'Turns', value: (r) => r.turns, numeric: true },
          { key: 'lines', label: 'Lines', value: (r) => r.lines, numeric: true },
          { key: 'total', label: 'Charged back', value: (r) => formatMoney(r.total), numeric: true },
          { key: 'scope', label: 'Work charged', value: (r) => formatMoney(r.scope_total), numeric: true },
        ],
      }}
    />
  )
}
