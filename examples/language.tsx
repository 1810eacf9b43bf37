// The demo's language switch: one choice for the shop's widget, the CRM's console and the supervisor board,
// kept in localStorage so every demo page opens in it. The list is the languages Helpline ships.
import { type ReactNode, useEffect, useState } from 'react';

/** The languages the widget, the console and the board ship, by their own names. */
export const DEMO_LANGUAGES = [
  { tag: 'en', name: 'English' },
  { tag: 'nl', name: 'Nederlands' },
  { tag: 'zh-Hant', name: '繁體中文' },
  { tag: 'zh-Hans', name: '简体中文' },
  { tag: 'ar', name: 'العربية' },
] as const;

const LANGUAGE_KEY = 'helpline-demo:lang';

function savedLanguage(): string {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  return DEMO_LANGUAGES.some((language) => language.tag === saved) && saved ? saved : 'en';
}

/** The demo host pages' own words (the CRM's and the board page's chrome; Helpline's UI has its own catalogs). */
export interface DemoText {
  readonly language: string;
  readonly demoNav: string;
  readonly demoHome: string;
  readonly signedInAs: string;
  readonly signOut: string;
  readonly customers: string;
  /** "4 orders" — a text per plural category of the language, `#` for the number. */
  readonly orders: Partial<Record<Intl.LDMLPluralRule, string>> & { readonly other: string };
  readonly customerSince: string;
  readonly signInTitle: string;
  readonly signInHint: string;
  readonly demoAgent: string;
  readonly signIn: string;
  readonly connecting: string;
  readonly agentConsole: string;
  readonly supervisorBoard: string;
}

const TEXT = {
  en: {
    language: 'Language',
    demoNav: 'Demo',
    demoHome: 'Demo home',
    signedInAs: 'Signed in as',
    signOut: 'Sign out',
    customers: 'Customers',
    orders: { one: '# order', other: '# orders' },
    customerSince: 'customer since',
    signInTitle: 'Sign in to the agent console',
    signInHint: 'Demo accounts need no password: pick who you are.',
    demoAgent: 'Demo agent',
    signIn: 'Sign in',
    connecting: 'Connecting…',
    agentConsole: 'Agent console',
    supervisorBoard: 'Supervisor board',
  },
  nl: {
    language: 'Taal',
    demoNav: 'Demo',
    demoHome: 'Demo-startpagina',
    signedInAs: 'Aangemeld als',
    signOut: 'Afmelden',
    customers: 'Klanten',
    orders: { one: '# bestelling', other: '# bestellingen' },
    customerSince: 'klant sinds',
    signInTitle: 'Aanmelden bij de agentconsole',
    signInHint: 'Demo-accounts hebben geen wachtwoord nodig: kies wie je bent.',
    demoAgent: 'Demo-agent',
    signIn: 'Aanmelden',
    connecting: 'Verbinden…',
    agentConsole: 'Agentconsole',
    supervisorBoard: 'Supervisorbord',
  },
  'zh-Hant': {
    language: '語言',
    demoNav: '示範',
    demoHome: '示範首頁',
    signedInAs: '登入身分：',
    signOut: '登出',
    customers: '客戶',
    orders: { other: '# 筆訂單' },
    customerSince: '客戶起始年份',
    signInTitle: '登入客服主控台',
    signInHint: '示範帳號不需要密碼：請選擇您的身分。',
    demoAgent: '示範客服人員',
    signIn: '登入',
    connecting: '連線中…',
    agentConsole: '客服主控台',
    supervisorBoard: '主管看板',
  },
  'zh-Hans': {
    language: '语言',
    demoNav: '演示',
    demoHome: '演示首页',
    signedInAs: '登录身份：',
    signOut: '退出登录',
    customers: '客户',
    orders: { other: '# 笔订单' },
    customerSince: '客户起始年份',
    signInTitle: '登录客服控制台',
    signInHint: '演示账号无需密码：请选择您的身份。',
    demoAgent: '演示客服',
    signIn: '登录',
    connecting: '正在连接…',
    agentConsole: '客服控制台',
    supervisorBoard: '主管看板',
  },
  ar: {
    language: 'اللغة',
    demoNav: 'العرض التوضيحي',
    demoHome: 'الصفحة الرئيسية للعرض',
    signedInAs: 'تم تسجيل الدخول باسم',
    signOut: 'تسجيل الخروج',
    customers: 'العملاء',
    // A wording without a counted noun, so one form serves every number.
    orders: { other: 'الطلبات: #' },
    customerSince: 'عميل منذ',
    signInTitle: 'تسجيل الدخول إلى وحدة تحكم الوكيل',
    signInHint: 'حسابات العرض لا تحتاج إلى كلمة مرور: اختر من أنت.',
    demoAgent: 'وكيل العرض',
    signIn: 'تسجيل الدخول',
    connecting: 'جارٍ الاتصال…',
    agentConsole: 'وحدة تحكم الوكيل',
    supervisorBoard: 'لوحة المشرف',
  },
} satisfies Record<string, DemoText>;
const TEXT_BY_TAG: Readonly<Record<string, DemoText | undefined>> = TEXT;

/** The demo pages' words in `language` (English when it is not one of the demo's). */
export function demoText(language: string): DemoText {
  return TEXT_BY_TAG[language] ?? TEXT.en;
}

/** "4 orders" in `language`, the form chosen by the language's plural rules. */
export function ordersText(language: string, count: number): string {
  const { orders } = demoText(language);
  const form = orders[new Intl.PluralRules(language).select(count)] ?? orders.other;
  return form.replace('#', new Intl.NumberFormat(language).format(count));
}

/** The demo language and a setter that remembers it for the other demo pages; the page's lang and dir follow it. */
export function useDemoLanguage(): readonly [string, (tag: string) => void] {
  const [language, setLanguage] = useState(savedLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
    document.documentElement.dir = language === 'ar' ? 'rtl' : 'ltr';
  }, [language]);
  return [
    language,
    (tag: string) => {
      localStorage.setItem(LANGUAGE_KEY, tag);
      setLanguage(tag);
    },
  ];
}

/** A labelled select of the demo languages. */
export function LanguageSwitch({
  value,
  onChange,
}: {
  readonly value: string;
  readonly onChange: (tag: string) => void;
}): ReactNode {
  return (
    <label className="demo-language">
      {demoText(value).language}{' '}
      <select name="language" value={value} onChange={(event) => onChange(event.target.value)}>
        {DEMO_LANGUAGES.map((language) => (
          <option key={language.tag} value={language.tag} lang={language.tag}>
            {language.name}
          </option>
        ))}
      </select>
    </label>
  );
}
