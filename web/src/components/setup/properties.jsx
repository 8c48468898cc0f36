// Set-up: the properties, with a form to add one or change one, and (de)activation.
import { useMemo } from 'react'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { address, personName } from '../../format.js'
import { DataTable } from '../common/data-table.jsx'
import { ActiveToggle } from './active-toggle.jsx'
import { PropertyForm } from './property-form.jsx'
import { useEditing, useSavedRows } from './saved-rows.js'
import { SetupList } from './setup-list.jsx'

export function SetupProperties() {
  const { store } = useSession()
  const [rows, keep] = useSavedRows(useTable(store, 'properties'))
  const users = useTable(store, 'users')
  const { editing, formKey, open, saved, close } = useEditing()
  const current = rows.find((p) => p.id === editing)

  const columns = useMemo(
    () => [
      { key: 'name', label: 'Property', value: (p) => p.name, render: (p) => <a href={`#/properties/${p.id}`}>{p.name}</a> },
      { key: 'number', label: 'Number', value: (p) => p.property_id },
      { key: 'address', label: 'Address', value: (p) => address(p) },
      { key: 'market', label: 'Market', value: (p) => p.market || '—' },
      { key: 'manager', label: 'Manager', value: (p) => (p.property_manager_id ? personName(users.get(p.property_manager_id)) : 'None') },
      { key: 'active', label: 'Active', value: (p) => (p.is_active ? 'Yes' : 'No') },
      {
        key: 'do',
        label: 'Change',
        value: () => '',
        render: (p) => (
          <span className="row-actions">
            <button type="button" onClick={() => open(p.id)} aria-label={`Edit ${p.name}`}>
              Edit
            </button>
            <ActiveToggle path="/api/v1/properties" record={p} name={p.name} onSaved={keep} />
          </span>
        ),
      },
    ],
    [users, keep, open],
  )

  return (
    <SetupList
      noun="property"
      plural="properties"
      rows={rows}
      searchIn={(p) => [p.name, p.property_id, address(p), p.market]}
      onNew={() => open('new')}
      form={
        editing && (
          <PropertyForm
            key={formKey}
            property={current}
            onSaved={(row) => (keep(row), saved(row.id))}
            onCancel={close}
          />
        )
      }
    >
      {(shown) => <DataTable caption="Properties" columns={columns} rows={shown} rowKey={(p) => p.id} sortable stacked />}
    </SetupList>
  )
}
