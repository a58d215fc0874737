#!/usr/bin/env node
// Runs the resume benchmark against one npm peer.
//
//   node bench/peers/run.mjs --peer resumable-stream|socket.io --streams 100 --chunks 200 \
//        --cadence-ms 10 --redis redis://127.0.0.1:6399 --seed 42 --out <file.json>
//
// Starts two server processes (A and B, each on a free port) sharing the Redis, waits until they accept
// connections, runs the workload in this process, stops the servers, writes the JSON, prints one line.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import net from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { cpus, loadavg } from "node:os";
import { createClient } from "redis";
import {
  aggregate, dropIndices, machineCpu, processCpuTicks, processName, startRssSampler,
} from "./lib/common.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const PEERS = {
  "resumable-stream": {
    pkg: "resumable-stream",
    server: join(here, "servers", "resumable-stream-server.mjs"),
    client: "./clients/resumable-stream-client.mjs",
    env: (runId) => ({ KEY_PREFIX: `bench-rs-${runId}` }),
    keyPattern: (runId) => `bench-rs-${runId}*`,
    extraVersions: ["redis"],
  },
  "socket.io": {
    pkg: "socket.io",
    server: join(here, "servers", "socketio-server.mjs"),
    client: "./clients/socketio-client.mjs",
    env: (runId, args) => ({
      STREAM_NAME: `bench-sio-${runId}`,
      SESSION_PREFIX: `bench-sio-${runId}:session:`,
      DONE_PREFIX: `bench-sio-${runId}:done:`,
      ...(args.sioMaxlen ? { SIO_MAXLEN: String(args.sioMaxlen) } : {}),
    }),
    keyPattern: (runId) => `bench-sio-${runId}*`,
    extraVersions: ["socket.io-client", "@socket.io/redis-streams-adapter", "redis"],
  },
};

function usage(msg) {
  if (msg) console.error(`error: ${msg}`);
  console.error(
    "usage: node bench/peers/run.mjs --peer resumable-stream|socket.io [--streams 100] [--chunks 200]\n" +
      "       [--cadence-ms 10] [--redis redis://127.0.0.1:6399] [--seed 42] [--out file.json]\n" +
      "       [--timeout-s 120] [--idle-timeout-s 30] [--sio-maxlen N] [--details per-stream.json]\n" +
      "       [--reconnect-delay-ms 0] [--redis-server /path/to/redis-server (private Redis, replaces --redis)]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const a = {
    // a Redis URL with a login in it stays off the command line: PEERS_REDIS_URL
    peer: null, streams: 100, chunks: 200, cadenceMs: 10, redis: process.env.PEERS_REDIS_URL || "redis://127.0.0.1:6399",
    seed: 42, out: null, timeoutS: 120, idleTimeoutS: 30, sioMaxlen: null, details: null, reconnectDelayMs: 0, redisServer: null,
  };
  const num = (k, v) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) usage(`${k} needs a non-negative number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case "--peer": a.peer = v; i++; break;
      case "--streams": a.streams = num(k, v); i++; break;
      case "--chunks": a.chunks = num(k, v); i++; break;
      case "--cadence-ms": a.cadenceMs = num(k, v); i++; break;
      case "--redis": a.redis = v; i++; break;
      case "--seed": a.seed = num(k, v); i++; break;
      case "--out": a.out = v; i++; break;
      case "--timeout-s": a.timeoutS = num(k, v); i++; break;
      case "--idle-timeout-s": a.idleTimeoutS = num(k, v); i++; break;
      case "--sio-maxlen": a.sioMaxlen = num(k, v); i++; break;
      case "--details": a.details = v; i++; break;
      case "--reconnect-delay-ms": a.reconnectDelayMs = num(k, v); i++; break;
      case "--redis-server": a.redisServer = v; i++; break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown argument ${k}`);
    }
  }
  if (!PEERS[a.peer]) usage("--peer must be resumable-stream or socket.io");
  if (!Number.isInteger(a.streams) || a.streams < 1) usage("--streams must be a positive integer");
  if (!Number.isInteger(a.chunks) || a.chunks < 2) usage("--chunks must be an integer >= 2");
  if (!a.redis) usage("--redis needs a URL");
  return a;
}

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

const children = new Set();
const serverStats = {};
let stopping = false;

