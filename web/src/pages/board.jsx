import { useMemo, useState } from 'react'
import { usePendingTurns } from '../data/outbox.js'
import { useSearch } from '../data/search.js'
import { canMove, useSession, isVendor } from '../data/session.js'
import { useTable } from '../data/sync.js'
import { FilterSelect } from '../components/common/filter-select.jsx'
import { useNarrow } from '../components/common/narrow.js'
import { TurnCard } from '../components/turn/card.jsx'
import { NewTurn } from '../components/turn/new-turn.jsx'
import { APPROVAL_LABELS, address, daysSince, isOverdue, personName } from '../format.js'

const NO_FILTERS = { market: '', manager: '', vendor: '', approval: '', overdue: false, q: '' }
/** The Complete column keeps a finished turn this many days; the Completed page keeps them all. */
export const RECENT_DAYS = 14

/**
 * The make-ready board: one column per active stage, a card per active turn. On a phone the
 * columns are a list of stage sections, each folding open or shut.
 */
export function Board() {
  const { me, store, outbox } = useSession()
  const { turns, ops } = usePendingTurns(store, outbox)
  const properties = useTable(store, 'properties')
  const stages = useTable(store, 'turn_stages')
  const vendors = useTable(store, 'vendors')
  const users = useTable(store, 'users')
  const [filters, setFilters] = useState(NO_FILTERS)
  const [dragged, setDragged] = useState(null)
  const [starting, setStarting] = useState(false)
  const [folded, setFolded] = useState({})
  const narrow = useNarrow()
  const hits = useSearch(filters.q, 'properties,turns')

  const columns = useMemo(
    () => [...stages.values()].filter((s) => s.is_active).sort((a, b) => a.display_order - b.display_order),
    [stages],
  )
  const active = useMemo(() => [...turns.values()].filter((t) => t.is_active), [turns])
  const recent = useMemo(
    () =>
      [...turns.values()].filter(
        (t) => !t.is_active && stages.get(t.stage_id)?.is_complete_stage && daysSince(t.turn_completion_date) <= RECENT_DAYS,
      ),
    [turns, stages],
  )
  const markets = useMemo(
    () => [...new Set([...properties.values()].map((p) => p.market).filter(Boolean))].sort(),
    [properties],
  )
  const managers = useMemo(() => {
    const ids = new Set([...properties.values()].map((p) => p.property_manager_id).filter(Boolean))
    return [...ids].map((id) => users.get(id) || { id }).sort((a, b) => personName(a).localeCompare(personName(b)))
  }, [properties, users])

  const found = searchHits(hits)
  const keep = (turn) => matches(turn, properties.get(turn.property_id), filters, found)
  const visible = active.filter(keep)
  const byStage = new Map(columns.map((stage) => [stage.id, []]))
  for (const turn of [...visible, ...recent.filter(keep)]) byStage.get(turn.stage_id)?.push(turn)
  for (const list of byStage.values()) list.sort((a, b) => (a.move_out_date || '').localeCompare(b.move_out_date || ''))
  const problems = new Map(ops.filter((op) => op.state !== 'pending' && op.state !== 'sent').map((op) => [op.turnId, op]))

  const set = (field) => (event) =>
    setFilters({ ...filters, [field]: event.target.type === 'checkbox' ? event.target.checked : event.target.value })

  function move(turn, stageId) {
    if (!stageId || stageId === turn.stage_id) return
    const stage = stages.get(stageId)
    outbox.write(turn, 'transition', { to_stage_id: stageId }, { stage_id: stageId }, `Move to ${stage?.name}`)
  }

  /** A phone opens the stages that hold turns, the finished ones shut, until the user says otherwise. */
  const shut = (stage) => folded[stage.id] ?? (stage.is_complete_stage || !byStage.get(stage.id).length)

  const loading = !['turns', 'turn_stages', 'properties', 'vendors'].every((name) => store.tables[name].ready)
  const shown = visible.length
  return (
    <section className="board-page" aria-labelledby="board-title">
      <div className="page-head">
        <h1 id="board-title">{isVendor(me) ? 'My turns' : 'Make-ready board'}</h1>
        <p className="muted" role="status">
          {loading ? 'Syncing…' : `${shown} of ${active.length} active turns`}
        </p>
        {canMove(me) && <a href="#/import">Import move-outs</a>}
        {canMove(me) && !starting && (
          <button type="button" onClick={() => setStarting(true)}>
            New turn
          </button>
        )}
      </div>
      {starting && <NewTurn onClose={() => setStarting(false)} />}
      <form className="filters" aria-label="Filter turns" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={filters.q} onChange={set('q')} placeholder="Address, property, turn or WO" />
        </label>
        <Folding narrow={narrow} set={Object.entries(filters).filter(([name, value]) => name !== 'q' && value).length}>
          {!isVendor(me) && (
            <>
              <FilterSelect
                label="Market"
                value={filters.market}
                onChange={set('market')}
                options={markets.map((m) => [m, m])}
              />
              <FilterSelect
                label="Manager"
                value={filters.manager}
                onChange={set('manager')}
                options={managers.map((u) => [u.id, personName(u)])}
              />
              <FilterSelect
                label="Vendor"
                value={filters.vendor}
                onChange={set('vendor')}
                options={[...vendors.values()]
                  .sort((a, b) => a.company_name.localeCompare(b.company_name))
                  .map((v) => [v.id, v.company_name])}
              />
            </>
          )}
          <FilterSelect
            label="Approval"
            value={filters.approval}
            onChange={set('approval')}
            options={Object.entries(APPROVAL_LABELS)}
          />
          <label className="check">
            <input type="checkbox" checked={filters.overdue} onChange={set('overdue')} /> Overdue only
          </label>
        </Folding>
        {JSON.stringify(filters) !== JSON.stringify(NO_FILTERS) && (
          <button type="button" className="link" onClick={() => setFilters(NO_FILTERS)}>
            Clear filters
          </button>
        )}
      </form>
      <div className="board">
        {columns.map((stage) => (
          <section
            key={stage.id}
            className={`column${dragged ? ' droppable' : ''}`}
            aria-label={`${stage.name}: ${byStage.get(stage.id).length} turns`}
            data-stage={stage.name}
            onDragOver={(e) => dragged && e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault()
              const turn = turns.get(e.dataTransfer.getData('text/plain'))
              setDragged(null)
              if (turn) move(turn, stage.id)
            }}
          >
            <h2 style={{ borderColor: stage.color || undefined }}>
              {narrow ? (
                <button
                  type="button"
                  className="stage-toggle"
                  aria-expanded={!shut(stage)}
                  onClick={() => setFolded({ ...folded, [stage.id]: !shut(stage) })}
                >
                  <span>{stage.name}</span> <span className="count">{byStage.get(stage.id).length}</span>
                </button>
              ) : (
                <>
                  {stage.name} <span className="count">{byStage.get(stage.id).length}</span>
                </>
              )}
            </h2>
            <div className="column-body" hidden={narrow && shut(stage)}>
              {stage.is_complete_stage && (
                <p className="muted column-note">
                  Last {RECENT_DAYS} days. <a href="#/completed">All completed turns</a>
                </p>
              )}
              {!byStage.get(stage.id).length && !loading && <p className="muted column-note">{emptyColumn(stage, filters)}</p>}
              <ol className="cards">
                {byStage.get(stage.id).map((turn) => (
                  <TurnCard
                    key={turn.id}
                    turn={turn}
                    property={properties.get(turn.property_id)}
                    vendor={vendors.get(turn.vendor_id)}
                    stages={columns}
                    problem={problems.get(turn.id)}
                    onMove={(stageId) => move(turn, stageId)}
                    onDragStart={() => setDragged(turn.id)}
                    onDragEnd={() => setDragged(null)}
                  />
                ))}
              </ol>
            </div>
          </section>
        ))}
      </div>
    </section>
  )
}

