import { resolveShippedLocale, type ShippedLocale } from '../i18n/locale';

// The texts of the mails a chat continued by email sends, in every language the widget ships (the visitor asked in
// the widget, so they read the widget's language). The tone follows the widget's own "continue by email" texts.

/** The texts of a chat's mails in one language. */
export interface EmailLegTexts {
  /** The subject of the thread (the sender puts `Re:` before it). */
  readonly subject: string;
  /** The first line of the transcript. */
  readonly transcriptIntro: string;
}

const TEXTS: Readonly<Record<ShippedLocale, EmailLegTexts>> = {
  en: {
    subject: 'Your conversation with us',
    transcriptIntro: 'Here is your conversation so far. Reply to this email to continue it.',
  },
  nl: {
    subject: 'Je gesprek met ons',
    transcriptIntro: 'Hier is je gesprek tot nu toe. Beantwoord deze e-mail om het voort te zetten.',
  },
  'zh-Hans': {
    subject: '你与我们的对话',
    transcriptIntro: '以下是你目前的对话。回复此邮件即可继续对话。',
  },
  'zh-Hant': {
    subject: '你與我們的對話',
    transcriptIntro: '以下是你目前的對話。回覆此郵件即可繼續對話。',
  },
  ar: {
    subject: 'محادثتك معنا',
    transcriptIntro: 'إليك محادثتك حتى الآن. ردّ على هذه الرسالة لمتابعتها.',
  },
};

/**
 * The mail texts for a visitor whose chat is in `language` (a BCP 47 tag, as the widget started the chat with): the
 * shipped language it resolves to, else English.
 *
 * @example
 * ```ts
 * emailLegTexts('nl-BE').subject; // 'Je gesprek met ons'
 * ```
 */
export function emailLegTexts(language: string | undefined): EmailLegTexts {
  return TEXTS[resolveShippedLocale([language])];
}
