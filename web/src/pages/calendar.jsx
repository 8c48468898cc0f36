import { useApi, problemText } from '../data/api.js'
import { isVendor, useSession } from '../data/session.js'
import { navigate } from '../router.js'
import { today } from '../format.js'
import { VISIT_STATUS } from '../components/turn/visits.jsx'
import './calendar.css'

const DAY = 86_400_000

function addDays(iso, days) {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10)
}

function dayName(iso, style = 'long') {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-US', {
    weekday: style,
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  })
}

/** Whether the visit's window (or, while countered, the window its vendor proposes) covers `day`. */
function covers(visit, day) {
  const within = (starts, ends) => starts && starts <= day && day <= ends
  return within(visit.starts_on, visit.ends_on) || within(visit.countered_starts_on, visit.countered_ends_on)
}

/**
 * The week of vendor visits (`#/calendar/<any day of the week>`): a manager's turns' visits, a
 * vendor's jobs, every visit for admins. Monday-to-Sunday columns at desk size, a list of the
 * days with visits on a phone; each visit links to its turn.
 */
export function CalendarPage({ week }) {
  const { me } = useSession()
  const asked = week && /^\d{4}-\d{2}-\d{2}$/.test(week) ? week : today()
  const { data, error, loading, retry } = useApi('/api/v1/calendar', { week: asked })
  const vendor = isVendor(me)
  const days = data ? Array.from({ length: 7 }, (_, i) => addDays(data.week_start, i)) : []
  const go = (day) => navigate(`/calendar/${day}`)

  return (
    <section className="calendar" aria-labelledby="calendar-title">
      <h1 id="calendar-title">{vendor ? 'Your jobs' : 'Calendar'}</h1>
      <nav className="week-nav" aria-label="Weeks">
        <button type="button" onClick={() => go(data?.previous_week || addDays(asked, -7))}>
          ← Previous week
        </button>
        <strong aria-live="polite">
          {data ? `${dayName(data.week_start, 'short')} – ${dayName(data.week_end, 'short')}` : 'Loading…'}
        </strong>
        <button type="button" onClick={() => go(data?.next_week || addDays(asked, 7))}>
          Next week →
        </button>
        <button type="button" className="link" onClick={() => go(today())}>
          This week
        </button>
      </nav>
      {error && (
        <p className="error" role="alert">
          {problemText(error)}{' '}
          <button type="button" className="link" onClick={retry}>
            Try again
          </button>
        </p>
      )}
      {data && !loading && !data.items.length && (
        <p className="muted" role="status">
          {vendor
            ? 'No job this week: when a manager schedules your company, the visit shows here.'
            : 'No vendor visit this week: schedule vendors from a turn’s “Vendor visits” section.'}
        </p>
      )}
      {data && (
        <div className="week">
          {days.map((day) => {
            const visits = data.items.filter((visit) => covers(visit, day))
            return (
              <section key={day} className={`day${visits.length ? '' : ' empty'}${day === today() ? ' today' : ''}`} aria-label={dayName(day)}>
                <h2>{dayName(day, 'short')}</h2>
                {visits.length ? (
                  <ul>
                    {visits.map((visit) => (
                      <li key={visit.id} className={`visit ${visit.status.toLowerCase()}`}>
                        <a href={`#/turns/${visit.turn_id}`}>
                          <span className="where">{visit.address || visit.property_name || visit.turn_code}</span>
                          <span className="who">{visit.vendor_name || 'Vendor'}</span>
                          <span className="state">
                            {visit.status === 'COUNTERED' && !(visit.starts_on <= day && day <= visit.ends_on)
                              ? 'Dates proposed by the vendor'
                              : VISIT_STATUS[visit.status]}
                          </span>
                          {visit.schedule_warning && <span className="badge overdue">Ends after the ready date</span>}
                        </a>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="muted">No visit</p>
                )}
              </section>
            )
          })}
        </div>
      )}
    </section>
  )
}
