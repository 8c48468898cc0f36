// Charts of the reports page: Chart.js with only the parts the reports use. Each chart is an
// image to assistive technology, named by its title and described by a text alternative on
// the page (a summary next to a visible table of the same figures).
import { useEffect, useRef } from 'react'
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js'

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
)

/** Series colours: each has at least 3:1 contrast on white, as graphics need. */
export const COLORS = ['#0b5cad', '#a40e26', '#116329', '#7d4e00', '#6639ba', '#57606a']

/**
 * One chart. series: [{label, values}] (null for a missing value); labels: the categories.
 * stacked: bars on top of each other; horizontal: bars along the x axis; unit: the value axis' title;
 * counts: the values are whole numbers (no fractional ticks).
 */
export function ChartCanvas({
  type = 'bar',
  title,
  labels,
  series,
  describedBy,
  stacked = false,
  horizontal = false,
  unit,
  counts = false,
  height = '16rem',
}) {
  const canvas = useRef(null)
  const config = JSON.stringify({ type, labels, series, stacked, horizontal, unit, counts })

  useEffect(() => {
    const { type, labels, series, stacked, horizontal, unit, counts } = JSON.parse(config)
    const valueAxis = {
      stacked,
      beginAtZero: true,
      ticks: counts ? { precision: 0 } : {},
      title: { display: Boolean(unit), text: unit },
    }
    const chart = new Chart(canvas.current, {
      type,
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: COLORS[i % COLORS.length],
          borderColor: COLORS[i % COLORS.length],
          spanGaps: true,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        scales: horizontal ? { x: valueAxis, y: { stacked } } : { x: { stacked }, y: valueAxis },
        plugins: { legend: { position: 'bottom' } },
      },
    })
    return () => chart.destroy()
  }, [config])

  return (
    <div className="chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={title} aria-describedby={describedBy}>
        {title}
      </canvas>
    </div>
  )
}
