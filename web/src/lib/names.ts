// Display names the API gives only by id: a customer account's (its first contact's name)
// and staff members'. Each is asked for once per page load.
import { useEffect, useState } from 'preact/hooks';
import { listContacts, listPatients, listStaff } from '../api/endpoints';
import type { Contact, Conversation, Patient, Staff } from '../api/types';
import { conversationTitle } from './titles';

const contacts = new Map<string, Promise<Contact[]>>();
let staff: Promise<Map<string, Staff>> | null = null;
const patients = new Map<string, Promise<Patient[]>>();

export function contactsOf(customerId: string): Promise<Contact[]> {
  let p = contacts.get(customerId);
  if (!p) {
    p = listContacts(customerId)
      .then((r) => [...r.contacts].sort((a, b) => a.name.localeCompare(b.name)))
      .catch(() => {
        contacts.delete(customerId);
        return [];
      });
    contacts.set(customerId, p);
  }
  return p;
}

export const customerName = (customerId: string): Promise<string | null> =>
  contactsOf(customerId).then((cs) => cs[0]?.name ?? null);

export function patientsOf(customerId: string): Promise<Patient[]> {
  let p = patients.get(customerId);
  if (!p) {
    p = listPatients(customerId)
      .then((r) => r.patients)
      .catch(() => {
        patients.delete(customerId);
        return [];
      });
    patients.set(customerId, p);
  }
  return p;
}

export function staffDirectory(): Promise<Map<string, Staff>> {
  if (!staff) {
    staff = listStaff()
      .then((r) => new Map(r.staff.map((s) => [s.user_id, s])))
      .catch(() => {
        staff = null;
        return new Map<string, Staff>();
      });
  }
  return staff;
}

export function forgetNames(): void {
  contacts.clear();
  patients.clear();
  staff = null;
}

export function useStaffDirectory(enabled: boolean): Map<string, Staff> {
  const [dir, setDir] = useState<Map<string, Staff>>(new Map());
  useEffect(() => {
    let live = true;
    if (enabled) void staffDirectory().then((d) => live && setDir(d));
    return () => {
      live = false;
    };
  }, [enabled]);
  return dir;
}

type Titled = Pick<Conversation, 'kind' | 'customer_id' | 'title' | 'patient_id' | 'order_id'>;

/** The conversation's title, filled in with names as they arrive. */
export function useTitle(c: Titled | null): string {
  const [names, setNames] = useState<{ customer: string | null; patient: string | null }>({ customer: null, patient: null });
  const cid = c?.customer_id;
  const kind = c?.kind;
  const pid = c?.patient_id;
  useEffect(() => {
    let live = true;
    setNames({ customer: null, patient: null });
    if (!cid) return undefined;
    if (kind === 'general') void customerName(cid).then((n) => live && setNames({ customer: n, patient: null }));
    if (kind === 'patient' && pid)
      void patientsOf(cid).then((ps) => live && setNames({ customer: null, patient: ps.find((p) => p.patient_id === pid)?.name ?? null }));
    return () => {
      live = false;
    };
  }, [cid, kind, pid]);
  return c ? conversationTitle(c, names.customer, names.patient) : '';
}
