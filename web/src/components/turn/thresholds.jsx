import { useEffect, useId, useRef } from 'react'
import { useApi } from '../../data/api.js'
import './thresholds.css'
import { formatMoney } from '../../format.js'

/** The approval thresholds ({dfo_approval_threshold, ho_approval_threshold}), or null until read. */
export function useThresholds() {
  return useApi('/api/v1/workflow/settings').data ?? null
}

/**
 * An amount against the approval thresholds, in the words an approver decides by: who has to
 * approve it ("$12,400 — above the HO threshold of $10,000: the HO approves too").
 */
export function againstThresholds(amount, settings) {
  if (amount === null || amount === undefined || !settings) return ''
  const value = Number(amount)
  const dfo = Number(settings.dfo_approval_threshold)
  const ho = Number(settings.ho_approval_threshold)
  const shown = formatMoney(value)
  if (value > ho) return `${shown} — above the HO threshold of ${formatMoney(ho)}: the HO approves too`
  if (value > dfo && dfo === 0) return `${shown} — within the HO threshold of ${formatMoney(ho)}: the DFO approves alone`
  if (value > dfo)
    return `${shown} — above the DFO threshold of ${formatMoney(dfo)}, within the HO threshold of ${formatMoney(ho)}: the DFO approves alone`
  return `${shown} — within the DFO threshold of ${formatMoney(dfo)}: approved when submitted`
}

/** The sentence of `againstThresholds`, as a paragraph. */
export function ThresholdNote({ amount, settings }) {
  const text = againstThresholds(amount, settings)
  return text ? <p className="threshold-note">{text}</p> : null
}

/**
 * "Approve $12,400 for T-20012?": an approval is confirmed with its amount in view, and what
 * it sets off (the HO step, or the work).
 */
export function ConfirmApproval({ amount, turnId, where, thresholds, onConfirm, onCancel }) {
  const dialog = useRef(null)
  const titleId = useId()
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  return (
    <dialog ref={dialog} className="confirm" aria-labelledby={titleId} onClose={onCancel}>
      <h2 id={titleId}>
        Approve {formatMoney(amount)} for {turnId}?
      </h2>
      {where && <p>{where}</p>}
      <ThresholdNote amount={amount} settings={thresholds} />
      <p className="actions">
        <button type="button" onClick={onConfirm} autoFocus>
          Approve {formatMoney(amount)}
        </button>
        <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </p>
    </dialog>
  )
}
