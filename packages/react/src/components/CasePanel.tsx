'use client';
import type {
  CaseNoteView,
  CasePriority,
  CaseState,
  CaseStatusEvent,
  CaseTaskView,
  CaseView,
  CustomerView,
  WireInteraction,
} from '@helpline/core';
import { CASE_PRIORITIES } from '@helpline/core';
import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from '../hooks/useStore';
import type { MessageKey } from '../i18n/en';
import { type Translator, useTranslator } from '../i18n/translator';
import { ChannelBadge } from './ChannelBadge';
import { EscalateToLeader } from './EscalateToLeader';
import { cx, ErrorText, stateLabel } from './shared';

/** The words of a case status. */
export const CASE_STATUS_KEYS: Readonly<Record<CaseState, MessageKey>> = {
  open: 'caseStatusOpen',
  pending: 'caseStatusPending',
  solved: 'caseStatusSolved',
  closed: 'caseStatusClosed',
};

const PRIORITY_KEYS: Readonly<Record<CasePriority, MessageKey>> = {
  low: 'casePriorityLow',
  normal: 'casePriorityNormal',
  high: 'casePriorityHigh',
  urgent: 'casePriorityUrgent',
};

const STANDING_KEYS: Readonly<Record<CaseView['sla']['standing'], MessageKey>> = {
  'on-track': 'caseSlaOnTrack',
  'at-risk': 'caseSlaAtRisk',
  breached: 'caseSlaBreached',
  met: 'caseSlaMet',
};

const TASK_KIND_KEYS: Readonly<Record<CaseTaskView['kind'], MessageKey>> = {
  reminder: 'caseTaskReminder',
  callback: 'caseTaskCallback',
};

const TASK_STATUS_KEYS: Readonly<Record<CaseTaskView['status'], MessageKey>> = {
  scheduled: 'caseTaskScheduled',
  done: 'caseTaskDone',
  cancelled: 'caseTaskCancelled',
};

/** The status changes each status allows, as the case machine's table has them: target status → event. */
const MOVES: Readonly<Record<CaseState, Partial<Record<CaseState, CaseStatusEvent>>>> = {
  open: { pending: 'PEND', solved: 'SOLVE' },
  pending: { open: 'OPEN', solved: 'SOLVE' },
  solved: { open: 'REOPEN', closed: 'CLOSE' },
  closed: {},
};

/** Open and pending cases are the customer's unsolved problems. */
export const isUnsolved = (kase: Pick<CaseView, 'status'>): boolean =>
  kase.status === 'open' || kase.status === 'pending';

/** Props of {@link CasePanel}. */
export interface CasePanelProps {
  /** The interaction in front of the agent: its customer's cases are shown, and new cases are opened from it. */
  readonly cid: string;
  readonly className?: string | undefined;
}

/**
 * The cases (tickets) of the current interaction's customer (docs/cases.md): open cases first, the unsolved ones
 * marked; an offer to attach this conversation to an open case in one click; a case opened from this conversation;
 * each case's status, priority, assignee and tags to change, its internal notes, and the conversations linked to it on
 * every channel as a timeline. Agents see the cases of their queues only. Everything is rendered as text.
 *
 * @example
 * ```tsx
 * <CasePanel cid={interaction.id} />
 * ```
 */
export function CasePanel({ cid, className }: CasePanelProps): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const [customer, setCustomer] = useState<CustomerView | undefined>();
  const [cases, setCases] = useState<readonly CaseView[] | undefined>();
  const [expanded, setExpanded] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(
    () =>
      agent
        .customerOf(cid)
        .then(async (view) => {
          setCustomer(view);
          setCases(await agent.cases.list(view.customer.id));
          setError(undefined);
        })
        .catch(setError),
    [agent, cid],
  );
  useEffect(() => void load(), [load]);

  const run = (work: Promise<unknown>) => work.then(load, setError);
  const unsolved = cases?.filter(isUnsolved) ?? [];
  const attachable = unsolved.filter((kase) => !kase.interactionIds.includes(cid));
  const name = customer?.customer.displayName || t('customerAnonymous');

  return (
    <section
      className={cx('helpline-cases', className)}
      aria-labelledby={`${id}-title`}
      aria-busy={cases === undefined && !error}
    >
      <h2 className="helpline-cases__title" id={`${id}-title`}>
        {t('casesTitle')}
        {unsolved.length > 0 && (
          <span className="helpline-cases__count" data-unsolved="">
            {t('casesUnsolved', { count: unsolved.length })}
          </span>
        )}
      </h2>
      <ErrorText error={error} i18n={i18n} />
      {attachable.map((kase) => (
        <div key={kase.id} className="helpline-case-attach">
          <p>{t('caseAttachOffer', { name, subject: kase.subject })}</p>
          <button
            type="button"
            className="helpline-button helpline-button--primary"
            onClick={() => void run(agent.cases.link(kase.id, cid))}
          >
            {t('caseAttach')}
          </button>
        </div>
      ))}
      {cases === undefined && !error && <p className="helpline-empty">{t('casesLoading')}</p>}
      {cases?.length === 0 && <p className="helpline-empty">{t('casesEmpty')}</p>}
      {cases && cases.length > 0 && (
        <ol className="helpline-cases__list">
          {cases.map((kase) => (
            <CaseItem
              key={kase.id}
              kase={kase}
              cid={cid}
              interactions={customer?.interactions ?? []}
              expanded={expanded === kase.id}
              onToggle={() => setExpanded((open) => (open === kase.id ? undefined : kase.id))}
              onChanged={load}
            />
          ))}
        </ol>
      )}
      <NewCaseForm
        cid={cid}
        onCreated={(created) => {
          setExpanded(created.id);
          void load();
        }}
      />
    </section>
  );
}

