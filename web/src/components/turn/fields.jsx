import { useState } from 'react'
import { useOutbox } from '../../data/outbox.js'
import { isAdmin, isManager, useSession } from '../../data/session.js'
import { personName } from '../../format.js'
import { ChangeProblem } from './change-problem.jsx'
import { TurnConflict } from './conflict.jsx'
import { GROUPS, UTILITY_STATUSES, formatValue } from './values.jsx'

// The API's rule (turns.access.TURN_FIELDS_BY_ROLE): admins and managers edit every field,
// these roles only some, approvers none.
const FIELDS_BY_ROLE = {
  VENDOR: [
    'status',
    'sub_status',
    'appliances_ordered',
    'scope_photos_link',
    'scan_360_date',
    'power_status',
    'water_status',
    'gas_status',
  ],
  INSPECTOR: [
    'final_walk_date',
    'final_walk_by',
    'occupancy_check_date',
    'scan_360_date',
    'status',
    'sub_status',
    'scope_photos_link',
  ],
}
const MAX_LENGTH = { wo_number: 50, status: 100, sub_status: 100, scope_photos_link: 500 }
const INPUT_TYPES = { text: 'text', url: 'url', date: 'date', money: 'number' }
const NONE = { vendor: 'Unassigned', user: 'None', provider: 'None', utility: 'Unknown' }

// On site a vendor or an inspector starts with their own work: these groups come first, in
// this order, and inside every group the fields they edit come before the ones they only read.
const GROUPS_FIRST = {
  VENDOR: ['Work order', 'Utilities', 'Appliances and trash-out', 'Dates'],
  INSPECTOR: ['Dates', 'Work order'],
}

function mayEdit(me, name) {
  return isAdmin(me) || isManager(me) || (FIELDS_BY_ROLE[me.role] || []).includes(name)
}

/** The groups as the role reads them: its own work first (managers keep the usual order). */
function groupsFor(me) {
  const first = GROUPS_FIRST[me.role]
  if (!first) return GROUPS
  const rank = (group) => (first.includes(group.title) ? first.indexOf(group.title) : first.length)
  return [...GROUPS]
    .sort((a, b) => rank(a) - rank(b))
    .map((group) => ({ ...group, fields: [...group.fields].sort((a, b) => mayEdit(me, b[0]) - mayEdit(me, a[0])) }))
}

/**
 * The turn's record, one form per group of fields; saving a group queues one update. `locked`
 * names fields shown read-only, with why (the turn amount once the scope has lines: their sum).
 */
export function TurnFields({ turn, ops, names, locked = {} }) {
  const { me } = useSession()
  return (
    <section className="panel" aria-labelledby="details-title">
      <h2 id="details-title">{GROUPS_FIRST[me.role] ? 'Your work' : 'Details'}</h2>
      {groupsFor(me).map((group) => (
        <FieldGroup key={group.title} group={group} turn={turn} ops={ops} names={names} locked={locked} />
      ))}
    </section>
  )
}

function FieldGroup({ group, turn, ops, names, locked }) {
  const { me, outbox } = useSession()
  const [draft, setDraft] = useState({})
  const fields = group.fields.filter(([name]) => name in turn)
  if (!fields.length) return null
  const writable = (name) => mayEdit(me, name) && !locked[name]
  const editable = fields.filter(([name]) => writable(name))
  const changes = Object.fromEntries(
    editable
      .filter(([name]) => name in draft)
      .map(([name, , kind]) => [name, toApi(kind, draft[name])])
      .filter(([name, value]) => String(value ?? '') !== String(turn[name] ?? '')),
  )
  const changed = fields.filter(([name]) => name in changes).map(([, label]) => label)
  const titleId = `group-${group.title.toLowerCase().replace(/\W+/g, '-')}`

  function save(event) {
    event.preventDefault()
    setDraft({})
    if (changed.length) outbox.write(turn, 'update', changes, changes, `Edit ${changed.join(', ')}`)
  }

  return (
    <form className="field-group" aria-labelledby={titleId} onSubmit={save}>
      <h3 id={titleId}>{group.title}</h3>
      <div className="fields">
        {fields.map(([name, label, kind]) =>
          writable(name) ? (
            <FieldInput
              key={name}
              name={name}
              label={label}
              kind={kind}
              current={turn[name]}
              value={draft[name] ?? toInput(kind, turn[name])}
              onChange={(value) => setDraft({ ...draft, [name]: value })}
              names={names}
            />
          ) : (
            <div key={name} className="readonly">
              <span className="label">
                {label}
                {locked[name] && <span className="muted"> ({locked[name]})</span>}
              </span>
              <FieldValue name={name} kind={kind} value={turn[name]} names={names} />
            </div>
          ),
        )}
      </div>
      <GroupStatus
        ops={ops.filter((op) => op.kind === 'update' && fields.some(([name]) => name in op.body))}
        names={names}
      />
      {editable.length > 0 && (
        <p className="actions">
          <button type="submit" disabled={!changed.length}>
            Save {group.title.toLowerCase()}
          </button>
          {changed.length > 0 && (
            <button type="button" className="link" onClick={() => setDraft({})}>
              Undo edits
            </button>
          )}
        </p>
      )}
    </form>
  )
}

