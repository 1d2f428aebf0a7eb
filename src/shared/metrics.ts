/**
 * Metric names a run's settings refer to: the cost axes a Pareto front can be drawn against (all minimised;
 * accuracy is the other axis). Plain data (shared layer), read by the run record type and the app's forms.
 */
export const COST_METRICS = ['flops', 'params', 'latency_ms'] as const;
export type CostMetric = (typeof COST_METRICS)[number];
