import { useMemo, useState } from 'react'
import { address, personName } from '../format.js'
import { useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { ExportButtons } from '../components/common/export-buttons.jsx'
import { SearchableList } from '../components/common/searchable-list.jsx'
import { DataTable } from '../components/common/data-table.jsx'

const COLUMNS = [
  {
    key: 'name',
    label: 'Name',
    value: (p) => p.name,
    render: (p) => <a href={`#/properties/${p.id}`}>{p.name || p.property_id}</a>,
  },
  { key: 'property_id', label: 'Property ID', value: (p) => p.property_id },
  { key: 'address', label: 'Address', value: (p) => p.address },
  { key: 'market', label: 'Market', value: (p) => p.market },
  { key: 'manager', label: 'Manager', value: (p) => p.manager },
  { key: 'active_turns', label: 'Active turns', value: (p) => p.active_turns, numeric: true },
]

/** The synced properties the user may see, searchable and sortable, with their active turns. */
export function Properties() {
  const { store } = useSession()
  const properties = useTable(store, 'properties')
  const users = useTable(store, 'users')
  const turns = useTable(store, 'turns')
  const [market, setMarket] = useState('')

  const rows = useMemo(() => {
    const active = new Map()
    for (const turn of turns.values()) {
      if (turn.is_active) active.set(turn.property_id, (active.get(turn.property_id) || 0) + 1)
    }
    return [...properties.values()].map((p) => ({
      ...p,
      address: address(p),
      manager: p.property_manager_id ? personName(users.get(p.property_manager_id)) : null,
      active_turns: active.get(p.id) || 0,
    }))
  }, [properties, users, turns])
  const markets = useMemo(() => [...new Set(rows.map((p) => p.market).filter(Boolean))].sort(), [rows])

  return (
    <SearchableList
      title="Properties"
      table="properties"
      rows={rows}
      searchIn={(p) => [p.name, p.property_id, p.address, p.manager]}
      keep={(p) => !market || p.market === market}
      hint="Name, property ID, address or manager"
      filters={
        <label>
          Market
          <select value={market} onChange={(e) => setMarket(e.target.value)}>
            <option value="">All</option>
            {markets.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
      }
    >
      {(shown) => (
        <>
          <DataTable caption="Properties" columns={COLUMNS} rows={shown} rowKey={(p) => p.id} sortable stacked />
          <ExportButtons
            resource="properties"
            query={{ market }}
            label={market ? `Export the properties in ${market}:` : 'Export all your properties:'}
          />
        </>
      )}
    </SearchableList>
  )
}
