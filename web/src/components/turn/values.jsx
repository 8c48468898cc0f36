// A turn's fields (and its scope lines') as people read them: labels, kinds and display values,
// shared by the edit form, the conflict comparison and the audit trail.
import { APPROVAL_LABELS, TRADES, formatCents, formatDate, formatMoney, personName } from '../../format.js'

export const UTILITY_STATUSES = [
  ['YES', 'On'],
  ['NO', 'Off'],
  ['PENDING', 'Pending'],
]

/** The fields a person edits, grouped as the detail page shows them: [name, label, kind]. */
export const GROUPS = [
  {
    title: 'Work order',
    fields: [
      ['wo_number', 'WO number', 'text'],
      ['status', 'Status', 'text'],
      ['sub_status', 'Sub-status', 'text'],
      ['scope_photos_link', 'Scope photos link', 'url'],
    ],
  },
  {
    title: 'Dates',
    fields: [
      ['move_out_date', 'Move-out date', 'date'],
      ['final_walk_date', 'Final walk date', 'date'],
      ['final_walk_by', 'Final walk by', 'user'],
      ['occupancy_check_date', 'Occupancy check date', 'date'],
      ['scan_360_date', '360° scan date', 'date'],
    ],
  },
  {
    title: 'Cost',
    fields: [
      ['turn_amount', 'Turn amount', 'money'],
      ['change_order_amount', 'Change order amount', 'money'],
    ],
  },
  {
    title: 'Vendors and superintendent',
    fields: [
      ['vendor_id', 'Vendor', 'vendor'],
      ['flooring_vendor_id', 'Flooring vendor', 'vendor'],
      ['turns_superintendent_id', 'Superintendent', 'user'],
    ],
  },
  {
    title: 'Utilities',
    fields: [
      ['power_status', 'Power', 'utility'],
      ['power_provider_id', 'Power provider', 'provider'],
      ['water_status', 'Water', 'utility'],
      ['water_provider_id', 'Water provider', 'provider'],
      ['gas_status', 'Gas', 'utility'],
      ['gas_provider_id', 'Gas provider', 'provider'],
    ],
  },
  {
    title: 'Appliances and trash-out',
    fields: [
      ['appliances_needed', 'Appliances needed', 'bool'],
      ['appliances_ordered', 'Appliances ordered', 'bool'],
      ['trash_out_needed', 'Trash-out needed', 'bool'],
    ],
  },
]

// Fields only shown (workflow columns, bookkeeping) that the audit trail names.
const SHOWN = [
  ['stage_id', 'Stage', 'stage'],
  ['from_stage_id', 'From stage', 'stage'],
  ['to_stage_id', 'To stage', 'stage'],
  ['scope_approval_status', 'Scope approval', 'approval'],
  ['approved_turn_amount', 'Approved amount', 'money'],
  ['scope_submitted_by', 'Scope submitted by', 'user'],
  ['dfo_approval_user_id', 'DFO approver', 'user'],
  ['ho_approval_user_id', 'HO approver', 'user'],
  ['reject_user_id', 'Rejected by', 'user'],
  ['changed_by', 'Changed by', 'user'],
  ['changed_at', 'Entered at', 'date'],
  ['scope_submitted_at', 'Scope submitted at', 'date'],
  ['approval_requested_at', 'Approval requested at', 'date'],
  ['dfo_approval_datetime', 'DFO decision at', 'date'],
  ['ho_approval_datetime', 'HO decision at', 'date'],
  ['reject_datetime', 'Rejected at', 'date'],
  ['reject_reason', 'Reason for rejecting', 'text'],
  ['updated_by', 'Last changed by', 'user'],
  ['is_active', 'Open', 'bool'],
  ['turn_completion_date', 'Completion date', 'date'],
  ['scope_approved_date', 'Scope approved date', 'date'],
  ['sent_to_leasing_date', 'Sent to leasing', 'date'],
  ['sent_to_leasing_at', 'Sent to leasing at', 'date'],
  ['sent_to_leasing_by', 'Sent to leasing by', 'user'],
  ['expected_completion_date', 'Ready date', 'date'],
  ['move_in_date', 'Move-in date', 'date'],
  ['turn_assignment_date', 'Assignment date', 'date'],
  ['lock_box_location', 'Lock-box location', 'text'],
  ['lock_box_install_date', 'Lock-box install date', 'date'],
]

// A scope line's fields, as its form names them (a line's conflict compares these).
const SCOPE_LINE = [
  ['trade', 'Trade', 'trade'],
  ['description', 'Work', 'text'],
  ['quantity', 'Quantity', 'text'],
  ['unit', 'Unit', 'text'],
  ['unit_cost', 'Unit cost', 'cents'],
  ['chargeback', 'Charge back to the resident', 'bool'],
  ['chargeback_amount', 'Charge-back', 'cents'],
]

const FIELDS = new Map([...GROUPS.flatMap((group) => group.fields), ...SHOWN, ...SCOPE_LINE].map(([name, ...rest]) => [name, rest]))

export function labelOf(name) {
  const known = FIELDS.get(name)
  if (known) return known[0]
  const words = name.replace(/_id$/, '').replaceAll('_', ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** A value as text: amounts in dollars, dates in words, ids as the names they stand for. */
export function formatValue(name, value, names) {
  if (value === null || value === undefined || value === '') return '—'
  const kind = FIELDS.get(name)?.[1]
  switch (kind) {
    case 'money':
      return formatMoney(value)
    case 'cents':
      return formatCents(value)
    case 'trade':
      return TRADES[value] || String(value)
    case 'date':
      return formatDate(String(value))
    case 'bool':
      return value === true || value === 't' ? 'Yes' : 'No'
    case 'utility':
      return UTILITY_STATUSES.find(([status]) => status === value)?.[1] || String(value)
    case 'approval':
      return APPROVAL_LABELS[value] || String(value)
    case 'vendor':
      return names.vendors.get(value)?.company_name || 'A vendor you cannot see'
    case 'user':
      return names.users.has(value) ? personName(names.users.get(value)) : 'Another user'
    case 'provider':
      return names.providers.get(value)?.name || 'Unknown provider'
    case 'stage':
      return names.stages.get(value)?.name || 'Unknown stage'
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value)
  }
}
