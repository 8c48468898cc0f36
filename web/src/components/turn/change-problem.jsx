import { useSession } from '../../data/session.js'

/** A write the server refused (with its reason) or that met a newer version (with a way forward). */
export function ChangeProblem({ op, children }) {
  const { outbox } = useSession()
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
  return (
    <div className="problem" role="alert">
      <p>
        <strong>“{op.label}” was not saved.</strong> {op.message}
      </p>
      {children}
      <p className="actions">
        <button type="button" className="link" onClick={() => outbox.discard(op.id)}>
          Dismiss
        </button>
      </p>
    </div>
  )
}
