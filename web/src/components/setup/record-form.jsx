// A form over one record's fields, described by a list of specs; it sends only what changed
// (or everything, for a new record) and shows the API's refusal in its words, next to the form.
import { useId, useState } from 'react'
import { problemText } from '../../data/api.js'
import './setup.css'

/**
 * fields: [{name, label, type?: 'text'|'email'|'tel'|'date'|'number'|'money'|'checkbox'|'select'|'checkboxes',
 *   options?: [[value, label]], required?, hint?, empty?: the words for no choice of a select}]; a 'checkboxes' field holds a list of the options' values.
 * record: the current values (empty for a new record); onSave(changes) => Promise (throws ApiError).
 */
export function RecordForm({ title, fields, record = {}, submitLabel, onSave, onCancel }) {
  const id = useId()
  const [draft, setDraft] = useState({})
  const [state, setState] = useState({})
  const empty = (f) => (f.type === 'checkbox' ? false : f.type === 'checkboxes' ? [] : '')
  const value = (f) => (f.name in draft ? draft[f.name] : (record[f.name] ?? empty(f)))
  const isNew = !record.id

  async function submit(event) {
    event.preventDefault()
    const changes = {}
    for (const f of fields) {
      const v = value(f)
      if (!isNew && !(f.name in draft)) continue
      if (isNew && (v === '' || v === false || (Array.isArray(v) && !v.length)) && !f.required) continue
      changes[f.name] = v === '' ? null : f.type === 'number' ? Number(v) : v
    }
    setState({ busy: true })
    try {
      await onSave(changes)
      setDraft({})
      setState({ saved: true })
    } catch (error) {
      setState({ error: problemText(error) })
    }
  }

  return (
    <form className="record-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h3 id={`${id}-title`}>{title}</h3>
      <div className="record-fields">
        {fields.map((f) => (
          <Field key={f.name} field={f} value={value(f)} onChange={(v) => (setDraft({ ...draft, [f.name]: v }), setState({}))} />
        ))}
      </div>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <p role="status" className="muted">
        {state.saved && 'Saved.'}
      </p>
      <p className="actions">
        <button type="submit" disabled={state.busy || (!isNew && !Object.keys(draft).length)}>
          {state.busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Close
          </button>
        )}
      </p>
    </form>
  )
}

function Field({ field, value, onChange }) {
  if (field.type === 'checkbox') {
    return (
      <label className="check">
        <input type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} /> {field.label}
      </label>
    )
  }
  if (field.type === 'checkboxes') {
    const toggle = (option, on) => onChange(on ? [...value, option] : value.filter((v) => v !== option))
    return (
      <fieldset className="checkboxes">
        <legend>{field.label}</legend>
        {field.options.map(([v, label]) => (
          <label key={v} className="check">
            <input type="checkbox" checked={value.includes(v)} onChange={(e) => toggle(v, e.target.checked)} /> {label}
          </label>
        ))}
        {!field.options.length && <small className="muted">{field.hint}</small>}
      </fieldset>
    )
  }
  if (field.type === 'select') {
    return (
      <label>
        {field.label}
        <select value={value ?? ''} required={field.required} onChange={(e) => onChange(e.target.value)}>
          {!field.required && <option value="">{field.empty || 'None'}</option>}
          {field.required && value === '' && <option value="">Choose…</option>}
          {field.options.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </label>
    )
  }
  const money = field.type === 'money'
  return (
    <label>
      {field.label}
      <span className={money ? 'money-input' : undefined}>
        {money && <span aria-hidden="true">$</span>}
        <input
          type={money ? 'number' : field.type || 'text'}
          step={money ? '0.01' : undefined}
          min={money ? '0' : undefined}
          inputMode={money ? 'decimal' : undefined}
          value={value ?? ''}
          required={field.required}
          onChange={(e) => onChange(e.target.value)}
        />
      </span>
      {field.hint && <small className="muted">{field.hint}</small>}
    </label>
  )
}
