// One KPI report on the reports page: asked of /api/v1/reports/<path> with the page's
// filters, shown by its figures component, with an export of the rows behind it.
import { useId } from 'react'
import { ApiError, readProblemText } from '../../data/api.js'
import { ExportButtons } from '../common/export-buttons.jsx'
import { formatDate, timeAgo } from '../../format.js'

/**
 * A report's panel: title, what it counts, its figures (children(data)), an export ({resource, query}) of its rows,
 * and, for a report that makes its own file, `files`: ExportButtons props ({path, resource, formats, query}) of it.
 */
export function ReportSection({ name, wide, title, about, report, exported, files, children }) {
  const id = useId()
  return (
    <section
      className={wide ? 'report panel wide' : 'report panel'}
      aria-labelledby={id}
      aria-busy={report.loading}
      data-report={name}
    >
      <h2 id={id}>{title}</h2>
      <p className="muted">{about}</p>
      {report.error ? (
        <ReportProblem error={report.error} onRetry={report.retry} />
      ) : report.data ? (
        <>
          {report.data.as_of && <AsOf at={report.data.as_of} />}
          {children(report.data)}
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}
      {files && <ExportButtons {...files} label={`Export the ${files.resource}:`} />}
      <ExportButtons {...exported} label={`Export the ${exported.resource} of ${title}:`} />
    </section>
  )
}

/** When the figures were computed: an admin's unfiltered report comes from a snapshot the server
 * refreshes every five minutes, so it can be a few minutes old. */
function AsOf({ at }) {
  return (
    <p className="muted as-of">
      Figures as of {formatDate(at)} ({timeAgo(at)}).
    </p>
  )
}

function ReportProblem({ error, onRetry }) {
  const retryable = !(error instanceof ApiError) || error.status >= 500
  return (
    <div className="problem" role="alert">
      <p>{readProblemText(error)}</p>
      {retryable && (
        <p className="actions">
          <button type="button" className="link" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
    </div>
  )
}
