// Create or change a property (admins): its number, name, address, market, size and managers.
import { useMemo } from 'react'
import { api } from '../../data/api.js'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { personName } from '../../format.js'
import { RecordForm } from './record-form.jsx'

const ADDRESS = [
  { name: 'name', label: 'Name', required: true },
  { name: 'street_address', label: 'Street address', required: true },
  { name: 'city', label: 'City' },
  { name: 'state', label: 'State' },
  { name: 'zip_code', label: 'ZIP code' },
  { name: 'market', label: 'Market' },
  { name: 'bedrooms', label: 'Bedrooms', type: 'number' },
  { name: 'bathrooms', label: 'Bathrooms', type: 'number' },
]

/** Managers are chosen by name among active users of the role the column allows. */
function managerOptions(users, role) {
  return [...users.values()]
    .filter((u) => u.role === role && u.is_active !== false)
    .map((u) => [u.id, personName(u)])
    .sort((a, b) => a[1].localeCompare(b[1]))
}

export function PropertyForm({ property, onSaved, onCancel }) {
  const { store } = useSession()
  const users = useTable(store, 'users')
  const fields = useMemo(
    () => [
      ...(property ? [] : [{ name: 'property_id', label: 'Property number', required: true, hint: 'The number your PMS uses' }]),
      ...ADDRESS,
      { name: 'property_manager_id', label: 'Property manager', type: 'select', options: managerOptions(users, 'PROPERTY_MANAGER') },
      {
        name: 'sr_property_manager_id',
        label: 'Senior property manager',
        type: 'select',
        options: managerOptions(users, 'SR_PROPERTY_MANAGER'),
      },
    ],
    [property, users],
  )

  async function save(changes) {
    const answer = property
      ? await api(`/api/v1/properties/${property.id}`, {
          method: 'PATCH',
          body: { ...changes, version: Number(property.version) },
        })
      : await api('/api/v1/properties', { method: 'POST', body: changes })
    onSaved?.(answer)
  }

  return (
    <RecordForm
      title={property ? `Edit ${property.name}` : 'New property'}
      fields={fields}
      record={property}
      submitLabel={property ? 'Save property' : 'Create property'}
      onSave={save}
      onCancel={onCancel}
    />
  )
}
