// Workload client for the resumable-stream peer (runs inside run.mjs).
//
// Per stream s: GET <start server>/stream/<id> (start server alternates A/B by s), read the chunked text
// body and split it on '\n'. After the data event that brings chunk dropAt[s] (or later), the client
// destroys the request (TCP socket closed abruptly, no more data read) and immediately opens
// GET <other server>/resume/<id>?skip=<characters received so far>. A partially received chunk stays
// in the client's buffer and is completed by the resumed text: the resume point is a character count.
import http from "node:http";
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
      let chars = 0;
      let buf = "";
      let dropped = false;
      let finished = false;
      let idle = null;
      let current = null;
      t.info = { start: s % 2 === 0 ? "A" : "B", dropAt: drops[s], events: [] };

      const finish = (reason) => {
        if (finished) return;
        finished = true;
        t.endedAt = performance.now();
        clearTimeout(idle);
        if (buf.length > 0) {
          // a trailing partial chunk that was never completed
          t.receiveText(buf);
          problem("trailing-partial-chunk");
        }
        if (reason) {
          problem(reason);
          t.info.events.push(reason);
        }
        if (current) current.destroy();
        resolve();
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish("idle-timeout"), idleTimeoutMs);
      };
      const onText = (text) => {
        chars += text.length;
        buf += text;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          t.receiveText(buf.slice(0, nl + 1));
          buf = buf.slice(nl + 1);
        }
        armIdle();
      };

      const resume = () => {
        if (finished) return;
        stats.resumes++;
        t.markResumeStart();
        const req = http.get(`${other}/resume/${id}?skip=${chars}`, { agent: false }, (res) => {
          if (res.statusCode !== 200) {
            t.resumeStart = null;
            t.info.recovered = false;
            res.resume();
            finish(`resume-http-${res.statusCode}${res.statusCode === 422 ? "-already-done" : ""}`);
            return;
          }
          stats.recoveredResumes++;
          t.info.recovered = true;
          res.setEncoding("utf8");
          res.on("data", onText);
          res.on("end", () => finish(t.complete ? null : "resumed-response-ended-incomplete"));
          res.on("error", (e) => finish(`resume-response-error-${e.code || e.message}`));
        });
        current = req;
        req.on("error", (e) => finish(`resume-request-error-${e.code || e.message}`));
      };

      t.startedAt = performance.now();
      armIdle();
      const url = `${first}/stream/${id}?s=${s}&chunks=${chunks}&cadence=${cadenceMs}`;
      const req = http.get(url, { agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          finish(`start-http-${res.statusCode}`);
          return;
        }
        res.setEncoding("utf8");
        res.on("data", (text) => {
          if (dropped || finished) return;
          onText(text);
          if (t.maxIndex >= drops[s]) {
            dropped = true;
            t.info.droppedAfter = t.maxIndex;
            t.info.skip = chars;
            req.destroy(); // abrupt: the socket is closed, nothing more is read from it
            if (reconnectDelayMs > 0) setTimeout(resume, reconnectDelayMs);
            else resume();
          }
        });
        res.on("end", () => {
          if (!dropped) finish("start-response-ended-before-drop");
        });
        res.on("error", (e) => {
          if (!dropped) finish(`start-response-error-${e.code || e.message}`);
        });
      });
      current = req;
      req.on("error", (e) => {
        if (!dropped) finish(`start-request-error-${e.code || e.message}`);
      });
    });
  }

  const all = [];
  for (let s = 0; s < streams; s++) all.push(runStream(s));
  await Promise.all(all);
  return stats;
}
