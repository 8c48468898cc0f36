// A table of rows described by columns, with the first column as row headers. Sortable tables
// sort by any column from its header button (aria-sort tells which). On a phone a stacked
// table shows each row as a block whose cells carry their column's name; any other table
// keeps its grid and scrolls sideways (focusable, so the keyboard can scroll it too). A table
// draws its first hundred rows (in the order chosen) and offers the next hundred: an admin's
// lists run to 100,000 properties and 10,000 vendors, more than a page can draw at once.
import { useId, useState } from 'react'
import './data-table.css'

/** Rows drawn at first, and added by each "Show more". */
export const TABLE_PAGE = 100

const count = new Intl.NumberFormat('en-US')

/**
 * columns: [{key, label, value: row => sortable value, render?: row => node, numeric?}]
 * rowKey: row => key; rowClass?: row => class name; sortable: headers sort the rows; stacked: see
 * above; sortedBy: the order at first ({key, descending}; by default the first column, ascending).
 */
export function DataTable({ caption, columns, rows, rowKey, rowClass, sortable = false, stacked = false, sortedBy }) {
  const captionId = useId()
  const [sort, setSort] = useState(sortedBy || { key: columns[0].key, descending: false })
  const [drawn, setDrawn] = useState(TABLE_PAGE)
  const column = columns.find((c) => c.key === sort.key)
  const ordered = sortable ? sortRows(rows, column, sort.descending) : rows
  const shown = ordered.length > drawn ? ordered.slice(0, drawn) : ordered

  function sortBy(key) {
    setSort({ key, descending: sort.key === key ? !sort.descending : false })
  }

  return (
    <>
      <div className="table-scroll" {...(stacked ? {} : { tabIndex: 0, role: 'region', 'aria-labelledby': captionId })}>
        <table className={stacked ? 'data-table stacked' : 'data-table'}>
          <caption id={captionId}>{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={sortable && sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
                >
                  {sortable ? (
                    <button type="button" className="sort" onClick={() => sortBy(c.key)}>
                      {c.label}
                      <span aria-hidden="true">{sort.key !== c.key ? ' ↕' : sort.descending ? ' ↓' : ' ↑'}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={rowKey(row)} className={rowClass?.(row)}>
                {columns.map((c, i) => {
                  const Cell = i === 0 ? 'th' : 'td'
                  return (
                    <Cell
                      key={c.key}
                      scope={i === 0 ? 'row' : undefined}
                      className={c.numeric ? 'num' : undefined}
                      data-label={c.label}
                    >
                      {c.render ? c.render(row) : show(c.value(row))}
                    </Cell>
                  )
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length < ordered.length && (
        <p className="table-more">
          <span>
            {count.format(shown.length)} of {count.format(ordered.length)} rows shown.
          </span>{' '}
          <button type="button" className="secondary" onClick={() => setDrawn(drawn + TABLE_PAGE)}>
            Show {count.format(Math.min(TABLE_PAGE, ordered.length - shown.length))} more
          </button>
        </p>
      )}
    </>
  )
}

function show(value) {
  return value === null || value === undefined || value === '' ? '—' : value
}

/** Rows ordered by one column; empty values last whichever the direction. */
function sortRows(rows, column, descending) {
  const empty = (v) => v === null || v === undefined || v === ''
  return [...rows].sort((a, b) => {
    const x = column.value(a)
    const y = column.value(b)
    if (empty(x) || empty(y)) return empty(x) - empty(y)
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return descending ? -order : order
  })
}
