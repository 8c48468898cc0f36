// Display helpers shared by the pages.

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })

export function formatMoney(value) {
  if (value === null || value === undefined || value === '') return '—'
  return money.format(Number(value))
}

const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })

/** Money to the cent, as a scope line is priced. */
export function formatCents(value) {
  if (value === null || value === undefined || value === '') return '—'
  return cents.format(Number(value))
}

/** The words for each trade code of a scope line (the API's fixed list). */
export const TRADES = {
  PAINT: 'Paint',
  FLOORING: 'Flooring',
  APPLIANCES: 'Appliances',
  PLUMBING: 'Plumbing',
  ELECTRICAL: 'Electrical',
  HVAC: 'HVAC',
  CLEANING: 'Cleaning',
  LANDSCAPING: 'Landscaping',
  ROOFING: 'Roofing',
  GENERAL: 'General',
}

export function turnAmount(turn) {
  if (turn.turn_amount === null || turn.turn_amount === undefined) return null
  return Number(turn.turn_amount) + Number(turn.change_order_amount || 0)
}

export function today() {
  return new Date().toISOString().slice(0, 10)
}

/** Whole days from an ISO date (YYYY-MM-DD or a timestamp) to now. */
export function daysSince(value) {
  if (!value) return null
  const start = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
  return Math.floor((Date.now() - start) / 86_400_000)
}

export function formatDate(value) {
  if (!value) return '—'
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value)
  const options = { year: 'numeric', month: 'short', day: 'numeric', timeZone: value.length === 10 ? 'UTC' : undefined }
  if (value.length > 10) Object.assign(options, { hour: '2-digit', minute: '2-digit' })
  return date.toLocaleString('en-US', options)
}

/** How long ago a timestamp was, in words: "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function timeAgo(timestamp) {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(timestamp)) / 60_000))
  if (minutes < 1) return 'just now'
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} hours ago` : `${Math.round(hours / 24)} days ago`
}

export function isOverdue(turn) {
  return Boolean(turn.expected_completion_date && !turn.turn_completion_date && turn.expected_completion_date < today())
}

export const APPROVAL_LABELS = {
  PENDING: 'Scope not submitted',
  DFO_APPROVAL_NEEDED: 'Waiting for DFO',
  DFO_APPROVED: 'DFO approved',
  HO_APPROVAL_NEEDED: 'Waiting for HO',
  HO_APPROVED: 'HO approved',
  REJECTED: 'Rejected',
}

export function personName(user) {
  if (!user) return '—'
  return [user.first_name, user.last_name].filter(Boolean).join(' ') || user.email || '—'
}

export function address(property) {
  if (!property) return ''
  return [property.street_address, property.city, property.state].filter(Boolean).join(', ')
}
