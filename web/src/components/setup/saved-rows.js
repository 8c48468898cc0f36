// Rows as the API last answered them, laid over the synced copy until it catches up: set-up
// tables (vendors, users, stages) sync only every minute, and an admin wants to see the
// change they just made at once.
import { useCallback, useMemo, useState } from 'react'

/** [rows, keep]: the synced rows with newer API answers laid over; keep(row) records an answer. */
export function useSavedRows(synced) {
  const [answers, setAnswers] = useState(() => new Map())
  const keep = useCallback((row) => {
    setAnswers((before) => new Map(before).set(row.id, row))
    return row
  }, [])
  const rows = useMemo(() => {
    const merged = new Map(synced)
    for (const [id, row] of answers) {
      const current = merged.get(id)
      if (!current || Number(current.version) < Number(row.version)) merged.set(id, { ...current, ...row })
    }
    return [...merged.values()]
  }, [synced, answers])
  return [rows, keep]
}

/**
 * Which record the section's form edits (null: none, 'new': a new one) and the form's key:
 * opening a form starts it afresh, while a saved new record stays in the same form (still
 * saying "Saved.") as the record it now is.
 */
export function useEditing() {
  const [state, setState] = useState({ editing: null, formKey: 0 })
  const open = useCallback((editing) => setState((s) => ({ editing, formKey: s.formKey + 1 })), [])
  const saved = useCallback((id) => setState((s) => ({ ...s, editing: id })), [])
  return { ...state, open, saved, close: useCallback(() => open(null), [open]) }
}