function FieldInput({ name, label, kind, current, value, onChange, names }) {
  if (kind === 'bool') {
    return (
      <label className="check">
        <input type="checkbox" checked={value} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
    )
  }
  // The label names the control alone (a wrapping label would add the chosen option to its name).
  const id = `field-${name}`
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {INPUT_TYPES[kind] ? (
        <input
          id={id}
          type={INPUT_TYPES[kind]}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          maxLength={MAX_LENGTH[name]}
          {...(kind === 'money' ? { min: 0, max: 99999999.99, step: 0.01, inputMode: 'decimal' } : {})}
        />
      ) : (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{NONE[kind]}</option>
          {choices(kind, name, current, names).map(([key, text]) => (
            <option key={key} value={key}>
              {text}
            </option>
          ))}
        </select>
      )}
    </div>
  )
}

function FieldValue({ name, kind, value, names }) {
  if (kind === 'url' && /^https?:\/\//i.test(value || '')) {
    return (
      <a href={value} target="_blank" rel="noreferrer">
        Open scope photos
      </a>
    )
  }
  return <span>{formatValue(name, value, names)}</span>
}

/** The options of a select: the ones in use today, and the turn's current one whatever its state. */
function choices(kind, name, current, names) {
  if (kind === 'utility') return UTILITY_STATUSES
  const type = name.split('_')[0].toUpperCase()
  const rows = {
    vendor: () => [...names.vendors.values()].filter((v) => v.is_active && v.is_approved),
    user: () => [...names.users.values()].filter((u) => u.is_active && u.role !== 'VENDOR'),
    provider: () => [...names.providers.values()].filter((p) => p.is_active && p.utility_type === type),
  }[kind]()
  const options = rows.map((row) => [row.id, row.company_name || row.name || personName(row)])
  if (current && !options.some(([id]) => id === current)) options.push([current, formatValue(name, current, names)])
  return options.sort((a, b) => a[1].localeCompare(b[1]))
}

function toInput(kind, value) {
  if (kind === 'bool') return value === true
  return value ?? ''
}

function toApi(kind, value) {
  if (kind === 'bool') return value
  const text = String(value).trim()
  if (!text) return null
  return kind === 'money' ? Number(text).toFixed(2) : text
}

/** How the group's latest writes stand: being sent, waiting for the connection, or refused. */
function GroupStatus({ ops, names }) {
  const { outbox } = useSession()
  const { online } = useOutbox(outbox)
  const waiting = ops.some((op) => op.state === 'pending')
  return (
    <>
      <p className="group-status" role="status">
        {waiting && (online ? 'Saving…' : 'Offline: saved on this device, sent when the connection is back.')}
      </p>
      {ops
        .filter((op) => op.state === 'conflict' || op.state === 'rejected')
        .map((op) => (
          <ChangeProblem key={op.id} op={op}>
            {op.state === 'conflict' && <TurnConflict op={op} names={names} />}
          </ChangeProblem>
        ))}
    </>
  )
}
