// Country calling codes by ISO 3166 region, packed as "RR<code>" words to stay small (the callback chunk
// carries it; the chat does not). Names come from `Intl.DisplayNames`, so no per-language list is shipped.
const PACKED =
  'AD376 AE971 AF93 AG1 AI1 AL355 AM374 AO244 AR54 AS1 AT43 AU61 AW297 AX358 AZ994 BA387 BB1 BD880 BE32 BF226 ' +
  'BG359 BH973 BI257 BJ229 BL590 BM1 BN673 BO591 BQ599 BR55 BS1 BT975 BW267 BY375 BZ501 CA1 CD243 CF236 CG242 ' +
  'CH41 CI225 CK682 CL56 CM237 CN86 CO57 CR506 CU53 CV238 CW599 CY357 CZ420 DE49 DJ253 DK45 DM1 DO1 DZ213 EC593 ' +
  'EE372 EG20 ER291 ES34 ET251 FI358 FJ679 FK500 FM691 FO298 FR33 GA241 GB44 GD1 GE995 GF594 GG44 GH233 GI350 ' +
  'GL299 GM220 GN224 GP590 GQ240 GR30 GT502 GU1 GW245 GY592 HK852 HN504 HR385 HT509 HU36 ID62 IE353 IL972 IM44 ' +
  'IN91 IQ964 IR98 IS354 IT39 JE44 JM1 JO962 JP81 KE254 KG996 KH855 KI686 KM269 KN1 KP850 KR82 KW965 KY1 KZ7 ' +
  'LA856 LB961 LC1 LI423 LK94 LR231 LS266 LT370 LU352 LV371 LY218 MA212 MC377 MD373 ME382 MF590 MG261 MH692 ' +
  'MK389 ML223 MM95 MN976 MO853 MP1 MQ596 MR222 MS1 MT356 MU230 MV960 MW265 MX52 MY60 MZ258 NA264 NC687 NE227 ' +
  'NG234 NI505 NL31 NO47 NP977 NR674 NU683 NZ64 OM968 PA507 PE51 PF689 PG675 PH63 PK92 PL48 PM508 PR1 PS970 ' +
  'PT351 PW680 PY595 QA974 RE262 RO40 RS381 RU7 RW250 SA966 SB677 SC248 SD249 SE46 SG65 SH290 SI386 SK421 ' +
  'SL232 SM378 SN221 SO252 SR597 SS211 ST239 SV503 SX1 SY963 SZ268 TC1 TD235 TG228 TH66 TJ992 TL670 TM993 ' +
  'TN216 TO676 TR90 TT1 TV688 TW886 TZ255 UA380 UG256 US1 UY598 UZ998 VA39 VC1 VE58 VG1 VI1 VN84 VU678 WF681 ' +
  'WS685 XK383 YE967 YT262 ZA27 ZM260 ZW263';

/** Calling code (without `+`) by ISO 3166-1 alpha-2 region. */
export const CALLING_CODES: ReadonlyMap<string, string> = new Map(
  PACKED.split(' ').map((word) => [word.slice(0, 2), word.slice(2)]),
);

/** Regions whose national numbers keep their leading 0 after the country code. */
const KEEPS_LEADING_ZERO = new Set(['IT', 'SM', 'VA']);

/** E.164: a plus, a non-zero first digit, 7–15 digits in all (the same rule as the protocol's schema). */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Turns what a visitor typed into E.164, using `region` for national numbers: `06 1234 5678` in NL →
 * `+31612345678`; `+44 20 7946 0000` and `0044…` keep their own country. Returns `undefined` when the result
 * is not a valid E.164 number.
 *
 * @example
 * ```ts
 * toE164('NL', '06-12345678'); // '+31612345678'
 * ```
 */
export function toE164(region: string, input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  let number: string;
  if (trimmed.startsWith('+')) number = `+${digits}`;
  else if (digits.startsWith('00')) number = `+${digits.slice(2)}`;
  else {
    const code = CALLING_CODES.get(region);
    if (code === undefined) return undefined;
    const national = KEEPS_LEADING_ZERO.has(region) ? digits : digits.replace(/^0/, '');
    number = `+${code}${national}`;
  }
  return E164.test(number) ? number : undefined;
}

/**
 * The region to preselect in the country picker: the first language tag that names or implies one
 * (`nl-BE` → BE, `nl` → NL, `zh-Hant` → TW), else `US`.
 */
export function defaultRegion(tags: readonly (string | null | undefined)[]): string {
  for (const tag of tags) {
    if (!tag) continue;
    try {
      const region = new Intl.Locale(tag).maximize().region;
      if (region && CALLING_CODES.has(region)) return region;
    } catch {
      // Not a valid language tag: try the next one.
    }
  }
  return 'US';
}

/** Regions sorted by their name in `locale`, with names from `Intl.DisplayNames`. */
export function countryOptions(locale: string): { region: string; name: string; code: string }[] {
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  const collator = new Intl.Collator(locale);
  return [...CALLING_CODES]
    .map(([region, code]) => ({ region, code, name: names.of(region) ?? region }))
    .sort((a, b) => collator.compare(a.name, b.name));
}
