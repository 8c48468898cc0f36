// The property summary: a materialized view refreshed every few minutes, so it says how fresh
// it is; admins can ask for a refresh now. Its rows come a page at a time.
import { useEffect, useState } from 'react'
import { api, readProblemText } from '../../data/api.js'
import { formatDate, formatMoney, timeAgo } from '../../format.js'
import { isAdmin, useSession } from '../../data/session.js'
import { DataTable } from '../common/data-table.jsx'

const RECHECK_MS = 5000

export function PropertySummaryFigures({ data, query, report }) {
  // The pages shown after the first belong to the answer they followed: a new answer starts over.
  const [more, setMore] = useState({ after: data, items: [], next: data.next_cursor })
  const shown = more.after === data ? more : { after: data, items: [], next: data.next_cursor }
  const [problem, setProblem] = useState(null)

  useEffect(() => {
    if (!data.refresh_pending) return undefined
    const timer = setTimeout(report.retry, RECHECK_MS)
    return () => clearTimeout(timer)
  }, [data, report.retry])

  async function showMore() {
    setProblem(null)
    try {
      const page = await api('/api/v1/reports/property-summary', { query: { ...query, cursor: shown.next } })
      setMore({ after: data, items: [...shown.items, ...page.items], next: page.next_cursor })
    } catch (error) {
      setProblem(readProblemText(error))
    }
  }

  return (
    <>
      <Freshness data={data} onQueued={report.retry} />
      <DataTable
        caption="Turns per property"
        rowKey={(r) => r.id}
        rows={[...data.items, ...shown.items]}
        columns={[
          { key: 'property_id', label: 'Property', value: (r) => r.property_id },
          { key: 'name', label: 'Name', value: (r) => r.name },
          { key: 'total_turns', label: 'Turns', value: (r) => r.total_turns, numeric: true },
          { key: 'active_turns', label: 'Active', value: (r) => r.active_turns, numeric: true },
          { key: 'avg_turn_cost', label: 'Average cost', value: (r) => formatMoney(r.avg_turn_cost), numeric: true },
          { key: 'last_turn_date', label: 'Newest turn', value: (r) => formatDate(r.last_turn_date) },
        ]}
      />
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {shown.next && (
        <button type="button" className="secondary more" onClick={showMore}>
          Show more properties
        </button>
      )}
    </>
  )
}

/** When the figures were computed, whether a refresh is on its way, and (admins) a refresh now. */
function Freshness({ data, onQueued }) {
  const { me } = useSession()
  const [status, setStatus] = useState(null)

  async function refresh() {
    setStatus({ text: 'Asking for a refresh…' })
    try {
      await api('/api/v1/reports/property-summary/refresh', { method: 'POST' })
      setStatus({ text: 'Refresh queued: the figures update when it has run.' })
      onQueued()
    } catch (error) {
      setStatus({ text: readProblemText(error), error: true })
    }
  }

  return (
    <div className="freshness">
      <p>
        {data.refreshed_at
          ? `Figures as of ${formatDate(data.refreshed_at)} (${timeAgo(data.refreshed_at)}); refreshed every 5 minutes.`
          : 'No figures yet for these properties.'}
        {data.refresh_pending && ' A refresh is under way.'}
      </p>
      {isAdmin(me) && (
        <button type="button" className="secondary" onClick={refresh} disabled={data.refresh_pending}>
          Refresh now
        </button>
      )}
      <p role="status" className={status?.error ? 'error' : 'muted'}>
        {status?.text}
      </p>
    </div>
  )
}