function startServer(label, script, env, startTimeoutMs = 15000) {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env, PORT: "0", SERVER_NAME: label },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let ready = false;
    const timer = setTimeout(() => {
      if (!ready) reject(new Error(`server ${label} did not report READY within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    createInterface({ input: child.stderr }).on("line", (l) => process.stderr.write(`${l}\n`));
    createInterface({ input: child.stdout }).on("line", (l) => {
      const m = /^READY (\d+)$/.exec(l.trim());
      if (m && !ready) {
        ready = true;
        clearTimeout(timer);
        resolveP({ label, child, port: Number(m[1]) });
      } else if (l.startsWith("STATS ")) {
        try {
          serverStats[label] = JSON.parse(l.slice(6));
        } catch {
          process.stderr.write(`[${label}] ${l}\n`);
        }
      } else if (!m) process.stderr.write(`[${label}] ${l}\n`);
    });
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`server ${label} exited before READY (code ${code}, signal ${signal})`));
      }
    });
  });
}

function waitForHealth(port, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolveP, reject) => {
    const attempt = () => {
      const req = http.get({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
        res.resume();
        if (res.statusCode === 200) resolveP();
        else retry(new Error(`health returned ${res.statusCode}`));
      });
      req.on("error", retry);
      req.setTimeout(1000, () => req.destroy(new Error("health timeout")));
    };
    const retry = (e) => {
      if (Date.now() > deadline) reject(new Error(`port ${port} does not accept connections: ${e.message}`));
      else setTimeout(attempt, 100);
    };
    attempt();
  });
}

function stopServer(child, timeoutMs = 5000) {
  return new Promise((resolveP) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveP();
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => {
      clearTimeout(t);
      resolveP();
    });
    child.kill("SIGTERM");
  });
}

function freePort() {
  return new Promise((resolveP, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolveP(port));
    });
  });
}

/** Starts a private redis-server (no persistence) on a free port; resolves when it accepts commands. */
async function startRedis(binary, timeoutMs = 10000) {
  const port = await freePort();
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let log = "";
  child.stdout.on("data", (d) => (log = (log + d).slice(-2000)));
  child.stderr.on("data", (d) => (log = (log + d).slice(-2000)));
  const spawnError = new Promise((_, reject) => child.once("error", (e) => reject(new Error(`cannot start ${binary}: ${e.message}`))));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode}): ${log.trim()}`);
    const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { connectTimeout: 1000, reconnectStrategy: false } });
    c.on("error", () => {});
    try {
      await Promise.race([c.connect().then(() => c.ping()), spawnError]);
      await c.quit();
      return { child, port };
    } catch (e) {
      if (e.message.startsWith("cannot start")) throw e;
      if (Date.now() > deadline) throw new Error(`redis-server not ready on port ${port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A Redis URL as it may be printed: without its password. */
function withoutLogin(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a Redis URL)";
  }
}

async function redisPid(client, url) {
  try {
    const host = new URL(url).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) return null;
    const info = await client.info("server");
    const m = /process_id:(\d+)/.exec(info);
    if (!m) return null;
    const pid = Number(m[1]);
    const name = processName(pid);
    return name && name.startsWith("redis") ? pid : null;
  } catch {
    return null;
  }
}

/** {command: calls} from INFO commandstats (server-wide: other clients of the same Redis are included). */
async function commandStats(client) {
  try {
    const info = await client.info("commandstats");
    const out = {};
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]] = Number(m[2]);
    return out;
  } catch {
    return null;
  }
}

function commandNote(before, after) {
  if (!before || !after) return null;
  const diff = Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] || 0)])
    .filter(([k, v]) => v > 0 && k !== "info")
    .sort((x, y) => y[1] - x[1])
    .slice(0, 12)
    .map(([k, v]) => `${k}=${v}`);
  return diff.length ? `Redis commands during the workload (whole server): ${diff.join(", ")}.` : null;
}

async function cleanupKeys(client, pattern) {
  let n = 0;
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    const list = Array.isArray(keys) ? keys : [keys];
    if (list.length) n += await client.del(list);
  }
  return n;
}

const PEER_NOTES = {
  "resumable-stream":
    "resumable-stream resumes by character count: the client sends skip=<characters it has received> " +
    "(chunks are 16 ASCII characters, so characters = UTF-16 code units = bytes here) and the producer " +
    "replays its buffer from that character, then follows live chunks. The buffer lives only in the " +
    "memory of the process that runs the producer (Redis carries only a sentinel key and pub/sub " +
    "messages), so a resume on the other process works only while the producing process is alive and the " +
    "stream is not finished: once the producer has finished, resumeExistingStream returns null (HTTP 422 " +
    "here) and the tail is lost (the library's README says to persist the full output elsewhere for that " +
    "case; this driver does not). Resume = GET /resume/<id>?skip=N on the other process; " +
    "recoveredResumes = resumes that got HTTP 200.",
  "socket.io":
    "Socket.IO 4 connectionStateRecovery with @socket.io/redis-streams-adapter (redis client). Chunks are " +
    "room broadcasts (io.to(room).emit), stored by the adapter in a Redis stream (XADD MAXLEN ~ adapter " +
    "maxLen, default 10000 entries shared by all streams). Drop = ws.terminate() on the client's " +
    "WebSocket (no close handshake); the first server sees 'transport close' and persists the session " +
    "(SET with PX) asynchronously; the client reconnects to the other process with its pid and last " +
    "offset (same Manager, uri switched). The other process restores the session (MULTI GET+DEL of the " +
    "session key, XRANGE of the stream after the offset) only if the session key is already written and the offset is still in " +
    "the trimmed stream; recoveredResumes = resumes with socket.recovered === true. A non-recovered resume " +
    "re-joins the room (application fallback), so the chunks emitted meanwhile are missing. The restore " +
    "repeats XRANGE over the whole shared stream (all rooms' traffic) until a call returns nothing or 100 " +
    "calls were made, so under continuous traffic from other streams it lasts until production quiets down.",
};

const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join("/");

const pct = (x) => `${Math.round(x * 100)}%`;

function cpuNote(before, after) {
  if (!before.machine || !after.machine) return null;
  const dt = after.machine.total - before.machine.total;
  if (dt <= 0) return null;
  const busy = (dt - (after.machine.idle - before.machine.idle)) / dt;
  let ours = 0;
  const each = [];
  for (let i = 0; i < before.ours.length; i++) {
    if (before.ours[i] !== null && after.ours[i] !== null) {
      ours += after.ours[i] - before.ours[i];
      each.push(`${before.labels[i]} ${pct((after.ours[i] - before.ours[i]) / dt)}`);
    }
  }
  return (
    `CPU during the workload (share of all ${cpus().length} CPUs, from /proc): machine busy ${pct(busy)}; ` +
    `this benchmark's processes ${pct(ours / dt)} (${each.join(", ")}); ` +
    `other processes ~${pct(Math.max(0, busy - ours / dt))}.`
  );
}

function serverStatsNote() {
  const labels = Object.keys(serverStats).sort();
  if (labels.length === 0) return null;
  const parts = labels.map((l) => {
    const st = { ...serverStats[l] };
    const ms = (st.restoreMs || []).slice().sort((x, y) => x - y);
    delete st.restoreMs;
    delete st.persistAt;
    delete st.restoreAt;
    if (ms.length) {
      st.restoreMsP50 = ms[Math.ceil(0.5 * ms.length) - 1];
      st.restoreMsMax = ms[ms.length - 1];
    }
    return `${l}: ${Object.entries(st).map(([k, v]) => `${k}=${v}`).join(" ")}`;
  });
  return `Server-side CSR counters (a restore is attempted on the process the client resumes on): ${parts.join("; ")}.`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const peer = PEERS[args.peer];
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

  let ownRedis = null;
  if (args.redisServer) {
    ownRedis = await startRedis(args.redisServer);
    args.redis = `redis://127.0.0.1:${ownRedis.port}`;
  }
  const redis = createClient({ url: args.redis, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new Error(`cannot connect to Redis at ${withoutLogin(args.redis)}: ${e.message}`);
  }
  const loadBefore = loadavg();
  // RSS of Redis only for a Redis this run started: a long-running one keeps earlier runs' allocations.
  const rPid = ownRedis ? ownRedis.child.pid : null;
  const externalRedisPid = ownRedis ? null : await redisPid(redis, args.redis);

  const env = { REDIS_URL: args.redis, ...peer.env(runId, args) };
  const [a, b] = await Promise.all([startServer("A", peer.server, env), startServer("B", peer.server, env)]);
  await Promise.all([waitForHealth(a.port), waitForHealth(b.port)]);
  const rss = startRssSampler({ serverA: a.child.pid, serverB: b.child.pid, redis: rPid });
  const ourProcs = [["runner", process.pid], ["server A", a.child.pid], ["server B", b.child.pid], ["Redis", rPid || externalRedisPid]]
    .filter(([, pid]) => pid);
  const ourPids = ourProcs.map(([, pid]) => pid);
  const cmdBefore = await commandStats(redis);
  const cpuBefore = { machine: machineCpu(), ours: ourPids.map(processCpuTicks), labels: ourProcs.map(([l]) => l) };

  const drops = dropIndices(args.streams, args.chunks, args.seed);
  const { runWorkload } = await import(peer.client);

  let serverDied = null;
  const deathWatch = new Promise((_, reject) => {
    for (const s of [a, b]) {
      s.child.on("exit", (code, signal) => {
        if (!stopping) {
          serverDied = `server ${s.label} exited during the run (code ${code}, signal ${signal})`;
          reject(new Error(serverDied));
        }
      });
    }
  });
  let timeoutTimer;
  let timedOut = false;
  const timeout = new Promise((resolveP) => {
    timeoutTimer = setTimeout(() => {
      timedOut = true;
      resolveP();
    }, args.timeoutS * 1000);
  });

  const state = { trackers: [], resumes: 0, recoveredResumes: 0, problems: {} };
  await Promise.race([
    runWorkload({
      bases: [`http://127.0.0.1:${a.port}`, `http://127.0.0.1:${b.port}`],
      streams: args.streams,
      chunks: args.chunks,
      cadenceMs: args.cadenceMs,
      drops,
      runId,
      idleTimeoutMs: args.idleTimeoutS * 1000,
      reconnectDelayMs: args.reconnectDelayMs,
      state,
    }),
    deathWatch,
    timeout,
  ]);
  clearTimeout(timeoutTimer);
  const result = state;
  const unfinished = result.trackers.filter((t) => t && t.endedAt === null).length;
  // snapshot before the servers stop (after a timeout, open streams would then see connection resets)
  const agg = aggregate(result.trackers);
  const problems = Object.entries(result.problems)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const resumes = result.resumes;
  const recoveredResumes = result.recoveredResumes;
  const detailsSnapshot = args.details ? result.trackers.map((t) => t.details()) : null;

  const cpuAfter = { machine: machineCpu(), ours: ourPids.map(processCpuTicks) };
  // the servers' and Redis's CPU (clock ticks of 10 ms) per distinct chunk received, the runner left out
  let serverTicks = 0;
  ourProcs.forEach(([label], i) => {
    if (label !== "runner" && cpuBefore.ours[i] !== null && cpuAfter.ours[i] !== null) {
      serverTicks += cpuAfter.ours[i] - cpuBefore.ours[i];
    }
  });
  const cpuMicrosPerChunk = agg.uniqueChunks > 0 ? Math.round((serverTicks * 10000 * 10) / agg.uniqueChunks) / 10 : null;
  const cmdAfter = await commandStats(redis);
  stopping = true;
  const loadAfter = loadavg();
  const peakRssMb = rss.stop();
  await Promise.all([stopServer(a.child), stopServer(b.child)]);
  const deleted = await cleanupKeys(redis, peer.keyPattern(runId)).catch(() => 0);
  await redis.quit().catch(() => {});
  if (ownRedis) await stopServer(ownRedis.child);

  const extra = peer.extraVersions.map((p) => `${p}@${pkgVersion(p)}`).join(", ");
  const notesParts = [
    PEER_NOTES[args.peer],
    `Packages: ${args.peer}@${pkgVersion(peer.pkg)}, ${extra}.`,
    args.reconnectDelayMs > 0
      ? `The client waited ${args.reconnectDelayMs} ms after the drop before reconnecting (--reconnect-delay-ms); resume latency starts at the reconnect, after that wait.`
      : "The client reconnects immediately after the drop (no delay).",
    `Client events per stream: ${problems || "none"}.`,
    agg.foreign ? `Malformed or foreign chunk receipts: ${agg.foreign}.` : null,
    "Latency percentiles: nearest rank over per-resume samples (reconnect start -> first not-yet-received chunk).",
    `chunksPerSecond counts distinct chunks received (${agg.uniqueChunks}).`,
    serverStatsNote(),
    rPid
      ? `Redis: a private redis-server started by this run (${args.redisServer}, port ${ownRedis.port}).`
      : `Redis: external (${withoutLogin(args.redis)}), its RSS is not reported (it carries earlier runs' allocations); use --redis-server for a private one.`,
    `Redis keys removed after the run: ${deleted}.`,
    cpuNote(cpuBefore, cpuAfter),
    commandNote(cmdBefore, cmdAfter),
    `Host: ${cpus().length} CPUs, load average (1/5/15 min) ${fmtLoad(loadBefore)} before and ${fmtLoad(loadAfter)} after the run (other processes on the machine share the CPUs).`,
  ].filter(Boolean);

  if (timedOut) {
    notesParts.unshift(
      `TIMEOUT: the run did not finish within ${args.timeoutS} s; ${unfinished} of ${args.streams} streams were still open ` +
        "(their chunks so far are counted, durationMs/chunksPerSecond cover finished streams only). The process exits with status 1.",
    );
  }

  const out = {
    system: args.peer,
    version: pkgVersion(peer.pkg),
    node: process.version,
    streams: args.streams,
    chunks: args.chunks,
    cadenceMs: args.cadenceMs,
    seed: args.seed,
    resumes,
    recoveredResumes,
    exactStreams: agg.exactStreams,
    missing: agg.missing,
    duplicates: agg.duplicates,
    outOfOrder: agg.outOfOrder,
    resumeLatencyMs: agg.resumeLatencyMs,
    chunksPerSecond: agg.chunksPerSecond,
    cpuMicrosPerChunk,
    durationMs: agg.durationMs,
    peakRssMb: { serverA: peakRssMb.serverA, serverB: peakRssMb.serverB, redis: rPid ? peakRssMb.redis : null },
    notes: notesParts.join(" "),
  };

  if (args.details) {
    const path = resolve(args.details);
    mkdirSync(dirname(path), { recursive: true });
    const perStream = detailsSnapshot.map((d) => {
      if (d.pid) {
        const from = d.start, to = d.start === "A" ? "B" : "A";
        const persistAt = serverStats[from]?.persistAt?.[d.pid];
        const restoreAt = serverStats[to]?.restoreAt?.[d.pid];
        if (persistAt !== undefined) d.persistAfterDropMs = Math.round((persistAt - d.dropAtEpochMs) * 10) / 10;
        if (restoreAt !== undefined) d.restoreAfterDropMs = Math.round((restoreAt - d.dropAtEpochMs) * 10) / 10;
      }
      return d;
    });
    writeFileSync(path, JSON.stringify({ runId, drops, serverStats, streams: perStream }, null, 1) + "\n");
  }

  const json = JSON.stringify(out, null, 2) + "\n";
  if (args.out) {
    const path = resolve(args.out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, json);
  } else {
    process.stdout.write(json);
  }
  const l = out.resumeLatencyMs;
  console.log(
    `${out.system}@${out.version} node=${out.node} streams=${out.streams} chunks=${out.chunks} ` +
      `cadenceMs=${out.cadenceMs} seed=${out.seed} exact=${out.exactStreams}/${out.streams} ` +
      `missing=${out.missing} duplicates=${out.duplicates} outOfOrder=${out.outOfOrder} ` +
      `resumes=${out.resumes} recovered=${out.recoveredResumes} ` +
      `resumeMs p50=${l.p50} p90=${l.p90} p99=${l.p99} max=${l.max} n=${l.count} ` +
      `chunks/s=${out.chunksPerSecond} durationMs=${out.durationMs} ` +
      `rssMb A=${out.peakRssMb.serverA} B=${out.peakRssMb.serverB} redis=${out.peakRssMb.redis}` +
      (problems ? ` events: ${problems}` : "") +
      (timedOut ? ` TIMEOUT after ${args.timeoutS} s (${unfinished} streams open)` : ""),
  );
  return timedOut ? 1 : 0;
}

async function killAll() {
  stopping = true;
  await Promise.all([...children].map((c) => stopServer(c, 2000)));
}

process.on("SIGINT", () => killAll().then(() => process.exit(130)));
process.on("SIGTERM", () => killAll().then(() => process.exit(143)));

main()
  .then((code) => process.exit(code))
  .catch(async (e) => {
    console.error(`error: ${e.message}`);
    await killAll();
    process.exit(1);
  });