/** On a phone the filters but the search fold under one line that says how many are set. */
function Folding({ narrow, set, children }) {
  if (!narrow) return children
  return (
    <details className="more-filters">
      <summary>Filters{set > 0 && ` (${set} set)`}</summary>
      <div className="filters">{children}</div>
    </details>
  )
}

/** Why a column is empty, in words. */
function emptyColumn(stage, filters) {
  if (JSON.stringify(filters) !== JSON.stringify(NO_FILTERS)) return 'No turn here matches the filters.'
  if (stage.is_complete_stage) return `No turn was completed in the last ${RECENT_DAYS} days.`
  return 'No turn is in this stage.'
}

/** The ids the API's search found: turns, and the properties whose turns match. */
function searchHits(items) {
  if (!items) return null
  return {
    turns: new Set(items.filter((h) => h.type === 'turn').map((h) => h.id)),
    properties: new Set(items.filter((h) => h.type === 'property').map((h) => h.id)),
  }
}

function matches(turn, property, filters, found) {
  if (filters.market && property?.market !== filters.market) return false
  if (filters.manager && property?.property_manager_id !== filters.manager) return false
  if (filters.vendor && turn.vendor_id !== filters.vendor) return false
  if (filters.approval && turn.scope_approval_status !== filters.approval) return false
  if (filters.overdue && !isOverdue(turn)) return false
  const q = filters.q.trim().toLowerCase()
  if (!q) return true
  if (found && (found.turns.has(turn.id) || found.properties.has(turn.property_id))) return true
  const haystack = [turn.turn_id, turn.wo_number, property?.name, property?.property_id, address(property)]
  return haystack.some((value) => value && value.toLowerCase().includes(q))
}
