// Whether the screen is phone-sized: the width below which styles.css lays pages out for a phone.
import { useSyncExternalStore } from 'react'

const PHONE = window.matchMedia('(max-width: 700px)')

function subscribe(onChange) {
  PHONE.addEventListener('change', onChange)
  return () => PHONE.removeEventListener('change', onChange)
}

/** True on a phone: pages that change shape there (the board's stage list) ask this. */
export function useNarrow() {
  return useSyncExternalStore(subscribe, () => PHONE.matches)
}
