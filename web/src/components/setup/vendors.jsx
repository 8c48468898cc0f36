// Set-up: the vendor companies, their contacts and standing, with (de)activation.
import { useMemo } from 'react'
import { api } from '../../data/api.js'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { formatDate } from '../../format.js'
import { DataTable } from '../common/data-table.jsx'
import { ActiveToggle } from './active-toggle.jsx'
import { RecordForm } from './record-form.jsx'
import { useEditing, useSavedRows } from './saved-rows.js'
import { SetupList } from './setup-list.jsx'

const FIELDS = [
  { name: 'company_name', label: 'Company', required: true },
  { name: 'contact_name', label: 'Contact' },
  { name: 'email', label: 'E-mail', type: 'email' },
  { name: 'phone', label: 'Phone', type: 'tel' },
  { name: 'street_address', label: 'Street address' },
  { name: 'city', label: 'City' },
  { name: 'state', label: 'State' },
  { name: 'zip_code', label: 'ZIP code' },
  { name: 'license_number', label: 'License number' },
  { name: 'insurance_expiry', label: 'Insurance expires', type: 'date' },
  { name: 'is_approved', label: 'Approved to work', type: 'checkbox' },
]

export function SetupVendors() {
  const { store } = useSession()
  const [rows, keep] = useSavedRows(useTable(store, 'vendors'))
  const { editing, formKey, open, saved, close } = useEditing()
  const current = rows.find((v) => v.id === editing)

  async function save(changes) {
    const answer = current
      ? await api(`/api/v1/vendors/${current.id}`, { method: 'PATCH', body: { ...changes, version: Number(current.version) } })
      : await api('/api/v1/vendors', { method: 'POST', body: changes })
    keep(answer)
    saved(answer.id)
  }

  const columns = useMemo(
    () => [
      { key: 'company', label: 'Company', value: (v) => v.company_name },
      { key: 'contact', label: 'Contact', value: (v) => [v.contact_name, v.phone, v.email].filter(Boolean).join(' · ') || '—' },
      { key: 'approved', label: 'Approved', value: (v) => (v.is_approved ? 'Yes' : 'No') },
      { key: 'insurance', label: 'Insurance expires', value: (v) => v.insurance_expiry, render: (v) => formatDate(v.insurance_expiry) },
      { key: 'active', label: 'Active', value: (v) => (v.is_active ? 'Yes' : 'No') },
      {
        key: 'do',
        label: 'Change',
        value: () => '',
        render: (v) => (
          <span className="row-actions">
            <button type="button" onClick={() => open(v.id)} aria-label={`Edit ${v.company_name}`}>
              Edit
            </button>
            <ActiveToggle path="/api/v1/vendors" record={v} name={v.company_name} onSaved={keep} />
          </span>
        ),
      },
    ],
    [keep, open],
  )

  return (
    <SetupList
      noun="vendor"
      plural="vendors"
      rows={rows}
      searchIn={(v) => [v.company_name, v.contact_name, v.email, v.phone]}
      onNew={() => open('new')}
      form={
        editing && (
          <RecordForm
            key={formKey}
            title={current ? `Edit ${current.company_name}` : 'New vendor'}
            fields={FIELDS}
            record={current}
            submitLabel={current ? 'Save vendor' : 'Create vendor'}
            onSave={save}
            onCancel={close}
          />
        )
      }
    >
      {(shown) => <DataTable caption="Vendors" columns={columns} rows={shown} rowKey={(v) => v.id} sortable stacked />}
    </SetupList>
  )
}
