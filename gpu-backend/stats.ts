// Load the reference backend has seen, measured where it happens: jobs in flight now, the most
// ever in flight at once (benchmarks check it never exceeds the configured capacity), totals.

export interface Stats {
  inFlight: number;
  maxInFlight: number;
  started: number;
  completed: number;
  failed: number;
  canceled: number;
  /** Jobs that arrived with a job id already seen (a dispatcher sending one job twice). */
  duplicateJobs: number;
}

const seenJobs = new Set<string>();

/** Records a job id (X-Plaza-Job-Id or the plaza-job body); counts repeats as duplicates. */
export function noteJob(stats: Stats, jobId: string | undefined): void {
  if (!jobId) return;
  if (seenJobs.has(jobId)) stats.duplicateJobs++;
  else seenJobs.add(jobId);
}

export function newStats(): Stats {
  return { inFlight: 0, maxInFlight: 0, started: 0, completed: 0, failed: 0, canceled: 0, duplicateJobs: 0 };
}

/** Counts a job in; the returned function counts it out (once) with how it ended. */
export function track(stats: Stats): (end: "completed" | "failed" | "canceled") => void {
  stats.inFlight++;
  stats.started++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  let done = false;
  return (end) => {
    if (done) return;
    done = true;
    stats.inFlight--;
    stats[end]++;
  };
}
