// Set-up: the inspection templates, the checklists inspectors walk room by room. An admin makes one
// (empty, or as a copy of another to start from), renames it, edits its checklist, and retires
// one no longer used (past inspections keep it; new ones cannot pick it).
import { useCallback, useMemo, useState } from 'react'
import { api, ApiError, readProblemText, useApi } from '../../data/api.js'
import { Checklist } from './checklist.jsx'
import { RecordForm } from './record-form.jsx'

export const KINDS = [
  ['SINGLE_FAMILY', 'Single-family home'],
  ['APARTMENT', 'Apartment'],
  ['OTHER', 'Other'],
]
const KIND_LABELS = Object.fromEntries(KINDS)
const FIELDS = [
  { name: 'name', label: 'Template name', required: true },
  { name: 'kind', label: 'Kind of home', type: 'select', options: KINDS, required: true },
]
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

/** "3 areas · 12 items", or that it is empty. */
export function sizeOf(template) {
  const areas = new Set(template.items.map((item) => item.area)).size
  return template.items.length ? `${plural(areas, 'area')} · ${plural(template.items.length, 'item')}` : 'No items yet'
}

/** The templates as read once, each replaced by the API's later answers about it (newer by their order). */
function useTemplates() {
  const { data, error, retry } = useApi('/api/v1/inspection-templates')
  const [answers, setAnswers] = useState(() => new Map())
  const keep = useCallback((answer) => setAnswers((before) => new Map(before).set(answer.id, answer)), [])
  const templates = useMemo(() => {
    if (!data) return null
    const merged = new Map(data.items.map((t) => [t.id, t]))
    for (const [id, answer] of answers) merged.set(id, answer)
    return [...merged.values()].sort((a, b) => a.name.localeCompare(b.name))
  }, [data, answers])
  return { templates, error, retry, keep }
}

export function SetupTemplates() {
  const { templates, error, retry, keep } = useTemplates()
  const [open, setOpen] = useState(null)
  const [form, setForm] = useState(null)
  const [notice, setNotice] = useState('')

  if (!templates) {
    return error ? (
      <p role="alert" className="error">
        {readProblemText(error)}{' '}
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      </p>
    ) : (
      <p role="status">Loading the inspection templates…</p>
    )
  }
  const current = templates.find((t) => t.id === open)
  const taken = (name, except) => templates.some((t) => t.id !== except && t.name.trim().toLowerCase() === name.trim().toLowerCase())

  async function create(changes) {
    if (taken(changes.name)) throw nameTaken(changes.name)
    const source = templates.find((t) => t.id === changes.start_from)
    const items = (source?.items || []).map(({ area, item, trade, unit }) => ({ area, item, trade, unit }))
    const answer = await api('/api/v1/inspection-templates', { method: 'POST', body: { name: changes.name, kind: changes.kind, items } })
    keep(answer)
    setForm(null)
    setOpen(answer.id)
    setNotice(source ? `${answer.name} starts as a copy of ${source.name}: change its checklist below.` : `${answer.name} is made: add its areas and items below.`)
  }

  async function rename(changes) {
    if (changes.name && taken(changes.name, current.id)) throw nameTaken(changes.name)
    keep(await api(`/api/v1/inspection-templates/${current.id}`, { method: 'PATCH', body: { ...changes, version: current.version } }))
  }

  const newFields = [
    ...FIELDS,
    {
      name: 'start_from',
      label: 'Start from',
      type: 'select',
      empty: 'An empty checklist',
      options: templates.map((t) => [t.id, `A copy of ${t.name} (${sizeOf(t).toLowerCase()})`]),
    },
  ]

  return (
    <>
      <p className="actions">
        <button type="button" onClick={() => (setForm('new'), setOpen(null), setNotice(''))}>
          New template
        </button>
      </p>
      {form === 'new' && (
        <div className="panel setup-form">
          <RecordForm
            title="New inspection template"
            fields={newFields}
            record={{ kind: 'SINGLE_FAMILY' }}
            submitLabel="Create template"
            onSave={create}
            onCancel={() => setForm(null)}
          />
        </div>
      )}
      <ul className="stage-list template-list" aria-label="Inspection templates">
        {templates.map((t) => (
          <TemplateRow key={t.id} template={t} open={t.id === open} onOpen={() => (setOpen(t.id === open ? null : t.id), setForm(null), setNotice(''))} onSaved={keep} />
        ))}
      </ul>
      {current && (
        <section className="panel template-editor" aria-labelledby="template-editor-title">
          <h3 id="template-editor-title">{current.name}</h3>
          {notice && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          <RecordForm
            key={current.id}
            title="Name and use"
            fields={FIELDS}
            record={current}
            submitLabel="Save name"
            onSave={rename}
          />
          <h4>Checklist, in walking order</h4>
          <p className="muted">An item the inspector marks clean, repair or replace becomes a scope line of its trade, counted in its unit.</p>
          <Checklist
            key={current.items.map((item) => `${item.id}:${item.version}`).join()}
            template={current}
            onSaved={(answer, words) => (keep(answer), setNotice(words))}
          />
        </section>
      )}
    </>
  )
}

/** The refusal the API would give (a unique name), in words that say what to do. */
const nameTaken = (name) => new ApiError(409, { detail: `There is already a template named ${name.trim()}: choose another name.` })

function TemplateRow({ template, open, onOpen, onSaved }) {
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function toggle() {
    setBusy(true)
    setError('')
    try {
      const body = { is_active: !template.is_active, version: template.version }
      onSaved(await api(`/api/v1/inspection-templates/${template.id}`, { method: 'PATCH', body }))
    } catch (e) {
      setError(readProblemText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <li className={template.is_active ? undefined : 'inactive'}>
      <span className="stage-text">
        <strong>{template.name}</strong>
        <small className="muted">
          {[KIND_LABELS[template.kind], sizeOf(template), !template.is_active && 'retired: new inspections cannot use it'].filter(Boolean).join(' · ')}
        </small>
      </span>
      <span className="row-actions">
        <button type="button" aria-expanded={open} onClick={onOpen} aria-label={`${open ? 'Close' : 'Edit'} ${template.name}`}>
          {open ? 'Close' : 'Edit'}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={toggle} aria-label={`${template.is_active ? 'Retire' : 'Bring back'} ${template.name}`}>
          {template.is_active ? 'Retire' : 'Bring back'}
        </button>
      </span>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </li>
  )
}
