// Set-up: the people who use Turns. An admin invites a person by e-mail (they choose their
// own password through a one-time link), changes a role, sends a password reset, and
// deactivates or reactivates an account. Only a super admin touches a super admin.
import { useMemo, useState } from 'react'
import { api, problemText } from '../../data/api.js'
import { ROLE_NAMES, useSession } from '../../data/session.js'
import { useTable } from '../../data/sync.js'
import { formatDate, personName } from '../../format.js'
import { DataTable } from '../common/data-table.jsx'
import { ActiveToggle } from './active-toggle.jsx'
import { RecordForm } from './record-form.jsx'
import { useEditing, useSavedRows } from './saved-rows.js'
import { SetupList } from './setup-list.jsx'

const roleOptions = (me) =>
  Object.entries(ROLE_NAMES).filter(([role]) => role !== 'SUPER_ADMIN' || me.role === 'SUPER_ADMIN')

export function SetupUsers() {
  const { me, store } = useSession()
  const [rows, keep] = useSavedRows(useTable(store, 'users'))
  const vendors = useTable(store, 'vendors')
  const { editing, formKey, open, saved, close } = useEditing()
  const [notice, setNotice] = useState(null)
  const current = rows.find((u) => u.id === editing)
  const mayChange = (u) => u.role !== 'SUPER_ADMIN' || me.role === 'SUPER_ADMIN'

  const fields = useMemo(() => {
    const companies = [...vendors.values()].map((v) => [v.id, v.company_name]).sort((a, b) => a[1].localeCompare(b[1]))
    return [
      ...(current ? [] : [{ name: 'email', label: 'E-mail', type: 'email', required: true }]),
      { name: 'first_name', label: 'First name' },
      { name: 'last_name', label: 'Last name' },
      { name: 'phone', label: 'Phone', type: 'tel' },
      { name: 'role', label: 'Role', type: 'select', required: true, options: roleOptions(me) },
      { name: 'vendor_id', label: 'Vendor company (vendor users only)', type: 'select', options: companies },
    ]
  }, [current, vendors, me])

  async function save(changes) {
    const answer = current
      ? await api(`/api/v1/users/${current.id}`, { method: 'PATCH', body: { ...changes, version: Number(current.version) } })
      : await api('/api/v1/users/invite', { method: 'POST', body: changes })
    keep(answer)
    if (!current) setNotice(`Invitation sent to ${answer.email}: the link works once, for 72 hours.`)
    saved(answer.id)
  }

  async function reset(user) {
    try {
      await api(`/api/v1/users/${user.id}/reset-password`, { method: 'POST' })
      setNotice(`A link to choose a new password was sent to ${user.email}.`)
    } catch (error) {
      setNotice(problemText(error))
    }
  }

  const columns = [
    { key: 'name', label: 'Name', value: (u) => personName(u) },
    { key: 'email', label: 'E-mail', value: (u) => u.email },
    { key: 'role', label: 'Role', value: (u) => ROLE_NAMES[u.role] || 'Unknown role' },
    { key: 'company', label: 'Company', value: (u) => (u.vendor_id ? vendors.get(u.vendor_id)?.company_name || 'A vendor' : '—') },
    { key: 'login', label: 'Last sign-in', value: (u) => u.last_login, render: (u) => (u.last_login ? formatDate(u.last_login) : 'Never') },
    { key: 'active', label: 'Active', value: (u) => (u.is_active ? 'Yes' : 'No') },
    {
      key: 'do',
      label: 'Change',
      value: () => '',
      render: (u) =>
        mayChange(u) ? (
          <span className="row-actions">
            <button type="button" onClick={() => open(u.id)} aria-label={`Edit ${personName(u)}`}>
              Edit
            </button>
            {u.is_active && (
              <button type="button" className="secondary" onClick={() => reset(u)} aria-label={`Reset password of ${personName(u)}`}>
                Reset password
              </button>
            )}
            {u.id !== me.id && <ActiveToggle path="/api/v1/users" record={u} name={personName(u)} onSaved={keep} />}
          </span>
        ) : (
          <span className="muted">Only a super admin changes a super admin.</span>
        ),
    },
  ]

  return (
    <SetupList
      noun="user"
      plural="users"
      rows={rows}
      searchIn={(u) => [personName(u), u.email, ROLE_NAMES[u.role]]}
      onNew={() => (open('new'), setNotice(null))}
      form={
        (editing || notice) && (
          <>
            {notice && (
              <p className="notice" role="status">
                {notice}
              </p>
            )}
            {editing && (
              <RecordForm
                key={formKey}
                title={current ? `Edit ${personName(current)}` : 'Invite a user'}
                fields={fields}
                record={current ?? { role: 'PROPERTY_MANAGER' }}
                submitLabel={current ? 'Save user' : 'Send invitation'}
                onSave={save}
                onCancel={() => (close(), setNotice(null))}
              />
            )}
          </>
        )
      }
    >
      {(shown) => <DataTable caption="Users" columns={columns} rows={shown} rowKey={(u) => u.id} sortable stacked />}
    </SetupList>
  )
}
