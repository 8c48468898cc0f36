import { useEffect, useState } from 'react'
import { api, isNetworkError, problemText } from '../../data/api.js'
import { canMove, useSession } from '../../data/session.js'
import { formatDate } from '../../format.js'
import { ChangeProblem } from './change-problem.jsx'

const LABELS = { expected_completion_date: 'Ready date', move_in_date: 'Move-in date' }
const FIELDS = Object.keys(LABELS)

function failure(error) {
  return isNetworkError(error) ? 'The date history needs a connection.' : problemText(error)
}

/**
 * The turn's ready date (when leasing may show the home) and move-in date, with every change:
 * old and new date, why, who and when. Managers change them here; a date already set changes
 * only with a reason, as the server requires.
 */
export function TurnDates({ turn, ops }) {
  const { me } = useSession()
  const problems = ops.filter((op) => op.kind === 'dates' && (op.state === 'rejected' || op.state === 'conflict'))
  return (
    <section className="panel" aria-labelledby="dates-title">
      <h2 id="dates-title">Ready and move-in dates</h2>
      <dl className="summary">
        {FIELDS.filter((field) => field in turn).map((field) => (
          <div key={field}>
            <dt>{LABELS[field]}</dt>
            <dd>{turn[field] ? formatDate(turn[field]) : 'Not set'}</dd>
          </div>
        ))}
      </dl>
      {canMove(me) && <ChangeDates key={turn.version} turn={turn} />}
      {problems.map((op) => (
        <ChangeProblem key={op.id} op={op} turn={turn} />
      ))}
      <DateHistory turnId={turn.id} version={turn.version} />
    </section>
  )
}

function ChangeDates({ turn }) {
  const { outbox } = useSession()
  const [draft, setDraft] = useState({ reason: '' })
  const value = (field) => draft[field] ?? turn[field] ?? ''
  const changed = FIELDS.filter((field) => value(field) !== (turn[field] ?? ''))
  const needsReason = changed.some((field) => turn[field])

  function save(event) {
    event.preventDefault()
    const body = Object.fromEntries(changed.map((field) => [field, value(field) || null]))
    const reason = draft.reason.trim()
    if (reason) body.reason = reason
    const label = `Change the ${changed.map((field) => LABELS[field].toLowerCase()).join(' and ')}`
    const overlay = Object.fromEntries(changed.map((field) => [field, value(field) || null]))
    outbox.write(turn, 'dates', body, overlay, label)
    setDraft({ reason: '' })
  }

  return (
    <details className="change-dates">
      <summary id="change-dates">Change the dates</summary>
      <form aria-label="Change the dates" onSubmit={save}>
        {FIELDS.map((field) => (
          <label key={field}>
            {LABELS[field]}
            <input
              type="date"
              value={value(field)}
              onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
            />
          </label>
        ))}
        <label>
          Reason{needsReason ? '' : ' (needed once a date is set)'}
          <textarea
            id="dates-reason"
            value={draft.reason}
            maxLength={240}
            rows={2}
            required={needsReason}
            placeholder="e.g. Flooring on backorder until the 8th"
            onChange={(e) => setDraft({ ...draft, reason: e.target.value })}
          />
        </label>
        <p className="actions">
          <button type="submit" disabled={!changed.length || (needsReason && !draft.reason.trim())}>
            Save the new dates
          </button>
        </p>
      </form>
    </details>
  )
}

/** Every change of the two dates, newest first; read again when the turn changes. */
function DateHistory({ turnId, version }) {
  const [history, setHistory] = useState({ rows: [], loading: true, error: '' })

  useEffect(() => {
    let current = true
    api(`/api/v1/turns/${turnId}/date-history`).then(
      (rows) => current && setHistory({ rows, loading: false, error: '' }),
      (error) => current && setHistory((h) => ({ ...h, loading: false, error: failure(error) })),
    )
    return () => {
      current = false
    }
  }, [turnId, version])

  return (
    <>
      <h3>Date history</h3>
      <p className="muted" role="status">
        {history.loading && 'Loading…'}
        {!history.loading && !history.error && !history.rows.length && 'The dates have not been changed since the turn opened.'}
      </p>
      <ol className="timeline" aria-label="Date history" aria-busy={history.loading}>
        {history.rows.map((row) => (
          <li key={row.id}>
            <p>
              <strong>{LABELS[row.field]}</strong>{' '}
              {row.old_value ? `${formatDate(row.old_value)} → ` : 'set to '}
              {row.new_value ? formatDate(row.new_value) : 'cleared'}
            </p>
            <p className="muted">
              {row.changed_by_name || 'System'} ·{' '}
              <time dateTime={new Date(row.changed_at).toISOString()}>{formatDate(row.changed_at)}</time>
            </p>
            {row.reason && <p className="note">{row.reason}</p>}
          </li>
        ))}
      </ol>
      {history.error && (
        <p className="error" role="alert">
          {history.error}
        </p>
      )}
    </>
  )
}
