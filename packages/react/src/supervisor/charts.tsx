'use client';
import type { ReactNode } from 'react';

// Small SVG charts, no chart library. They are decorative (`aria-hidden`): the numbers are always shown as
// text next to them. Geometry is in attributes and colour in the stylesheet, so they work under a strict CSP.

/** Props of {@link Sparkline}. */
export interface SparklineProps {
  readonly values: readonly number[];
  /** Top of the scale; default the largest value. */
  readonly max?: number | undefined;
}

/**
 * A trend line over the values, oldest first.
 *
 * @example
 * ```tsx
 * <Sparkline values={[0.8, 0.85, 0.9]} max={1} />
 * ```
 */
export function Sparkline({ values, max }: SparklineProps): ReactNode {
  if (values.length < 2) return null;
  const top = max ?? Math.max(...values, 0);
  const bottom = Math.min(...values, 0);
  const range = top - bottom || 1;
  const step = 100 / (values.length - 1);
  const points = values
    .map(
      (value, index) => `${(index * step).toFixed(2)},${(22 - ((value - bottom) / range) * 20).toFixed(2)}`,
    )
    .join(' ');
  return (
    <svg
      className="helpline-sparkline"
      viewBox="0 0 100 24"
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      <polyline
        className="helpline-sparkline__line"
        points={points}
        fill="none"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}

/**
 * A horizontal bar filled to `ratio` (0–1, clamped).
 *
 * @example
 * ```tsx
 * <RatioBar ratio={kpis.serviceLevel} />
 * ```
 */
export function RatioBar({ ratio }: { readonly ratio: number }): ReactNode {
  const width = Math.min(1, Math.max(0, ratio)) * 100;
  return (
    <svg
      className="helpline-bar"
      viewBox="0 0 100 6"
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      <rect className="helpline-bar__track" width="100" height="6" />
      <rect className="helpline-bar__fill" width={width.toFixed(2)} height="6" />
    </svg>
  );
}

/** Props of {@link CountsChart}. */
export interface CountsChartProps {
  readonly title: string;
  readonly counts: Readonly<Record<string, number>> | undefined;
  /** Display labels by key (disposition labels); keys show as they are otherwise. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** Text when there is nothing to count. */
  readonly emptyText: string;
  /** Keep the order of `counts` (weekdays, hours) instead of largest first. */
  readonly keepOrder?: boolean | undefined;
}

/**
 * A bar list of counts, largest first: what customers contact you about, how interactions ended.
 *
 * @example
 * ```tsx
 * <CountsChart title="Topics" counts={kpis.byTopic} emptyText="Nothing yet." />
 * ```
 */
export function CountsChart({
  title,
  counts,
  labels = {},
  emptyText,
  keepOrder,
}: CountsChartProps): ReactNode {
  const entries = Object.entries(counts ?? {}).filter(([, count]) => count > 0);
  if (!keepOrder) entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = Math.max(1, ...entries.map(([, count]) => count));
  return (
    <figure className="helpline-counts">
      <figcaption className="helpline-counts__title">{title}</figcaption>
      {entries.length === 0 ? (
        <p className="helpline-empty">{emptyText}</p>
      ) : (
        <ol className="helpline-counts__list">
          {entries.map(([key, count]) => (
            <li key={key} className="helpline-counts__item">
              <span className="helpline-counts__label">{labels[key] ?? key}</span>
              <RatioBar ratio={count / max} />
              <span className="helpline-counts__value">{count}</span>
            </li>
          ))}
        </ol>
      )}
    </figure>
  );
}
