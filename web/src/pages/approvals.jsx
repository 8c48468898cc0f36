import { useId, useMemo, useState } from 'react'
import { api, ApiError, readProblemText, useApi } from '../data/api.js'
import { APPROVAL_LABELS, formatDate, formatMoney } from '../format.js'
import { isAdmin, isApprover, useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { ScopeReview } from '../components/turn/scope.jsx'
import { TurnAudit } from '../components/turn/audit.jsx'
import { ConfirmApproval, ThresholdNote, useThresholds } from '../components/turn/thresholds.jsx'
import './approvals.css'

const LEVELS = {
  DFO_APPROVAL_NEEDED: { name: 'DFO', role: 'DFO_APPROVER' },
  HO_APPROVAL_NEEDED: { name: 'HO', role: 'HO_APPROVER' },
}

/** Scopes waiting for the signed-in approver's decision, oldest first, kept current as turns change. */
export function Approvals() {
  const { me, store } = useSession()
  const turns = useTable(store, 'turns')
  const stages = useTable(store, 'turn_stages')
  const vendors = useTable(store, 'vendors')
  const users = useTable(store, 'users')
  const names = useMemo(() => ({ stages, vendors, users }), [stages, vendors, users])
  const thresholds = useThresholds()
  const [announcement, setAnnouncement] = useState('')
  // The queue is asked again whenever a waiting turn changes, appears or leaves (a decision
  // by anyone), as the synced turns tell.
  const waiting = useMemo(
    () =>
      [...turns.values()]
        .filter((t) => LEVELS[t.scope_approval_status])
        .map((t) => `${t.id}:${t.version}`)
        .sort()
        .join(),
    [turns],
  )
  const queue = useApi(isApprover(me) ? '/api/v1/approvals/queue' : null, null, waiting)

  if (!isApprover(me)) {
    return (
      <section aria-labelledby="approvals-title">
        <h1 id="approvals-title">Approvals</h1>
        <p className="notice">
          Approvals are not for your role: DFO and HO approvers decide scopes. Follow a scope’s status on the{' '}
          <a href="#/board">board</a>.
        </p>
      </section>
    )
  }
  const items = queue.data || []
  const decided = (text) => {
    setAnnouncement(text)
    queue.retry()
  }
  return (
    <section className="approvals-page" aria-labelledby="approvals-title" aria-busy={queue.loading}>
      <div className="page-head">
        <h1 id="approvals-title">Approvals</h1>
        <p className="muted" role="status">
          {queue.data ? `${items.length} scope${items.length === 1 ? '' : 's'} waiting` : 'Loading the queue…'}
        </p>
      </div>
      {isAdmin(me) && <p className="muted">You watch both steps; DFO and HO approvers make the decisions.</p>}
      <p className="announcement" role="status">
        {announcement}
      </p>
      {queue.error && (
        <div className="problem" role="alert">
          <p>{readProblemText(queue.error)}</p>
          <button type="button" className="link" onClick={queue.retry}>
            Try again
          </button>
        </div>
      )}
      {queue.data && items.length === 0 && <p className="empty">Nothing is waiting for a decision.</p>}
      <ol className="queue">
        {items.map((item) => (
          <QueueItem key={item.id} item={item} names={names} thresholds={thresholds} onDecided={decided} />
        ))}
      </ol>
    </section>
  )
}

/**
 * One scope to decide, with what an approver decides by: the amount against the thresholds,
 * the lines with their photos, what changed since an earlier approval, and the turn's history.
 */
function QueueItem({ item, names, thresholds, onDecided }) {
  const { me } = useSession()
  const level = LEVELS[item.status]
  const since = item.approval_requested_at || item.scope_submitted_at
  const titleId = useId()
  const [history, setHistory] = useState(false)
  return (
    <li className="queue-item" data-turn={item.turn_id} aria-labelledby={titleId}>
      <h2 id={titleId}>
        {item.property_name} <span className="muted">{item.property_id}</span>
      </h2>
      <p className="address">{item.address}</p>
      <dl>
        <div>
          <dt>Turn</dt>
          <dd>
            <a href={`#/turns/${item.id}`}>{item.turn_id}</a>
          </dd>
        </div>
        <div>
          <dt>Amount</dt>
          <dd>{formatMoney(item.amount)}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd title={since ? formatDate(since) : undefined}>{since ? waitedSince(since) : 'Not known'}</dd>
        </div>
        <div>
          <dt>Level</dt>
          <dd>{level.name}</dd>
        </div>
        {item.scope_photos_link && (
          <div>
            <dt>Photo album</dt>
            <dd>
              <a href={item.scope_photos_link} target="_blank" rel="noopener noreferrer">
                Open album<span className="visually-hidden"> of {item.turn_id} (new tab)</span>
              </a>
            </dd>
          </div>
        )}
      </dl>
      <ThresholdNote amount={item.amount} settings={thresholds} />
      <ScopeReview item={item} names={names} />
      <details className="queue-history" onToggle={(event) => setHistory(event.currentTarget.open)}>
        <summary>History of {item.turn_id}</summary>
        {history && <TurnAudit turnId={item.id} version={item.version} names={names} />}
      </details>
      {me.role === level.role ? (
        <Decision item={item} thresholds={thresholds} onDecided={onDecided} />
      ) : (
        <p className="muted">Decided at the {level.name} step by its approvers.</p>
      )}
    </li>
  )
}

/** Approve (once confirmed, naming the amount), or reject with a reason; what the server refused is said here, next to the scope. */
function Decision({ item, thresholds, onDecided }) {
  const [rejecting, setRejecting] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState(null)

  async function decide(action, body, done) {
    setBusy(true)
    setProblem(null)
    try {
      const turn = await api(`/api/v1/turns/${item.id}/scope/${action}`, {
        method: 'POST',
        body: { ...body, version: item.version },
      })
      onDecided(done(turn))
    } catch (error) {
      setProblem(decisionProblem(error))
      setBusy(false)
    }
  }

  const approve = () =>
    decide('approve', {}, (turn) =>
      turn.scope_approval_status === 'HO_APPROVAL_NEEDED'
        ? `${item.turn_id} approved: it now waits for the HO approver.`
        : `${item.turn_id} approved.`,
    )
  const reject = (reason) => decide('reject', { reason }, () => `${item.turn_id} rejected.`)

  return (
    <div className="decision">
      {confirming && (
        <ConfirmApproval
          amount={item.amount}
          turnId={item.turn_id}
          where={`${item.property_name}, ${item.address}`}
          thresholds={thresholds}
          onConfirm={() => {
            setConfirming(false)
            approve()
          }}
          onCancel={() => setConfirming(false)}
        />
      )}
      {rejecting ? (
        <RejectForm turnId={item.turn_id} busy={busy} onReject={reject} onCancel={() => setRejecting(false)} />
      ) : (
        <p className="actions">
          <button type="button" onClick={() => setConfirming(true)} disabled={busy}>
            {busy ? 'Saving…' : 'Approve'}
          </button>
          <button type="button" className="secondary" onClick={() => setRejecting(true)} disabled={busy}>
            Reject…
          </button>
        </p>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  )
}

/** A rejection says why: it cannot be sent without a reason. */
function RejectForm({ turnId, busy, onReject, onCancel }) {
  const id = useId()
  const [reason, setReason] = useState('')

  function submit(event) {
    event.preventDefault()
    if (reason.trim()) onReject(reason.trim())
  }

  return (
    <form className="reject" onSubmit={submit}>
      <label htmlFor={id}>Reason for rejecting {turnId} (the manager sees it)</label>
      <textarea
        id={id}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        required
        maxLength={500}
        rows={3}
        autoFocus
        aria-describedby={`${id}-why`}
      />
      <p id={`${id}-why`} className="muted">
        {reason.trim() ? 'The manager revises the scope by it.' : 'Write a reason to reject: the manager needs it to revise the scope.'}
      </p>
      <p className="actions">
        <button type="submit" disabled={busy || !reason.trim()}>
          {busy ? 'Saving…' : 'Reject scope'}
        </button>
        <button type="button" className="link" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </p>
    </form>
  )
}

function decisionProblem(error) {
  if (error instanceof ApiError && (error.status === 409 || error.status === 412)) {
    const now = APPROVAL_LABELS[error.problem.current?.scope_approval_status]
    return `Not saved: the turn changed meanwhile${now ? ` (now: ${now})` : ''}. The queue shows it as it is now.`
  }
  return readProblemText(error)
}

/** "3 days, 4 hours" since a timestamp. */
function waitedSince(timestamp) {
  const hours = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 3_600_000))
  if (hours === 0) return 'Less than an hour'
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`
  const days = Math.floor(hours / 24)
  return [days && plural(days, 'day'), hours % 24 && plural(hours % 24, 'hour')].filter(Boolean).join(', ')
}
