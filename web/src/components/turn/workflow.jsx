import { useState } from 'react'
import { canMove, useSession } from '../../data/session.js'
import { formatMoney, turnAmount } from '../../format.js'
import { ChangeProblem } from './change-problem.jsx'
import { formatValue, labelOf } from './values.jsx'
import { ConfirmApproval, ThresholdNote, useThresholds } from './thresholds.jsx'

// The scope status an approver of each role decides (docs/workflow.md).
const STEP_OF = { DFO_APPROVER: 'DFO_APPROVAL_NEEDED', HO_APPROVER: 'HO_APPROVAL_NEEDED' }
const DECIDED_BY = { DFO_APPROVER: 'dfo_approval_user_id', HO_APPROVER: 'ho_approval_user_id' }
const SUMMARY = ['approved_turn_amount', 'scope_submitted_by', 'dfo_approval_user_id', 'ho_approval_user_id']
const REJECTION = ['reject_user_id', 'reject_reason']

/** Stage moves and scope approval: what the signed-in role may do next, and what went wrong. */
export function TurnWorkflow({ turn, stages, ops, names }) {
  const { me } = useSession()
  const mine = ops.filter((op) => op.kind !== 'update')
  const waiting = mine.filter((op) => op.state === 'pending')
  const problems = mine.filter((op) => op.state === 'conflict' || op.state === 'rejected')
  const status = turn.scope_approval_status || 'PENDING'
  const deciding = STEP_OF[me.role] === status && !waiting.length
  const submitting = canMove(me) && ['PENDING', 'REJECTED'].includes(status)
  const thresholds = useThresholds()
  if (!('scope_approval_status' in turn) && !canMove(me) && !problems.length) return null
  return (
    <section className="panel" aria-labelledby="workflow-title">
      <h2 id="workflow-title" tabIndex={-1}>
        Stage and approval
      </h2>
      {'scope_approval_status' in turn && <ScopeSummary turn={turn} names={names} />}
      {'scope_approval_status' in turn && <ThresholdNote amount={turnAmount(turn)} settings={thresholds} />}
      {canMove(me) && <StageMove turn={turn} stages={stages} />}
      {submitting && <SubmitScope turn={turn} />}
      {deciding && <ScopeDecision turn={turn} thresholds={thresholds} />}
      <p className="group-status" role="status">
        {waiting.length > 0 && `Waiting to be sent: ${waiting.map((op) => op.label).join(', ')}.`}
      </p>
      {problems.map((op) => (
        <ChangeProblem key={op.id} op={op} turn={turn} />
      ))}
    </section>
  )
}

function ScopeSummary({ turn, names }) {
  const shown = [...SUMMARY, ...(turn.scope_approval_status === 'REJECTED' ? REJECTION : [])]
  return (
    <dl className="summary">
      <div>
        <dt>Total to approve</dt>
        <dd>{formatMoney(turnAmount(turn))}</dd>
      </div>
      {shown
        .filter((name) => turn[name])
        .map((name) => (
          <div key={name}>
            <dt>{labelOf(name)}</dt>
            <dd>{formatValue(name, turn[name], names)}</dd>
          </div>
        ))}
    </dl>
  )
}

function StageMove({ turn, stages }) {
  const { outbox } = useSession()
  const [target, setTarget] = useState('')
  const [note, setNote] = useState('')
  const others = stages.filter((s) => s.is_active && s.id !== turn.stage_id)

  function move(event) {
    event.preventDefault()
    const stage = stages.find((s) => s.id === target)
    const body = note.trim() ? { to_stage_id: target, note: note.trim() } : { to_stage_id: target }
    outbox.write(turn, 'transition', body, { stage_id: target }, `Move to ${stage.name}`)
    setTarget('')
    setNote('')
  }

  return (
    <form className="stage-move" aria-label="Move to another stage" onSubmit={move}>
      <div className="field">
        <label htmlFor="move-to-stage">Move to stage</label>
        <select id="move-to-stage" value={target} onChange={(e) => setTarget(e.target.value)} required>
          <option value="">Choose a stage…</option>
          {others.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <label>
        Note (optional)
        <input type="text" value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button type="submit" disabled={!target}>
        Move
      </button>
    </form>
  )
}

function SubmitScope({ turn }) {
  const { outbox } = useSession()
  if (!Number(turn.turn_amount)) {
    return <p className="muted">Set a turn amount before submitting the scope for approval.</p>
  }
  const submit = () =>
    outbox.write(turn, 'submit', {}, { scope_approval_status: 'DFO_APPROVAL_NEEDED' }, 'Submit scope for approval')
  return (
    <p className="actions">
      <button type="button" onClick={submit}>
        Submit scope for approval
      </button>
    </p>
  )
}

function ScopeDecision({ turn, thresholds }) {
  const { me, outbox } = useSession()
  const [reason, setReason] = useState('')
  const [confirming, setConfirming] = useState(false)
  const approve = () => {
    setConfirming(false)
    outbox.write(turn, 'approve', {}, { [DECIDED_BY[me.role]]: me.id }, 'Approve scope')
  }

  function reject(event) {
    event.preventDefault()
    const overlay = { scope_approval_status: 'REJECTED', reject_reason: reason.trim() }
    outbox.write(turn, 'reject', { reason: reason.trim() }, overlay, 'Reject scope')
    setReason('')
  }

  return (
    <form className="decision" aria-label="Decide the scope" onSubmit={reject}>
      {confirming && (
        <ConfirmApproval
          amount={turnAmount(turn)}
          turnId={turn.turn_id}
          thresholds={thresholds}
          onConfirm={approve}
          onCancel={() => setConfirming(false)}
        />
      )}
      <p className="actions">
        <button type="button" onClick={() => setConfirming(true)}>
          Approve scope
        </button>
      </p>
      <label>
        Reason for rejecting
        <textarea value={reason} maxLength={500} rows={2} required onChange={(e) => setReason(e.target.value)} />
      </label>
      <p className="actions">
        <button type="submit" className="secondary" disabled={!reason.trim()}>
          Reject scope
        </button>
      </p>
    </form>
  )
}
