// Hash routes (#/board, #/turns/<id>, ...): the server serves one page for all of them.
import { useEffect, useState } from 'react'

function current() {
  const path = window.location.hash.replace(/^#/, '') || '/'
  const [route, ...rest] = path.split('/').filter(Boolean)
  return { route: route || '', params: rest, path }
}

export function useRoute() {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const onChange = () => setRoute(current())
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}

export function navigate(path) {
  window.location.hash = path
}
