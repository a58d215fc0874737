// Workload client for the Socket.IO peer (runs inside run.mjs).
//
// Per stream s: a Manager on the start server (alternates A/B by s), WebSocket transport only, built-in
// reconnection off. On "connect" the client emits "start"; the server joins it to the stream's room
// and produces. After receiving chunk dropAt[s] (or later) the client terminates the underlying
// WebSocket (ws.terminate(): the TCP socket is destroyed without a close handshake; the server sees
// "transport close", a recoverable reason, and persists the session in Redis). On the client's
// "disconnect" it points the SAME Manager at the other server (manager.uri; the engine re-parses it on
// every open, as a load balancer would route the reconnect elsewhere) and calls socket.connect(), so
// the CONNECT packet carries the client's pid and last offset: CSR restores the session on the other
// process and replays the missed packets from the Redis stream. socket.recovered tells whether it did.
// If it did not, the client emits "join" (application fallback: same room, missed chunks are lost).
import { Manager } from "socket.io-client";
import { StreamTracker } from "../lib/common.mjs";

export async function runWorkload({ bases, streams, chunks, cadenceMs, drops, runId, idleTimeoutMs, reconnectDelayMs = 0, state }) {
  // `state` is owned by the caller so that it can report a partial result after a timeout
  const stats = state || { trackers: [], resumes: 0, recoveredResumes: 0, problems: {} };
  const trackers = stats.trackers;
  const problem = (k) => (stats.problems[k] = (stats.problems[k] || 0) + 1);

  function runStream(s) {
    return new Promise((resolve) => {
      const t = new StreamTracker(s, chunks);
      trackers[s] = t;
      const id = `${runId}-s${s}`;
      const first = bases[s % 2];
      const other = bases[(s + 1) % 2];
      let phase = "connecting"; // connecting -> live -> dropping -> reconnecting -> resumed
      let finished = false;
      let idle = null;
      t.info = { start: s % 2 === 0 ? "A" : "B", dropAt: drops[s], events: [] };

      const manager = new Manager(first, {
        transports: ["websocket"],
        reconnection: false,
        autoConnect: false,
        timeout: 20000,
      });
      const socket = manager.socket("/");

      const finish = (reason) => {
        if (finished) return;
        finished = true;
        t.endedAt = performance.now();
        clearTimeout(idle);
        if (reason) {
          problem(reason);
          t.info.events.push(reason);
        }
        socket.disconnect();
        resolve();
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish("idle-timeout"), idleTimeoutMs);
      };

      const drop = () => {
        phase = "dropping";
        t.info.droppedAfter = t.maxIndex;
        t.info.pid = socket._pid; // private field, read for --details diagnostics only
        t.info.dropAtEpochMs = Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
        const ws = manager.engine?.transport?.ws;
        if (ws && typeof ws.terminate === "function") ws.terminate();
        else {
          problem("drop-fallback-engine-close");
          manager.engine.close();
        }
      };

      socket.on("connect", () => {
        if (phase === "connecting") {
          phase = "live";
          socket.emit("start", { id, s, chunks, cadence: cadenceMs });
        } else if (phase === "reconnecting") {
          phase = "resumed";
          t.info.recovered = !!socket.recovered;
          if (socket.recovered) {
            stats.recoveredResumes++;
          } else {
            problem("not-recovered");
            t.info.events.push("not-recovered");
            socket.emit("join", { id }, (reply) => {
              if (reply && reply.done) finish("not-recovered-stream-already-done");
            });
          }
        }
      });

      socket.on("chunk", (text) => {
        if (finished) return;
        t.receiveText(text);
        armIdle();
        if (phase === "live" && t.maxIndex >= drops[s]) drop();
      });

      socket.on("end", () => finish(t.complete ? null : "end-received-incomplete"));

      socket.on("disconnect", (reason) => {
        if (finished) return;
        if (phase === "dropping") {
          phase = "reconnecting";
          manager.uri = other;
          const reconnect = () => {
            if (finished) return;
            stats.resumes++;
            t.markResumeStart();
            socket.connect();
          };
          if (reconnectDelayMs > 0) setTimeout(reconnect, reconnectDelayMs);
          else reconnect();
        } else {
          finish(`unexpected-disconnect-${reason}`);
        }
      });

      socket.on("connect_error", (e) => finish(`connect-error-${phase}-${e.message}`));

      t.startedAt = performance.now();
      armIdle();
      socket.connect();
    });
  }

  const all = [];
  for (let s = 0; s < streams; s++) all.push(runStream(s));
  await Promise.all(all);
  return stats;
}
