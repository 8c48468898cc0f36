// Choosing a home by typing part of its name, address or property ID. Suggestions come from
// the synced properties and, with a connection, from the API's typo-tolerant search.
import { useId, useMemo, useState } from 'react'
import { useSession } from '../../data/session.js'
import { useSearch } from '../../data/search.js'
import { useTable } from '../../data/sync.js'
import { address } from '../../format.js'

const SHOWN = 8

export function PropertyPicker({ value, onChange }) {
  const { store } = useSession()
  const properties = useTable(store, 'properties')
  const id = useId()
  const [text, setText] = useState('')
  const hits = useSearch(text, 'properties')
  const q = text.trim().toLowerCase()
  const chosen = properties.get(value)

  const options = useMemo(() => {
    if (q.length < 2) return []
    const found = new Map()
    for (const hit of hits || []) if (properties.has(hit.id)) found.set(hit.id, properties.get(hit.id))
    for (const p of properties.values()) {
      if (found.size >= SHOWN) break
      if ([p.name, p.property_id, address(p)].some((v) => v && v.toLowerCase().includes(q))) found.set(p.id, p)
    }
    return [...found.values()].slice(0, SHOWN)
  }, [q, hits, properties])

  if (chosen) {
    return (
      <p className="picked">
        <span className="label">Property</span> <strong>{chosen.name}</strong> · {address(chosen)}{' '}
        <button type="button" className="link" onClick={() => (onChange(''), setText(''))}>
          Change
        </button>
      </p>
    )
  }
  return (
    <div className="picker">
      <label htmlFor={`${id}-input`}>Property</label>
      <input
        id={`${id}-input`}
        type="search"
        aria-controls={`${id}-list`}
        value={text}
        placeholder="Name, address or property ID"
        autoComplete="off"
        required
        onChange={(e) => setText(e.target.value)}
      />
      <ul id={`${id}-list`} className="choices" aria-label="Matching properties">
        {options.map((p) => (
          <li key={p.id}>
            <button type="button" onClick={() => onChange(p.id)}>
              <strong>{p.name}</strong> <span className="muted">{address(p)}</span>
            </button>
          </li>
        ))}
      </ul>
      {q.length >= 2 && hits !== null && !options.length && (
        <p className="muted" role="status">
          No property of yours matches “{text.trim()}”. Check the spelling, or ask an admin to add the home.
        </p>
      )}
    </div>
  )
}
