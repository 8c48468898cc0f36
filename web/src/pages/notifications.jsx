import { useMemo, useState } from 'react'
import { api, readProblemText } from '../data/api.js'
import { formatDate } from '../format.js'
import { useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import './notifications.css'

/** The user's synced notifications, newest first; marking them read lowers the bell's count live. */
export function Notifications() {
  const { store } = useSession()
  const notifications = useTable(store, 'notifications')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState(null)

  const list = useMemo(
    () =>
      [...notifications.values()].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id)),
    [notifications],
  )
  const unread = list.filter((n) => !n.is_read).length

  async function send(path, failure) {
    setBusy(true)
    setProblem(null)
    try {
      await api(path, { method: 'POST' })
    } catch (error) {
      setProblem(`${failure}: ${readProblemText(error)}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="notifications-page" aria-labelledby="notifications-title">
      <div className="page-head">
        <h1 id="notifications-title">Notifications</h1>
        <p className="muted" role="status">
          {store.tables.notifications.ready ? `${unread} unread of ${list.length}` : 'Syncing…'}
        </p>
        <button
          type="button"
          className="secondary"
          disabled={busy || unread === 0}
          onClick={() => send('/api/v1/notifications/read-all', 'Could not mark them all read')}
        >
          Mark all read
        </button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {list.length === 0 && store.tables.notifications.ready && <p className="muted">No notifications yet.</p>}
      <ol className="notes">
        {list.map((n) => (
          <Note
            key={n.id}
            note={n}
            busy={busy}
            onRead={() => send(`/api/v1/notifications/${n.id}/read`, `Could not mark “${n.title}” read`)}
          />
        ))}
      </ol>
    </section>
  )
}

/** What a vendor hears of its bids: each leads to that turn's requests on its bid requests page (the
 * turn itself may not be the vendor's to read). */
const VENDOR_BID_KINDS = new Set(['bid_invited', 'bid_awarded', 'bid_lost', 'bid_cancelled'])

function Note({ note, busy, onRead }) {
  return (
    <li className={note.is_read ? 'note' : 'note unread'} data-notification={note.id}>
      <h2>
        {!note.is_read && <span className="badge unread-badge">Unread</span>}{' '}
        {VENDOR_BID_KINDS.has(note.kind) ? (
          <a href={note.turn_id ? `#/bids/${note.turn_id}` : '#/bids'}>{note.title}</a>
        ) : note.turn_id ? (
          <a href={`#/turns/${note.turn_id}`}>{note.title}</a>
        ) : (
          note.title
        )}
      </h2>
      {note.body && <p>{note.body}</p>}
      <p className="muted when">{formatDate(note.created_at)}</p>
      {!note.is_read && (
        <button type="button" className="link" disabled={busy} onClick={onRead}>
          Mark read<span className="visually-hidden"> {note.title}</span>
        </button>
      )}
    </li>
  )
}
