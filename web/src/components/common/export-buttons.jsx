// Export buttons: one resource (turns, properties, vendors, audit) with filters, as CSV, Excel or
// PDF through /api/v1/exports, or another file endpoint (`path`, in the `formats` it makes). A small export is the response itself and is saved at once; a
// large one comes back as a background job (202), whose progress is shown until its file can
// be downloaded.
import { useEffect, useId, useState } from 'react'
import { api, ApiError, readProblemText } from '../../data/api.js'
import './export-buttons.css'

const FORMATS = { csv: 'CSV', xlsx: 'Excel', pdf: 'PDF' }
const POLL_MS = 1000
const count = new Intl.NumberFormat('en-US')

/** A labelled group of CSV / Excel / PDF buttons, and what became of the last export. */
export function ExportButtons({ resource, query = {}, label, path = `/api/v1/exports/${resource}`, formats }) {
  const id = useId()
  const [state, setState] = useState(null)
  const job = state?.job
  const waiting = job && (job.status === 'QUEUED' || job.status === 'RUNNING')

  useEffect(() => {
    if (!waiting) return undefined
    const timer = setTimeout(() => {
      api(`/api/v1/exports/jobs/${job.id}`)
        .then((next) => setState((s) => ({ ...s, job: next })))
        .catch((error) => setState((s) => ({ ...s, job: null, error: readProblemText(error) })))
    }, POLL_MS)
    return () => clearTimeout(timer)
  }, [job, waiting])

  async function start(format) {
    setState({ format, busy: true })
    try {
      const result = await requestExport(path, resource, format, query)
      if (result.job) setState({ format, job: result.job })
      else {
        save(result.blob, result.name)
        setState({ format, saved: result.name })
      }
    } catch (error) {
      setState({ format, error: readProblemText(error) })
    }
  }

  return (
    <div className="exports" role="group" aria-labelledby={`${id}-label`}>
      <span id={`${id}-label`} className="exports-label">
        {label}
      </span>
      {Object.entries(FORMATS)
        .filter(([format]) => !formats || formats.includes(format))
        .map(([format, name]) => (
        <button
          key={format}
          type="button"
          className="secondary"
          disabled={Boolean(state?.busy || waiting)}
          onClick={() => start(format)}
        >
          {name}
        </button>
      ))}
      <div className="exports-status" role="status">
        <ExportStatus state={state} />
      </div>
    </div>
  )
}

function ExportStatus({ state }) {
  if (!state) return null
  if (state.busy) return <span>Preparing the {FORMATS[state.format]} file…</span>
  if (state.error) return <span className="error">The export failed: {state.error}</span>
  if (state.saved) return <span>Downloaded {state.saved}.</span>
  return <ExportJob job={state.job} />
}

/** A background export: queued, running with its progress, failed, or ready to download. */
function ExportJob({ job }) {
  if (job.status === 'FAILED')
    return <span className="error">The export failed: {job.error || 'no reason given'}.</span>
  if (job.status === 'DONE') {
    return (
      <a href={job.download_url} download>
        Download the {FORMATS[job.format]} file ({count.format(job.rows_written)} rows)
      </a>
    )
  }
  if (job.status === 'QUEUED' || job.rows_total === null)
    return <span>Large export: queued, it runs in the background…</span>
  return (
    <span className="exports-progress">
      <progress max={job.rows_total} value={job.rows_written} aria-label="Export progress" />
      {count.format(job.rows_written)} of {count.format(job.rows_total)} rows
    </span>
  )
}

async function requestExport(path, resource, format, query) {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''))
  const response = await fetch(`${path}.${format}?${params}`, { credentials: 'same-origin' })
  const json = (response.headers.get('content-type') || '').includes('json')
  if (!response.ok)
    throw new ApiError(response.status, json ? await response.json() : { detail: await response.text() })
  if (response.status === 202) return { job: await response.json() }
  const disposition = response.headers.get('content-disposition') || ''
  return { blob: await response.blob(), name: /filename="([^"]+)"/.exec(disposition)?.[1] || `${resource}.${format}` }
}

function save(blob, name) {
  const url = URL.createObjectURL(blob)
  const link = Object.assign(document.createElement('a'), { href: url, download: name })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
