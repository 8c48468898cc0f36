import { useState } from 'react'
import { canMove, useSession } from '../../data/session.js'
import { formatDate } from '../../format.js'
import { ChangeProblem } from './change-problem.jsx'

/**
 * A finished turn (completed, or closed without completion): when it finished and, for those
 * who run turns, reopening it with the reason why (kept in its stage history and audit trail).
 */
export function TurnReopen({ turn, ops }) {
  const { me, outbox } = useSession()
  const [reason, setReason] = useState('')
  if (turn.is_active !== false) return null
  const problems = ops.filter((op) => op.kind === 'reopen' && (op.state === 'rejected' || op.state === 'conflict'))

  function reopen(event) {
    event.preventDefault()
    const overlay = { is_active: true, turn_completion_date: null }
    outbox.write(turn, 'reopen', { reason: reason.trim() }, overlay, 'Reopen the turn')
    setReason('')
  }

  return (
    <section className="panel finished" aria-labelledby="finished-title">
      <h2 id="finished-title">
        {turn.turn_completion_date ? `Completed ${formatDate(turn.turn_completion_date)}` : 'Closed without completion'}
      </h2>
      <p className="muted">This turn is off the board. {canMove(me) ? 'Reopen it if work remains.' : ''}</p>
      {canMove(me) && (
        <form aria-label="Reopen the turn" onSubmit={reopen}>
          <label>
            Reason for reopening
            <textarea
              value={reason}
              maxLength={240}
              rows={2}
              required
              placeholder="e.g. Leak found under the kitchen sink at move-in"
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          <p className="actions">
            <button type="submit" disabled={!reason.trim()}>
              Reopen turn
            </button>
          </p>
        </form>
      )}
      {problems.map((op) => (
        <ChangeProblem key={op.id} op={op} turn={turn} />
      ))}
    </section>
  )
}
