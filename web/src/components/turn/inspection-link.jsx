import { useState } from 'react'
import { api, problemText, useApi } from '../../data/api.js'
import { canMove, isVendor, useSession } from '../../data/session.js'
import { navigate } from '../../router.js'
import { formatDate } from '../../format.js'

const KEPT = 'turns.inspections.'

/**
 * The turn's inspections, read once from the API (not a live shape: the turn page already holds
 * as many long-polls as a browser gives one origin connections), and kept on the device so an
 * inspection in progress can be continued without a signal. A vendor user reads none.
 */
function useInspections(turnId, reads) {
  const { data } = useApi(reads ? `/api/v1/turns/${turnId}/inspections` : null)
  if (data) localStorage.setItem(KEPT + turnId, JSON.stringify(data.items))
  if (data || !reads) return data?.items || []
  try {
    return JSON.parse(localStorage.getItem(KEPT + turnId) || '[]')
  } catch {
    return []
  }
}

/**
 * The active templates with items an inspection may walk, the server's default first (the first
 * single-family one by name), read only by who may start one.
 */
function useTemplates(reads) {
  const { data } = useApi(reads ? '/api/v1/inspection-templates' : null, { active: true })
  const usable = (data?.items || []).filter((template) => template.items.length)
  return usable.sort((a, b) => (a.kind !== 'SINGLE_FAMILY') - (b.kind !== 'SINGLE_FAMILY') || a.name.localeCompare(b.name))
}

/**
 * The way to the move-out inspection: start one, or continue the one in progress (inspectors,
 * the property's managers and admins); the last one finished, for whoever reads the turn.
 */
export function TurnInspection({ turn }) {
  const { me } = useSession()
  const [error, setError] = useState('')
  const inspects = canMove(me) || me.role === 'INSPECTOR'
  const inspections = useInspections(turn.id, !isVendor(me))
  const open = inspections.find((inspection) => inspection.status === 'IN_PROGRESS')
  const templates = useTemplates(inspects && !open)
  const [chosen, setChosen] = useState('')
  if (!inspects && !inspections.length) return null
  const last = inspections.find((inspection) => inspection.status === 'FINISHED')

  async function start() {
    setError('')
    try {
      const template = chosen || templates[0]?.id
      const body = template ? { template_id: template } : {}
      const started = await api(`/api/v1/turns/${turn.id}/inspections`, { method: 'POST', body })
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
      {inspects && !open && templates.length > 1 && (
        <p>
          <label>
            Checklist{' '}
            <select value={chosen || templates[0].id} onChange={(e) => setChosen(e.target.value)}>
              {templates.map((template) => (
                <option key={template.id} value={template.id}>
                  {template.name}
                </option>
              ))}
            </select>
          </label>
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
