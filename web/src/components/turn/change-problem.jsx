import { useEffect } from 'react'
import { useSession } from '../../data/session.js'
import { fixLink, focusControl, refusalResolved, requirementsOf } from '../../requirements.js'

/**
 * A change that met a newer version of the `what` it changed: what happened, both values
 * (`children`), and the two ways forward: write mine on top of theirs, or keep theirs.
 */
export function ConflictChoice({ label, what = 'turn', onReapply, onDiscard, children }) {
  return (
    <div className="problem conflict" role="alert">
      <p>
        <strong>Changed by someone else.</strong> Your change “{label}” was not saved: the {what} now shows their
        values.
      </p>
      {children}
      <p className="actions">
        <button type="button" onClick={onReapply}>
          Reapply my change
        </button>
        <button type="button" className="link" onClick={onDiscard}>
          Discard it
        </button>
      </p>
    </div>
  )
}

/**
 * A write the server refused (with its reason) or that met a newer version (with a way forward).
 * A refused stage move names what is missing in words, each with a link to the control that
 * fixes it; once `turn` meets every one of them the refusal is gone.
 */
export function ChangeProblem({ op, turn, children }) {
  const { outbox } = useSession()
  const resolved = op.state === 'rejected' && refusalResolved(op.missing, turn)
  useEffect(() => {
    if (resolved) outbox.discard(op.id)
  }, [resolved, outbox, op.id])
  if (resolved) return null
  if (op.state === 'conflict') {
    return (
      <ConflictChoice label={op.label} onReapply={() => outbox.reapply(op.id)} onDiscard={() => outbox.discard(op.id)}>
        {children}
      </ConflictChoice>
    )
  }
  const needs = requirementsOf(op.missing)
  return (
    <div className="problem" role="alert">
      <p>
        <strong>“{op.label}” was not saved.</strong> {needs.length ? '' : op.message}
      </p>
      {needs.length > 0 && (
        <ul className="needs">
          {needs.map((need) => (
            <li key={need.code}>
              {need.sentence}{' '}
              <a href={fixLink(op.turnId, need.code)} onClick={(e) => focusControl(need.control) && e.preventDefault()}>
                {need.fix}
              </a>
            </li>
          ))}
        </ul>
      )}
      {children}
      <p className="actions">
        <button type="button" className="link" onClick={() => outbox.discard(op.id)}>
          Dismiss
        </button>
      </p>
    </div>
  )
}
