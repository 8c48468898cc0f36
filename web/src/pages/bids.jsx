import { useEffect, useState } from 'react'
import { api, problemText, readProblemText, useApi } from '../data/api.js'
import { TRADES, formatCents, formatDate } from '../format.js'
import './bids.css'

const ANSWERED = {
  SUBMITTED: 'Your prices were sent; you may change them until the due date.',
  DECLINED: 'You declined this request; you may still send prices until the due date.',
  AWARDED: 'Your bid was chosen: these lines are yours to do.',
  LOST: "Another vendor's bid was chosen.",
}

const CLOSED = {
  CANCELLED: 'Cancelled by the manager: no longer taking bids',
  AWARDED: 'Awarded by the manager: no longer taking bids',
}

const HISTORY_DAYS = 90

/** How a request that is over ended for this vendor, in a line: it was withdrawn, or awarded (an
 * award makes every bid still open lost, a declined one stays declined). */
function outcome(request) {
  const bid = request.bids[0]
  if (request.status === 'CANCELLED') return 'Withdrawn by the manager'
  if (bid?.status === 'AWARDED') return `Your bid of ${formatCents(bid.total)} was chosen`
  return bid?.status === 'DECLINED' ? 'You declined' : "Another vendor's bid was chosen"
}

/**
 * A vendor user's bid requests, phone first: each open request with the lines to price (the
 * amount follows as the unit cost is typed), "Submit prices" and "Decline"; a request the
 * manager cancelled or awarded stays, marked so (and whether this vendor's bid was chosen),
 * until its due date. Below, folded, the requests due in the last 90 days that are over, each
 * with how it ended. `turnId` (a notification's link) picks out that turn's requests, however
 * old, and unfolds the earlier ones when one of them is the turn's.
 */
