import { useEffect } from 'react'
import { useSession } from '../../data/session.js'
import { fixLink, focusControl, refusalResolved, requirementsOf } from '../../requirements.js'

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
      <div className="problem conflict" role="alert">
        <p>
          <strong>Changed by someone else.</strong> Your change “{op.label}” was not saved: the turn now shows their
          values.
        </p>
        {children}
        <p className="actions">
          <button type="button" onClick={() => outbox.reapply(op.id)}>
            Reapply my change
          </button>
          <button type="button" className="link" onClick={() => outbox.discard(op.id)}>
            Discard it
          </button>
        </p>
      </div>
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
