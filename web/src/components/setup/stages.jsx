// Set-up: the workflow's stages in order. An admin renames a stage, sets what a turn needs to
// enter it, moves it up or down, and deactivates or reactivates it.
import { useState } from 'react'
import { api, problemText } from '../../data/api.js'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { ActiveToggle } from './active-toggle.jsx'
import { RecordForm } from './record-form.jsx'
import { useSavedRows } from './saved-rows.js'

const FIELDS = [
  { name: 'name', label: 'Name', required: true },
  { name: 'is_amount_required', label: 'A turn needs an amount to enter', type: 'checkbox' },
  { name: 'is_vendor_required', label: 'A turn needs a vendor to enter', type: 'checkbox' },
  { name: 'requires_approval', label: 'Later stages need an approved scope', type: 'checkbox' },
  { name: 'is_complete_stage', label: 'Entering it completes the turn', type: 'checkbox' },
  { name: 'send_email_to_users', label: 'E-mail the managers when a turn enters', type: 'checkbox' },
  { name: 'send_email_to_vendor', label: 'E-mail the vendor when a turn enters', type: 'checkbox' },
]

const NEEDS = [
  ['is_amount_required', 'an amount'],
  ['is_vendor_required', 'a vendor'],
  ['requires_approval', 'approval before later stages'],
]

export function SetupStages() {
  const { store } = useSession()
  const [rows, keep] = useSavedRows(useTable(store, 'turn_stages'))
  const [editing, setEditing] = useState(null)
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  const stages = [...rows].sort((a, b) => a.display_order - b.display_order)
  const current = stages.find((s) => s.id === editing)

  const patch = async (stage, body) =>
    keep(await api(`/api/v1/turn-stages/${stage.id}`, { method: 'PATCH', body: { ...body, version: Number(stage.version) } }))

  /** Swap two neighbours' places; the order is unique, so one first steps aside to a free place. */
  async function swap(a, b) {
    setBusy(true)
    setError(null)
    try {
      const aside = await patch(a, { display_order: Math.max(...stages.map((s) => s.display_order)) + 1 })
      await patch(b, { display_order: a.display_order })
      await patch(aside, { display_order: b.display_order })
    } catch (e) {
      setError(problemText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      {current && (
        <div className="panel setup-form">
          <RecordForm
            key={current.id}
            title={`Edit the stage ${current.name}`}
            fields={FIELDS}
            record={current}
            submitLabel="Save stage"
            onSave={(changes) => patch(current, changes)}
            onCancel={() => setEditing(null)}
          />
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ol className="stage-list" aria-label="Stages in workflow order">
        {stages.map((s, i) => {
          const needs = NEEDS.filter(([flag]) => s[flag]).map(([, words]) => words)
          return (
            <li key={s.id} className={s.is_active ? undefined : 'inactive'}>
              <span className="stage-swatch" style={{ background: s.color || '#888' }} aria-hidden="true" />
              <span className="stage-text">
                <strong>{s.name}</strong>
                <small className="muted">
                  {[
                    needs.length ? `Needs ${needs.join(', ')}` : 'No requirements',
                    s.is_complete_stage && 'completes the turn',
                    !s.is_active && 'inactive',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </small>
              </span>
              <span className="row-actions">
                <button type="button" disabled={busy || i === 0} onClick={() => swap(s, stages[i - 1])} aria-label={`Move ${s.name} up`}>
                  ↑
                </button>
                <button
                  type="button"
                  disabled={busy || i === stages.length - 1}
                  onClick={() => swap(s, stages[i + 1])}
                  aria-label={`Move ${s.name} down`}
                >
                  ↓
                </button>
                <button type="button" onClick={() => setEditing(s.id)} aria-label={`Edit ${s.name}`}>
                  Edit
                </button>
                <ActiveToggle path="/api/v1/turn-stages" record={s} name={s.name} onSaved={keep} />
              </span>
            </li>
          )
        })}
      </ol>
    </>
  )
}
