import { useMemo, useState } from 'react'
import { api, problemText } from '../data/api.js'
import { canMove, isAdmin, useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { DataTable } from '../components/common/data-table.jsx'
import { NewTurn, openTurnOf } from '../components/turn/new-turn.jsx'
import { TurnLockBox } from '../components/turn/lock-box.jsx'
import { PropertySetup } from '../components/setup/property-setup.jsx'
import { formatValue } from '../components/turn/values.jsx'
import { address, formatDate, formatMoney, personName, turnAmount } from '../format.js'
import './turn.css'

const UTILITIES = [
  ['power_status', 'power_provider_id', 'Power'],
  ['water_status', 'water_provider_id', 'Water'],
  ['gas_status', 'gas_provider_id', 'Gas'],
]

/** One home: where it is, who runs it, its open turn (or a way to start one), utilities, access and every turn it had. */
export function PropertyPage({ id }) {
  const { me, store } = useSession()
  const properties = useTable(store, 'properties')
  const turns = useTable(store, 'turns')
  const stages = useTable(store, 'turn_stages')
  const vendors = useTable(store, 'vendors')
  const users = useTable(store, 'users')
  const providers = useTable(store, 'utility_providers')
  const [starting, setStarting] = useState(false)
  const names = useMemo(() => ({ stages, vendors, users, providers }), [stages, vendors, users, providers])
  const property = properties.get(id)
  const history = useMemo(
    () =>
      [...turns.values()]
        .filter((t) => t.property_id === id)
        .sort((a, b) => (b.move_out_date || '').localeCompare(a.move_out_date || '')),
    [turns, id],
  )

  if (!property) {
    return store.tables.properties.ready ? (
      <section aria-labelledby="property-title">
        <h1 id="property-title">Property not found</h1>
        <p>
          No property with this link is visible to you. <a href="#/properties">Back to the properties</a>
        </p>
      </section>
    ) : (
      <p className="loading" role="status">
        Loading the property…
      </p>
    )
  }

  const open = openTurnOf(turns, id)
  const latest = open || history[0]
  const columns = [
    {
      key: 'turn',
      label: 'Turn',
      value: (t) => t.turn_id,
      render: (t) => <a href={`#/turns/${t.id}`}>{t.turn_id}</a>,
    },
    {
      key: 'stage',
      label: 'Stage',
      value: (t) => stages.get(t.stage_id)?.name,
      render: (t) => `${stages.get(t.stage_id)?.name || 'Unknown stage'}${t.is_active ? '' : ' · finished'}`,
    },
    { key: 'move_out', label: 'Moved out', value: (t) => t.move_out_date, render: (t) => formatDate(t.move_out_date) },
    {
      key: 'done',
      label: 'Completed',
      value: (t) => t.turn_completion_date,
      render: (t) => (t.is_active ? 'Open' : formatDate(t.turn_completion_date)),
    },
    {
      key: 'amount',
      label: 'Amount',
      value: (t) => turnAmount(t),
      render: (t) => ('turn_amount' in t ? formatMoney(turnAmount(t)) : '—'),
      numeric: true,
    },
  ]

  return (
    <article className="turn-page" aria-labelledby="property-title">
      <header className="turn-head">
        <p className="crumbs">
          <a href="#/properties">Properties</a> / {property.name}
        </p>
        <h1 id="property-title">{property.name}</h1>
        <p className="address">{address(property) || 'No address on file'}</p>
        <dl className="facts">
          <div>
            <dt>Property ID</dt>
            <dd>{property.property_id}</dd>
          </div>
          <div>
            <dt>Market</dt>
            <dd>{property.market || '—'}</dd>
          </div>
          <div>
            <dt>Manager</dt>
            <dd>{property.property_manager_id ? personName(users.get(property.property_manager_id)) : 'None'}</dd>
          </div>
          <div>
            <dt>Moved out</dt>
            <dd>{formatDate(property.move_out_date)}</dd>
          </div>
        </dl>
        {!property.is_active && <p className="muted">This property is inactive: no new turns start on it.</p>}
      </header>
      {isAdmin(me) && <PropertySetup property={property} />}
      <div className="turn-columns">
        <div>
          <section className="panel" aria-labelledby="open-turn-title">
            <h2 id="open-turn-title">Open turn</h2>
            {open ? (
              <p>
                <a href={`#/turns/${open.id}`}>Turn {open.turn_id}</a> is in{' '}
                <strong>{stages.get(open.stage_id)?.name || 'an unknown stage'}</strong>, ready by{' '}
                {formatDate(open.expected_completion_date)}.
              </p>
            ) : (
              <p className="muted">
                No turn is open on this home.{' '}
                {canMove(me) ? 'Start one when the resident gives notice.' : 'A manager starts one when it is vacated.'}
              </p>
            )}
            {!open && canMove(me) && !starting && (
              <p className="actions">
                <button type="button" onClick={() => setStarting(true)}>
                  Start a turn
                </button>
              </p>
            )}
          </section>
          {starting && <NewTurn property={property} onClose={() => setStarting(false)} />}
          <MoveInDate property={property} />
          <section className="panel" aria-labelledby="turns-title">
            <h2 id="turns-title">Turn history</h2>
            {history.length ? (
              <DataTable caption="Turns of this home" columns={columns} rows={history} rowKey={(t) => t.id} stacked />
            ) : (
              <p className="muted">This home has had no turn yet.</p>
            )}
          </section>
        </div>
        <div>
          <section className="panel" aria-labelledby="utilities-title">
            <h2 id="utilities-title">Utilities</h2>
            {latest && 'power_status' in latest ? (
              <dl className="summary">
                {UTILITIES.map(([status, provider, label]) => (
                  <div key={status}>
                    <dt>{label}</dt>
                    <dd>
                      {formatValue(status, latest[status], names)}
                      {latest[provider] && ` · ${formatValue(provider, latest[provider], names)}`}
                    </dd>
                  </div>
                ))}
              </dl>
            ) : (
              <p className="muted">Utilities are tracked on a turn: start one to record power, water and gas.</p>
            )}
          </section>
          {latest ? (
            <TurnLockBox turn={latest} />
          ) : (
            <section className="panel" aria-labelledby="lock-box-title">
              <h2 id="lock-box-title">Lock box</h2>
              <p className="muted">The lock box is recorded on a turn: start one to set it.</p>
            </section>
          )}
        </div>
      </div>
    </article>
  )
}

/** The day the next resident moves in (closes the vacancy); editable by those who run the home. */
function MoveInDate({ property }) {
  const { me } = useSession()
  const [draft, setDraft] = useState(null)
  const [result, setResult] = useState({})
  const value = draft ?? property.move_in_date ?? ''

  async function save(event) {
    event.preventDefault()
    try {
      await api(`/api/v1/properties/${property.id}`, {
        method: 'PATCH',
        body: { move_in_date: value || null, version: Number(property.version) },
      })
      setResult({ saved: true })
      setDraft(null)
    } catch (error) {
      setResult({ error: problemText(error) })
    }
  }

  if (!canMove(me)) {
    return (
      <section className="panel" aria-labelledby="move-in-title">
        <h2 id="move-in-title">Move-in</h2>
        <p>{property.move_in_date ? formatDate(property.move_in_date) : 'No move-in date yet.'}</p>
      </section>
    )
  }
  return (
    <section className="panel" aria-labelledby="move-in-title">
      <h2 id="move-in-title">Move-in</h2>
      <form className="stage-move" aria-labelledby="move-in-title" onSubmit={save}>
        <label>
          Move-in date
          <input type="date" value={value} onChange={(e) => (setDraft(e.target.value), setResult({}))} />
        </label>
        <button type="submit" disabled={draft === null}>
          Save move-in date
        </button>
      </form>
      <p role="status">{result.saved && 'Move-in date saved.'}</p>
      {result.error && (
        <p className="error" role="alert">
          {result.error}
        </p>
      )}
    </section>
  )
}
