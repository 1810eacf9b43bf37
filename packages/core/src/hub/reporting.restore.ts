import type { Interaction } from '../interaction/interaction.types';
import type { KpiLogEvent } from '../metrics/metrics.types';
import type { Queue } from '../queue/queue.types';

/**
 * The reporting events a stored interaction implies, so live KPIs survive a restart. The record keeps the
 * milestones (created, queued, answered, ended, wrap-up, rating), not every step: hold time and offers that were
 * missed before the answer are not rebuilt.
 */
export function reportingEventsOf(
  interaction: Interaction,
  queues: ReadonlyMap<string, Queue>,
): KpiLogEvent[] {
  const { id: interactionId, timestamps: t, channel, queueId } = interaction;
  // A call that had an agent without ever waiting in line was dialled by that agent (click-to-dial): every inbound
  // call is queued when it starts.
  const outbound =
    channel === 'voice' &&
    t.queuedAt === undefined &&
    interaction.participants.some((p) => p.role === 'agent');
  const events: KpiLogEvent[] = [
    {
      type: 'created',
      at: t.createdAt,
      interactionId,
      channel,
      queueId,
      customerId: interaction.customer.id,
      ...(interaction.topic ? { topic: interaction.topic } : {}),
      ...(outbound ? { direction: 'outbound' as const } : {}),
    },
  ];
  if (t.queuedAt !== undefined)
    events.push({ type: 'queued', at: t.queuedAt, interactionId, queueId, channel });
  const agentId =
    interaction.agentId ?? interaction.participants.findLast((p) => p.role === 'agent')?.id ?? 'unknown';
  if (t.answeredAt !== undefined) {
    events.push({ type: 'answered', at: t.answeredAt, interactionId, agentId, queueId });
  }
  if (t.endedAt !== undefined && interaction.endReason) {
    events.push({
      type: 'ended',
      at: t.endedAt,
      interactionId,
      endReason: interaction.endReason,
      ...(interaction.endedBy ? { endedBy: interaction.endedBy } : {}),
    });
  }
  if (t.wrapUpEndedAt !== undefined) {
    const resolved = queues
      .get(queueId)
      ?.dispositions.find((d) => d.id === interaction.disposition)?.resolved;
    events.push({
      type: 'wrap-up-done',
      at: t.wrapUpEndedAt,
      interactionId,
      ...(interaction.disposition ? { disposition: interaction.disposition } : {}),
      ...(resolved === undefined ? {} : { resolved }),
    });
  }
  if (interaction.csat) {
    // A rating has no time of its own in the record; it came after the end.
    events.push({
      type: 'csat',
      at: t.wrapUpEndedAt ?? t.endedAt ?? t.createdAt,
      interactionId,
      score: interaction.csat.score,
      ...(interaction.csat.nps === undefined ? {} : { nps: interaction.csat.nps }),
    });
  }
  return events;
}
