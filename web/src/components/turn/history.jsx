import { useEffect, useState } from 'react'
import { shapeRows } from '../../data/sync.js'
import { formatDate } from '../../format.js'
import { formatValue } from './values.jsx'

/** Every stage the turn entered, newest first, live from the synced stage history. */
export function TurnHistory({ turnId, names }) {
  const [history, setHistory] = useState({ rows: [], ready: false, error: null })

  useEffect(
    () =>
      shapeRows('turn_stage_history', { where: 'turn_id = $1', params: { 1: turnId } }, (rows, table) =>
        setHistory({ rows, ready: table.ready, error: table.error }),
      ),
    [turnId],
  )

  const rows = [...history.rows].sort((a, b) => b.changed_at.localeCompare(a.changed_at))
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">Stage history</h2>
      <p className="muted" role="status">
        {!history.ready && (history.error ? 'Stage history cannot be loaded right now; retrying…' : 'Loading…')}
        {history.ready && !rows.length && 'No stage changes yet.'}
      </p>
      <ol className="timeline" aria-busy={!history.ready}>
        {rows.map((row) => (
          <li key={row.id}>
            <p>
              <strong>{formatValue('to_stage_id', row.to_stage_id, names)}</strong>
              {row.from_stage_id && <> from {formatValue('from_stage_id', row.from_stage_id, names)}</>}
            </p>
            <p className="muted">
              {formatValue('changed_by', row.changed_by, names)} ·{' '}
              <time dateTime={new Date(row.changed_at).toISOString()}>{formatDate(row.changed_at)}</time>
            </p>
            {row.note && <p className="note">{row.note}</p>}
          </li>
        ))}
      </ol>
    </section>
  )
}
