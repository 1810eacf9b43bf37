'use client';
import type { AttachmentRef, WireInteraction } from '@helpline/core';
import { type ReactNode, useEffect, useState } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useAction } from '../hooks/useAction';
import { useAgent } from '../hooks/useAgent';
import { useTranslator } from '../i18n/translator';
import { ClickToDial } from './ClickToDial';
import { Icon } from './icons';
import { customerName, ErrorText } from './shared';

/** Props of {@link AudioPlayer}. */
export interface AudioPlayerProps {
  /** An audio attachment (a voicemail's recording). */
  readonly file: AttachmentRef;
  /** The player's accessible name; default "Recording: {file name}". */
  readonly label?: string | undefined;
}

/**
 * An audio attachment as a player: the file is fetched with the agent's token (the server plays it only to those who
 * may: a voicemail's to the agents who handle it and supervisors) and played from a blob: URL, with the browser's own
 * keyboard-operable controls and a label. A refusal or a lost file is said in words.
 *
 * @example
 * ```tsx
 * {file.type.startsWith('audio/') && <AudioPlayer file={file} />}
 * ```
 */
export function AudioPlayer({ file, label }: AudioPlayerProps): ReactNode {
  const i18n = useTranslator();
  const { session } = useAgent();
  const [url, setUrl] = useState<string>('');
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let live = true;
    let made = '';
    session.fetchAttachment(file.id).then(
      (blob) => {
        made = URL.createObjectURL(blob);
        if (live) setUrl(made);
        else URL.revokeObjectURL(made);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [session, file.id]);
  const name = label ?? i18n.t('audioPlayerLabel', { name: file.name });
  if (error !== undefined) return <ErrorText error={error} i18n={i18n} />;
  return (
    <figure className="helpline-audio" data-ready={url ? 'true' : 'false'}>
      {/* biome-ignore lint/a11y/useMediaCaption: a caller's recorded message has no captions to offer */}
      <audio
        className="helpline-audio__player"
        controls
        preload="metadata"
        src={url || undefined}
        aria-label={name}
      />
      <figcaption className="helpline-audio__caption">{name}</figcaption>
    </figure>
  );
}

/** Props of {@link VoicemailCallBack}. */
export interface VoicemailCallBackProps {
  /** The voicemail interaction. */
  readonly interaction: WireInteraction;
}

/**
 * The "Call back" action of a voicemail: a phone caller's number is dialled from the agent's console (click-to-dial,
 * with the voicemail's queue and its caller ID); a web caller is called in their browser within the voicemail
 * (`calls.start`), which rings while they are on the site and fails with `voice/unreachable` when they are not.
 *
 * @example
 * ```tsx
 * {interaction.channel === 'voicemail' && <VoicemailCallBack interaction={interaction} />}
 * ```
 */
export function VoicemailCallBack({ interaction }: VoicemailCallBackProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { agent } = useHelpline();
  const calling = useAction();
  const phone = interaction.customer.phone;
  const name = customerName(i18n, interaction);
  if (phone) {
    return (
      <div className="helpline-voicemail__callback">
        <span>{t('voicemailCallBackPhone', { name })}</span>{' '}
        <ClickToDial number={phone} queueId={interaction.queueId} />
      </div>
    );
  }
  const calls = agent?.$calls.get();
  return (
    <div className="helpline-voicemail__callback">
      <button
        type="button"
        className="helpline-button"
        aria-disabled={!calls || calling.pending}
        onClick={() => {
          if (!calls || calling.pending) return;
          void calling.run(() => calls.start(interaction.id));
        }}
      >
        <Icon name="answer" /> {t('voicemailCallBack', { name })}
      </button>
      <ErrorText error={calling.error} i18n={i18n} />
    </div>
  );
}
