import { useEffect, useState } from 'react'
import { api, problemText } from '../../data/api.js'
import { canMove, useSession } from '../../data/session.js'
import { shapeRows } from '../../data/sync.js'
import { navigate } from '../../router.js'
import { formatDate } from '../../format.js'

/** The turn's inspections, live from the synced `inspections` (a vendor user receives none). */
function useInspections(turnId) {
  const [rows, setRows] = useState([])
  useEffect(
    () => shapeRows('inspections', { where: 'turn_id = $1', params: { 1: turnId } }, (found) => setRows(found)),
    [turnId],
  )
  return [...rows].sort((a, b) => b.started_at.localeCompare(a.started_at))
}

/**
 * The way to the move-out inspection: start one, or continue the one in progress (inspectors,
 * the property's managers and admins); the last one finished, for whoever reads the turn.
 */
export function TurnInspection({ turn }) {
  const { me } = useSession()
  const inspections = useInspections(turn.id)
  const [error, setError] = useState('')
  const inspects = canMove(me) || me.role === 'INSPECTOR'
  if (!inspects && !inspections.length) return null
  const open = inspections.find((inspection) => inspection.status === 'IN_PROGRESS')
  const last = inspections.find((inspection) => inspection.status === 'FINISHED')

  async function start() {
    setError('')
    try {
      const started = await api(`/api/v1/turns/${turn.id}/inspections`, { method: 'POST', body: {} })
      navigate(`/inspections/${started.id}`)
    } catch (failure) {
      const current = failure.problem?.current
      if (current?.status === 'IN_PROGRESS') navigate(`/inspections/${current.id}`)
      else setError(problemText(failure))
    }
  }

  return (
    <section className="panel" aria-labelledby="inspection-link-title">
      <h2 id="inspection-link-title">Move-out inspection</h2>
      {last && (
        <p>
          Finished {formatDate(last.finished_at.slice(0, 10))}: <a href={`#/inspections/${last.id}`}>see the results</a>
        </p>
      )}
      {inspects && open && (
        <p>
          <a className="button" href={`#/inspections/${open.id}`}>
            Continue inspection
          </a>
        </p>
      )}
      {inspects && !open && (
        <p>
          <button type="button" onClick={start}>
            Start move-out inspection
          </button>
        </p>
      )}
      {!inspections.length && inspects && (
        <p className="muted">Walk the home room by room on your phone; it works without a signal.</p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  )
}
