// Set-up: when a scope needs approval. A scope at or below the DFO threshold is approved as it
// is submitted; above it a DFO approver decides, and above the HO threshold the HO approves too.
// A DFO threshold above the HO one is refused by the API, in a sentence shown by the form.
import { useState } from 'react'
import { api, readProblemText, useApi } from '../../data/api.js'
import { formatMoney } from '../../format.js'
import { RecordForm } from './record-form.jsx'

const FIELDS = [
  {
    name: 'dfo_approval_threshold',
    label: 'DFO approval above',
    type: 'money',
    required: true,
    hint: 'At or below it a submitted scope is approved at once; 0 sends every scope to a DFO approver.',
  },
  { name: 'ho_approval_threshold', label: 'HO approval above', type: 'money', required: true },
  { name: 'allow_self_approval', label: 'An approver may approve a scope they submitted', type: 'checkbox' },
]

export function SetupApprovals() {
  const [again, setAgain] = useState(0)
  const { data, error } = useApi('/api/v1/workflow/settings', undefined, again)
  if (error) return <p className="error">The approval settings could not be read. {readProblemText(error)}</p>
  if (!data) return <p className="loading">Loading the approval settings…</p>

  async function save(changes) {
    await api('/api/v1/workflow/settings', { method: 'PATCH', body: { ...changes, version: data.version } })
    setAgain(again + 1)
  }

  const dfo = Number(data.dfo_approval_threshold)
  return (
    <>
      <p>
        {dfo > 0 ? (
          <>
            A scope of <strong>{formatMoney(data.dfo_approval_threshold)}</strong> or less is approved as it is submitted;
            above it a <strong>DFO approver</strong> decides.
          </>
        ) : (
          <>
            Every submitted scope goes to a <strong>DFO approver</strong> first, whatever its amount.
          </>
        )}{' '}
        A scope above <strong>{formatMoney(data.ho_approval_threshold)}</strong> (with its change orders) also needs the{' '}
        <strong>HO approver</strong>.
      </p>
      <div className="panel setup-form">
        <RecordForm
          key={data.version}
          title="Approval thresholds"
          fields={FIELDS}
          record={{ ...data, id: 'settings' }}
          submitLabel="Save thresholds"
          onSave={save}
        />
      </div>
    </>
  )
}
