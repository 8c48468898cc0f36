// The filters every report takes: market, property manager, vendor and a period. Options come
// from the synced properties, users and vendors; a period that ends before it starts is
// explained and not applied.
import { useMemo, useState } from 'react'
import { personName } from '../../format.js'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { FilterSelect } from '../common/filter-select.jsx'

export const NO_REPORT_FILTERS = { market: '', manager_id: '', vendor_id: '', from: '', to: '' }

export function ReportFilters({ onChange }) {
  const { store } = useSession()
  const properties = useTable(store, 'properties')
  const users = useTable(store, 'users')
  const vendors = useTable(store, 'vendors')
  const [draft, setDraft] = useState(NO_REPORT_FILTERS)
  const backwards = Boolean(draft.from && draft.to && draft.from > draft.to)

  const options = useMemo(() => {
    const homes = [...properties.values()]
    const managerIds = new Set(homes.flatMap((p) => [p.property_manager_id, p.sr_property_manager_id]).filter(Boolean))
    return {
      market: [...new Set(homes.map((p) => p.market).filter(Boolean))].sort().map((m) => [m, m]),
      manager_id: [...managerIds].map((id) => [id, personName(users.get(id))]).sort((a, b) => a[1].localeCompare(b[1])),
      vendor_id: [...vendors.values()].map((v) => [v.id, v.company_name]).sort((a, b) => a[1].localeCompare(b[1])),
    }
  }, [properties, users, vendors])

  function update(next) {
    setDraft(next)
    if (!(next.from && next.to && next.from > next.to)) onChange(next)
  }
  const set = (field) => (event) => update({ ...draft, [field]: event.target.value })

  return (
    <form className="filters report-filters" aria-label="Report filters" onSubmit={(e) => e.preventDefault()}>
      <FilterSelect label="Market" value={draft.market} onChange={set('market')} options={options.market} />
      <FilterSelect
        label="Property manager"
        value={draft.manager_id}
        onChange={set('manager_id')}
        options={options.manager_id}
      />
      <FilterSelect label="Vendor" value={draft.vendor_id} onChange={set('vendor_id')} options={options.vendor_id} />
      <label>
        From
        <input type="date" value={draft.from} max={draft.to || undefined} onChange={set('from')} />
      </label>
      <label>
        To
        <input
          type="date"
          value={draft.to}
          min={draft.from || undefined}
          onChange={set('to')}
          aria-invalid={backwards || undefined}
          aria-describedby={backwards ? 'period-problem' : undefined}
        />
      </label>
      {backwards && (
        <p id="period-problem" className="error" role="alert">
          The period ends before it starts: choose a “To” date on or after the “From” date.
        </p>
      )}
      {JSON.stringify(draft) !== JSON.stringify(NO_REPORT_FILTERS) && (
        <button type="button" className="link" onClick={() => update(NO_REPORT_FILTERS)}>
          Clear filters
        </button>
      )}
    </form>
  )
}
