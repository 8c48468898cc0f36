import { useMemo, useState } from 'react'
import { formatDate, today } from '../format.js'
import { useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { ExportButtons } from '../components/common/export-buttons.jsx'
import { SearchableList } from '../components/common/searchable-list.jsx'
import { DataTable } from '../components/common/data-table.jsx'
import './vendors.css'

const expired = (v) => Boolean(v.insurance_expiry && v.insurance_expiry < today())
const yesNo = (value) => (value ? 'Yes' : 'No')

const COLUMNS = [
  { key: 'company_name', label: 'Company', value: (v) => v.company_name },
  { key: 'contact_name', label: 'Contact', value: (v) => v.contact_name },
  {
    key: 'phone',
    label: 'Phone',
    value: (v) => v.phone,
    render: (v) => (v.phone ? <a href={`tel:${v.phone}`}>{v.phone}</a> : '—'),
  },
  {
    key: 'email',
    label: 'E-mail',
    value: (v) => v.email,
    render: (v) => (v.email ? <a href={`mailto:${v.email}`}>{v.email}</a> : '—'),
  },
  { key: 'is_approved', label: 'Approved', value: (v) => yesNo(v.is_approved) },
  { key: 'is_active', label: 'Active', value: (v) => yesNo(v.is_active) },
  {
    key: 'rating',
    label: 'Rating',
    value: (v) => (v.average_rating === null ? null : Number(v.average_rating)),
    numeric: true,
  },
  { key: 'total_jobs', label: 'Jobs', value: (v) => v.total_jobs, numeric: true },
  {
    key: 'insurance_expiry',
    label: 'Insurance expiry',
    value: (v) => v.insurance_expiry,
    render: (v) => (
      <>
        {formatDate(v.insurance_expiry)}
        {expired(v) && <strong className="expired-badge"> expired</strong>}
      </>
    ),
  },
]

/** The synced vendor companies: contacts, standing, rating, jobs and insurance. */
export function Vendors() {
  const { store } = useSession()
  const vendors = useTable(store, 'vendors')
  const [onlyApproved, setOnlyApproved] = useState(false)

  const rows = useMemo(() => [...vendors.values()], [vendors])

  return (
    <SearchableList
      title="Vendors"
      table="vendors"
      rows={rows}
      searchIn={(v) => [v.company_name, v.contact_name, v.email, v.phone]}
      keep={(v) => !onlyApproved || v.is_approved}
      hint="Company, contact, e-mail or phone"
      filters={
        <label className="check">
          <input type="checkbox" checked={onlyApproved} onChange={(e) => setOnlyApproved(e.target.checked)} /> Approved
          only
        </label>
      }
    >
      {(shown) => (
        <>
          <DataTable
            caption="Vendors"
            columns={COLUMNS}
            rows={shown}
            rowKey={(v) => v.id}
            rowClass={(v) => (expired(v) ? 'expired' : undefined)}
            sortable
            stacked
          />
          <ExportButtons
            resource="vendors"
            query={{ approved: onlyApproved || undefined }}
            label={onlyApproved ? 'Export the approved vendors:' : 'Export all vendors:'}
          />
        </>
      )}
    </SearchableList>
  )
}
