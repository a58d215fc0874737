// One server process for the Socket.IO peer: Socket.IO 4 with connection state recovery (CSR) and
// @socket.io/redis-streams-adapter (redis client). Two such processes share one Redis.
//
// Events from the client:
//   "start" {id, s, chunks, cadence}, ack -> socket joins room "st:<id>", the producer starts in THIS
//        process and emits every chunk to the room: io.to(room).emit("chunk", text). The room emit goes
//        through the adapter (XADD to the Redis stream), which is what CSR replays from on recovery.
//        After the last chunk: SET done key, then io.to(room).emit("end").
//   "join" {id}, ack -> application-level fallback when CSR did NOT recover the session: join the room
//        again (missed chunks are lost) and ack {done} so the client knows whether "end" was already sent.
// Env: PORT (0 = any free port), REDIS_URL, STREAM_NAME, SESSION_PREFIX, DONE_PREFIX, SERVER_NAME,
//      SIO_MAXLEN (optional, adapter maxLen; library default 10000). Prints "READY <port>" on stdout.
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Server } from "socket.io";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { produce } from "../lib/common.mjs";

const name = process.env.SERVER_NAME || "?";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const port = Number(process.env.PORT || 0);
const streamName = process.env.STREAM_NAME || "socket.io";
const sessionKeyPrefix = process.env.SESSION_PREFIX || "sio:session:";
const donePrefix = process.env.DONE_PREFIX || "sio:done:";
const maxLen = process.env.SIO_MAXLEN ? Number(process.env.SIO_MAXLEN) : undefined;

function log(...a) {
  console.error(`[sio-${name}]`, ...a);
}

const redis = createClient({ url: redisUrl });
redis.on("error", (e) => log("redis error:", e.message));
await redis.connect();

const adapterOpts = { streamName, sessionKeyPrefix };
if (maxLen) adapterOpts.maxLen = maxLen;

const httpServer = http.createServer({ noDelay: true }, (req, res) => {
  if (req.url === "/health") res.end("ok");
  else {
    res.writeHead(404);
    res.end();
  }
});

const io = new Server(httpServer, {
  adapter: createAdapter(redis, adapterOpts),
  connectionStateRecovery: {
    maxDisconnectionDuration: 2 * 60 * 1000, // library default
    skipMiddlewares: true,
  },
});

const room = (id) => `st:${id}`;
let recoveredConnections = 0;
let newConnections = 0;

// Diagnostics only (behaviour unchanged): count session persists/restores and, when a restore fails,
// find out afterwards whether the offset was still in the stream and whether the session key showed
// up later (i.e. the old process persisted it after this process had already tried to restore it).
const diag = {
  persisted: 0,
  restoreOk: 0,
  restoreFailed: 0,
  missedPacketsReplayed: 0,
  failedOffsetGone: 0,
  failedSessionMissingAtRestore: 0,
  failedSessionPersistedLater: 0,
  restoreMs: [],
  // epoch ms (performance.timeOrigin + now(), comparable across the two processes) per session pid
  persistAt: {},
  restoreAt: {},
};
const failedPids = [];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const epochMs = () => Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
{
  const adapter = io.of("/").adapter;
  const origPersist = adapter.persistSession.bind(adapter);
  adapter.persistSession = (session) => {
    diag.persisted++;
    diag.persistAt[session.pid] = epochMs();
    return origPersist(session);
  };
  const origRestore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const t0 = performance.now();
    diag.restoreAt[pid] = epochMs();
    try {
      const session = await origRestore(pid, offset);
      diag.restoreOk++;
      diag.missedPacketsReplayed += session.missedPackets.length;
      diag.restoreMs.push(Math.round((performance.now() - t0) * 10) / 10);
      return session;
    } catch (e) {
      diag.restoreFailed++;
      failedPids.push(pid);
      redis
        .xRange(streamName, offset, offset)
        .then((found) => {
          if (found.length === 0) diag.failedOffsetGone++;
          else diag.failedSessionMissingAtRestore++;
        })
        .catch(() => {});
      throw e;
    }
  };
}

io.on("connection", (socket) => {
  if (socket.recovered) recoveredConnections++;
  else newConnections++;

  socket.on("start", (msg, ack) => {
    const { id, s, chunks, cadence } = msg;
    socket.join(room(id));
    if (typeof ack === "function") ack({ ok: true, server: name });
    produce(s, chunks, cadence, (text) => {
      io.to(room(id)).emit("chunk", text);
    })
      .then(() => redis.set(donePrefix + id, "1", { EX: 3600 }))
      .then(() => io.to(room(id)).emit("end"))
      .catch((e) => log("producer error", e?.message || e));
  });

  socket.on("join", async (msg, ack) => {
    socket.join(room(msg.id));
    let done = false;
    try {
      done = (await redis.get(donePrefix + msg.id)) !== null;
    } catch (e) {
      log("join error", e?.message || e);
    }
    if (typeof ack === "function") ack({ done, server: name });
  });
});

// The adapter connects its stream reader and pub/sub clients asynchronously (duplicate()): give
// them a moment before announcing readiness, so that a broadcast from the other process is not
// read from "$" after it was written.
await sleep(300);

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`READY ${httpServer.address().port}`);
});

async function shutdown() {
  // sessions that could not be restored but exist now: the old process persisted them too late
  for (const pid of failedPids) {
    if (await redis.exists(sessionKeyPrefix + pid).catch(() => 0)) diag.failedSessionPersistedLater++;
  }
  diag.eventLoopDelayMaxMs = Math.round(loopDelay.max / 1e5) / 10;
  diag.eventLoopDelayP99Ms = Math.round(loopDelay.percentile(99) / 1e5) / 10;
  diag.newConnections = newConnections;
  diag.recoveredConnections = recoveredConnections;
  console.log(`STATS ${JSON.stringify(diag)}`);
  io.close();
  await redis.quit().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
