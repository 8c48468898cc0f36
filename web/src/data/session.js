// The signed-in user and the things that live as long as their session: the synced store
// and the write queue. Pages read them with useSession().
import { createContext, useContext } from 'react'

export const SessionContext = createContext(null)

export function useSession() {
  return useContext(SessionContext)
}

export const ROLE_NAMES = {
  SUPER_ADMIN: 'Super admin',
  ADMIN: 'Admin',
  PROPERTY_MANAGER: 'Property manager',
  SR_PROPERTY_MANAGER: 'Senior property manager',
  VENDOR: 'Vendor',
  INSPECTOR: 'Inspector',
  DFO_APPROVER: 'DFO approver',
  HO_APPROVER: 'HO approver',
  USER: 'User',
}

export const isAdmin = (me) => ['SUPER_ADMIN', 'ADMIN'].includes(me.role)
export const isApprover = (me) => ['DFO_APPROVER', 'HO_APPROVER'].includes(me.role) || isAdmin(me)
export const isVendor = (me) => me.role === 'VENDOR'
export const isManager = (me) => ['PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER'].includes(me.role)
/** Who moves turns between stages (the API's rule; the server refuses anyone else). */
export const canMove = (me) => isAdmin(me) || isManager(me)
