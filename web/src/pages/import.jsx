import { useRef, useState } from 'react'
import { api, ApiError, readProblemText } from '../data/api.js'
import { useSession, isAdmin, canMove } from '../data/session.js'
import { DataTable } from '../components/common/data-table.jsx'
import './import.css'

const KINDS = [
  {
    kind: 'move-outs',
    label: 'Move-outs',
    noun: ['turn', 'turns'],
    columns: 'property code or address, move-out date; optionally a ready-by date, a turn number and a work order',
  },
  {
    kind: 'properties',
    label: 'Properties',
    noun: ['property', 'properties'],
    columns: 'property code and street address; optionally name, city, state, ZIP code, market, beds, baths, square feet',
  },
  {
    kind: 'vendors',
    label: 'Vendors',
    noun: ['vendor', 'vendors'],
    columns: 'company; optionally contact, e-mail, phone, address, tax ID, license number, insurance expiry, approved, trades and markets (several separated by “;”)',
  },
]

const plural = (n, [one, many]) => `${n.toLocaleString()} ${n === 1 ? one : many}`

/** Import a CSV file: pick what it holds, see every row's problems, then import it all at once. */
export function Import() {
  const { me } = useSession()
  const kinds = isAdmin(me) ? KINDS : KINDS.slice(0, 1)
  const [kind, setKind] = useState(kinds[0].kind)
  const [file, setFile] = useState(null)
  const [report, setReport] = useState(null)
  const [state, setState] = useState({ busy: false })
  const input = useRef(null)
  const chosen = KINDS.find((k) => k.kind === kind)

  if (!canMove(me))
    return (
      <p className="notice">Imports are for admins and property managers. Ask one of them to import your file.</p>
    )

  async function send(picked, forKind, importing) {
    const form = new FormData()
    form.append('file', picked)
    const path = `/api/v1/imports/${forKind}${importing ? '' : '/preview'}`
    setState({ busy: true })
    try {
      const answer = await api(path, { method: 'POST', form })
      if (importing) {
        setReport(null)
        setState({ done: answer })
      } else {
        setReport(answer)
        setState({})
      }
    } catch (error) {
      const refused = error instanceof ApiError && error.problem.report
      if (refused) setReport(error.problem.report)
      setState({ error: readProblemText(error) })
    }
  }

  function pick(event) {
    const picked = event.target.files[0] || null
    setFile(picked)
    setReport(null)
    setState({})
    if (picked) send(picked, kind, false)
  }

  function changeKind(event) {
    setKind(event.target.value)
    setReport(null)
    setState({})
    if (file) send(file, event.target.value, false)
  }

  function startOver() {
    setFile(null)
    setReport(null)
    setState({})
    if (input.current) input.current.value = ''
  }

  return (
    <section className="import-page" aria-labelledby="import-title">
      <div className="page-head">
        <h1 id="import-title">Import</h1>
        <a href="#/board">Back to the board</a>
      </div>
      <form className="panel import-form" onSubmit={(e) => e.preventDefault()}>
        {kinds.length > 1 && (
          <fieldset>
            <legend>The file holds</legend>
            {kinds.map((k) => (
              <label key={k.kind} className="check">
                <input type="radio" name="kind" value={k.kind} checked={kind === k.kind} onChange={changeKind} />{' '}
                {k.label}
              </label>
            ))}
          </fieldset>
        )}
        <label>
          {chosen.label} file (CSV)
          <input ref={input} type="file" accept=".csv,text/csv" onChange={pick} />
        </label>
        <p className="muted">
          The first row names the columns: {chosen.columns}. Dates as 2025-03-14 or 03/14/2025. Up to 5 MB and
          10,000 rows. Nothing is written until you press Import, and then every row or none.
        </p>
      </form>
      <div role="status" aria-live="polite">
        {state.busy && <p>Checking the file…</p>}
        {state.done && (
          <p className="done">
            Imported {plural(state.done.imported, chosen.noun)} from {state.done.file_name}.{' '}
            {kind === 'move-outs' ? <a href="#/board">See them on the board</a> : null}{' '}
            <button type="button" className="link" onClick={startOver}>
              Import another file
            </button>
          </p>
        )}
      </div>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      {report && <Report report={report} noun={chosen.noun} busy={state.busy} onImport={() => send(file, kind, true)} />}
    </section>
  )
}

function Report({ report, noun, busy, onImport }) {
  const [onlyProblems, setOnlyProblems] = useState(false)
  const withRefersTo = report.rows.some((r) => r.refers_to)
  const columns = [
    { key: 'row', label: 'Row', value: (r) => r.row, numeric: true },
    ...report.columns.map((label) => ({ key: `v:${label}`, label, value: (r) => r.values[label] || '—' })),
    ...(withRefersTo ? [{ key: 'refers_to', label: 'Property found', value: (r) => r.refers_to || '—' }] : []),
    {
      key: 'problems',
      label: 'Problems',
      value: (r) => r.problems.join(' '),
      render: (r) =>
        r.problems.length ? (
          <ul className="row-problems">
            {r.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        ) : (
          <span className="ready">Ready</span>
        ),
    },
  ]
  const rows = onlyProblems ? report.rows.filter((r) => r.problems.length) : report.rows
  return (
    <div className="import-report">
      <h2>{report.file_name}</h2>
      {report.problems.length > 0 && (
        <ul className="problem file-problems">
          {report.problems.map((p) => (
            <li key={p}>{p[0].toUpperCase() + p.slice(1)}</li>
          ))}
        </ul>
      )}
      {report.ignored_columns.length > 0 && (
        <p className="muted">Columns not imported: {report.ignored_columns.join(', ')}.</p>
      )}
      {report.rows.length > 0 && (
        <>
          <div className="report-head">
            <p>
              {plural(report.rows.length, ['row', 'rows'])},{' '}
              {report.rows_with_problems
                ? `${report.rows_with_problems.toLocaleString()} with problems: fix them in the file and choose it again.`
                : 'no problems.'}
            </p>
            {report.rows_with_problems > 0 && (
              <label className="check">
                <input type="checkbox" checked={onlyProblems} onChange={(e) => setOnlyProblems(e.target.checked)} />{' '}
                Only rows with problems
              </label>
            )}
            <button type="button" disabled={!report.ok || busy} onClick={onImport}>
              Import {plural(report.rows.length, noun)}
            </button>
          </div>
          <DataTable
            caption="Rows of the file"
            columns={columns}
            rows={rows}
            rowKey={(r) => r.row}
            rowClass={(r) => (r.problems.length ? 'has-problems' : undefined)}
            stacked
          />
        </>
      )}
    </div>
  )
}
