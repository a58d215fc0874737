// Shared helpers for the peer drivers: chunk format, seeded RNG, per-stream bookkeeping,
// nearest-rank percentiles, RSS sampling.
import { readFileSync } from "node:fs";
import { setTimeout as sleep, setImmediate as yieldImmediate } from "node:timers/promises";

export const CHUNK_WIDTH = 16;

/**
 * Chunk i of stream s: "s17-c42" padded with '.' to 15 characters plus '\n' (16 ASCII characters).
 * The newline lets a byte-stream client (resumable-stream over chunked HTTP) split chunks.
 */
export function chunkText(s, i) {
  return `s${s}-c${i}`.padEnd(CHUNK_WIDTH - 1, ".") + "\n";
}

const CHUNK_RE = /^s(\d+)-c(\d+)\.*\n?$/;

/** Returns {s, i} or null when the text is not a well-formed chunk. */
export function parseChunk(text) {
  const m = CHUNK_RE.exec(text);
  if (!m) return null;
  return { s: Number(m[1]), i: Number(m[2]) };
}

/**
 * Producer used by both peers: emits chunks 0..n-1 of stream s through emit(text, i).
 * Cadence c > 0: chunk i is due at t0 + i*c (deadline-based, so timer lateness does not accumulate).
 * Cadence 0: as fast as possible, yielding to the event loop (setImmediate) between chunks.
 */
export async function produce(s, n, cadenceMs, emit) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      if (cadenceMs > 0) {
        const wait = t0 + i * cadenceMs - performance.now();
        if (wait >= 1) await sleep(wait);
        else await yieldImmediate();
      } else {
        await yieldImmediate();
      }
    }
    await emit(chunkText(s, i), i);
  }
}

/** mulberry32: small deterministic PRNG, returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Drop indices, uniform integers in [floor(N/4), floor(3N/4)] (clamped to N-1), drawn in stream order. */
export function dropIndices(streams, chunks, seed) {
  const rng = mulberry32(seed);
  const lo = Math.floor(chunks / 4);
  const hi = Math.min(chunks - 1, Math.floor((3 * chunks) / 4));
  const out = [];
  for (let s = 0; s < streams; s++) out.push(lo + Math.floor(rng() * (hi - lo + 1)));
  return out;
}

