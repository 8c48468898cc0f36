import { canMove, useSession } from '../../data/session.js'
import { APPROVAL_LABELS, address, daysSince, formatDate, formatMoney, isOverdue, turnAmount } from '../../format.js'
import { ChangeProblem } from './change-problem.jsx'

const UTILITIES = [
  ['power_status', 'Power'],
  ['water_status', 'Water'],
  ['gas_status', 'Gas'],
]

const UTILITY_WORDS = { YES: 'on', NO: 'off', PENDING: 'pending' }

export function TurnCard({ turn, property, vendor, stages, problem, onMove, onDragStart, onDragEnd }) {
  const overdue = isOverdue(turn)
  const days = daysSince(turn.move_out_date)
  const title = property?.name || turn.turn_id
  return (
    <li
      className={`card${overdue ? ' overdue' : ''}`}
      draggable
      data-turn={turn.turn_id}
      onDragStart={(e) => {
        e.dataTransfer.setData('text/plain', turn.id)
        onDragStart()
      }}
      onDragEnd={onDragEnd}
    >
      <h3>
        <a href={`#/turns/${turn.id}`}>{title}</a>
      </h3>
      <p className="address">{address(property)}</p>
      <dl>
        <div>
          <dt>Turn</dt>
          <dd>{turn.turn_id}</dd>
        </div>
        <div>
          <dt>Since move-out</dt>
          <dd>{days === null ? '—' : `${days} day${days === 1 ? '' : 's'}`}</dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd className={overdue ? 'late' : undefined}>
            {formatDate(turn.expected_completion_date)}
            {overdue && <strong> · overdue</strong>}
          </dd>
        </div>
        <div>
          <dt>Vendor</dt>
          <dd>{vendor?.company_name || 'Unassigned'}</dd>
        </div>
        <div>
          <dt>Amount</dt>
          <dd>{formatMoney(turnAmount(turn))}</dd>
        </div>
      </dl>
      <p className="badges">
        <span className={`badge approval-${(turn.scope_approval_status || 'PENDING').toLowerCase()}`}>
          {APPROVAL_LABELS[turn.scope_approval_status] || 'Scope not submitted'}
        </span>
        {UTILITIES.map(([field, label]) => (
          <span key={field} className={`badge utility-${(turn[field] || 'none').toLowerCase()}`} title={`${label}: ${UTILITY_WORDS[turn[field]] || 'unknown'}`}>
            {label} {UTILITY_WORDS[turn[field]] || 'unknown'}
          </span>
        ))}
      </p>
      <MoveControl turn={turn} stages={stages} onMove={onMove} />
      {problem && <ChangeProblem op={problem} turn={turn} />}
    </li>
  )
}

function MoveControl({ turn, stages, onMove }) {
  const { me } = useSession()
  if (!canMove(me)) return null
  return (
    <label className="move">
      Move to
      <select
        value=""
        onChange={(e) => onMove(e.target.value)}
        aria-label={`Move ${turn.turn_id} to another stage`}
      >
        <option value="">Choose a stage…</option>
        {stages
          .filter((s) => s.id !== turn.stage_id)
          .map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
      </select>
    </label>
  )
}
