import { useEffect, useState } from 'preact/hooks';
import { getSettings, putSettings } from '../api/endpoints';
import { errorSentence } from '../api/client';
import type { Settings as SettingsT } from '../api/types';
import { ErrorAlert, Spinner } from '../components/common';
import { fullTime } from '../lib/format';

interface Form {
  mode: string;
  delay: string;
  escalation: string;
  quietStart: string;
  quietEnd: string;
  timezone: string;
}

const toForm = (s: SettingsT): Form => ({
  mode: s.mode ?? 'full',
  delay: String(s.notify_delay_minutes ?? 3),
  escalation: s.sms_escalation_minutes == null ? '' : String(s.sms_escalation_minutes),
  quietStart: s.quiet_hours?.start ?? '',
  quietEnd: s.quiet_hours?.end ?? '',
  timezone: s.timezone ?? 'UTC',
});

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}

/** What to save, or a sentence saying what to fix first. */
function toChange(f: Form): Partial<SettingsT> | string {
  const delay = Number(f.delay);
  if (f.delay === '' || !Number.isInteger(delay) || delay < 0 || delay > 1440) return 'The notification delay is a whole number of minutes from 0 to 1440.';
  const esc = f.escalation === '' ? null : Number(f.escalation);
  if (esc !== null && (!Number.isInteger(esc) || esc < 1 || esc > 10080)) return 'The SMS escalation is a whole number of minutes from 1 to 10080, or empty for never.';
  if (!!f.quietStart !== !!f.quietEnd) return 'Quiet hours need both a start and an end, or neither.';
  if (!f.timezone.trim()) return 'Choose a time zone.';
  return {
    mode: f.mode as SettingsT['mode'],
    notify_delay_minutes: delay,
    sms_escalation_minutes: esc,
    quiet_hours: f.quietStart ? { start: f.quietStart, end: f.quietEnd } : null,
    timezone: f.timezone.trim(),
  };
}

export function Settings() {
  const [form, setForm] = useState<Form | null>(null);
  const [saved, setSaved] = useState<SettingsT | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    getSettings()
      .then((s) => {
        setSaved(s);
        setForm(toForm(s));
      })
      .catch((e) => setError(errorSentence(e)));
  }, []);
  const set = (k: keyof Form) => (e: Event) => {
    setForm({ ...form!, [k]: (e.target as HTMLInputElement).value });
    setStatus('');
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    const change = toChange(form);
    if (typeof change === 'string') {
      setError(change);
      return;
    }
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const s = await putSettings(change);
      setSaved(s);
      setForm(toForm(s));
      setStatus('Settings saved');
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="page narrow">
      <h1>Messaging settings</h1>
      <ErrorAlert message={error} />
      {!form && !error && <Spinner label="Loading settings…" />}
      {form && (
        <form class="settings" onSubmit={save} aria-label="Messaging settings">
          <Fields form={form} set={set} />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              Save settings
            </button>
            <span role="status" class="saved">{status}</span>
          </div>
          {saved?.updated_at && (
            <p class="muted">Last changed {fullTime(saved.updated_at)}{saved.updated_by ? ` by ${saved.updated_by}` : ''}.</p>
          )}
        </form>
      )}
    </main>
  );
}

function Fields({ form, set }: { form: Form; set: (k: keyof Form) => (e: Event) => void }) {
  return (
    <>
      <div class="field">
        <label for="s-mode">Mode</label>
        <select id="s-mode" value={form.mode} onChange={set('mode')} aria-describedby="s-mode-help">
          <option value="full">Full</option>
          <option value="read_only">Read-only</option>
          <option value="disabled">Disabled</option>
        </select>
        <p id="s-mode-help" class="help">Read-only keeps every thread readable but takes no new messages; Disabled turns messaging off for everyone.</p>
      </div>
      <div class="field">
        <label for="s-delay">Notification delay (minutes)</label>
        <input id="s-delay" type="number" min={0} max={1440} step={1} value={form.delay} onInput={set('delay')} aria-describedby="s-delay-help" />
        <p id="s-delay-help" class="help">How long a message may stay unread before an email digest goes out.</p>
      </div>
      <div class="field">
        <label for="s-esc">SMS escalation (minutes)</label>
        <input id="s-esc" type="number" min={1} max={10080} step={1} value={form.escalation} onInput={set('escalation')} aria-describedby="s-esc-help" />
        <p id="s-esc-help" class="help">After the digest, text contacts who still have not read a staff message. Empty: never.</p>
      </div>
      <fieldset class="field">
        <legend>Quiet hours</legend>
        <div class="row2">
          <span>
            <label for="s-qs">Quiet hours start</label>
            <input id="s-qs" type="time" value={form.quietStart} onInput={set('quietStart')} />
          </span>
          <span>
            <label for="s-qe">Quiet hours end</label>
            <input id="s-qe" type="time" value={form.quietEnd} onInput={set('quietEnd')} />
          </span>
        </div>
        <label for="s-tz">Time zone</label>
        <input id="s-tz" type="text" list="s-tz-list" value={form.timezone} onInput={set('timezone')} autocomplete="off" />
        <datalist id="s-tz-list">
          {zones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <p class="help">Notifications that fall inside quiet hours wait until they end. Leave both times empty for none.</p>
      </fieldset>
    </>
  );
}