/** Nearest-rank percentile of an ascending array: the value at rank ceil(p/100 * n) (1-based). */
export function nearestRank(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function round(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * What one client saw of one stream.
 *  - counts[i]: how many times chunk i was received
 *  - outOfOrder: first-time receipts of a chunk whose index is lower than an index already received
 *  - foreign: receipts that are not a well-formed chunk of this stream
 *  - resume latency: from markResumeStart() to the first receipt of a chunk not received before
 */
export class StreamTracker {
  constructor(s, n) {
    this.s = s;
    this.n = n;
    this.counts = new Uint32Array(n);
    this.maxIndex = -1;
    this.outOfOrder = 0;
    this.foreign = 0;
    this.receipts = 0;
    this.resumeStart = null;
    this.resumeLatencies = [];
    this.startedAt = null;
    this.endedAt = null;
    this.info = {}; // driver-specific facts for --details
  }

  receive(i, s = this.s) {
    const now = performance.now();
    this.receipts++;
    if (s !== this.s || !Number.isInteger(i) || i < 0 || i >= this.n) {
      this.foreign++;
      return;
    }
    const first = this.counts[i] === 0;
    this.counts[i]++;
    if (first) {
      if (i < this.maxIndex) this.outOfOrder++;
      if (this.resumeStart !== null) {
        this.resumeLatencies.push(now - this.resumeStart);
        this.resumeStart = null;
      }
    }
    if (i > this.maxIndex) this.maxIndex = i;
  }

  receiveText(text) {
    const p = parseChunk(text);
    if (!p) {
      this.receipts++;
      this.foreign++;
      return;
    }
    this.receive(p.i, p.s);
  }

  markResumeStart() {
    this.resumeStart = performance.now();
  }

  get complete() {
    for (let i = 0; i < this.n; i++) if (this.counts[i] === 0) return false;
    return true;
  }

  summary() {
    let missing = 0;
    let duplicates = 0;
    let unique = 0;
    for (let i = 0; i < this.n; i++) {
      const c = this.counts[i];
      if (c === 0) missing++;
      else {
        unique++;
        duplicates += c - 1;
      }
    }
    const exact = missing === 0 && duplicates === 0 && this.outOfOrder === 0 && this.foreign === 0;
    return { missing, duplicates, unique, outOfOrder: this.outOfOrder, foreign: this.foreign, exact };
  }

  /** Per-stream record for --details: index ranges of missing and duplicated chunks. */
  details() {
    const ranges = (pred) => {
      const out = [];
      let start = -1;
      for (let i = 0; i <= this.n; i++) {
        const hit = i < this.n && pred(this.counts[i]);
        if (hit && start < 0) start = i;
        if (!hit && start >= 0) {
          out.push(start === i - 1 ? `${start}` : `${start}-${i - 1}`);
          start = -1;
        }
      }
      return out;
    };
    return {
      s: this.s,
      ...this.summary(),
      missingRanges: ranges((c) => c === 0),
      duplicateRanges: ranges((c) => c > 1),
      resumeLatencyMs: this.resumeLatencies.map((x) => round(x)),
      durationMs: this.endedAt !== null && this.startedAt !== null ? round(this.endedAt - this.startedAt, 1) : null,
      ...this.info,
    };
  }
}

/** Aggregates trackers into the JSON fields shared by all peers. */
export function aggregate(trackers) {
  let exactStreams = 0, missing = 0, duplicates = 0, outOfOrder = 0, foreign = 0, unique = 0;
  const lat = [];
  let first = Infinity, last = -Infinity;
  for (const t of trackers) {
    const sm = t.summary();
    if (sm.exact) exactStreams++;
    missing += sm.missing;
    duplicates += sm.duplicates;
    outOfOrder += sm.outOfOrder;
    foreign += sm.foreign;
    unique += sm.unique;
    lat.push(...t.resumeLatencies);
    if (t.startedAt !== null) first = Math.min(first, t.startedAt);
    if (t.endedAt !== null) last = Math.max(last, t.endedAt);
  }
  lat.sort((a, b) => a - b);
  const durationMs = Number.isFinite(first) && Number.isFinite(last) ? last - first : null;
  return {
    exactStreams,
    missing,
    duplicates,
    outOfOrder,
    foreign,
    uniqueChunks: unique,
    resumeLatencyMs: {
      p50: round(nearestRank(lat, 50)),
      p90: round(nearestRank(lat, 90)),
      p99: round(nearestRank(lat, 99)),
      max: round(lat.length ? lat[lat.length - 1] : null),
      count: lat.length,
    },
    durationMs: round(durationMs, 1),
    chunksPerSecond: durationMs ? round((unique * 1000) / durationMs, 1) : null,
  };
}

/** VmRSS of a process in kB, or null if it cannot be read. */
export function readRssKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function processName(pid) {
  try {
    const m = /^Name:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? m[1].trim() : null;
  } catch {
    return null;
  }
}

/** Samples VmRSS of the given {label: pid} every intervalMs; stop() returns {label: peak MB or null}. */
export function startRssSampler(pids, intervalMs = 200) {
  const peaks = {};
  for (const k of Object.keys(pids)) peaks[k] = null;
  const sample = () => {
    for (const [k, pid] of Object.entries(pids)) {
      if (!pid) continue;
      const kb = readRssKb(pid);
      if (kb !== null && (peaks[k] === null || kb > peaks[k])) peaks[k] = kb;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    sample,
    stop() {
      sample();
      clearInterval(timer);
      const out = {};
      for (const [k, kb] of Object.entries(peaks)) out[k] = kb === null ? null : round(kb / 1024, 1);
      return out;
    },
  };
}

/** Aggregate CPU jiffies of the machine: {total, idle} from the first line of /proc/stat. */
export function machineCpu() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is already in user)
    return { total, idle: f[3] + (f[4] || 0) };
  } catch {
    return null;
  }
}

/** utime + stime of a process in clock ticks (same unit as /proc/stat), or null. */
export function processCpuTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat
  } catch {
    return null;
  }
}
