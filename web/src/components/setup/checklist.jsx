// The checklist of one inspection template: its areas in walking order, each with its items and
// the trade and unit of the scope line an item marked for work becomes. The admin changes a draft
// (add, rename, move, remove areas and items) and saves it whole, so an inspection started
// meanwhile never walks a half-edited list.
import { useState } from 'react'
import { api, problemText } from '../../data/api.js'
import { UNITS } from '../turn/scope.jsx'
import { checklistOf, draftOf, draftProblem, moved, newArea, newItem } from './checklist-draft.js'
import { TRADES } from '../../format.js'

export function Checklist({ template, onSaved }) {
  const [areas, setAreas] = useState(() => draftOf(template))
  const [changed, setChanged] = useState(false)
  const [state, setState] = useState({})
  const [areaName, setAreaName] = useState('')

  const change = (next) => {
    setAreas(next)
    setChanged(true)
    setState({})
  }
  const changeArea = (index, area) => change(areas.map((a, i) => (i === index ? area : a)))

  function addArea(event) {
    event.preventDefault()
    const name = areaName.trim()
    if (!name) return
    change([...areas, newArea(name)])
    setAreaName('')
  }

  async function save() {
    const problem = draftProblem(areas)
    if (problem) return setState({ error: problem })
    setState({ busy: true })
    try {
      const answer = await api(`/api/v1/inspection-templates/${template.id}/items`, { method: 'PUT', body: checklistOf(template, areas) })
      onSaved(answer, 'Checklist saved.')
    } catch (error) {
      const current = error.problem?.current
      if (error.status === 409 && current) {
        onSaved(current, 'Someone else changed this checklist since you opened it. It now shows their version: make your changes again.')
      } else setState({ error: problemText(error) })
    }
  }

  return (
    <div className="checklist">
      {areas.length ? (
        areas.map((area, index) => (
          <Area
            key={area.key}
            area={area}
            number={index + 1}
            first={index === 0}
            last={index === areas.length - 1}
            onChange={(next) => changeArea(index, next)}
            onMove={(step) => change(moved(areas, index, step))}
            onRemove={() => change(areas.filter((_, i) => i !== index))}
          />
        ))
      ) : (
        <p className="muted">No areas yet: add the first room or part of the home the inspector walks, e.g. Kitchen.</p>
      )}
      <form className="checklist-add" onSubmit={addArea} aria-label="Add an area">
        <label>
          New area
          <input value={areaName} maxLength={60} onChange={(e) => setAreaName(e.target.value)} placeholder="e.g. Kitchen" />
        </label>
        <button type="submit" className="secondary" disabled={!areaName.trim()}>
          Add area
        </button>
      </form>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <p className="actions checklist-save">
        <button type="button" onClick={save} disabled={!changed || state.busy}>
          {state.busy ? 'Saving…' : 'Save checklist'}
        </button>
        <button type="button" className="secondary" disabled={!changed || state.busy} onClick={() => (setAreas(draftOf(template)), setChanged(false), setState({}))}>
          Discard changes
        </button>
        {changed && <span className="muted">Changes not saved yet.</span>}
      </p>
    </div>
  )
}

function Area({ area, number, first, last, onChange, onMove, onRemove }) {
  const [draft, setDraft] = useState({ item: '', trade: 'GENERAL', unit: 'each' })
  const title = area.name.trim() || `Area ${number}`
  const setItem = (index, values) => onChange({ ...area, items: area.items.map((it, i) => (i === index ? { ...it, ...values } : it)) })

  function addItem(event) {
    event.preventDefault()
    if (!draft.item.trim()) return
    onChange({ ...area, items: [...area.items, newItem(draft.item.trim(), draft.trade, draft.unit)] })
    setDraft({ ...draft, item: '' })
  }

  return (
    <section className="checklist-area" aria-label={title}>
      <div className="checklist-area-head">
        <label>
          <span className="visually-hidden">Name of area {number}</span>
          <input value={area.name} maxLength={60} required onChange={(e) => onChange({ ...area, name: e.target.value })} />
        </label>
        <span className="row-actions">
          <button type="button" className="secondary" disabled={first} onClick={() => onMove(-1)} aria-label={`Move the area ${title} up`}>
            ↑
          </button>
          <button type="button" className="secondary" disabled={last} onClick={() => onMove(1)} aria-label={`Move the area ${title} down`}>
            ↓
          </button>
          <button type="button" className="secondary" onClick={onRemove} aria-label={`Remove area ${title}`}>
            Remove area
          </button>
        </span>
      </div>
      <ol className="checklist-items">
        {area.items.map((item, index) => {
          const name = item.item.trim() || `item ${index + 1}`
          return (
            <li key={item.key}>
              <label className="checklist-item-name">
                <span className="visually-hidden">
                  {title}, item {index + 1}
                </span>
                <input value={item.item} maxLength={100} required onChange={(e) => setItem(index, { item: e.target.value })} />
              </label>
              <TradeUnit value={item} label={`${name} in ${title}`} onChange={(values) => setItem(index, values)} />
              <span className="row-actions">
                <button
                  type="button"
                  className="secondary"
                  disabled={index === 0}
                  onClick={() => onChange({ ...area, items: moved(area.items, index, -1) })}
                  aria-label={`Move ${name} up`}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={index === area.items.length - 1}
                  onClick={() => onChange({ ...area, items: moved(area.items, index, 1) })}
                  aria-label={`Move ${name} down`}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => onChange({ ...area, items: area.items.filter((_, i) => i !== index) })}
                  aria-label={`Remove ${name}`}
                >
                  Remove
                </button>
              </span>
            </li>
          )
        })}
      </ol>
      <form className="checklist-add" onSubmit={addItem} aria-label={`Add an item to ${title}`}>
        <label className="checklist-item-name">
          New item in {title}
          <input value={draft.item} maxLength={100} onChange={(e) => setDraft({ ...draft, item: e.target.value })} placeholder="e.g. Cabinets" />
        </label>
        <TradeUnit value={draft} label={`the new item in ${title}`} onChange={(values) => setDraft({ ...draft, ...values })} />
        <button type="submit" className="secondary" disabled={!draft.item.trim()}>
          Add item
        </button>
      </form>
    </section>
  )
}

/** The trade and unit of the scope line an item becomes when marked for work. */
function TradeUnit({ value, label, onChange }) {
  return (
    <>
      <select value={value.trade} onChange={(e) => onChange({ trade: e.target.value })} aria-label={`Trade of ${label}`}>
        {Object.entries(TRADES).map(([code, words]) => (
          <option key={code} value={code}>
            {words}
          </option>
        ))}
      </select>
      <select value={value.unit} onChange={(e) => onChange({ unit: e.target.value })} aria-label={`Unit of ${label}`}>
        {UNITS.map((unit) => (
          <option key={unit}>{unit}</option>
        ))}
      </select>
    </>
  )
}
