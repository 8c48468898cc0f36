import { useState } from 'react'
import { api, problemText, useApi } from '../../data/api.js'
import { canMove, isVendor, useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { formatDate } from '../../format.js'

export const VISIT_STATUS = {
  PROPOSED: 'Proposed, waiting for the vendor',
  ACCEPTED: 'Accepted',
  COUNTERED: 'Vendor proposes another window',
  DONE: 'Done',
  CANCELLED: 'Cancelled',
}

/** A date window as people read it: "Dec 8, 2026 – Dec 9, 2026", one date when it is one day. */
export function formatWindow(starts, ends) {
  return starts === ends ? formatDate(starts) : `${formatDate(starts)} – ${formatDate(ends)}`
}

/**
 * The turn's vendor visits (a vendor: its company's) and its schedule warning, from the API.
 * They are read again after the user's own change and whenever a notice about this turn's
 * visits arrives (the notifications stay live), so the other side's answer shows at once
 * without holding one more of the browser's few connections open.
 */
export function useVisits(turnId) {
  const { store } = useSession()
  const notifications = useTable(store, 'notifications')
  const heard = [...notifications.values()].filter((n) => n.kind === 'vendor_visit' && n.turn_id === turnId).length
  const [written, setWritten] = useState(0)
  const { data, error, loading } = useApi(`/api/v1/turns/${turnId}/vendor-visits`, null, `${heard}/${written}`)
  return {
    rows: data?.items || [],
    warning: data?.schedule_warning || null,
    ready: Boolean(data),
    loading,
    error,
    changed: () => setWritten((n) => n + 1),
  }
}

/** The API's schedule warning: the accepted visits that end after the turn's ready date. */
export function WarningBanner({ warning }) {
  if (!warning) return null
  const late = warning.visit_ids.length === 1 ? 'A vendor visit ends' : `${warning.visit_ids.length} vendor visits end`
  return (
    <p className="schedule-warning" role="alert">
      <strong>Not ready on time:</strong> {late} {formatDate(warning.latest_end)}, {warning.days_late} day
      {warning.days_late === 1 ? '' : 's'} after the ready date ({formatDate(warning.ready_date)}). Move the visit or
      the ready date.
    </p>
  )
}

/**
 * Vendor visits: when each vendor works on the turn. The property's managers (and admins)
 * propose a window to one of the turn's vendors, confirm the vendor's other window or move it,
 * and cancel; the vendor accepts or proposes another window, then marks the visit done (its
 * lines are marked done, with after photos, in the scope).
 */
export function TurnVisits({ turn, visits, names }) {
  const { me } = useSession()
  const [error, setError] = useState('')
  const [answering, setAnswering] = useState(null)
  const writes = canMove(me)
  const vendor = isVendor(me)
  const warning = visits.warning

  async function send(visit, step, body = {}) {
    setError('')
    try {
      await api(`/api/v1/vendor-visits/${visit.id}/${step}`, { method: 'POST', body: { version: visit.version, ...body } })
      setAnswering(null)
      visits.changed()
      return true
    } catch (failure) {
      setError(problemText(failure))
      return false
    }
  }

  const company = (visit) => visit.vendor_name || names.vendors.get(visit.vendor_id)?.company_name || 'A vendor'
  return (
    <section className="panel visits" aria-labelledby="visits-title">
      <h2 id="visits-title">{vendor ? 'Your visits' : 'Vendor visits'}</h2>
      <WarningBanner warning={warning} />
      <p className="muted" role="status">
        {!visits.ready && (visits.error ? `The visits cannot be loaded right now: ${problemText(visits.error)}` : 'Loading…')}
        {visits.ready &&
          !visits.rows.length &&
          (vendor
            ? 'No visit is scheduled for your company on this turn yet: the manager proposes the dates.'
            : writes
              ? 'No vendor is scheduled yet: propose dates to the turn’s vendor below.'
              : 'No vendor is scheduled yet.')}
      </p>
      {visits.rows.length > 0 && (
        <ul className="visit-list">
          {visits.rows.map((visit) => (
            <li key={visit.id} className={`visit ${visit.status.toLowerCase()}`}>
              <div>
                <strong>{company(visit)}</strong> · {formatWindow(visit.starts_on, visit.ends_on)}
                {warning?.visit_ids.includes(visit.id) && <span className="badge overdue">After the ready date</span>}
              </div>
              <div className="visit-status">
                {VISIT_STATUS[visit.status]}
                {visit.status === 'COUNTERED' && `: ${formatWindow(visit.countered_starts_on, visit.countered_ends_on)}`}
              </div>
              {visit.note && <div className="muted">Note: {visit.note}</div>}
              <div className="row-actions">
                {vendor && visit.status === 'PROPOSED' && (
                  <button type="button" onClick={() => send(visit, 'accept')}>
                    Accept these dates
                  </button>
                )}
                {vendor && ['PROPOSED', 'ACCEPTED'].includes(visit.status) && (
                  <button type="button" className="link" onClick={() => setAnswering({ visit, step: 'counter' })}>
                    Propose other dates
                  </button>
                )}
                {writes && visit.status === 'COUNTERED' && (
                  <button type="button" onClick={() => send(visit, 'confirm')}>
                    Accept the new dates
                  </button>
                )}
                {writes && ['PROPOSED', 'ACCEPTED', 'COUNTERED'].includes(visit.status) && (
                  <button type="button" className="link" onClick={() => setAnswering({ visit, step: 'reschedule' })}>
                    Change the dates
                  </button>
                )}
                {(vendor || writes) && visit.status === 'ACCEPTED' && (
                  <button type="button" onClick={() => send(visit, 'done')}>
                    Mark visit done
                  </button>
                )}
                {writes && ['PROPOSED', 'ACCEPTED', 'COUNTERED'].includes(visit.status) && (
                  <button type="button" className="link" onClick={() => send(visit, 'cancel')}>
                    Cancel visit
                  </button>
                )}
              </div>
              {answering?.visit.id === visit.id && (
                <WindowForm
                  legend={answering.step === 'counter' ? 'Propose other dates' : 'Change the dates'}
                  start={visit.countered_starts_on || visit.starts_on}
                  end={visit.countered_ends_on || visit.ends_on}
                  onSave={(window) => send(visit, answering.step, window)}
                  onCancel={() => setAnswering(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {writes && <ScheduleForm turn={turn} names={names} onError={setError} onSaved={visits.changed} />}
    </section>
  )
}

/** Two dates and a note: a window to propose. */
function WindowForm({ legend, start, end, onSave, onCancel, children }) {
  const [draft, setDraft] = useState({ starts_on: start || '', ends_on: end || '', note: '' })
  const set = (key) => (event) => setDraft({ ...draft, [key]: event.target.value })
  async function save(event) {
    event.preventDefault()
    const body = { starts_on: draft.starts_on, ends_on: draft.ends_on, ...(draft.note.trim() ? { note: draft.note.trim() } : {}) }
    if (await onSave(body)) setDraft({ starts_on: '', ends_on: '', note: '' })
  }
  return (
    <form className="visit-form" onSubmit={save}>
      <fieldset>
        <legend>{legend}</legend>
        {children}
        <label>
          First day
          <input type="date" required value={draft.starts_on} onChange={set('starts_on')} />
        </label>
        <label>
          Last day
          <input type="date" required value={draft.ends_on} min={draft.starts_on || undefined} onChange={set('ends_on')} />
        </label>
        <label className="wide">
          Note for the other side (optional)
          <input maxLength={500} value={draft.note} onChange={set('note')} />
        </label>
        <div className="row-actions">
          <button type="submit">{onCancel ? 'Send' : 'Schedule'}</button>
          {onCancel && (
            <button type="button" className="link" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </fieldset>
    </form>
  )
}

/** Propose a window to one of the turn's vendors (its vendor or its flooring vendor). */
function ScheduleForm({ turn, names, onError, onSaved }) {
  const choices = [turn.vendor_id, turn.flooring_vendor_id].filter(Boolean).filter((id, i, all) => all.indexOf(id) === i)
  const [vendorId, setVendorId] = useState(choices[0] || '')
  if (!choices.length)
    return <p className="muted">Assign a vendor to this turn (in its details) to schedule a visit.</p>
  async function save(window) {
    onError('')
    try {
      await api(`/api/v1/turns/${turn.id}/vendor-visits`, { method: 'POST', body: { vendor_id: vendorId, ...window } })
      onSaved()
      return true
    } catch (failure) {
      onError(problemText(failure))
      return false
    }
  }
  return (
    <WindowForm legend="Schedule a vendor" onSave={save}>
      <label>
        Vendor
        <select value={vendorId} onChange={(event) => setVendorId(event.target.value)}>
          {choices.map((id) => (
            <option key={id} value={id}>
              {names.vendors.get(id)?.company_name || 'Vendor'}
            </option>
          ))}
        </select>
      </label>
    </WindowForm>
  )
}
