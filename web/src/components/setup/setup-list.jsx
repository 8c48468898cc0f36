// The frame of one set-up section: a search box, how many rows match, a "New" button, the
// open form (new or edit) and the list.
import { useState } from 'react'

export function SetupList({ noun, plural, rows, searchIn, onNew, form, children }) {
  const [search, setSearch] = useState('')
  const [inactive, setInactive] = useState(true)
  const q = search.trim().toLowerCase()
  const shown = rows.filter(
    (row) =>
      (inactive || row.is_active !== false) &&
      (!q || searchIn(row).some((v) => v && String(v).toLowerCase().includes(q))),
  )
  return (
    <>
      <form className="filters" role="search" aria-label={`Search ${plural}`} onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={inactive} onChange={(e) => setInactive(e.target.checked)} /> Show inactive
        </label>
        <button type="button" onClick={onNew}>
          New {noun}
        </button>
      </form>
      {form && <div className="panel setup-form">{form}</div>}
      <p className="muted" role="status">
        {shown.length} of {rows.length} {plural}
      </p>
      {rows.length ? children(shown) : <p className="muted">No {plural} yet: add the first with “New {noun}”.</p>}
    </>
  )
}
