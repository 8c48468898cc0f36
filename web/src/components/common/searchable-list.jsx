// The frame of a page listing one synced table (properties, vendors): its title, how many rows
// are shown of how many, a search box with the page's other filters, then what the page shows
// of the rows that match (children(shown)).
import { useId, useState } from 'react'
import { useSession } from '../../data/session.js'

/**
 * table: the synced table (also the noun counted); rows: its rows as the page shows them;
 * searchIn: row => the values the search box looks in; keep: row => whether the page's other
 * filters keep the row.
 */
export function SearchableList({ title, table, rows, searchIn, keep, hint, filters, children }) {
  const id = useId()
  const { store } = useSession()
  const [search, setSearch] = useState('')
  const q = search.trim().toLowerCase()
  const shown = rows.filter(
    (row) => keep(row) && (!q || searchIn(row).some((value) => value && String(value).toLowerCase().includes(q))),
  )
  return (
    <section aria-labelledby={id}>
      <div className="page-head">
        <h1 id={id}>{title}</h1>
        <p className="muted" role="status">
          {store.tables[table].ready ? `${shown.length} of ${rows.length} ${table}` : 'Syncing…'}
        </p>
      </div>
      <form className="filters" role="search" aria-label={`Search ${table}`} onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={hint} />
        </label>
        {filters}
      </form>
      {children(shown)}
    </section>
  )
}
