// The API's typo-tolerant search (/api/v1/search: "Hikory" finds "Hickory"), asked as the user
// types. Without a connection the answer is null and the pages fall back to matching the
// synced rows' text.
import { useEffect, useState } from 'react'
import { api } from './api.js'

const PAUSE_MS = 250

/**
 * {q, items} of the last answer for `q` (trimmed, at least two characters) over `types`
 * (comma-separated: properties, turns, vendors), or null while none has come.
 */
export function useSearch(q, types) {
  const text = q.trim()
  const [answer, setAnswer] = useState(null)
  useEffect(() => {
    if (text.length < 2) return undefined
    let current = true
    const timer = setTimeout(() => {
      api('/api/v1/search', { query: { q: text, types, limit: 50 } })
        .then((data) => current && setAnswer({ q: text, types, items: data.items }))
        .catch(() => current && setAnswer({ q: text, types, items: null }))
    }, PAUSE_MS)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [text, types])
  return answer && answer.q === text && answer.types === types ? answer.items : null
}
