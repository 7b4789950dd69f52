// Work queue metrics with controller-runtime's names and labels (pkg/internal/metrics/workqueue.go), so
// dashboards and alerts written for Go operators work unchanged.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueMetricsSink, QueueSampler } from './workqueue.js';

// controller-runtime uses ExponentialBuckets(10e-9, 10, 12); written out to avoid float noise in `le`.
const DURATION_BUCKETS = Array.from({ length: 12 }, (_, i) => Number(`1e${i - 8}`));

type QueueLabel = 'name' | 'controller';

export interface QueueMetricsOptions {
  /** Controllers whose series should exist (at zero) before their first add. */
  controllers?: readonly string[];
}

export class QueueMetrics implements QueueMetricsSink {
  readonly #depth: Gauge<QueueLabel | 'priority'>;
  readonly #adds: Counter<QueueLabel>;
  readonly #latency: Histogram<QueueLabel>;
  readonly #workDuration: Histogram<QueueLabel>;
  readonly #retries: Counter<QueueLabel>;
  readonly #known = new Set<string>();
  #sampler: QueueSampler | undefined;

  constructor(registry: Registry, opts: QueueMetricsOptions = {}) {
    const registers = [registry];
    const labelNames: QueueLabel[] = ['name', 'controller'];
    this.#depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name', 'controller', 'priority'],
      registers,
    });
    this.#adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames,
      registers,
    });
    this.#latency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames,
      registers,
    });
    this.#samplingGauge(
      registry,
      'workqueue_unfinished_work_seconds',
      "How many seconds of work has been done that is in progress and hasn't been observed by " +
        'work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads ' +
        'by observing the rate at which this increases.',
      (s) => s.unfinishedWorkSeconds(),
    );
    this.#samplingGauge(
      registry,
      'workqueue_longest_running_processor_seconds',
      'How many seconds has the longest running processor for workqueue been running.',
      (s) => s.longestRunningProcessorSeconds(),
    );
    for (const controller of opts.controllers ?? []) this.#init(controller);
  }

  attach(sampler: QueueSampler): void {
    this.#sampler = sampler;
  }

  add(controller: string): void {
    this.#init(controller);
    this.#adds.inc(labels(controller));
  }

  depth(controller: string, delta: number): void {
    this.#init(controller);
    this.#depth.inc({ ...labels(controller), priority: '' }, delta);
  }

  queueLatency(controller: string, seconds: number): void {
    this.#latency.observe(labels(controller), seconds);
  }

  workDuration(controller: string, seconds: number): void {
    this.#workDuration.observe(labels(controller), seconds);
  }

  retry(controller: string): void {
    this.#init(controller);
    this.#retries.inc(labels(controller));
  }

  /** Creates a controller's series at zero, so rates and alerts see it before its first event. */
  #init(controller: string): void {
    if (this.#known.has(controller)) return;
    this.#known.add(controller);
    this.#depth.inc({ ...labels(controller), priority: '' }, 0);
    this.#adds.inc(labels(controller), 0);
    this.#retries.inc(labels(controller), 0);
  }

  /** A gauge read from the queue at scrape time, zero for known controllers with nothing in flight. */
  #samplingGauge(
    registry: Registry,
    name: string,
    help: string,
    sample: (s: QueueSampler) => Map<string, number>,
  ): void {
    const known = this.#known;
    const sampler = (): QueueSampler | undefined => this.#sampler;
    new Gauge({
      name,
      help,
      labelNames: ['name', 'controller'],
      registers: [registry],
      collect() {
        const current = sampler();
        const values = current ? sample(current) : new Map<string, number>();
        for (const controller of new Set([...known, ...values.keys()])) {
          this.set(labels(controller), values.get(controller) ?? 0);
        }
      },
    });
  }
}

function labels(controller: string): Record<QueueLabel, string> {
  return { name: controller, controller };
}
