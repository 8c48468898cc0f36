import { formatValue, labelOf } from './values.jsx'

/** Side by side, for each field of a change that met a newer version: what is saved now and what the user set. */
export function TurnConflict({ op, names }) {
  const current = op.current || {}
  return (
    <table className="conflict-values">
      <caption>Saved by {formatValue('updated_by', current.updated_by, names)} while your change waited</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Saved now</th>
          <th scope="col">Your change</th>
        </tr>
      </thead>
      <tbody>
        {Object.keys(op.body).map((name) => (
          <tr key={name}>
            <th scope="row">{labelOf(name)}</th>
            <td data-label="Saved now">{formatValue(name, current[name], names)}</td>
            <td data-label="Your change">{formatValue(name, op.body[name], names)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
