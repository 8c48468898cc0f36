import { useEffect, useState } from 'react'
import { api, problemText, readProblemText, useApi } from '../../data/api.js'
import { sameValue } from '../../data/outbox.js'
import { canMove, isVendor, useSession } from '../../data/session.js'
import { shapeRows } from '../../data/sync.js'
import { TRADES, formatCents, formatDate } from '../../format.js'
import { ConflictChoice } from './change-problem.jsx'
import { TurnConflict } from './conflict.jsx'
import { AddPhoto, addsPhotos, PhotoGrid, PhotoUploads } from './photos.jsx'

export const UNITS = ['each', 'sq ft', 'sq yd', 'ln ft', 'hour', 'room', 'lot']

function quantity(value) {
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: 2 })
}

/** The lines of a turn's scope still in it, in order, live from the synced `scope_lines`. */
export function useScopeLines(turnId) {
  const [lines, setLines] = useState({ rows: [], ready: false, error: null })
  useEffect(
    () =>
      shapeRows('scope_lines', { where: 'turn_id = $1', params: { 1: turnId } }, (rows, table) =>
        setLines({ rows, ready: table.ready, error: table.error }),
      ),
    [turnId],
  )
  const rows = lines.rows
    .filter((row) => !row.removed_at)
    .sort((a, b) => a.position - b.position || a.created_at.localeCompare(b.created_at))
  return { ...lines, rows }
}

/** The photos of each scope line, by line id. */
function byLine(photos) {
  const found = new Map()
  for (const photo of photos) {
    if (photo.subject === 'scope_line') found.set(photo.subject_id, [...(found.get(photo.subject_id) || []), photo])
  }
  return found
}

/**
 * A line's before and after photos, and the buttons that add them: a vendor adds the after
 * photos of its lines (the proof the work is done); the manager and inspector both.
 */
function LinePhotos({ turn, line, photos, names }) {
  const { me } = useSession()
  const subject = { subject: 'scope_line', subject_id: line.id }
  const phases = isVendor(me) ? ['after'] : addsPhotos(me) ? ['before', 'after'] : []
  return (
    <div className="line-photos">
      <PhotoGrid photos={photos} names={names} label={`Photos of ${line.description}`} compact />
      {phases.map((phase) => (
        <AddPhoto
          key={phase}
          turnId={turn.id}
          details={{ ...subject, phase, caption: `${line.description} (${phase})` }}
          label={
            <>
              Add {phase} photo<span className="visually-hidden"> of {line.description}</span>
            </>
          }
        />
      ))}
      <PhotoUploads turnId={turn.id} subjectId={line.id} />
    </div>
  )
}

/**
 * The scope of work: one row per line (trade, what, quantity × unit cost = amount, vendor,
 * charge-back, its before and after photos) and the total, which is the turn amount. Admins
 * and the property's managers add, change and remove lines; a vendor sees only its own lines,
 * marks them done and adds their after photos. A change that meets a newer version of its line
 * (someone else saved it first) is shown with both values until the user keeps one.
 */
