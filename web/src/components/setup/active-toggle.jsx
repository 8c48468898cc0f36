// Deactivate / reactivate one record through POST …/deactivate or …/activate, with its version.
import { useState } from 'react'
import { api, problemText } from '../../data/api.js'

export function ActiveToggle({ path, record, name, onSaved }) {
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  const action = record.is_active ? 'deactivate' : 'activate'

  async function toggle() {
    setBusy(true)
    setError(null)
    try {
      onSaved(await api(`${path}/${record.id}/${action}`, { method: 'POST', body: { version: Number(record.version) } }))
    } catch (e) {
      setError(problemText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={toggle} aria-label={`${record.is_active ? 'Deactivate' : 'Activate'} ${name}`}>
        {record.is_active ? 'Deactivate' : 'Activate'}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </>
  )
}
