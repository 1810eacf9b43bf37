// One vocabulary: the domain's types (interaction/, voice/, agent/) and the wire's (inferred from the schemas) must
// describe the same values. The checks below are types: `tsc` (the typecheck of `npm test`) fails when the two
// drift. The runtime test proves the schema also keeps every field a domain interaction has.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import type { PresenceStatus } from '../agent/agent.types';
import type { StoredEvent } from '../hub/hub.types';
import {
  CHANNELS,
  type Channel,
  END_REASONS,
  type EndedBy,
  type EndReason,
  type Interaction,
  type ParticipantRole,
} from '../interaction/interaction.types';
import type { SurveyAnswer, SurveyOffer } from '../queue/survey';
import type { CallSide, VoiceMedia, VoiceRecording, VoiceState } from '../voice/voice.machine';
import type { channel, endedBy, endReason, role } from './protocol.primitives';
import { interactionSchema } from './protocol.schemas';
import type {
  CommandArgs,
  EventFrame,
  Notice,
  StaffOnlyField,
  VisitorInteraction,
  WireCall,
  WireInteraction,
} from './protocol.types';

/** `true` exactly when `A` and `B` are the same type (not merely assignable to each other). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * `T` with `readonly` taken off every property and list, at every depth: the domain's values are read-only, the
 * wire's are whatever `JSON.parse` made, and what must agree is their fields.
 */
type Shape<T> = T extends readonly (infer Item)[]
  ? Shape<Item>[]
  : T extends object
    ? { -readonly [K in keyof T]: Shape<T[K]> }
    : T;

/** Compiles only where `Check` is `true`. */
function same<Check extends true>(): Check | undefined {
  return undefined;
}

// Channels, end reasons and who ended it: the schemas' picklists are the domain's lists.
same<Equal<v.InferOutput<typeof channel>, Channel>>();
same<Equal<(typeof CHANNELS)[number], Channel>>();
same<Equal<v.InferOutput<typeof endReason>, EndReason>>();
same<Equal<(typeof END_REASONS)[number], EndReason>>();
same<Equal<v.InferOutput<typeof endedBy>, EndedBy>>();
same<Equal<v.InferOutput<typeof role>, ParticipantRole>>();

// An interaction on the wire is the domain's, with the survey its queue asks; a visitor's copy lacks the staff fields.
same<Equal<Shape<WireInteraction>, Shape<Interaction & { readonly survey?: SurveyOffer | undefined }>>>();
same<Equal<Shape<VisitorInteraction>, Shape<Omit<WireInteraction, StaffOnlyField>>>>();
same<Equal<Extract<keyof VisitorInteraction, StaffOnlyField>, never>>();
same<Equal<Shape<Omit<CommandArgs<'csat.submit'>, 'cid'>>, Shape<SurveyAnswer>>>();

// Calls: the wire call's states and facts are the voice machine's.
same<Equal<WireCall['state'], VoiceState>>();
same<Equal<WireCall['media'], VoiceMedia>>();
same<Equal<WireCall['recording'], VoiceRecording>>();
same<Equal<WireCall['startedBy'], CallSide>>();

// Presence, and the log: a stored event is the event frame without its tag.
same<Equal<Extract<Notice, { type: 'presence' }>['status'], PresenceStatus>>();
same<Equal<Shape<StoredEvent>, Shape<Omit<EventFrame, 't'>>>>();

describe('wire and domain vocabulary', () => {
  it('keeps every field of a domain interaction when it travels (the schema drops unknown keys)', () => {
    const every: { readonly [K in keyof Interaction]-?: NonNullable<Interaction[K]> } = {
      id: 'i1',
      channel: 'callback',
      state: 'retry-wait',
      queueId: 'support',
      topic: 'billing',
      customer: {
        id: 'v1',
        name: 'Ada',
        email: 'ada@example.com',
        phone: '+32470123456',
        language: 'nl',
        timeZone: 'Europe/Brussels',
        identified: true,
        attributes: { plan: 'pro' },
      },
      participants: [
        { id: 'v1', role: 'visitor', displayName: 'Ada', joinedAt: 1, leftAt: 9, leftSeq: 4 },
        { id: 'a1', role: 'agent', displayName: 'Bo', joinedAt: 2 },
      ],
      agentId: 'a1',
      priority: 5,
      routingReasons: ['VIP tier'],
      requiredSkills: [{ skill: 'billing', minLevel: 3 }],
      language: 'nl',
      prechat: { order: '42' },
      timestamps: { createdAt: 1, queuedAt: 2, offeredAt: 3, answeredAt: 4, endedAt: 5, wrapUpEndedAt: 6 },
      endReason: 'completed',
      endedBy: 'agent',
      disposition: 'refund',
      notes: 'called back',
      csat: { score: 4, comment: 'quick', nps: 9 },
      callback: {
        slot: { start: 10, end: 20 },
        attempts: 1,
        maxAttempts: 3,
        nextAttemptAt: 30,
        dueSince: 10,
      },
      snoozedUntil: 40,
    };
    const wire: WireInteraction = { ...every, survey: { csat: true, nps: true, windowHours: 24 } };
    assert.deepEqual(v.parse(interactionSchema, wire), wire);
  });

  it('refuses a channel or an end reason outside the domain lists', () => {
    const { survey: _survey, ...base } = v.parse(interactionSchema, {
      id: 'i1',
      channel: 'chat',
      state: 'queued',
      queueId: 'q',
      customer: { id: 'v1', identified: false, attributes: {} },
      participants: [],
      priority: 0,
      requiredSkills: [],
      prechat: {},
      timestamps: { createdAt: 1 },
    });
    for (const known of CHANNELS) assert.ok(v.is(interactionSchema, { ...base, channel: known }), known);
    for (const known of END_REASONS) assert.ok(v.is(interactionSchema, { ...base, endReason: known }), known);
    assert.equal(v.is(interactionSchema, { ...base, channel: 'fax' }), false);
    assert.equal(v.is(interactionSchema, { ...base, endReason: 'vanished' }), false);
  });
});
