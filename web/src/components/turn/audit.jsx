import { useEffect, useState } from 'react'
import { api, isNetworkError, problemText } from '../../data/api.js'
import { formatDate } from '../../format.js'
import { formatValue, labelOf } from './values.jsx'

const TABLES = {
  turns: 'the turn',
  turn_stage_history: 'a stage history entry',
  notifications: 'a notification',
  scope_lines: 'a scope line',
  bid_requests: 'a bid request',
  bid_request_lines: 'a line to quote',
  bids: 'a bid',
  bid_prices: 'a bid price',
}
const VERBS = { CREATE: 'Created', UPDATE: 'Changed', DELETE: 'Deleted', VIEW: 'Viewed', EXPORT: 'Exported' }
const BOOKKEEPING = new Set(['id', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by'])
// The audit context of the rows `turns db seed --demo` writes (turns.seed.demo.DEMO_CONTEXT): shown
// in place of the system user, who only stands for the load.
const DEMO_CONTEXT = 'loaded demo data'

const page = (turnId, cursor) => api('/api/v1/audit', { query: { turn_id: turnId, cursor } })

function failure(error) {
  return isNetworkError(error) ? 'The audit trail needs a connection.' : problemText(error)
}

/** Who did what to the turn, newest first, a page at a time; read again when the turn changes. */
export function TurnAudit({ turnId, version, names }) {
  const [trail, setTrail] = useState({ items: [], next: null, loading: true, error: '' })

  useEffect(() => {
    let current = true
    page(turnId, null).then(
      (first) => current && setTrail({ items: first.items, next: first.next_cursor, loading: false, error: '' }),
      (error) => current && setTrail((t) => ({ ...t, loading: false, error: failure(error) })),
    )
    return () => {
      current = false
    }
  }, [turnId, version])

  function more() {
    setTrail((t) => ({ ...t, loading: true }))
    page(turnId, trail.next).then(
      (next) =>
        setTrail((t) => ({ items: [...t.items, ...next.items], next: next.next_cursor, loading: false, error: '' })),
      (error) => setTrail((t) => ({ ...t, loading: false, error: failure(error) })),
    )
  }

  return (
    <section className="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <p className="muted" role="status">
        {trail.loading && 'Loading…'}
        {!trail.loading && !trail.error && !trail.items.length && 'Nothing recorded yet.'}
      </p>
      <ol className="timeline audit" aria-busy={trail.loading}>
        {trail.items.map((entry) => (
          <AuditEntry key={entry.id} entry={entry} names={names} />
        ))}
      </ol>
      {trail.error && (
        <p className="error" role="alert">
          {trail.error}
        </p>
      )}
      {trail.next && (
        <button type="button" className="secondary" onClick={more} disabled={trail.loading}>
          Load more
        </button>
      )}
    </section>
  )
}

function AuditEntry({ entry, names }) {
  const before = entry.old_values || {}
  const after = entry.new_values || {}
  const changed = entry.action === 'UPDATE' ? entry.changed_fields || [] : []
  const fields = changed.filter((name) => !BOOKKEEPING.has(name) && (name in before || name in after))
  return (
    <li data-action={entry.action}>
      <p>
        <strong>{describe(entry, names)}</strong>
      </p>
      <p className="muted">
        {entry.context === DEMO_CONTEXT ? 'Loaded demo data' : entry.user_name} · <time dateTime={entry.created_at}>{formatDate(entry.created_at)}</time>
      </p>
      {fields.length > 0 && (
        <ul className="changes">
          {fields.map((name) => (
            <li key={name}>
              {labelOf(name)} from <span className="old">{formatValue(name, before[name], names)}</span> to{' '}
              <span className="new">{formatValue(name, after[name], names)}</span>
            </li>
          ))}
        </ul>
      )}
    </li>
  )
}

function describe(entry, names) {
  const values = entry.new_values || {}
  if (entry.action === 'VIEW' && entry.metadata?.field === 'primary_lock_box_code') return 'Revealed the lock-box code'
  if (entry.action === 'CREATE' && entry.table_name === 'notifications') {
    const title = values.title ? `: ${values.title}` : ''
    return `Notified ${formatValue('changed_by', values.user_id, names)}${title}`
  }
  if (entry.action === 'CREATE' && entry.table_name === 'turn_stage_history') {
    return `Entered ${formatValue('to_stage_id', values.to_stage_id, names)}`
  }
  return `${VERBS[entry.action] || entry.action} ${TABLES[entry.table_name] || entry.table_name}`
}
