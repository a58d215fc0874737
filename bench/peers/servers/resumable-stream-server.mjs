// One server process for the resumable-stream peer: a plain node:http server (no Next.js).
//
//   GET|POST /stream/:id?s=<stream index>&chunks=<N>&cadence=<ms>
//        resumableStream(id, makeStream): starts the producer in THIS process (first caller) or joins it.
//   GET /resume/:id?skip=<characters already received>
//        resumeExistingStream(id, skip): asks the producing process (over Redis pub/sub) for the
//        buffered text after `skip` characters, then follows the live stream.
//        200 = stream, 422 = stream already finished (library returns null), 404 = unknown (undefined).
//   GET /health
//
// The response body is the stream's text as-is (text/plain, chunked); each benchmark chunk ends with '\n'.
// Env: PORT (0 = any free port), REDIS_URL, KEY_PREFIX, SERVER_NAME. Prints "READY <port>" on stdout.
import http from "node:http";
import { once } from "node:events";
import { createClient } from "redis";
import { createResumableStreamContext } from "resumable-stream";
import { produce } from "../lib/common.mjs";

const name = process.env.SERVER_NAME || "?";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const keyPrefix = process.env.KEY_PREFIX || "resumable-stream";
const port = Number(process.env.PORT || 0);

function log(...a) {
  console.error(`[rs-${name}]`, ...a);
}

const publisher = createClient({ url: redisUrl });
const subscriber = createClient({ url: redisUrl });
publisher.on("error", (e) => log("redis publisher error:", e.message));
subscriber.on("error", (e) => log("redis subscriber error:", e.message));
await Promise.all([publisher.connect(), subscriber.connect()]);

// waitUntil: null -> a long-lived server; the producer keeps running after the first reader goes away.
const ctx = createResumableStreamContext({ waitUntil: null, publisher, subscriber, keyPrefix });

function makeStream(s, n, cadenceMs) {
  return new ReadableStream({
    start(controller) {
      produce(s, n, cadenceMs, (text) => controller.enqueue(text))
        .then(() => controller.close())
        .catch((e) => {
          log("producer error", e);
          controller.error(e);
        });
    },
  });
}

async function pipe(stream, req, res) {
  res.writeHead(200, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
  });
  res.flushHeaders();
  const reader = stream.getReader();
  let gone = false;
  const closed = new Promise((resolve) =>
    res.on("close", () => {
      if (!res.writableFinished) {
        gone = true;
        // Cancelling the consumer side only: the producer inside the library keeps running.
        reader.cancel().catch(() => {});
      }
      resolve();
    }),
  );
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (value === "") continue;
      if (!res.write(value)) await Promise.race([once(res, "drain"), closed]);
    }
    if (!gone) res.end();
  } catch (e) {
    if (!gone) {
      log("stream error", e?.message || e);
      res.destroy();
    }
  }
}

const server = http.createServer({ noDelay: true }, async (req, res) => {
  try {
    const url = new URL(req.url, "http://x");
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "health") {
      res.end("ok");
      return;
    }
    if (parts[0] === "stream" && parts[1] && (req.method === "GET" || req.method === "POST")) {
      const s = Number(url.searchParams.get("s") || 0);
      const n = Number(url.searchParams.get("chunks") || 200);
      const cadence = Number(url.searchParams.get("cadence") || 0);
      const stream = await ctx.resumableStream(parts[1], () => makeStream(s, n, cadence));
      if (!stream) {
        res.writeHead(422).end("stream already done");
        return;
      }
      await pipe(stream, req, res);
      return;
    }
    if (parts[0] === "resume" && parts[1] && req.method === "GET") {
      const skip = Number(url.searchParams.get("skip") || 0);
      const stream = await ctx.resumeExistingStream(parts[1], skip);
      if (stream === null) {
        res.writeHead(422).end("stream already done");
        return;
      }
      if (stream === undefined) {
        res.writeHead(404).end("no such stream");
        return;
      }
      await pipe(stream, req, res);
      return;
    }
    res.writeHead(404).end("not found");
  } catch (e) {
    log("request error", e?.message || e);
    if (!res.headersSent) res.writeHead(500).end(String(e?.message || e));
    else res.destroy();
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(`READY ${server.address().port}`);
});

async function shutdown() {
  server.closeAllConnections?.();
  server.close();
  await Promise.allSettled([publisher.quit(), subscriber.quit()]);
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
