// A report's figure: a chart, the summary that describes it, and the table of its figures
// (the chart's text alternative), with the number formats the reports share.
import { useId } from 'react'
import { ChartCanvas } from './chart.jsx'
import { DataTable } from '../common/data-table.jsx'

const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
const month = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' })

/** A number with at most one decimal, or null for none (the table shows a dash). */
export function formatNumber(value) {
  return value === null || value === undefined ? null : decimal.format(Number(value))
}

/** A share from 0 to 1 as a percentage. */
export function formatRate(rate) {
  return rate === null || rate === undefined ? null : `${decimal.format(rate * 100)}%`
}

/** "2026-11-01" -> "Nov 2026"; the overall row has no month. */
export function formatMonth(value) {
  return value ? month.format(new Date(`${value}T00:00:00Z`)) : 'All'
}

const SPREAD = { median: 'median', p90: 'p90', mean: 'mean' }

/** Columns of a spread (median, 90th percentile, mean) of durations in `unit`. */
export function spreadColumns(unit, fields = SPREAD) {
  return [
    { key: fields.median, label: `Median (${unit})`, value: (r) => formatNumber(r[fields.median]), numeric: true },
    { key: fields.p90, label: `90th percentile (${unit})`, value: (r) => formatNumber(r[fields.p90]), numeric: true },
    { key: fields.mean, label: `Mean (${unit})`, value: (r) => formatNumber(r[fields.mean]), numeric: true },
  ]
}

/** A chart of the medians and 90th percentiles of `rows` (by default months, in days), each labelled by label(row). */
export function spreadChart({
  title,
  rows,
  label = (r) => formatMonth(r.month),
  unit = 'days',
  type = 'bar',
  fields = SPREAD,
}) {
  return {
    type,
    title,
    unit,
    labels: rows.map(label),
    series: [
      { label: 'Median', values: rows.map((r) => r[fields.median]) },
      { label: '90th percentile', values: rows.map((r) => r[fields.p90]) },
    ],
  }
}

/** The figures by month followed by the overall row. */
export function monthRows(data) {
  return [...data.by_month, { ...data.overall, month: null }]
}

export const monthKey = (row) => row.month || 'all'

export const monthColumn = (label = 'Month') => ({ key: 'month', label, value: (r) => formatMonth(r.month) })

/**
 * chart: ChartCanvas props (none when there is nothing to draw); summary: the figures in a
 * sentence; table: DataTable props.
 */
export function ReportFigure({ chart, summary, table }) {
  const id = useId()
  return (
    <figure className="report-figure">
      {chart && <ChartCanvas {...chart} describedBy={`${id}-summary`} />}
      <figcaption id={`${id}-summary`}>{summary}</figcaption>
      <DataTable {...table} />
    </figure>
  )
}
