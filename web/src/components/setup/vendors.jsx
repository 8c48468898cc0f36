// Set-up: the vendor companies, their contacts, trades, markets and standing, with (de)activation.
import { useMemo } from 'react'
import { api } from '../../data/api.js'
import { useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { TRADES, formatDate } from '../../format.js'
import { DataTable } from '../common/data-table.jsx'
import { ActiveToggle } from './active-toggle.jsx'
import { RecordForm } from './record-form.jsx'
import { useEditing, useSavedRows } from './saved-rows.js'
import { SetupList } from './setup-list.jsx'

const TRADE_OPTIONS = Object.entries(TRADES)
export const tradeNames = (codes) => (codes || []).map((c) => TRADES[c] || c).join(', ')

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
  { name: 'trades', label: 'Trades', type: 'checkboxes', options: TRADE_OPTIONS },
]

/** The markets a vendor may serve: those the properties name, and any the vendor already has. */
function marketOptions(properties, current) {
  const names = new Set([...properties.values()].map((p) => p.market).filter(Boolean))
  for (const m of current?.markets || []) names.add(m)
  return [...names].sort().map((m) => [m, m])
}

export function SetupVendors() {
  const { store } = useSession()
  const [rows, keep] = useSavedRows(useTable(store, 'vendors'))
  const properties = useTable(store, 'properties')
  const { editing, formKey, open, saved, close } = useEditing()
  const current = rows.find((v) => v.id === editing)
  const fields = useMemo(
    () => [
      ...FIELDS,
      {
        name: 'markets',
        label: 'Markets',
        type: 'checkboxes',
        options: marketOptions(properties, current),
        hint: 'No property names a market yet.',
      },
    ],
    [properties, current],
  )

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
      { key: 'trades', label: 'Trades', value: (v) => tradeNames(v.trades) || '—' },
      { key: 'markets', label: 'Markets', value: (v) => (v.markets || []).join(', ') || '—' },
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
      searchIn={(v) => [v.company_name, v.contact_name, v.email, v.phone, tradeNames(v.trades), ...(v.markets || [])]}
      onNew={() => open('new')}
      form={
        editing && (
          <RecordForm
            key={formKey}
            title={current ? `Edit ${current.company_name}` : 'New vendor'}
            fields={fields}
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
