import { useEffect, useId, useState } from 'react'
import { ApiError, api, problemText } from '../../data/api.js'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { navigate } from '../../router.js'
import { address, today } from '../../format.js'
import { PropertyPicker } from '../common/property-picker.jsx'

/** The home's open turn, if it has one: a home is turned once at a time (the API refuses a second). */
export function openTurnOf(turns, propertyId) {
  return [...turns.values()].find((t) => t.property_id === propertyId && t.is_active) || null
}

/**
 * Start a turn: the home (searched by name, address or id), move-out and ready-by dates, a
 * note. A home that already has an open turn is refused with a link to that turn. Once the new
 * turn has synced, its page opens.
 */
export function NewTurn({ property: fixed = null, onClose }) {
  const { store } = useSession()
  const turns = useTable(store, 'turns')
  const properties = useTable(store, 'properties')
  const titleId = useId()
  const [propertyId, setPropertyId] = useState(fixed?.id || '')
  const [form, setForm] = useState({ move_out_date: today(), expected_completion_date: '', note: '' })
  const [state, setState] = useState({ sending: false, error: null, refused: null, created: null })

  const local = openTurnOf(turns, propertyId)
  const refused = state.refused?.propertyId === propertyId ? state.refused.turn : null
  // Once the new turn has synced it is the home's open turn: that is no refusal.
  const open = state.created ? null : local ? { id: local.id, turn_id: local.turn_id } : refused
  const early = form.expected_completion_date && form.expected_completion_date < form.move_out_date

  useEffect(() => {
    if (state.created && turns.has(state.created)) navigate(`/turns/${state.created}`)
  }, [state.created, turns])

  const set = (field) => (event) => setForm({ ...form, [field]: event.target.value })

  async function start(event) {
    event.preventDefault()
    setState({ sending: true, error: null, refused: null, created: null })
    const body = { property_id: propertyId, ...Object.fromEntries(Object.entries(form).filter(([, v]) => v.trim())) }
    try {
      const created = await api('/api/v1/turns', { method: 'POST', body })
      setState({ sending: false, error: null, refused: null, created: created.id })
    } catch (error) {
      const turn = error instanceof ApiError && error.problem.open_turn
      if (turn) setState({ sending: false, error: null, refused: { propertyId, turn }, created: null })
      else setState({ sending: false, error: problemText(error), refused: null, created: null })
    }
  }

  const chosen = properties.get(propertyId) || fixed
  return (
    <section className="panel new-turn" aria-labelledby={titleId}>
      <h2 id={titleId}>Start a turn</h2>
      <form onSubmit={start} aria-labelledby={titleId}>
        {fixed ? (
          <p>
            <span className="label">Property</span> {fixed.name} · {address(fixed)}
          </p>
        ) : (
          <PropertyPicker value={propertyId} onChange={setPropertyId} />
        )}
        {open && (
          <p className="problem" role="alert">
            {chosen?.name || 'This home'} already has an open turn, {open.turn_id}: finish or close it before starting
            another. <a href={`#/turns/${open.id}`}>Open turn {open.turn_id}</a>
          </p>
        )}
        <div className="fields">
          <label>
            Move-out date
            <input type="date" value={form.move_out_date} onChange={set('move_out_date')} required />
          </label>
          <label>
            Ready by
            <input
              type="date"
              value={form.expected_completion_date}
              min={form.move_out_date}
              onChange={set('expected_completion_date')}
            />
          </label>
        </div>
        {early && (
          <p className="problem" role="alert">
            The ready-by date is before the move-out date: pick a later day.
          </p>
        )}
        <label>
          Notes (optional)
          <textarea value={form.note} maxLength={1000} rows={2} onChange={set('note')} />
        </label>
        {state.error && (
          <p className="problem" role="alert">
            The turn was not started. {state.error}
          </p>
        )}
        <p className="actions">
          <button type="submit" disabled={!propertyId || Boolean(open) || early || state.sending || !!state.created}>
            {state.created ? 'Opening the turn…' : 'Start turn'}
          </button>
          {onClose && (
            <button type="button" className="link" onClick={onClose}>
              Cancel
            </button>
          )}
        </p>
      </form>
    </section>
  )
}