export function TurnScope({ turn, lines, names, photos = [] }) {
  const { me } = useSession()
  const [editing, setEditing] = useState(null)
  const [error, setError] = useState('')
  const [conflict, setConflict] = useState(null)
  const writes = canMove(me)
  const vendor = isVendor(me)
  const total = lines.rows.reduce((sum, line) => sum + Number(line.amount), 0)
  const linePhotos = byLine(photos)

  async function send(path, options) {
    setError('')
    try {
      await api(path, options)
      return true
    } catch (failure) {
      setError(problemText(failure))
      return false
    }
  }

  /**
   * PATCH `body` onto `line` as read at `version`. True once the change is saved, or shown as a
   * conflict with the line as it now is (its `current` in the 409/412 answer); false if refused.
   */
  async function change(line, label, body, version = line.version) {
    setError('')
    try {
      await api(`/api/v1/scope-lines/${line.id}`, { method: 'PATCH', body: { ...body, version } })
      setConflict(null)
      return true
    } catch (failure) {
      const current = failure.problem?.current
      if ((failure.status === 409 || failure.status === 412) && current) {
        setConflict({ line, label, body, current })
        return true
      }
      setError(problemText(failure))
      return false
    }
  }

  const remove = (line) =>
    send(`/api/v1/scope-lines/${line.id}`, { method: 'DELETE', query: { version: line.version } })
  const mark = (line, status) =>
    change(line, status === 'DONE' ? `Mark ${line.description} done` : `Reopen ${line.description}`, { status })

  return (
    <section className="panel scope" aria-labelledby="scope-title">
      <h2 id="scope-title">{vendor ? 'Your lines' : 'Scope'}</h2>
      <p className="muted" role="status">
        {!lines.ready && (lines.error ? 'The scope cannot be loaded right now; retrying…' : 'Loading…')}
        {lines.ready &&
          !lines.rows.length &&
          (vendor
            ? 'No line of this scope is assigned to your company yet.'
            : writes
              ? 'No lines yet: add the work to do, and the turn amount becomes their total.'
              : 'No lines yet: the manager has not written the scope.')}
      </p>
      {lines.rows.length > 0 && (
        <table className="scope-lines">
          <thead>
            <tr>
              <th scope="col">Trade</th>
              <th scope="col">Work</th>
              <th scope="col">Qty × unit cost</th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col">Vendor</th>
              {!vendor && <th scope="col">Charge-back</th>}
              <th scope="col">Status</th>
              {(writes || vendor) && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {lines.rows.map((line) => (
              <tr key={line.id}>
                <td data-label="Trade">{TRADES[line.trade] || line.trade}</td>
                <td data-label="Work">
                  {line.description}
                  <LinePhotos turn={turn} line={line} photos={linePhotos.get(line.id) || []} names={names} />
                </td>
                <td data-label="Qty × unit cost">
                  {quantity(line.quantity)} {line.unit} × {formatCents(line.unit_cost)}
                </td>
                <td data-label="Amount" className="number">
                  {formatCents(line.amount)}
                </td>
                <td data-label="Vendor">{names.vendors.get(line.vendor_id)?.company_name || 'Unassigned'}</td>
                {!vendor && (
                  <td data-label="Charge-back">{line.chargeback ? formatCents(line.chargeback_amount ?? line.amount) : 'No'}</td>
                )}
                <td data-label="Status">{line.status === 'DONE' ? `Done ${formatDate(line.done_at)}` : 'Open'}</td>
                {(writes || vendor) && (
                  <td className="row-actions">
                    {vendor && (
                      <button type="button" onClick={() => mark(line, line.status === 'DONE' ? 'OPEN' : 'DONE')}>
                        {line.status === 'DONE' ? 'Reopen' : 'Mark done'}
                      </button>
                    )}
                    {writes && (
                      <>
                        <button type="button" className="link" onClick={() => setEditing(line)}>
                          Edit<span className="visually-hidden"> {line.description}</span>
                        </button>
                        <button type="button" className="link" onClick={() => remove(line)}>
                          Remove<span className="visually-hidden"> {line.description}</span>
                        </button>
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
          {!vendor && (
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  Total (the turn amount)
                </th>
                <td className="number" data-label="Total">
                  {formatCents(total)}
                </td>
              </tr>
            </tfoot>
          )}
        </table>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {conflict && (
        <ConflictChoice
          label={conflict.label}
          what="line"
          onReapply={() => change(conflict.line, conflict.label, conflict.body, conflict.current.version)}
          onDiscard={() => setConflict(null)}
        >
          <TurnConflict op={conflict} names={names} />
        </ConflictChoice>
      )}
      {writes && (
        <LineForm
          key={editing?.id || 'new'}
          turn={turn}
          line={editing}
          names={names}
          send={send}
          change={change}
          done={() => setEditing(null)}
        />
      )}
    </section>
  )
}

const BLANK = { trade: 'PAINT', description: '', quantity: '1', unit: 'each', unit_cost: '', vendor_id: '', chargeback: false, chargeback_amount: '' }

/** The fields of `body` whose values differ from those `line` has. */
function changedFields(body, line) {
  return Object.fromEntries(Object.entries(body).filter(([name, value]) => !sameValue(line[name], value)))
}

/**
 * Add a line, or change `line` (sending only the fields changed, so a conflict names only
 * those): the amount shown is what the server will compute.
 */
function LineForm({ turn, line, names, send, change, done }) {
  const [draft, setDraft] = useState(() =>
    line
      ? Object.fromEntries(Object.keys(BLANK).map((key) => [key, line[key] ?? BLANK[key]]))
      : { ...BLANK, vendor_id: turn.vendor_id || '' },
  )
  const set = (key) => (event) =>
    setDraft({ ...draft, [key]: event.target.type === 'checkbox' ? event.target.checked : event.target.value })
  const amount = Number(draft.quantity || 0) * Number(draft.unit_cost || 0)
  const vendors = [...names.vendors.values()].sort((a, b) => a.company_name.localeCompare(b.company_name))

  async function save(event) {
    event.preventDefault()
    const body = {
      trade: draft.trade,
      description: draft.description.trim(),
      quantity: Number(draft.quantity).toFixed(2),
      unit: draft.unit,
      unit_cost: Number(draft.unit_cost).toFixed(2),
      vendor_id: draft.vendor_id || null,
      chargeback: draft.chargeback,
      chargeback_amount: draft.chargeback && draft.chargeback_amount !== '' ? Number(draft.chargeback_amount).toFixed(2) : null,
    }
    const saved = line
      ? await change(line, `Edit ${line.description}`, changedFields(body, line))
      : await send(`/api/v1/turns/${turn.id}/scope-lines`, { method: 'POST', body })
    if (saved) {
      if (!line) setDraft({ ...BLANK, vendor_id: draft.vendor_id })
      done()
    }
  }

  return (
    <form className="scope-line-form" aria-label={line ? 'Change the line' : 'Add a line'} onSubmit={save}>
      <h3>{line ? `Change “${line.description}”` : 'Add a line'}</h3>
      <div className="fields">
        <label>
          Trade
          <select value={draft.trade} onChange={set('trade')}>
            {Object.entries(TRADES).map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Work
          <input required maxLength={500} value={draft.description} onChange={set('description')} placeholder="e.g. Repaint all walls" />
        </label>
        <label>
          Quantity
          <input required type="number" min="0.01" max="100000" step="0.01" inputMode="decimal" value={draft.quantity} onChange={set('quantity')} />
        </label>
        <label>
          Unit
          <select value={draft.unit} onChange={set('unit')}>
            {UNITS.map((unit) => (
              <option key={unit}>{unit}</option>
            ))}
          </select>
        </label>
        <label>
          Unit cost ($)
          <input required type="number" min="0" max="1000000" step="0.01" inputMode="decimal" value={draft.unit_cost} onChange={set('unit_cost')} />
        </label>
        <label>
          Vendor
          <select value={draft.vendor_id || ''} onChange={set('vendor_id')}>
            <option value="">Unassigned</option>
            {vendors.map((vendor) => (
              <option key={vendor.id} value={vendor.id}>
                {vendor.company_name}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.chargeback} onChange={set('chargeback')} />
          Charge back to the resident
        </label>
        {draft.chargeback && (
          <label>
            Charge-back ($, blank: the whole amount)
            <input type="number" min="0" step="0.01" inputMode="decimal" value={draft.chargeback_amount} onChange={set('chargeback_amount')} />
          </label>
        )}
      </div>
      <p className="actions">
        <span className="muted">Amount {formatCents(Math.round(amount * 100) / 100)}</span>{' '}
        <button type="submit">{line ? 'Save the line' : 'Add the line'}</button>
        {line && (
          <button type="button" className="link" onClick={done}>
            Cancel
          </button>
        )}
      </p>
    </form>
  )
}

/**
 * What an approver decides on: the lines with their total, and for a scope approved before
 * (a change order), what changed since, line by line.
 */
export function ScopeReview({ item, names }) {
  const lines = useApi(`/api/v1/turns/${item.id}/scope-lines`, null, item.version)
  const photos = useApi(`/api/v1/turns/${item.id}/photos`, null, item.version)
  const linePhotos = byLine(photos.data || [])
  const homePhotos = (photos.data || []).filter((photo) => photo.subject !== 'scope_line')
  const again = item.approved_turn_amount !== null && item.approved_turn_amount !== undefined
  const changes = useApi(again ? `/api/v1/turns/${item.id}/scope-changes` : null, null, item.version)
  const rows = lines.data?.items || []
  if (lines.error) return <p className="error">{readProblemText(lines.error)}</p>
  if (!lines.data) return <p className="muted">Loading the scope…</p>
  const diff = changes.data
  return (
    <div className="scope-review">
      {rows.length ? (
        <table className="scope-lines compact" aria-label={`Scope of ${item.turn_id}`}>
          <tbody>
            {rows.map((line) => (
              <tr key={line.id}>
                <td>{TRADES[line.trade] || line.trade}</td>
                <td>
                  {line.description}
                  {line.chargeback && <span className="muted"> · charged back {formatCents(line.chargeback_amount ?? line.amount)}</span>}
                  <PhotoGrid photos={linePhotos.get(line.id) || []} names={names} label={`Photos of ${line.description}`} compact />
                </td>
                <td>
                  {quantity(line.quantity)} {line.unit} × {formatCents(line.unit_cost)}
                </td>
                <td className="number">{formatCents(line.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className="number">{formatCents(rows.reduce((sum, line) => sum + Number(line.amount), 0))}</td>
            </tr>
          </tfoot>
        </table>
      ) : (
        <p className="muted">No scope lines: the amount was entered as one total.</p>
      )}
      {homePhotos.length > 0 && (
        <>
          <h3>Photos of the home</h3>
          <PhotoGrid photos={homePhotos} names={names} label={`Photos of ${item.turn_id}`} compact />
        </>
      )}
      {photos.data && !photos.data.length && <p className="muted">No photos were added to this turn.</p>}
      {diff && (
        <div className="scope-changes">
          <h3>
            Changed since approved: {formatCents(diff.approved_total)} → {formatCents(diff.current_total)} (
            {signed(diff.difference)})
          </h3>
          <ul>
            {diff.added.map((c) => (
              <li key={c.id}>
                Added: {c.description} {signed(c.difference)}
              </li>
            ))}
            {diff.changed.map((c) => (
              <li key={c.id}>
                Changed: {c.description} {formatCents(c.old_amount)} → {formatCents(c.new_amount)} ({signed(c.difference)})
              </li>
            ))}
            {diff.removed.map((c) => (
              <li key={c.id}>
                Removed: {c.description} {signed(c.difference)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}

function signed(value) {
  const number = Number(value)
  return `${number > 0 ? '+' : number < 0 ? '−' : ''}${formatCents(Math.abs(number))}`
}
