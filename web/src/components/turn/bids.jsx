import { useMemo, useState } from 'react'
import { api, problemText, readProblemText, useApi } from '../../data/api.js'
import { canMove, useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { TRADES, formatCents, formatDate } from '../../format.js'
import '../../pages/bids.css'

/** What a bid's state means to the manager comparing it. */
export const BID_LABELS = {
  INVITED: 'Waiting',
  SUBMITTED: 'Submitted',
  DECLINED: 'Declined',
  AWARDED: 'Awarded',
  LOST: 'Not chosen',
}

export function bidLabel(bid) {
  return bid.late ? 'Late: no bid' : BID_LABELS[bid.status] || bid.status
}

function inDays(days) {
  const date = new Date(Date.now() + days * 86_400_000)
  return date.toISOString().slice(0, 10)
}

/**
 * Bids on a turn's lines: the manager asks approved vendors to quote some lines by a due date,
 * then reads every answer side by side (line × vendor, totals, late and declined shown) and
 * awards one, which sets vendor and unit cost on the lines. Approvers read the comparison.
 */
export function TurnBids({ turn, lines }) {
  const { me } = useSession()
  const writes = canMove(me)
  const [asking, setAsking] = useState(false)
  const requests = useApi(`/api/v1/turns/${turn.id}/bid-requests`)
  const items = requests.data?.items || []

  return (
    <section className="panel bids" aria-labelledby="bids-title">
      <h2 id="bids-title">Bids</h2>
      {requests.error && <p className="error">{readProblemText(requests.error)}</p>}
      {requests.data && !items.length && (
        <p className="muted">
          {writes
            ? 'No bids asked yet: for large lines, ask two or three vendors to quote, then compare and award.'
            : 'No bids were asked for this turn.'}
        </p>
      )}
      {items.map((request) => (
        <BidComparison key={request.id} request={request} writes={writes} onChange={requests.retry} />
      ))}
      {writes &&
        (asking ? (
          <AskForBids
            turn={turn}
            lines={lines.rows}
            done={(asked) => {
              setAsking(false)
              if (asked) requests.retry()
            }}
          />
        ) : (
          <p>
            <button type="button" onClick={() => setAsking(true)} disabled={!lines.rows.length}>
              Ask for bids
            </button>{' '}
            {!lines.rows.length && <span className="muted">Add scope lines first: vendors quote lines.</span>}
          </p>
        ))}
    </section>
  )
}

function AskForBids({ turn, lines, done }) {
  const { store } = useSession()
  const vendorRows = useTable(store, 'vendors')
  const vendors = useMemo(
    () =>
      [...vendorRows.values()]
        .filter((v) => v.is_active && v.is_approved)
        .sort((a, b) => a.company_name.localeCompare(b.company_name)),
    [vendorRows],
  )
  const [chosenLines, setLines] = useState(() => new Set())
  const [chosenVendors, setVendors] = useState(() => new Set())
  const [due, setDue] = useState(inDays(3))
  const [note, setNote] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  const toggle = (set, setter, id) => {
    const next = new Set(set)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setter(next)
  }

  async function send(event) {
    event.preventDefault()
    if (!chosenLines.size || !chosenVendors.size) {
      setError('Choose at least one line and one vendor.')
      return
    }
    setBusy(true)
    setError('')
    try {
      const body = { line_ids: [...chosenLines], vendor_ids: [...chosenVendors], due_date: due, note: note || null }
      await api(`/api/v1/turns/${turn.id}/bid-requests`, { method: 'POST', body })
      done(true)
    } catch (failure) {
      setError(problemText(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="ask-bids" aria-label="Ask for bids" onSubmit={send}>
      <fieldset>
        <legend>Lines to quote</legend>
        {lines.map((line) => (
          <label key={line.id} className="check">
            <input
              type="checkbox"
              checked={chosenLines.has(line.id)}
              onChange={() => toggle(chosenLines, setLines, line.id)}
            />{' '}
            {TRADES[line.trade] || line.trade}: {line.description} ({formatCents(line.amount)} now)
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Vendors to ask</legend>
        {!vendors.length && <p className="muted">No approved vendor yet: approve vendors on the Vendors page.</p>}
        {vendors.map((vendor) => (
          <label key={vendor.id} className="check">
            <input
              type="checkbox"
              checked={chosenVendors.has(vendor.id)}
              onChange={() => toggle(chosenVendors, setVendors, vendor.id)}
            />{' '}
            {vendor.company_name}
            {vendor.trades?.length ? (
              <span className="muted"> — {vendor.trades.map((t) => TRADES[t] || t).join(', ')}</span>
            ) : null}
          </label>
        ))}
      </fieldset>
      <div className="fields">
        <label>
          Due date
          <input type="date" required value={due} min={inDays(0)} onChange={(e) => setDue(e.target.value)} />
        </label>
        <label className="wide">
          Note to the vendors (optional)
          <textarea value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="actions">
        <button type="submit" disabled={busy}>
          Send the request
        </button>{' '}
        <button type="button" className="link" onClick={() => done(false)}>
          Cancel
        </button>
      </p>
    </form>
  )
}

function BidComparison({ request, writes, onChange }) {
  const [confirming, setConfirming] = useState(null)
  const [cancelling, setCancelling] = useState(false)
  const [error, setError] = useState('')
  const [message, setMessage] = useState('')
  const open = request.status === 'OPEN'
  const totals = request.bids.filter((b) => b.total !== null).map((b) => Number(b.total))
  const lowest = totals.length ? Math.min(...totals) : null

  /** POST the request's `action` (award, cancel) at the version read; `done` says what happened. */
  async function decide(action, body, done) {
    setError('')
    try {
      await api(`/api/v1/bid-requests/${request.id}/${action}`, { method: 'POST', body: { ...body, version: request.version } })
      setConfirming(null)
      setCancelling(false)
      setMessage(done)
      onChange()
    } catch (failure) {
      setError(problemText(failure))
    }
  }

  const award = (bid) =>
    decide('award', { bid_id: bid.id }, `Awarded to ${bid.vendor_name}: the lines now carry its prices.`)
  const cancel = () => decide('cancel', {}, 'Bid request cancelled: the vendors can no longer price it.')

  return (
    <div className="bid-request" data-request={request.id}>
      <h3>
        {request.lines.length} line{request.lines.length === 1 ? '' : 's'}, due {formatDate(request.due_date)}{' '}
        <span className="badge">
          {request.status === 'AWARDED' ? 'Awarded' : request.status === 'CANCELLED' ? 'Cancelled' : request.overdue ? 'Due date passed' : 'Open'}
        </span>
      </h3>
      {request.note && <p className="muted">{request.note}</p>}
      <div className="table-scroll">
        <table className="bid-compare" aria-label={`Bids due ${formatDate(request.due_date)}`}>
          <thead>
            <tr>
              <th scope="col">Line</th>
              {request.bids.map((bid) => (
                <th scope="col" key={bid.id} className="number">
                  {bid.vendor_name}
                  <br />
                  <span className={`bid-status ${bid.late ? 'late' : bid.status.toLowerCase()}`}>{bidLabel(bid)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {request.lines.map((line) => (
              <tr key={line.scope_line_id}>
                <th scope="row">
                  {TRADES[line.trade] || line.trade}: {line.description}
                  <br />
                  <span className="muted">
                    {Number(line.quantity).toLocaleString('en-US')} {line.unit}
                  </span>
                </th>
                {request.bids.map((bid) => {
                  const price = bid.prices.find((p) => p.scope_line_id === line.scope_line_id)
                  return (
                    <td key={bid.id} className="number" data-label={bid.vendor_name}>
                      {price ? (
                        <>
                          {formatCents(price.amount)}
                          <br />
                          <span className="muted">{formatCents(price.unit_cost)} each</span>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  )
                })}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              {request.bids.map((bid) => (
                <td key={bid.id} className="number" data-label={`${bid.vendor_name} total`}>
                  <strong>{formatCents(bid.total)}</strong>
                  {bid.total !== null && Number(bid.total) === lowest && request.bids.length > 1 && (
                    <span className="muted"> lowest</span>
                  )}
                  {bid.note && <div className="muted bid-note">{bid.note}</div>}
                  {writes && open && bid.status === 'SUBMITTED' && (
                    <div>
                      <button type="button" onClick={() => setConfirming(bid)}>
                        Award<span className="visually-hidden"> {bid.vendor_name}</span>
                      </button>
                    </div>
                  )}
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label="Confirm the award">
          <p>
            Award {confirming.vendor_name} for {formatCents(confirming.total)}? Its prices replace the unit costs of{' '}
            {request.lines.length} line{request.lines.length === 1 ? '' : 's'}, it becomes their vendor, and the other
            bids are not chosen.
          </p>
          <p className="actions">
            <button type="button" onClick={() => award(confirming)}>
              Yes, award {confirming.vendor_name}
            </button>{' '}
            <button type="button" className="link" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </p>
        </div>
      )}
      {writes && open && !cancelling && (
        <p className="actions">
          <button type="button" className="link" onClick={() => setCancelling(true)}>
            Cancel this bid request
          </button>
        </p>
      )}
      {cancelling && (
        <div className="confirm" role="alertdialog" aria-label="Confirm the cancellation">
          <p>
            Cancel this bid request? The {request.bids.length} invited vendor{request.bids.length === 1 ? '' : 's'} can
            no longer price it; the prices already sent stay on record and the lines keep their vendor and unit costs.
          </p>
          <p className="actions">
            <button type="button" onClick={cancel}>
              Yes, cancel the request
            </button>{' '}
            <button type="button" className="link" onClick={() => setCancelling(false)}>
              Keep it open
            </button>
          </p>
        </div>
      )}
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
    </div>
  )
}
