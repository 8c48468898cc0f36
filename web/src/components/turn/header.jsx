import { APPROVAL_LABELS, address, daysSince, formatDate, isOverdue } from '../../format.js'

/** A maps search for the home: on a phone it opens the maps app, on a desk the maps site. */
function mapsLink(property) {
  const where = [property.street_address, property.city, property.state, property.zip_code].filter(Boolean).join(', ')
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(where)}`
}

/** Where and what the turn is, and how late: the top of the detail page. */
export function TurnHeader({ turn, property, stage }) {
  const overdue = isOverdue(turn)
  const days = daysSince(turn.move_out_date)
  const approval = turn.scope_approval_status
  return (
    <header className={`turn-head${overdue ? ' overdue' : ''}`}>
      <p className="crumbs">
        <a href="#/board">Board</a> / Turn {turn.turn_id}
      </p>
      <h1 id="turn-title">{property?.name || `Turn ${turn.turn_id}`}</h1>
      {property && (
        <p className="address">
          <a href={mapsLink(property)} target="_blank" rel="noreferrer" aria-label={`${address(property)}: open in maps`}>
            {address(property)}
          </a>
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Turn</dt>
          <dd>{turn.turn_id}</dd>
        </div>
        <div>
          <dt>Stage</dt>
          <dd>
            <span className="stage-name" style={{ borderColor: stage?.color || undefined }}>
              {stage?.name || 'Unknown stage'}
            </span>
            {turn.is_active === false && ' · closed'}
          </dd>
        </div>
        {'scope_approval_status' in turn && (
          <div>
            <dt>Scope</dt>
            <dd>
              <span className={`badge approval-${(approval || 'PENDING').toLowerCase()}`}>
                {APPROVAL_LABELS[approval] || APPROVAL_LABELS.PENDING}
              </span>
            </dd>
          </div>
        )}
        <div>
          <dt>Moved out</dt>
          <dd>
            {formatDate(turn.move_out_date)}
            {days !== null && ` · ${days} day${days === 1 ? '' : 's'} ago`}
          </dd>
        </div>
        <div className={overdue ? 'late' : undefined}>
          <dt>Ready date</dt>
          <dd>
            {formatDate(turn.expected_completion_date)} {overdue && <strong className="badge overdue">Overdue</strong>}
          </dd>
        </div>
      </dl>
    </header>
  )
}
