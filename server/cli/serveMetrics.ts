/**
 * The counters `unisparse serve` exposes at GET /metrics, in Prometheus' text format (version 0.0.4): requests by
 * route and status, prompt and completion tokens, the queue depth, and histograms of the time to first token,
 * the decode time per token and the whole request. No client library: the format is a few lines of text.
 */

const TTFT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
const PER_TOKEN_BUCKETS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];
const REQUEST_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private total = 0;
  constructor(readonly name: string, readonly help: string, private readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    if (!Number.isFinite(v) || v < 0) return;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
    this.sum += v;
    this.total++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.total}`, `${this.name}_sum ${round(this.sum)}`, `${this.name}_count ${this.total}`);
    return lines;
  }
}

function round(x: number): number { return Math.round(x * 1e6) / 1e6; }

export class ServeMetrics {
  private readonly requests = new Map<string, number>();
  private promptTokens = 0;
  private completionTokens = 0;
  readonly ttft = new Histogram('unisparse_time_to_first_token_seconds', 'Time from a request to its first generated token.', TTFT_BUCKETS);
  readonly perToken = new Histogram('unisparse_decode_seconds_per_token', 'Decode time per generated token, per request.', PER_TOKEN_BUCKETS);
  readonly duration = new Histogram('unisparse_request_duration_seconds', 'Time from a completion request to its last byte.', REQUEST_BUCKETS);

  constructor(private readonly gauges: () => { queued: number; running: number }) {}

  request(route: string, status: number): void {
    const key = `route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  tokens(prompt: number, completion: number): void {
    this.promptTokens += prompt;
    this.completionTokens += completion;
  }

  render(): string {
    const g = this.gauges();
    const lines = ['# HELP unisparse_requests_total HTTP requests by route and status.', '# TYPE unisparse_requests_total counter'];
    for (const [labels, n] of [...this.requests].sort()) lines.push(`unisparse_requests_total{${labels}} ${n}`);
    lines.push(
      '# HELP unisparse_prompt_tokens_total Prompt tokens evaluated.', '# TYPE unisparse_prompt_tokens_total counter', `unisparse_prompt_tokens_total ${this.promptTokens}`,
      '# HELP unisparse_completion_tokens_total Tokens generated.', '# TYPE unisparse_completion_tokens_total counter', `unisparse_completion_tokens_total ${this.completionTokens}`,
      '# HELP unisparse_queue_depth Completion requests waiting for the engine.', '# TYPE unisparse_queue_depth gauge', `unisparse_queue_depth ${g.queued}`,
      '# HELP unisparse_requests_running Completion requests the engine is working on.', '# TYPE unisparse_requests_running gauge', `unisparse_requests_running ${g.running}`,
      ...this.ttft.render(), ...this.perToken.render(), ...this.duration.render(),
    );
    return lines.join('\n') + '\n';
  }
}