export function BidRequests({ turnId }) {
  const [since] = useState(() => new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString().slice(0, 10))
  const requests = useApi('/api/v1/bids', { mine: true, open: false, due_after: since })
  const named = useApi(turnId ? '/api/v1/bids' : null, { mine: true, open: false, turn_id: turnId })
  const retry = () => {
    requests.retry()
    if (turnId) named.retry()
  }
  const all = [...new Map([...(requests.data?.items || []), ...(named.data?.items || [])].map((r) => [r.id, r])).values()]
  const current = (request) => request.status === 'OPEN' || (CLOSED[request.status] && !request.overdue)
  const items = all.filter(current)
  const earlier = all.filter((request) => !current(request)).sort((a, b) => b.due_date.localeCompare(a.due_date))
  const loaded = Boolean(requests.data && (named.data || !turnId))
  useEffect(() => {
    if (loaded && turnId) document.querySelector(`[data-turn="${CSS.escape(turnId)}"]`)?.scrollIntoView({ block: 'start' })
  }, [loaded, turnId])
  return (
    <section className="bid-requests" aria-labelledby="bids-page-title">
      <h1 id="bids-page-title">Bid requests</h1>
      {requests.error && <p className="error">{readProblemText(requests.error)}</p>}
      {!requests.data && !requests.error && (
        <p className="loading" role="status">
          Loading your bid requests…
        </p>
      )}
      {requests.data && !items.length && (
        <p className="muted">No open bid requests: when a manager asks your company to quote, it shows here.</p>
      )}
      {items.map((request) => (
        <BidForm key={request.id} request={request} onSent={retry} picked={request.turn_id === turnId} />
      ))}
      {earlier.length > 0 && (
        <details className="earlier-bids" open={earlier.some((request) => request.turn_id === turnId)}>
          <summary>Earlier requests ({earlier.length})</summary>
          <p className="muted">The requests due in the last {HISTORY_DAYS} days that are over, and how each ended.</p>
          <ol>
            {earlier.map((request) => (
              <li
                key={request.id}
                data-turn={request.turn_id}
                className={request.turn_id === turnId ? 'picked' : undefined}
              >
                <strong>{request.address}</strong>
                <span className="muted">
                  Turn {request.turn_code} · due {formatDate(request.due_date)}
                </span>
                <span className={`outcome ${request.bids[0]?.status === 'AWARDED' ? 'won' : ''}`}>
                  {outcome(request)}
                </span>
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  )
}

function BidForm({ request, onSent, picked }) {
  const bid = request.bids[0]
  const [costs, setCosts] = useState(() =>
    Object.fromEntries(
      request.lines.map((line) => [
        line.scope_line_id,
        bid?.prices.find((p) => p.scope_line_id === line.scope_line_id)?.unit_cost ?? '',
      ]),
    ),
  )
  const [note, setNote] = useState(bid?.note || '')
  const [error, setError] = useState('')
  const [message, setMessage] = useState('')
  const [busy, setBusy] = useState(false)
  if (!bid) return null
  const amount = (line) => {
    const cost = Number(costs[line.scope_line_id])
    return costs[line.scope_line_id] === '' || Number.isNaN(cost) ? null : Math.round(cost * Number(line.quantity) * 100) / 100
  }
  const total = request.lines.reduce((sum, line) => sum + (amount(line) ?? 0), 0)
  const closed = request.overdue || request.status !== 'OPEN'

  async function send(path, body, done) {
    setBusy(true)
    setError('')
    try {
      await api(`/api/v1/bids/${bid.id}/${path}`, { method: 'POST', body: { ...body, version: bid.version } })
      setMessage(done)
      onSent()
    } catch (failure) {
      setError(problemText(failure))
      // Closed meanwhile (cancelled, or past due): read it again so the card says so.
      if (failure.status === 409) onSent()
    } finally {
      setBusy(false)
    }
  }

  function submit(event) {
    event.preventDefault()
    const prices = request.lines.map((line) => ({ scope_line_id: line.scope_line_id, unit_cost: costs[line.scope_line_id] }))
    send('submit', { prices, note: note || null }, `Prices sent: ${formatCents(total)}.`)
  }

  return (
    <form
      className={picked ? 'bid-card panel picked' : 'bid-card panel'}
      aria-label={`Bid for ${request.address}`}
      data-turn={request.turn_id}
      onSubmit={submit}
    >
      <h2>{request.address}</h2>
      <p className="muted">
        Turn {request.turn_code} ·{' '}
        {CLOSED[request.status]
          ? CLOSED[request.status]
          : closed
            ? `Was due ${formatDate(request.due_date)}: no longer taking bids`
            : `Due ${formatDate(request.due_date)}`}
      </p>
      {request.note && <p>{request.note}</p>}
      {ANSWERED[bid.status] && <p className="badge">{ANSWERED[bid.status]}</p>}
      <ol className="bid-lines">
        {request.lines.map((line) => (
          <li key={line.scope_line_id}>
            <p>
              <strong>{TRADES[line.trade] || line.trade}</strong>: {line.description}
              <br />
              <span className="muted">
                {Number(line.quantity).toLocaleString('en-US')} {line.unit}
              </span>
            </p>
            <label>
              Unit cost ($) for {line.description}
              <input
                inputMode="decimal"
                required
                disabled={closed}
                value={costs[line.scope_line_id]}
                onChange={(e) => setCosts({ ...costs, [line.scope_line_id]: e.target.value })}
              />
            </label>
            <span className="amount">{formatCents(amount(line))}</span>
          </li>
        ))}
      </ol>
      <p className="bid-total">
        Total <strong>{formatCents(total)}</strong>
      </p>
      <label>
        Note (optional)
        <textarea value={note} maxLength={1000} disabled={closed} onChange={(e) => setNote(e.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {message && (
        <p className="done" role="status">
          {message}
        </p>
      )}
      {!closed && (
        <p className="actions">
          <button type="submit" disabled={busy}>
            Submit prices
          </button>{' '}
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => send('decline', { note: note || null }, 'You declined this request.')}
          >
            Decline
          </button>
        </p>
      )}
    </form>
  )
}
