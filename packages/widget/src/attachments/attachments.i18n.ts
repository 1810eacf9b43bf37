import type { WidgetLocale } from '../i18n/locale';

// The attachment UI's texts, in every shipped language. They load with the attachment chunk (not with the panel's
// catalogs), so a visitor who never attaches a file never downloads them.

const en = {
  uploading: 'Uploading {name}',
  cancel: 'Cancel',
  cancelUpload: 'Cancel the upload of {name}',
  dismiss: 'Dismiss',
  download: 'Download',
  tooLarge: '{name} is too large ({size}); the limit is {max}.',
  typeNotAllowed: '{name}: files of this type cannot be sent here.',
  empty: '{name} is empty.',
  rejected: '{name} was refused by the security check.',
  failed: '{name} could not be sent. Please try again.',
};

/** A key of the attachment texts. */
export type AttachmentTextKey = keyof typeof en;

const catalogs: Readonly<Record<WidgetLocale, Readonly<Record<AttachmentTextKey, string>>>> = {
  en,
  nl: {
    uploading: '{name} wordt geüpload',
    cancel: 'Annuleren',
    cancelUpload: 'Upload van {name} annuleren',
    dismiss: 'Sluiten',
    download: 'Downloaden',
    tooLarge: '{name} is te groot ({size}); de limiet is {max}.',
    typeNotAllowed: '{name}: bestanden van dit type kunnen hier niet worden verstuurd.',
    empty: '{name} is leeg.',
    rejected: '{name} is geweigerd door de beveiligingscontrole.',
    failed: '{name} kon niet worden verstuurd. Probeer het opnieuw.',
  },
  'zh-Hans': {
    uploading: '正在上传 {name}',
    cancel: '取消',
    cancelUpload: '取消上传 {name}',
    dismiss: '关闭',
    download: '下载',
    tooLarge: '{name} 太大（{size}）；上限为 {max}。',
    typeNotAllowed: '{name}：此处不能发送这种类型的文件。',
    empty: '{name} 是空文件。',
    rejected: '{name} 未通过安全检查。',
    failed: '{name} 发送失败，请重试。',
  },
  'zh-Hant': {
    uploading: '正在上傳 {name}',
    cancel: '取消',
    cancelUpload: '取消上傳 {name}',
    dismiss: '關閉',
    download: '下載',
    tooLarge: '{name} 太大（{size}）；上限為 {max}。',
    typeNotAllowed: '{name}：此處無法傳送這種類型的檔案。',
    empty: '{name} 是空白檔案。',
    rejected: '{name} 未通過安全檢查。',
    failed: '{name} 傳送失敗，請再試一次。',
  },
  ar: {
    uploading: 'جارٍ رفع {name}',
    cancel: 'إلغاء',
    cancelUpload: 'إلغاء رفع {name}',
    dismiss: 'إغلاق',
    download: 'تنزيل',
    tooLarge: '{name} كبير جدًا ({size})؛ الحد الأقصى {max}.',
    typeNotAllowed: '{name}: لا يمكن إرسال ملفات من هذا النوع هنا.',
    empty: '{name} فارغ.',
    rejected: 'رُفض {name} في الفحص الأمني.',
    failed: 'تعذّر إرسال {name}. يُرجى المحاولة مرة أخرى.',
  },
};

/** The attachment text `key` in `locale`, `{placeholders}` filled from `params` (as text: never parsed as HTML). */
export function attachmentText(
  locale: WidgetLocale,
  key: AttachmentTextKey,
  params: Readonly<Record<string, string>> = {},
): string {
  return catalogs[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/** A file size in the visitor's language: "340 KB", "1,2 MB", "١٫٢ ميغابايت". */
export function formatSize(locale: WidgetLocale, bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}
