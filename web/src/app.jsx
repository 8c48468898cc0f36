import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import { api, ApiError, csrfToken, isNetworkError, problemText } from './data/api.js'
import { forgetUser, rememberMe, savedMe } from './data/local-db.js'
import { Outbox, useOutbox } from './data/outbox.js'
import { forgetPhotos, startPhotoQueue } from './data/photo-queue.js'
import { useRoute } from './router.js'
import { ROLE_NAMES, SessionContext, isAdmin, isApprover, isVendor } from './data/session.js'
import { Store, useTable } from './data/sync.js'
import { Login } from './pages/login.jsx'
import { Board } from './pages/board.jsx'
import { TurnDetail } from './pages/turn.jsx'
import { Inspection } from './pages/inspection.jsx'
import { Approvals } from './pages/approvals.jsx'
import { Properties } from './pages/properties.jsx'
import { PropertyPage } from './pages/property.jsx'
import { Completed } from './pages/completed.jsx'
import { Vendors } from './pages/vendors.jsx'
import { Reports } from './pages/reports.jsx'
import { Notifications } from './pages/notifications.jsx'
import { CalendarPage } from './pages/calendar.jsx'
import { Import } from './pages/import.jsx'
import { Setup } from './pages/setup.jsx'
import { Welcome, welcomeToken } from './pages/welcome.jsx'
import { BidRequests } from './pages/bids.jsx'

export function App() {
  // undefined: asking the server; null: signed out; an Error: the server could not be asked.
  const [me, setMe] = useState(() => (csrfToken() ? undefined : null))
  const [attempt, setAttempt] = useState(0)
  const signedIn = useCallback((user) => {
    rememberMe(user)
    setMe(user)
  }, [])

  // Without a connection, the user this session last confirmed starts the app from the device.
  useEffect(() => {
    if (!csrfToken()) return
    api('/api/v1/auth/me')
      .then(signedIn)
      .catch((error) => {
        if (error instanceof ApiError && error.status === 401) {
          forgetUser(savedMe()?.id)
          setMe(null)
        } else setMe((isNetworkError(error) && savedMe()) || error)
      })
  }, [attempt, signedIn])

  const { route } = useRoute()
  const token = route.startsWith('welcome') ? welcomeToken() : null
  if (token !== null) return <Welcome token={token} onSignedIn={signedIn} />
  if (me === undefined) return <p className="loading">Loading…</p>
  if (me === null) return <Login onSignedIn={signedIn} />
  if (me instanceof Error)
    return (
      <main className="login" role="alert">
        <p>{me instanceof ApiError ? problemText(me) : 'Turns cannot be reached right now: check the connection.'}</p>
        <button type="button" onClick={() => (setMe(undefined), setAttempt(attempt + 1))}>
          Try again
        </button>
      </main>
    )
  return <SignedIn key={me.id} me={me} onSignedOut={() => setMe(null)} />
}

function SignedIn({ me, onSignedOut }) {
  const store = useMemo(() => new Store(me.id), [me.id])
  const outbox = useMemo(() => new Outbox(me.id), [me.id])
  useEffect(
    () => () => {
      store.close()
      outbox.close()
    },
    [store, outbox],
  )
  useEffect(() => startPhotoQueue(me), [me])
  const session = useMemo(() => ({ me, store, outbox }), [me, store, outbox])

  /** The session is over on this device: stop syncing, delete the user's saved rows, ask to sign in. */
  const leave = useCallback(async () => {
    store.close()
    await forgetUser(me.id)
    onSignedOut()
  }, [store, me.id, onSignedOut])

  const signOut = useCallback(async () => {
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => null)
    outbox.forget()
    await forgetPhotos(me.id)
    await leave()
  }, [outbox, leave, me.id])

  const sessionEnded = useSyncExternalStore(store.subscribe, () => store.sessionEnded)
  useEffect(() => {
    if (sessionEnded) leave()
  }, [sessionEnded, leave])

  return (
    <SessionContext.Provider value={session}>
      <Header me={me} store={store} outbox={outbox} onSignOut={signOut} />
      <main id="main">
        <Page />
      </main>
    </SessionContext.Provider>
  )
}

function Page() {
  const { route, params } = useRoute()
  switch (route) {
    case '':
    case 'board':
      return <Board />
    case 'turns':
      return <TurnDetail id={params[0]} focus={params[1]} />
    case 'inspections':
      return <Inspection id={params[0]} />
    case 'approvals':
      return <Approvals />
    case 'properties':
      return params[0] ? <PropertyPage id={params[0]} /> : <Properties />
    case 'completed':
      return <Completed />
    case 'vendors':
      return <Vendors />
    case 'reports':
      return <Reports />
    case 'notifications':
      return <Notifications />
    case 'bids':
      return <BidRequests turnId={params[0]} />
    case 'calendar':
      return <CalendarPage week={params[0]} />
    case 'import':
      return <Import />
    case 'setup':
      return <Setup />
    default:
      return (
        <p>
          No such page. <a href="#/board">Back to the board</a>
        </p>
      )
  }
}

function Header({ me, store, outbox, onSignOut }) {
  const { route } = useRoute()
  const notifications = useTable(store, 'notifications')
  const { ops, online } = useOutbox(outbox)
  const unread = [...notifications.values()].filter((n) => !n.is_read).length
  const waiting = ops.filter((op) => op.state === 'pending').length
  const links = [
    ['board', 'Board'],
    ['completed', 'Completed'],
    ['calendar', 'Calendar'],
    ...(isApprover(me) ? [['approvals', 'Approvals']] : []),
    ...(isVendor(me) ? [['bids', 'Bid requests']] : []),
    ...(isVendor(me) ? [] : [['properties', 'Properties'], ['vendors', 'Vendors'], ['reports', 'Reports']]),
    ...(isAdmin(me) ? [['setup', 'Set-up']] : []),
  ]
  const here = route || 'board'
  const nav = useRef(null)
  // On a phone the bar may scroll sideways: the tab of the page shown is brought to its middle.
  useEffect(() => {
    const bar = nav.current
    const tab = bar?.querySelector('[aria-current="page"]')
    if (tab && bar.scrollWidth > bar.clientWidth) bar.scrollLeft = tab.offsetLeft - (bar.clientWidth - tab.offsetWidth) / 2
  }, [here])
  return (
    <header className="top">
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main').focus())}>
        Skip to content
      </a>
      <strong className="brand">Turns</strong>
      <nav aria-label="Main" ref={nav}>
        {links.map(([path, label]) => (
          <a key={path} href={`#/${path}`} aria-current={here === path ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <span className="status" role="status" aria-live="polite">
        {!online && <span className="badge offline">Offline</span>}
        {waiting > 0 && <span className="badge pending">{waiting} change{waiting === 1 ? '' : 's'} waiting</span>}
      </span>
      <a
        className="bell"
        href="#/notifications"
        aria-label={`Notifications: ${unread} unread`}
        aria-current={here === 'notifications' ? 'page' : undefined}
      >
        <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="currentColor">
          <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        {unread > 0 && <span className="count">{unread}</span>}
      </a>
      <span className="who" title={me.email}>
        {[me.first_name, me.last_name].filter(Boolean).join(' ') || me.email}
        <small>{ROLE_NAMES[me.role] || me.role}</small>
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  )
}

