// Why the API refused a stage move, in words, with the control that fixes it. The codes are
// the `missing` list of a refused transition or scope submission (turns.workflow.service
// .missing_requirements); each maps to a sentence, the words of the link that goes to the
// fix, the id of that control on the turn page, and a test on the turn that tells when the
// cause is gone (then the refusal is no longer shown).

const APPROVED = ['DFO_APPROVED', 'HO_APPROVED']
const UTILITIES = ['power_status', 'water_status', 'gas_status']

export const REQUIREMENTS = {
  turn_amount: {
    sentence: 'Enter the turn amount before the turn moves on.',
    fix: 'Enter the amount',
    control: 'field-turn_amount',
    met: (turn) => Number(turn.turn_amount) > 0,
  },
  vendor_id: {
    sentence: 'Pick a vendor before work starts.',
    fix: 'Pick a vendor',
    control: 'field-vendor_id',
    met: (turn) => Boolean(turn.vendor_id),
  },
  scope_approval: {
    sentence: 'The scope must be approved (by the DFO, and by the HO above the threshold) before work starts.',
    fix: 'Submit the scope for approval',
    control: 'workflow-title',
    met: (turn) => APPROVED.includes(turn.scope_approval_status),
  },
  utilities_on: {
    sentence: 'Power, water and gas must all be on before the turn enters this stage.',
    fix: 'Set the utilities',
    control: 'field-power_status',
    met: (turn) => UTILITIES.every((u) => turn[u] === 'YES'),
  },
  final_walk: {
    sentence: 'Record the final walk (its date and who walked the home) before the turn is completed.',
    fix: 'Record the final walk',
    control: 'field-final_walk_date',
    met: (turn) => Boolean(turn.final_walk_date && turn.final_walk_by),
  },
  lock_box: {
    sentence: 'Set the lock box (where it is and when it was installed) before the turn is completed.',
    fix: 'Set the lock box',
    control: 'set-lock-box',
    met: (turn) => Boolean(turn.lock_box_install_date && turn.lock_box_location),
  },
  reason: {
    sentence: 'Say why the date changes: leasing and the resident were told the old one.',
    fix: 'Give a reason',
    control: 'dates-reason',
    met: () => false,
  },
  handoff_stage: {
    sentence: 'Only a turn in its final stage, or completed, is sent to leasing.',
    fix: 'Move the turn on',
    control: 'move-to-stage',
    met: () => false,
  },
  to_stage_id: {
    sentence: 'That stage no longer exists: choose another one.',
    fix: 'Choose a stage',
    control: 'move-to-stage',
    met: () => false,
  },
}

/** The requirements named by a refusal, known ones only. */
export function requirementsOf(missing) {
  return (missing || []).filter((code) => code in REQUIREMENTS).map((code) => ({ code, ...REQUIREMENTS[code] }))
}

/** Whether every requirement a refusal named is now met by the turn (so the refusal is moot). */
export function refusalResolved(missing, turn) {
  const known = requirementsOf(missing)
  return Boolean(turn) && known.length > 0 && known.length === missing.length && known.every((r) => r.met(turn))
}

/** The link to a requirement's control on the turn's page. */
export function fixLink(turnId, code) {
  return `#/turns/${turnId}/${REQUIREMENTS[code].control}`
}

/** Put the keyboard (and the eye) on the control with this id, once it is on the page. */
export function focusControl(id) {
  const element = id && document.getElementById(id)
  if (!element) return false
  element.scrollIntoView({ block: 'center' })
  element.focus({ preventScroll: true })
  return true
}
