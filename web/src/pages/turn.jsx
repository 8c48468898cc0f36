import { useEffect, useMemo } from 'react'
import { usePendingTurns } from '../data/outbox.js'
import { canMove, isApprover, isVendor, useSession } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { TurnHeader } from '../components/turn/header.jsx'
import { TurnWorkflow } from '../components/turn/workflow.jsx'
import { TurnFields } from '../components/turn/fields.jsx'
import { TurnLockBox } from '../components/turn/lock-box.jsx'
import { TurnHistory } from '../components/turn/history.jsx'
import { TurnAudit } from '../components/turn/audit.jsx'
import { TurnReopen } from '../components/turn/reopen.jsx'
import { TurnDates } from '../components/turn/dates.jsx'
import { TurnHandoff } from '../components/turn/handoff.jsx'
import { TurnScope, useScopeLines } from '../components/turn/scope.jsx'
import { TurnPhotos, useTurnPhotos } from '../components/turn/photos.jsx'
import { TurnBids } from '../components/turn/bids.jsx'
import { TurnVisits, useVisits } from '../components/turn/visits.jsx'
import { TurnInspection } from '../components/turn/inspection-link.jsx'
import { focusControl } from '../requirements.js'
import './turn.css'

/**
 * One turn: its record to edit as the role may, its scope of work, its vendor visits, its workflow, hand-off to leasing,
 * ready and move-in dates with their history, lock box, stage history and audit
 * trail. `focus` names a control to put the keyboard on (the fix of a refused move). What the
 * role does first comes first: a vendor at the door needs the access, then their work; an
 * inspector their dates and status; a manager the stage and approval.
 */
export function TurnDetail({ id, focus }) {
  const { me, store, outbox } = useSession()
  const { turns, synced, ops } = usePendingTurns(store, outbox)
  const properties = useTable(store, 'properties')
  const stages = useTable(store, 'turn_stages')
  const vendors = useTable(store, 'vendors')
  const users = useTable(store, 'users')
  const providers = useTable(store, 'utility_providers')

  const turn = turns.get(id)
  const lines = useScopeLines(id)
  const photos = useTurnPhotos(id)
  const visits = useVisits(id)
  const names = useMemo(() => ({ stages, vendors, users, providers }), [stages, vendors, users, providers])
  const ordered = useMemo(() => [...stages.values()].sort((a, b) => a.display_order - b.display_order), [stages])
  const shown = Boolean(turn)
  useEffect(() => {
    if (shown && focus) focusControl(focus)
  }, [shown, focus])

  if (!turn) {
    return store.tables.turns.ready ? (
      <section aria-labelledby="turn-title">
        <h1 id="turn-title">Turn not found</h1>
        <p>
          No turn with this link is visible to you. <a href="#/board">Back to the board</a>
        </p>
      </section>
    ) : (
      <p className="loading" role="status">
        Loading the turn…
      </p>
    )
  }

  const mine = ops.filter((op) => op.turnId === id)
  const access = <TurnLockBox key="access" turn={turn} />
  const locked = lines.rows.length ? { turn_amount: 'the sum of the lines' } : {}
  const work = <TurnFields key="work" turn={turn} ops={mine} names={names} locked={locked} />
  const scope = <TurnScope key="scope" turn={turn} lines={lines} names={names} photos={photos.rows} />
  const pictures = <TurnPhotos key="photos" turn={turn} photos={photos} names={names} />
  const schedule = <TurnVisits key="visits" turn={turn} visits={visits} names={names} />
  const workflow = [
    <TurnReopen key="reopen" turn={turn} ops={mine} />,
    <TurnHandoff key="handoff" turn={turn} stages={ordered} ops={mine} names={names} />,
    <TurnWorkflow key="workflow" turn={turn} stages={ordered} ops={mine} names={names} />,
  ]
  const dates = <TurnDates key="dates" turn={turn} ops={mine} />
  // Bids are compared by those who ask for them and those who approve the scope they set.
  const bids = canMove(me) || isApprover(me) ? <TurnBids key="bids" turn={turn} lines={lines} /> : null
  const inspection = <TurnInspection key="inspection" turn={turn} />
  const onSite = isVendor(me) || me.role === 'INSPECTOR'
  const first = isVendor(me)
    ? [access, schedule, scope, pictures, work, dates, workflow]
    : onSite
      ? [inspection, work, dates, scope, pictures, schedule, access, workflow]
      : [workflow, inspection, scope, bids, schedule, pictures, dates, work]
  return (
    <article className="turn-page" aria-labelledby="turn-title">
      <TurnHeader turn={turn} property={properties.get(turn.property_id)} stage={stages.get(turn.stage_id)} />
      <div className="turn-columns">
        <div>{first}</div>
        <div>
          {!onSite && access}
          <TurnHistory turnId={id} names={names} />
          <TurnAudit turnId={id} version={synced.get(id)?.version} names={names} />
        </div>
      </div>
    </article>
  )
}
