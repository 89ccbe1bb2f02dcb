import { type DataPoint, DataPointType, type Histogram, type MetricData, MetricReader } from '@opentelemetry/sdk-metrics';

/** A pull reader whose `text()` is the Prometheus text exposition of every metric now. */
export class PrometheusTextReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}

  /** Collects and formats (`# TYPE`, one line per series; histograms as `_bucket`, `_sum`, `_count`). */
  async text(): Promise<string> {
    const { resourceMetrics } = await this.collect();
    const lines: string[] = [];
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) format(metric, lines);
    return `${lines.join('\n')}\n`;
  }
}

function format(metric: MetricData, lines: string[]): void {
  const name = metric.descriptor.name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (metric.descriptor.description) lines.push(`# HELP ${name} ${metric.descriptor.description}`);
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    lines.push(`# TYPE ${name} histogram`);
    for (const point of metric.dataPoints as DataPoint<Histogram>[]) {
      const { boundaries, counts } = point.value.buckets;
      let cumulative = 0;
      boundaries.forEach((le, i) => {
        cumulative += counts[i] ?? 0;
        lines.push(`${name}_bucket${labels(point, `le="${le}"`)} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labels(point, 'le="+Inf"')} ${point.value.count}`);
      lines.push(`${name}_sum${labels(point)} ${point.value.sum ?? 0}`);
      lines.push(`${name}_count${labels(point)} ${point.value.count}`);
    }
    return;
  }
  const counter = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
  lines.push(`# TYPE ${name} ${counter ? 'counter' : 'gauge'}`);
  for (const point of metric.dataPoints as DataPoint<number>[]) lines.push(`${name}${labels(point)} ${point.value}`);
}

function labels(point: DataPoint<unknown>, extra?: string): string {
  const pairs = Object.entries(point.attributes).map(
    ([key, value]) =>
      `${key.replace(/[^a-zA-Z0-9_]/g, '_')}="${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  if (extra !== undefined) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
