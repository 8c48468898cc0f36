import { useState } from 'react'
import { api, isNetworkError, problemText } from '../../data/api.js'
import { isAdmin, isManager, useSession } from '../../data/session.js'
import { formatDate } from '../../format.js'

// Who reveals and who sets a turn's code (docs/workflow.md); the server refuses anyone else.
function mayReveal(me, turn) {
  const assigned = me.role === 'VENDOR' && [turn.vendor_id, turn.flooring_vendor_id].includes(me.vendor_id)
  return isAdmin(me) || isManager(me) || me.role === 'INSPECTOR' || assigned
}

function maySet(me, turn) {
  return isAdmin(me) || isManager(me) || (me.role === 'VENDOR' && turn.vendor_id === me.vendor_id)
}

function failure(error) {
  return isNetworkError(error) ? 'You are offline: try again when the connection is back.' : problemText(error)
}

export function TurnLockBox({ turn }) {
  const { me } = useSession()
  return (
    <section className="panel" aria-labelledby="lock-box-title">
      <h2 id="lock-box-title">Lock box</h2>
      <dl className="summary">
        <div>
          <dt>Location</dt>
          <dd>{turn.lock_box_location || '—'}</dd>
        </div>
        <div>
          <dt>Installed</dt>
          <dd>{formatDate(turn.lock_box_install_date)}</dd>
        </div>
      </dl>
      {mayReveal(me, turn) && <RevealCode key={turn.id} turnId={turn.id} />}
      {maySet(me, turn) && <SetLockBox turn={turn} />}
    </section>
  )
}

/** Codes are never synced: one is fetched only when asked for, and the server audits it. */
function RevealCode({ turnId }) {
  const [shown, setShown] = useState({ code: undefined, error: '', busy: false })

  async function reveal() {
    setShown({ busy: true })
    try {
      const { code } = await api(`/api/v1/turns/${turnId}/lock-box/reveal`, { method: 'POST' })
      setShown({ code })
    } catch (error) {
      setShown({ error: failure(error) })
    }
  }

  const revealed = shown.code !== undefined
  return (
    <div className="reveal">
      {revealed ? (
        <button type="button" className="secondary" onClick={() => setShown({})}>
          Hide code
        </button>
      ) : (
        <button type="button" onClick={reveal} disabled={shown.busy}>
          Reveal code
        </button>
      )}
      <p role="status">
        {revealed && shown.code === null && 'No code is set for this lock box.'}
        {revealed && shown.code !== null && (
          <>
            Code: <strong className="code">{shown.code}</strong>
          </>
        )}
      </p>
      {shown.error && (
        <p className="error" role="alert">
          {shown.error}
        </p>
      )}
    </div>
  )
}

function SetLockBox({ turn }) {
  const { outbox } = useSession()
  const [draft, setDraft] = useState({ code: '' })
  const [result, setResult] = useState({ saved: false, error: '' })
  const location = draft.location ?? turn.lock_box_location ?? ''
  const installed = draft.install_date ?? turn.lock_box_install_date ?? ''

  async function save(event) {
    event.preventDefault()
    const body = { version: Number(turn.version), location: location.trim() || null, install_date: installed || null }
    if (draft.code.trim()) body.code = draft.code.trim()
    try {
      const row = await api(`/api/v1/turns/${turn.id}/lock-box`, { method: 'PUT', body })
      outbox.answered(turn, row, { lock_box_location: body.location, lock_box_install_date: body.install_date })
      setDraft({ ...draft, code: '' })
      setResult({ saved: true, error: '' })
    } catch (error) {
      setResult({ saved: false, error: failure(error) })
    }
  }

  return (
    <details className="set-lock-box">
      <summary id="set-lock-box">Set the lock box</summary>
      <form onSubmit={save} aria-label="Set the lock box">
        <label>
          New code (leave empty to keep the current one)
          <input
            type="text"
            autoComplete="off"
            maxLength={50}
            value={draft.code}
            onChange={(e) => setDraft({ ...draft, code: e.target.value })}
          />
        </label>
        <label>
          Lock-box location
          <input
            type="text"
            maxLength={255}
            value={location}
            onChange={(e) => setDraft({ ...draft, location: e.target.value })}
          />
        </label>
        <label>
          Lock-box install date
          <input type="date" value={installed} onChange={(e) => setDraft({ ...draft, install_date: e.target.value })} />
        </label>
        <p className="actions">
          <button type="submit">Save lock box</button>
        </p>
        <p role="status">{result.saved && 'Lock box saved.'}</p>
        {result.error && (
          <p className="error" role="alert">
            {result.error}
          </p>
        )}
      </form>
    </details>
  )
}
