import { useMemo, useState } from 'react'
import { useSearch } from '../data/search.js'
import { useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { DataTable } from '../components/common/data-table.jsx'
import { ExportButtons } from '../components/common/export-buttons.jsx'
import { FilterSelect } from '../components/common/filter-select.jsx'
import { address, formatDate, formatMoney, turnAmount } from '../format.js'

const NO_FILTERS = { q: '', from: '', to: '', property: '', vendor: '' }

const COLUMNS = [
  {
    key: 'property',
    label: 'Property',
    value: (t) => t.propertyName,
    render: (t) => <a href={`#/turns/${t.id}`}>{t.propertyName}</a>,
  },
  { key: 'turn', label: 'Turn', value: (t) => t.turn_id },
  { key: 'address', label: 'Address', value: (t) => t.address },
  {
    key: 'finished',
    label: 'Completed',
    value: (t) => t.turn_completion_date,
    render: (t) => (t.turn_completion_date ? formatDate(t.turn_completion_date) : 'Closed without completion'),
  },
  { key: 'move_out', label: 'Moved out', value: (t) => t.move_out_date, render: (t) => formatDate(t.move_out_date) },
  { key: 'vendor', label: 'Vendor', value: (t) => t.vendorName },
  {
    key: 'amount',
    label: 'Amount',
    value: (t) => turnAmount(t),
    render: (t) => ('turn_amount' in t ? formatMoney(turnAmount(t)) : '—'),
    numeric: true,
  },
]

/** Every finished turn the user may see, to find one again (and reopen it from its page). */
export function Completed() {
  const { store } = useSession()
  const turns = useTable(store, 'turns')
  const properties = useTable(store, 'properties')
  const vendors = useTable(store, 'vendors')
  const [filters, setFilters] = useState(NO_FILTERS)
  const hits = useSearch(filters.q, 'properties,turns,vendors')

  const rows = useMemo(
    () =>
      [...turns.values()]
        .filter((t) => t.is_active === false)
        .map((t) => {
          const property = properties.get(t.property_id)
          return {
            ...t,
            propertyName: property?.name || `Turn ${t.turn_id}`,
            address: address(property),
            vendorName: vendors.get(t.vendor_id)?.company_name || 'Unassigned',
          }
        }),
    [turns, properties, vendors],
  )
  const shown = rows.filter((t) => matches(t, filters, hits))
  const homes = [...new Map(rows.map((t) => [t.property_id, t.propertyName])).entries()].sort((a, b) =>
    a[1].localeCompare(b[1]),
  )
  const crews = [...new Map(rows.filter((t) => t.vendor_id).map((t) => [t.vendor_id, t.vendorName])).entries()].sort(
    (a, b) => a[1].localeCompare(b[1]),
  )
  const set = (field) => (event) => setFilters({ ...filters, [field]: event.target.value })
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS)
  const ready = store.tables.turns.ready

  return (
    <section aria-labelledby="completed-title">
      <div className="page-head">
        <h1 id="completed-title">Completed turns</h1>
        <p className="muted" role="status">
          {ready ? `${shown.length} of ${rows.length} finished turns` : 'Syncing…'}
        </p>
      </div>
      <form className="filters" role="search" aria-label="Search completed turns" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={filters.q} onChange={set('q')} placeholder="Property, address, turn or vendor" />
        </label>
        <label>
          Completed from
          <input type="date" value={filters.from} onChange={set('from')} />
        </label>
        <label>
          to
          <input type="date" value={filters.to} min={filters.from} onChange={set('to')} />
        </label>
        <FilterSelect label="Property" value={filters.property} onChange={set('property')} options={homes} />
        <FilterSelect label="Vendor" value={filters.vendor} onChange={set('vendor')} options={crews} />
        {filtered && (
          <button type="button" className="link" onClick={() => setFilters(NO_FILTERS)}>
            Clear filters
          </button>
        )}
      </form>
      {ready && !rows.length && (
        <p className="empty">
          No turn has been completed yet. A turn lands here when it enters the Complete stage on the{' '}
          <a href="#/board">board</a>.
        </p>
      )}
      {ready && rows.length > 0 && !shown.length && (
        <p className="empty">
          No completed turn matches these filters.{' '}
          <button type="button" className="link" onClick={() => setFilters(NO_FILTERS)}>
            Clear filters
          </button>
        </p>
      )}
      {shown.length > 0 && (
        <DataTable caption="Completed turns" columns={COLUMNS} rows={shown} rowKey={(t) => t.id} sortable stacked />
      )}
      {ready && rows.length > 0 && (
        <ExportButtons resource="turns" query={exported(filters)} label={exportLabel(filters)} />
      )}
    </section>
  )
}

/** The finished turns the export holds: the page's filters but the search box (the server
 * knows no fuzzy search), so the file is the list a spreadsheet wants, by date, home or crew. */
function exported(filters) {
  return {
    active: false,
    completed_from: filters.from,
    completed_to: filters.to,
    property_id: filters.property,
    vendor_id: filters.vendor,
  }
}

function exportLabel(filters) {
  const narrowed = filters.from || filters.to || filters.property || filters.vendor
  return narrowed ? 'Export the finished turns of these dates, property and vendor:' : 'Export every finished turn:'
}

function matches(turn, filters, hits) {
  const completed = turn.turn_completion_date
  if (filters.from && !(completed && completed >= filters.from)) return false
  if (filters.to && !(completed && completed <= filters.to)) return false
  if (filters.property && turn.property_id !== filters.property) return false
  if (filters.vendor && turn.vendor_id !== filters.vendor) return false
  const q = filters.q.trim().toLowerCase()
  if (!q) return true
  const found = (hits || []).some(
    (h) =>
      (h.type === 'turn' && h.id === turn.id) ||
      (h.type === 'property' && h.id === turn.property_id) ||
      (h.type === 'vendor' && h.id === turn.vendor_id),
  )
  const text = [turn.turn_id, turn.wo_number, turn.propertyName, turn.address, turn.vendorName]
  return found || text.some((v) => v && v.toLowerCase().includes(q))
}
