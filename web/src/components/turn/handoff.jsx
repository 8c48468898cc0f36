import { useState } from 'react'
import { canMove, useSession } from '../../data/session.js'
import { formatDate } from '../../format.js'
import { ChangeProblem } from './change-problem.jsx'
import { formatValue } from './values.jsx'

/**
 * Whether a turn in `stage` may go to leasing (the server's rule, turns.workflow.handoff): it
 * is complete, or in the last active stage before the complete stage.
 */
export function mayHandOff(stage, stages) {
  if (!stage) return false
  if (stage.is_complete_stage) return true
  const active = stages.filter((s) => s.is_active)
  const complete = active.filter((s) => s.is_complete_stage).map((s) => s.display_order)
  if (!complete.length) return false
  const before = active.filter((s) => !s.is_complete_stage && s.display_order < Math.min(...complete))
  return before.length > 0 && before[before.length - 1].id === stage.id
}

/** The hand-off to leasing: who sent the turn and when, or (for managers) sending it, confirmed first. */
export function TurnHandoff({ turn, stages, ops, names }) {
  const { me, outbox } = useSession()
  const [confirming, setConfirming] = useState(false)
  const stage = stages.find((s) => s.id === turn.stage_id)
  const problems = ops.filter((op) => op.kind === 'handoff' && (op.state === 'rejected' || op.state === 'conflict'))
  const sent = Boolean(turn.sent_to_leasing_at || turn.sent_to_leasing_date)
  if (!sent && !(canMove(me) && mayHandOff(stage, stages)) && !problems.length) return null

  function send() {
    const overlay = { sent_to_leasing_at: new Date().toISOString(), sent_to_leasing_by: me.id }
    outbox.write(turn, 'handoff', {}, overlay, 'Send to leasing')
    setConfirming(false)
  }

  return (
    <section className="panel handoff" aria-labelledby="handoff-title">
      <h2 id="handoff-title">Leasing</h2>
      {sent ? (
        <p>
          Sent to leasing {formatDate(turn.sent_to_leasing_at || turn.sent_to_leasing_date)}
          {turn.sent_to_leasing_by && <> by {formatValue('sent_to_leasing_by', turn.sent_to_leasing_by, names)}</>}.
        </p>
      ) : confirming ? (
        <div role="group" aria-label="Confirm sending to leasing">
          <p>
            Send {turn.turn_id} to leasing? Leasing will show the home from its ready date; the property&apos;s managers
            are told.
          </p>
          <p className="actions">
            <button type="button" onClick={send}>
              Yes, send to leasing
            </button>
            <button type="button" className="link" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </p>
        </div>
      ) : (
        <>
          <p className="muted">The work is done: hand the home to leasing when it is ready to show.</p>
          <p className="actions">
            <button type="button" onClick={() => setConfirming(true)}>
              Send to leasing
            </button>
          </p>
        </>
      )}
      {problems.map((op) => (
        <ChangeProblem key={op.id} op={op} turn={turn} />
      ))}
    </section>
  )
}
