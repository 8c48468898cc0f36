import { useEffect, useMemo, useState } from 'react'
import { api, isNetworkError, problemText, readProblemText } from '../data/api.js'
import {
  flush,
  keep,
  kept,
  queuePhoto,
  queueResult,
  refusals,
  sendCount,
  startSending,
  subscribe,
  waiting,
} from '../data/inspection-queue.js'
import { navigate } from '../router.js'
import { useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import './inspection.css'

const CONDITIONS = [
  ['OK', 'OK'],
  ['CLEAN', 'Clean'],
  ['REPAIR', 'Repair'],
  ['REPLACE', 'Replace'],
]
const FOR_WORK = new Set(['CLEAN', 'REPAIR', 'REPLACE'])

/** Read the inspection from the server, with its photos counted per item, and keep it on the device. */
async function read(id) {
  const since = sendCount()
  const detail = await api(`/api/v1/inspections/${id}`)
  const photos = await api(`/api/v1/turns/${detail.turn_id}/photos`)
  const itemOf = new Map(detail.results.map((result) => [result.id, result.template_item_id]))
  const counts = {}
  for (const photo of photos) {
    const item = photo.subject === 'inspection' && itemOf.get(photo.subject_id)
    if (item) counts[item] = (counts[item] || 0) + 1
  }
  await keep({ ...detail, photos: counts }, since)
}

/** The results as the device made them: the queued changes over what the server answered. */
function withWaiting(detail, queue) {
  const results = new Map(detail.results.map((result) => [result.template_item_id, result]))
  for (const entry of queue) {
    if (entry.kind === 'result') results.set(entry.itemId, { ...results.get(entry.itemId), template_item_id: entry.itemId, ...entry.values })
  }
  return { ...detail, results: [...results.values()] }
}

/** The inspection as the device knows it: what the server had, and what waits to be sent on top. */
function useInspection(id, userId) {
  const [state, setState] = useState({ detail: null, queue: [], error: '', refused: [] })
  useEffect(() => {
    let live = true
    let latest = 0
    async function refresh(fromServer) {
      const asked = ++latest
      let error = ''
      if (fromServer && navigator.onLine) {
        try {
          await read(id)
        } catch (failure) {
          if (!isNetworkError(failure)) error = readProblemText(failure)
        }
      }
      const detail = await kept(id)
      if (!detail && !error) error = 'This inspection has not been opened on this device yet: open it once with a connection.'
      const queue = await waiting(id)
      // Only the latest reading shows: an earlier one may have read the server before a change was sent.
      if (live && asked === latest) setState({ detail: detail && withWaiting(detail, queue), queue, error, refused: refusals() })
    }
    let before = -1
    const stop = subscribe(async () => {
      // Once everything is sent, read the server's copy again (results and photos with their ids).
      const count = (await waiting(id)).length
      refresh(count === 0 && before !== 0)
      before = count
    })
    startSending(userId).then(() => refresh(true))
    return () => {
      live = false
      stop()
    }
  }, [id, userId])
  return state
}

export function Inspection({ id }) {
  const { me } = useSession()
  const { detail, queue, error, refused } = useInspection(id, me.id)
  const properties = useTable(useSession().store, 'properties')
  const turns = useTable(useSession().store, 'turns')
  const [finishing, setFinishing] = useState(false)
  const [problem, setProblem] = useState('')

  const results = useMemo(() => new Map((detail?.results || []).map((r) => [r.template_item_id, r])), [detail])
  const waitingPhotos = useMemo(() => {
    const counts = {}
    for (const entry of queue) if (entry.kind === 'photo') counts[entry.itemId] = (counts[entry.itemId] || 0) + 1
    return counts
  }, [queue])
  const areas = useMemo(() => {
    const grouped = new Map()
    for (const item of detail?.template.items || []) {
      if (!grouped.has(item.area)) grouped.set(item.area, [])
      grouped.get(item.area).push(item)
    }
    return [...grouped]
  }, [detail])

  if (!detail) {
    return (
      <section aria-labelledby="inspection-title">
        <h1 id="inspection-title">Move-out inspection</h1>
        <p role={error ? 'alert' : 'status'}>{error || 'Loading the inspection…'}</p>
      </section>
    )
  }
  const turn = turns.get(detail.turn_id)
  const property = turn && properties.get(turn.property_id)
  const finished = detail.status === 'FINISHED'
  const items = detail.template.items
  const checked = items.filter((item) => results.get(item.id)?.condition).length
  const proposed = items.filter((item) => FOR_WORK.has(results.get(item.id)?.condition)).length

  async function finish() {
    setProblem('')
    if (queue.length) await flush()
    if ((await waiting(id)).length) {
      setProblem(`Finishing needs a connection: ${(await waiting(id)).length} changes still wait to upload.`)
      return
    }
    try {
      const current = await api(`/api/v1/inspections/${id}`)
      await api(`/api/v1/inspections/${id}/finish`, { method: 'POST', body: { version: current.version } })
      navigate(`/turns/${detail.turn_id}/scope-title`)
    } catch (failure) {
      setProblem(problemText(failure))
    }
  }

  return (
    <article className="inspection" aria-labelledby="inspection-title">
      <header className="inspection-head">
        <h1 id="inspection-title">Move-out inspection</h1>
        <p>
          {property ? property.name || property.street_address : 'This turn'} · {detail.template.name}
        </p>
        <p role="status" className="inspection-progress">
          {checked} of {items.length} items checked
          {queue.length > 0 && ` · ${queue.length} waiting to upload${navigator.onLine ? '…' : ' (offline: kept on this phone)'}`}
          {queue.length === 0 && checked > 0 && ' · all saved'}
        </p>
        <a href={`#/turns/${detail.turn_id}`}>Back to the turn</a>
      </header>
      {refused.map((failure, index) => (
        <p key={index} role="alert" className="error">
          Not saved: {failure.text}
        </p>
      ))}
      {areas.map(([area, areaItems]) => (
        <section key={area} className="panel inspection-area" aria-labelledby={`area-${area}`}>
          <h2 id={`area-${area}`}>{area}</h2>
          {areaItems.map((item) => (
            <InspectionItem
              key={item.id}
              item={item}
              result={results.get(item.id)}
              photos={(detail.photos?.[item.id] || 0) + (waitingPhotos[item.id] || 0)}
              inspection={detail}
              disabled={finished}
            />
          ))}
        </section>
      ))}
      <section className="panel inspection-finish" aria-labelledby="finish-title">
        <h2 id="finish-title">{finished ? 'Inspection finished' : 'Finish'}</h2>
        {finished ? (
          <p>
            Finished: its lines are in the <a href={`#/turns/${detail.turn_id}/scope-title`}>turn's scope</a>.
          </p>
        ) : !finishing ? (
          <button type="button" onClick={() => setFinishing(true)} disabled={me.role === 'VENDOR'}>
            Finish inspection
          </button>
        ) : (
          <div role="group" aria-label="Confirm finishing">
            <p>
              {proposed
                ? `Finishing proposes ${proposed} scope ${proposed === 1 ? 'line' : 'lines'} (the items marked clean, repair or replace), unpriced for the manager.`
                : 'No item is marked for work: finishing proposes no scope line.'}
            </p>
            <button type="button" onClick={finish}>
              Finish and propose {proposed} {proposed === 1 ? 'line' : 'lines'}
            </button>{' '}
            <button type="button" className="secondary" onClick={() => setFinishing(false)}>
              Keep inspecting
            </button>
          </div>
        )}
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
      </section>
    </article>
  )
}

function InspectionItem({ item, result, photos, inspection, disabled }) {
  const condition = result?.condition
  // What was typed here (null: nothing; the field shows the result), saved when the field is left
  // and kept, so the next save of the item carries it before the device's copy has caught up.
  const [note, setNote] = useState(null)
  const [quantity, setQuantity] = useState(null)
  const savedNote = result?.note || ''
  const savedQuantity = result?.quantity ? String(Number(result.quantity)) : '1'
  const label = `${item.area}: ${item.item}`
  const save = (changes) => {
    const typed = Number(quantity ?? savedQuantity)
    queueResult(inspection, item.id, {
      condition,
      note: (note ?? savedNote).trim() || null,
      quantity: (typed > 0 ? typed : 1).toFixed(2),
      ...changes,
    })
  }
  const leave = (typed, saved) => {
    if (typed !== null && typed.trim() !== saved) save({})
  }

  return (
    <div className={`inspection-item${condition ? ` is-${condition.toLowerCase()}` : ''}`} data-item={item.item}>
      <h3>{item.item}</h3>
      <div className="conditions" role="group" aria-label={`Condition of ${label}`}>
        {CONDITIONS.map(([code, name]) => (
          <button
            key={code}
            type="button"
            aria-pressed={condition === code}
            disabled={disabled}
            onClick={() => save({ condition: code })}
          >
            {name}
          </button>
        ))}
      </div>
      {condition && condition !== 'OK' && (
        <div className="item-details">
          <label>
            Note
            <input
              value={note ?? savedNote}
              maxLength={500}
              disabled={disabled}
              onChange={(event) => setNote(event.target.value)}
              onBlur={() => leave(note, savedNote)}
            />
          </label>
          <label>
            Quantity ({item.unit})
            <input
              type="number"
              inputMode="decimal"
              min="0.01"
              step="0.01"
              value={quantity ?? savedQuantity}
              disabled={disabled}
              onChange={(event) => setQuantity(event.target.value)}
              onBlur={() => leave(quantity, savedQuantity)}
            />
          </label>
        </div>
      )}
      {condition && (
        <div className="item-photos">
          <label className="button secondary">
            Add photo
            <input
              type="file"
              accept="image/*"
              capture="environment"
              className="visually-hidden"
              aria-label={`Add photo of ${label}`}
              disabled={disabled}
              onChange={(event) => {
                for (const file of event.target.files) queuePhoto(inspection, item.id, file)
                event.target.value = ''
              }}
            />
          </label>
          <span className="muted">{photos ? `${photos} ${photos === 1 ? 'photo' : 'photos'}` : 'No photo yet'}</span>
        </div>
      )}
    </div>
  )
}
