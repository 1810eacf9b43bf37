import type { WidgetLocale } from '../i18n/locale';

// The "continue by email" texts, in every shipped language. They load with the email chunk (not with the panel's
// catalogs), so a chat on a site that sends no mail never downloads them.

const en = {
  offer: 'Get replies by email',
  label: 'Your email address',
  hint: 'If you leave this page, we will email you this conversation and any new replies. You can answer by email.',
  submit: 'Send me replies',
  cancel: 'Cancel',
  confirmed: 'If you leave, the conversation and new replies go to {address}.',
  change: 'Change',
  invalid: 'Enter a valid email address, like name@example.com.',
  unavailable: 'Replies by email are not available here.',
  failed: 'Your email address could not be saved. Please try again.',
};

/** A key of the email texts. */
export type EmailTextKey = keyof typeof en;

const catalogs: Readonly<Record<WidgetLocale, Readonly<Record<EmailTextKey, string>>>> = {
  en,
  nl: {
    offer: 'Antwoorden per e-mail ontvangen',
    label: 'Je e-mailadres',
    hint: 'Als je deze pagina verlaat, mailen we je dit gesprek en nieuwe antwoorden. Je kunt per e-mail reageren.',
    submit: 'Stuur mij antwoorden',
    cancel: 'Annuleren',
    confirmed: 'Als je weggaat, gaan het gesprek en nieuwe antwoorden naar {address}.',
    change: 'Wijzigen',
    invalid: 'Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.',
    unavailable: 'Antwoorden per e-mail zijn hier niet beschikbaar.',
    failed: 'Je e-mailadres kon niet worden opgeslagen. Probeer het opnieuw.',
  },
  'zh-Hans': {
    offer: '通过电子邮件接收回复',
    label: '你的电子邮件地址',
    hint: '如果你离开此页面，我们会把本次对话和新的回复发到你的邮箱。你可以直接回复邮件。',
    submit: '给我发送回复',
    cancel: '取消',
    confirmed: '如果你离开，对话和新的回复将发送到 {address}。',
    change: '更改',
    invalid: '请输入有效的电子邮件地址，例如 name@example.com。',
    unavailable: '此处不提供电子邮件回复。',
    failed: '无法保存你的电子邮件地址，请重试。',
  },
  'zh-Hant': {
    offer: '透過電子郵件接收回覆',
    label: '你的電子郵件地址',
    hint: '如果你離開此頁面，我們會把這次對話和新的回覆寄到你的信箱。你可以直接回覆郵件。',
    submit: '寄送回覆給我',
    cancel: '取消',
    confirmed: '如果你離開，對話和新的回覆將寄到 {address}。',
    change: '變更',
    invalid: '請輸入有效的電子郵件地址，例如 name@example.com。',
    unavailable: '此處不提供電子郵件回覆。',
    failed: '無法儲存你的電子郵件地址，請再試一次。',
  },
  ar: {
    offer: 'تلقَّ الردود عبر البريد الإلكتروني',
    label: 'عنوان بريدك الإلكتروني',
    hint: 'إذا غادرت هذه الصفحة، فسنرسل إليك هذه المحادثة وأي ردود جديدة بالبريد الإلكتروني. يمكنك الرد عبر البريد.',
    submit: 'أرسل إليّ الردود',
    cancel: 'إلغاء',
    confirmed: 'إذا غادرت، فستُرسل المحادثة والردود الجديدة إلى {address}.',
    change: 'تغيير',
    invalid: 'أدخل عنوان بريد إلكتروني صالحًا، مثل name@example.com.',
    unavailable: 'الردود عبر البريد الإلكتروني غير متاحة هنا.',
    failed: 'تعذّر حفظ عنوان بريدك الإلكتروني. يُرجى المحاولة مرة أخرى.',
  },
};

/**
 * The email text `key` in `locale`, with `{address}` filled in (as text: never parsed as HTML).
 *
 * @example
 * ```ts
 * emailText('nl', 'confirmed', 'ann@example.com'); // 'Als je weggaat, … naar ann@example.com.'
 * ```
 */
export function emailText(locale: WidgetLocale, key: EmailTextKey, address = ''): string {
  return catalogs[locale][key].split('{address}').join(address);
}