/** The SLA of a case in words: where each target stands, and when it is due while it is not met. */
function slaText(i18n: Translator, kase: CaseView): string {
  const { t } = i18n;
  const part = (label: MessageKey, standing: CaseView['sla']['standing'], due: number) =>
    `${t(label)}: ${t(STANDING_KEYS[standing])}${
      standing === 'met' ? '' : ` (${t('caseDue', { time: i18n.dateTime(due) })})`
    }`;
  return [
    part('caseSlaFirstResponse', kase.sla.firstResponse, kase.sla.firstResponseDueAt),
    ...(isUnsolved(kase) ? [part('caseSlaResolution', kase.sla.resolution, kase.sla.resolutionDueAt)] : []),
  ].join(' · ');
}

function CaseItem({
  kase,
  cid,
  interactions,
  expanded,
  onToggle,
  onChanged,
}: {
  readonly kase: CaseView;
  readonly cid: string;
  readonly interactions: readonly WireInteraction[];
  readonly expanded: boolean;
  readonly onToggle: () => void;
  readonly onChanged: () => void;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const unsolved = isUnsolved(kase);
  return (
    <li
      className="helpline-case"
      data-status={kase.status}
      data-priority={kase.priority}
      data-standing={unsolved ? kase.sla.standing : undefined}
      data-unsolved={unsolved || undefined}
    >
      <button
        type="button"
        className="helpline-case__summary"
        aria-expanded={expanded}
        aria-controls={`${id}-details`}
        onClick={onToggle}
      >
        <span className="helpline-case__subject">{kase.subject}</span>
        <span className="helpline-case__badges">
          <span className="helpline-case__status">{t(CASE_STATUS_KEYS[kase.status])}</span>
          {unsolved && <span className="helpline-case__unsolved">{t('caseUnsolved')}</span>}
          <span className="helpline-case__priority">
            {t('casePriority')}: {t(PRIORITY_KEYS[kase.priority])}
          </span>
        </span>
        {unsolved && <span className="helpline-case__sla">{slaText(i18n, kase)}</span>}
        <span className="helpline-case__updated">
          {t('caseUpdatedAt', { time: i18n.dateTime(kase.updatedAt) })}
        </span>
      </button>
      <div id={`${id}-details`} className="helpline-case__details" hidden={!expanded}>
        {expanded && <CaseDetails kase={kase} cid={cid} interactions={interactions} onChanged={onChanged} />}
      </div>
    </li>
  );
}

function CaseDetails({
  kase,
  cid,
  interactions,
  onChanged,
}: {
  readonly kase: CaseView;
  readonly cid: string;
  readonly interactions: readonly WireInteraction[];
  readonly onChanged: () => void;
}): ReactNode {
  const agent = useClient('agent');
  const me = useStore(agent.connection.$subject)?.id;
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const [notes, setNotes] = useState<readonly CaseNoteView[] | undefined>();
  const [tasks, setTasks] = useState<readonly CaseTaskView[] | undefined>();
  const [status, setStatus] = useState<CaseState>(kase.status);
  const [priority, setPriority] = useState<CasePriority>(kase.priority);
  const [assignee, setAssignee] = useState(kase.assigneeId ?? '');
  const [tags, setTags] = useState(kase.tags.join(', '));
  const [note, setNote] = useState('');
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>();

  const loadNotes = useCallback(
    () =>
      agent.cases.get(kase.id).then((detail) => {
        setNotes(detail.notes);
        setTasks(detail.tasks);
      }, setError),
    [agent, kase.id],
  );
  useEffect(() => void loadNotes(), [loadNotes]);

  const editable = kase.status !== 'closed';
  const moves = MOVES[kase.status];

  function save(event: FormEvent) {
    event.preventDefault();
    const nextTags = tags
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '');
    const move = status === kase.status ? undefined : moves[status];
    const sameTags = nextTags.join('\u0000') === kase.tags.join('\u0000');
    agent.cases
      .update(kase.id, {
        ...(move ? { event: move } : {}),
        ...(priority === kase.priority ? {} : { priority }),
        ...(assignee === (kase.assigneeId ?? '') ? {} : { assigneeId: assignee === '' ? null : assignee }),
        ...(sameTags ? {} : { tags: nextTags }),
      })
      .then(() => {
        setSaved(true);
        setError(undefined);
        onChanged();
      }, setError);
  }

  function addNote(event: FormEvent) {
    event.preventDefault();
    if (note.trim() === '') return;
    agent.cases.note(kase.id, note.trim()).then(() => {
      setNote('');
      setError(undefined);
      void loadNotes();
    }, setError);
  }

  const assignees = [...new Set(['', ...(me ? [me] : []), ...(kase.assigneeId ? [kase.assigneeId] : [])])];
  const byId = new Map(interactions.map((interaction) => [interaction.id, interaction]));

  return (
    <>
      <ErrorText error={error} i18n={i18n} />
      {/* The case's assignee escalates it to a team leader of its queue (docs/cases.md, "Escalation"). */}
      {editable && me !== undefined && kase.assigneeId === me && (
        <EscalateToLeader target={{ caseId: kase.id }} />
      )}
      {editable && (
        <form className="helpline-case__form" onSubmit={save} aria-label={kase.subject}>
          <label htmlFor={`${id}-status`}>{t('caseStatus')}</label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(event) => setStatus(event.target.value as CaseState)}
          >
            {[kase.status, ...(Object.keys(moves) as CaseState[])].map((state) => (
              <option key={state} value={state}>
                {t(CASE_STATUS_KEYS[state])}
              </option>
            ))}
          </select>
          <PrioritySelect id={`${id}-priority`} value={priority} onChange={setPriority} />
          <label htmlFor={`${id}-assignee`}>{t('caseAssignee')}</label>
          <select
            id={`${id}-assignee`}
            value={assignee}
            onChange={(event) => setAssignee(event.target.value)}
          >
            {assignees.map((staff) => (
              <option key={staff} value={staff}>
                {staff === ''
                  ? t('caseUnassigned')
                  : staff === me
                    ? `${t('caseAssignedToMe')} (${staff})`
                    : staff}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-tags`}>{t('caseTags')}</label>
          <input
            id={`${id}-tags`}
            value={tags}
            maxLength={800}
            aria-describedby={`${id}-tags-hint`}
            onChange={(event) => setTags(event.target.value)}
          />
          <p id={`${id}-tags-hint`} className="helpline-hint">
            {t('caseTagsHint')}
          </p>
          <div className="helpline-actions">
            <button type="submit" className="helpline-button helpline-button--primary">
              {t('caseSave')}
            </button>
            <span role="status">{saved ? t('caseSaved') : ''}</span>
          </div>
        </form>
      )}
      <h3 className="helpline-case__subtitle">{t('caseTimeline')}</h3>
      <ol className="helpline-case__timeline">
        {kase.interactionIds.map((linked) => {
          const interaction = byId.get(linked);
          return (
            <li key={linked} className="helpline-contact" data-channel={interaction?.channel}>
              {interaction && (
                <>
                  <ChannelBadge className="helpline-contact__channel" channel={interaction.channel} />{' '}
                  <time dateTime={new Date(interaction.timestamps.createdAt).toISOString()}>
                    {i18n.dateTime(interaction.timestamps.createdAt)}
                  </time>
                  <span className="helpline-contact__status"> · {stateLabel(i18n, interaction.state)}</span>
                </>
              )}
              {linked === cid && (
                <strong className="helpline-case__current"> {t('caseThisConversation')}</strong>
              )}
            </li>
          );
        })}
      </ol>
      <h3 className="helpline-case__subtitle">{t('caseNotes')}</h3>
      <p className="helpline-hint">{t('caseNotesHint')}</p>
      {notes?.length === 0 && <p className="helpline-empty">{t('caseNotesEmpty')}</p>}
      {notes && notes.length > 0 && (
        <ol className="helpline-case__notes">
          {notes.map((entry) => (
            <li key={entry.id}>
              <p className="helpline-case__note-meta">
                {entry.authorId === me ? t('you') : entry.authorId} ·{' '}
                <time dateTime={new Date(entry.at).toISOString()}>{i18n.dateTime(entry.at)}</time>
              </p>
              <p className="helpline-case__note-text">{entry.text}</p>
            </li>
          ))}
        </ol>
      )}
      {editable && (
        <form className="helpline-case__note-form" onSubmit={addNote}>
          <label htmlFor={`${id}-note`}>{t('caseNoteLabel')}</label>
          <textarea
            id={`${id}-note`}
            value={note}
            maxLength={4000}
            rows={3}
            onChange={(event) => setNote(event.target.value)}
          />
          <button type="submit" className="helpline-button" disabled={note.trim() === ''}>
            {t('caseNoteAdd')}
          </button>
        </form>
      )}
      <CaseTasks caseId={kase.id} editable={editable} tasks={tasks} onChanged={() => void loadNotes()} />
    </>
  );
}

/** A `datetime-local` value (local time, minutes) for epoch ms. */
function localInputValue(at: number): string {
  const date = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}

/**
 * The follow-up tasks of a case (docs/cases.md, "Follow-up tasks"): the list, each scheduled one with Cancel, and a
 * form to schedule a reminder or a callback (with its number) at a date and time.
 */
function CaseTasks({
  caseId,
  editable,
  tasks,
  onChanged,
}: {
  readonly caseId: string;
  readonly editable: boolean;
  readonly tasks: readonly CaseTaskView[] | undefined;
  readonly onChanged: () => void;
}): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const [kind, setKind] = useState<CaseTaskView['kind']>('reminder');
  const [due, setDue] = useState(() => localInputValue(Date.now() + 3_600_000));
  const [note, setNote] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<unknown>();
  const [scheduled, setScheduled] = useState(false);

  function add(event: FormEvent) {
    event.preventDefault();
    const dueAt = new Date(due).getTime();
    agent.cases
      .addTask(caseId, {
        kind,
        dueAt,
        ...(note.trim() === '' ? {} : { note: note.trim() }),
        ...(kind === 'callback' ? { phone: phone.trim() } : {}),
      })
      .then(() => {
        setNote('');
        setError(undefined);
        setScheduled(true);
        onChanged();
      }, setError);
  }

  function cancel(task: CaseTaskView) {
    agent.cases.cancelTask(caseId, task.id).then(() => {
      setError(undefined);
      onChanged();
    }, setError);
  }

  return (
    <section className="helpline-case__tasks" aria-labelledby={`${id}-title`}>
      <h3 className="helpline-case__subtitle" id={`${id}-title`}>
        {t('caseTasks')}
      </h3>
      <ErrorText error={error} i18n={i18n} />
      {tasks?.length === 0 && <p className="helpline-empty">{t('caseTasksEmpty')}</p>}
      {tasks && tasks.length > 0 && (
        <ol className="helpline-case__task-list">
          {tasks.map((task) => {
            const what = t(TASK_KIND_KEYS[task.kind]);
            const time = i18n.dateTime(task.dueAt);
            return (
              <li key={task.id} className="helpline-case__task" data-status={task.status}>
                <span>
                  {what} · <time dateTime={new Date(task.dueAt).toISOString()}>{time}</time>
                  {task.phone ? ` · ${task.phone}` : ''} · {t(TASK_STATUS_KEYS[task.status])}
                </span>
                {task.note && <p className="helpline-case__note-text">{task.note}</p>}
                {task.status === 'scheduled' && (
                  <button
                    type="button"
                    className="helpline-button"
                    aria-label={t('caseTaskCancelLabel', { kind: what, time })}
                    onClick={() => cancel(task)}
                  >
                    {t('caseTaskCancel')}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {editable && (
        <form className="helpline-case__task-form" onSubmit={add} aria-label={t('caseTaskNew')}>
          <label htmlFor={`${id}-kind`}>{t('caseTaskKind')}</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(event) => setKind(event.target.value as CaseTaskView['kind'])}
          >
            <option value="reminder">{t('caseTaskReminder')}</option>
            <option value="callback">{t('caseTaskCallback')}</option>
          </select>
          <label htmlFor={`${id}-due`}>{t('caseTaskDue')}</label>
          <input
            id={`${id}-due`}
            type="datetime-local"
            required
            value={due}
            onChange={(event) => setDue(event.target.value)}
          />
          {kind === 'callback' && (
            <>
              <label htmlFor={`${id}-phone`}>{t('caseTaskPhone')}</label>
              <input
                id={`${id}-phone`}
                type="tel"
                required
                pattern="\+[1-9][0-9]{6,14}"
                autoComplete="off"
                aria-describedby={`${id}-phone-hint`}
                value={phone}
                onChange={(event) => setPhone(event.target.value)}
              />
              <span className="helpline-hint" id={`${id}-phone-hint`}>
                {t('caseTaskPhoneHint')}
              </span>
            </>
          )}
          <label htmlFor={`${id}-task-note`}>{t('caseTaskNote')}</label>
          <input
            id={`${id}-task-note`}
            value={note}
            maxLength={1000}
            onChange={(event) => setNote(event.target.value)}
          />
          <button type="submit" className="helpline-button">
            {t('caseTaskAdd')}
          </button>
          <span role="status">{scheduled ? t('caseTaskAdded') : ''}</span>
        </form>
      )}
    </section>
  );
}

/** A labelled picker of a case's priority. */
function PrioritySelect({
  id,
  value,
  onChange,
}: {
  readonly id: string;
  readonly value: CasePriority;
  readonly onChange: (priority: CasePriority) => void;
}): ReactNode {
  const { t } = useTranslator();
  return (
    <>
      <label htmlFor={id}>{t('casePriority')}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as CasePriority)}>
        {CASE_PRIORITIES.map((level) => (
          <option key={level} value={level}>
            {t(PRIORITY_KEYS[level])}
          </option>
        ))}
      </select>
    </>
  );
}

/** Opens a case from the current conversation: a subject and a priority. */
function NewCaseForm({
  cid,
  onCreated,
}: {
  readonly cid: string;
  readonly onCreated: (created: CaseView) => void;
}): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const [subject, setSubject] = useState('');
  const [priority, setPriority] = useState<CasePriority>('normal');
  const [error, setError] = useState<unknown>();

  function create(event: FormEvent) {
    event.preventDefault();
    if (subject.trim() === '') return;
    agent.cases.create(cid, { subject: subject.trim(), priority }).then((created) => {
      setSubject('');
      setPriority('normal');
      setError(undefined);
      onCreated(created);
    }, setError);
  }

  return (
    <form className="helpline-case-new" onSubmit={create} aria-labelledby={`${id}-title`}>
      <h3 className="helpline-case__subtitle" id={`${id}-title`}>
        {t('caseNew')}
      </h3>
      <ErrorText error={error} i18n={i18n} />
      <label htmlFor={`${id}-subject`}>{t('caseSubject')}</label>
      <input
        id={`${id}-subject`}
        value={subject}
        maxLength={200}
        required
        onChange={(event) => setSubject(event.target.value)}
      />
      <PrioritySelect id={`${id}-priority`} value={priority} onChange={setPriority} />
      <button type="submit" className="helpline-button" disabled={subject.trim() === ''}>
        {t('caseCreate')}
      </button>
    </form>
  );
}

/** Props of {@link OfferOpenCases}. */
export interface OfferOpenCasesProps {
  /** The offered interaction. */
  readonly cid: string;
}

/**
 * The screen pop's case line on an offer: the open (and pending) cases of the offered contact's customer, by
 * subject, before the agent accepts — nothing while there are none. Reads `customer.of` (its `openCaseIds`) and the
 * customer's cases once per offer.
 *
 * @example
 * ```tsx
 * <OfferOpenCases cid={offer.interaction.id} />
 * ```
 */
export function OfferOpenCases({ cid }: OfferOpenCasesProps): ReactNode {
  const agent = useClient('agent');
  const { t } = useTranslator();
  const [open, setOpen] = useState<readonly CaseView[]>([]);
  useEffect(() => {
    let current = true;
    agent
      .customerOf(cid)
      .then(async (view) => {
        if (!view.openCaseIds?.length) return;
        const cases = await agent.cases.list(view.customer.id);
        if (current) setOpen(cases.filter(isUnsolved));
      })
      .catch(() => undefined); // The toast still offers the contact; the panel shows the error once accepted.
    return () => {
      current = false;
    };
  }, [agent, cid]);
  if (open.length === 0) return null;
  return (
    <ul className="helpline-offer__cases" aria-label={t('caseOfferLabel')}>
      {open.map((kase) => (
        <li key={kase.id} data-status={kase.status} data-priority={kase.priority}>
          {t('caseOfferOpen', { subject: kase.subject })} · {t(CASE_STATUS_KEYS[kase.status])}
        </li>
      ))}
    </ul>
  );
}
