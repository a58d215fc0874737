// streamchat web client: protocol v2 (subprotocol streamchat.v2) over one WebSocket, exactly like any other client.
// Keeps the session id and, per answer, the last chunk index seen, so that after a drop it reconnects
// (to the same node while it lives) and asks for what it missed with RECONNECT.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const status = $('status');
  const state = {
    token: null,
    userId: null,
    socket: null,
    sessionId: sessionStorage.getItem('streamchat.sessionId'),
    conversationId: null,
    answers: new Map(),   // messageId -> {element, text, next, done}
    pending: new Map(),   // requestId -> {frame, line, retries, since, timer}: sent, not started yet
    current: null,        // messageId of the answer streaming now
    cancels: new Set(),   // cancels asked for while the connection was down: sent once it is back
    retries: 0,
    heartbeat: null,
    signedOut: false,
  };

  function setStatus(name, text) {
    status.dataset.state = name;
    status.textContent = text;
  }

  // a dev token of the local profile; the HTTP status when it is refused
  async function fetchToken(userId) {
    const response = await fetch('/api/auth/dev-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (!response.ok) return response.status;
    state.token = (await response.json()).token;
    return 200;
  }

  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const userId = $('user').value.trim();
    const refused = await fetchToken(userId);
    if (refused !== 200) {
      setStatus('failed', 'sign-in refused (' + refused + ')');
      return;
    }
    state.userId = userId;
    $('login').hidden = true;
    $('chat').hidden = false;
    connect();
  });

  function connect() {
    setStatus(state.retries === 0 ? 'connecting' : 'reconnecting', state.retries === 0 ? 'connecting…' : 'reconnecting…');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const params = new URLSearchParams({ access_token: state.token });
    if (state.sessionId) params.set('sessionId', state.sessionId);
    // v2: the chunks that are ready together come in one CHUNKS frame
    const socket = new WebSocket(`${scheme}://${location.host}/ws/chat?${params}`, ['streamchat.v2']);
    state.socket = socket;
    socket.onmessage = (event) => handle(JSON.parse(event.data));
    socket.onclose = (event) => {
      clearInterval(state.heartbeat);
      if (state.socket !== socket || state.signedOut) return;
      state.retries += 1;
      // full jitter (PROTOCOL.md): the clients of a node that died do not all come back at the same instants
      const delay = Math.random() * Math.min(200 * 2 ** Math.min(state.retries, 5), 5000);
      setStatus('reconnecting', `connection lost (${event.code}); reconnecting…`);
      if (event.code === 4401) {
        // the token expired: a new one, then reconnect and resume as after any drop
        fetchToken(state.userId).finally(() => setTimeout(connect, delay));
        return;
      }
      setTimeout(connect, delay);
    };
  }

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify({ ...frame, timestamp: Date.now() }));
      return true;
    }
    return false;
  }

  function handle(frame) {
    switch (frame.type) {
      case 'WELCOME':
        state.sessionId = frame.sessionId;
        sessionStorage.setItem('streamchat.sessionId', frame.sessionId);
        setStatus('connected', `connected to ${frame.nodeId}` + (state.retries > 0 ? ' (resumed)' : ''));
        status.dataset.node = frame.nodeId;
        state.retries = 0;
        state.heartbeat = setInterval(() => send({ type: 'HEARTBEAT' }), 20000);
        for (const [messageId, answer] of state.answers) {
          if (!answer.done) send({ type: 'RECONNECT', messageId, lastChunkIndex: answer.next - 1 });
        }
        // a request the connection took with it: the same requestId gets the answer it started, or starts it
        for (const pending of state.pending.values()) {
          clearTimeout(pending.timer);
          send(pending.frame);
        }
        for (const messageId of state.cancels) send({ type: 'CANCEL_STREAM', messageId });
        state.cancels.clear();
        break;
      case 'STREAM_STARTED':
        state.pending.delete(frame.requestId);
        state.conversationId = frame.conversationId;
        state.current = frame.messageId;
        answerFor(frame.messageId);
        $('cancel').disabled = false;
        break;
      case 'CHUNK':
        addChunk(frame.messageId, frame.index, frame);
        break;
      case 'CHUNKS':
        frame.chunks.forEach((chunk, i) => addChunk(frame.messageId, frame.fromIndex + i, chunk));
        break;
      case 'COMPLETE':
        finish(frame.messageId, frame);
        break;
      case 'RECOVERY': {
        const answer = state.answers.get(frame.messageId);
        if (!answer) break;
        if (frame.status === 'ERROR' && !answer.done) {
          // not looked up just now, or too many RECONNECTs (retryAfterMs): ask again a little later
          answer.retries = (answer.retries || 0) + 1;
          const wait = Math.max(frame.retryAfterMs || 0, Math.random() * Math.min(200 * 2 ** Math.min(answer.retries, 5), 5000));
          answer.meta.textContent = 'resume delayed; asking again…';
          setTimeout(() => {
            if (!answer.done) send({ type: 'RECONNECT', messageId: frame.messageId, lastChunkIndex: answer.next - 1 });
          }, wait);
          break;
        }
        answer.meta.textContent = `resumed from chunk ${frame.fromIndex} (${frame.status})`;
        break;
      }
      case 'ERROR':
        if (frame.messageId && state.answers.has(frame.messageId)) {
          const answer = state.answers.get(frame.messageId);
          answer.element.classList.add('error');
          answer.done = true;
          answer.element.dataset.error = frame.code;
          answer.meta.textContent = `${frame.code}: ${frame.message}` + (frame.retryable ? ' (you may retry)' : '');
          if (state.current === frame.messageId) $('cancel').disabled = true;
        } else if (frame.requestId && state.pending.has(frame.requestId)) {
          refused(state.pending.get(frame.requestId), frame);
        } else {
          addLine('assistant error', `${frame.code}: ${frame.message}`);
        }
        break;
      default:
        break;
    }
  }

  // A request refused before anything was written for it: sent again, the same requestId, after a jittered wait
  // (PROTOCOL.md) while the server says it may be (CAPACITY while it catches up, RATE_LIMITED, INTERNAL), for a minute.
  function refused(pending, frame) {
    if (!frame.retryable || Date.now() - pending.since > 60000) {
      state.pending.delete(pending.frame.requestId);
      addLine('assistant error', `${frame.code}: ${frame.message}`);
      return;
    }
    pending.retries += 1;
    pending.line.dataset.refused = frame.code;
    pending.line.dataset.retries = String(pending.retries);
    pending.line.title = `${frame.code}: ${frame.message}; asking again…`;
    const delay = Math.random() * Math.min(200 * 2 ** Math.min(pending.retries, 5), 5000);
    // sent on the connection there is then; if there is none, the next WELCOME sends it
    pending.timer = setTimeout(() => { if (state.pending.has(pending.frame.requestId)) send(pending.frame); }, delay);
  }

  function addChunk(messageId, index, chunk) {
    const answer = answerFor(messageId);
    if (index !== answer.next) return; // the server's cursor guarantees order; this is a belt
    answer.retries = 0;
    answer.next += 1;
    answer.text += chunk.content;
    const span = document.createElement('span');
    span.className = chunk.chunkType;
    span.textContent = chunk.content;
    answer.body.appendChild(span);
    answer.element.dataset.chunks = String(answer.next);
  }

  function answerFor(messageId) {
    let answer = state.answers.get(messageId);
    if (!answer) {
      const element = addLine('assistant', '');
      element.dataset.messageId = messageId;
      const body = document.createElement('span');
      const meta = document.createElement('span');
      meta.className = 'meta';
      element.append(body, meta);
      answer = { element, body, meta, text: '', next: 0, done: false };
      state.answers.set(messageId, answer);
    }
    return answer;
  }

  async function finish(messageId, complete) {
    const answer = answerFor(messageId);
    answer.done = true;
    if (state.current === messageId) $('cancel').disabled = true;
    const digest = await sha256(answer.text);
    const verified = digest === complete.contentSha256;
    answer.element.dataset.complete = 'true';
    answer.element.dataset.verified = String(verified);
    answer.element.dataset.finishReason = complete.finishReason;
    answer.meta.textContent = `${complete.totalChunks} chunks, ${complete.tokenCount} tokens, ${complete.finishReason}, `
      + (verified ? 'digest verified' : 'DIGEST MISMATCH');
  }

  async function sha256(text) {
    const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return Array.from(new Uint8Array(bytes)).map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  function addLine(className, text) {
    const item = document.createElement('li');
    item.className = className;
    item.textContent = text;
    $('messages').appendChild(item);
    item.scrollIntoView({ block: 'end' });
    return item;
  }

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const content = $('prompt').value;
    if (!content.trim()) return;
    const options = {};
    if ($('model').value.trim() === 'simulated') {
      options.chunks = Number($('chunks').value);
      options.chunkIntervalMs = Number($('interval').value);
    }
    const frame = { type: 'CHAT_REQUEST', requestId: crypto.randomUUID(), content, options };
    if (state.conversationId) frame.conversationId = state.conversationId;
    if ($('model').value.trim()) frame.model = $('model').value.trim();
    if (send(frame)) {
      state.pending.set(frame.requestId, { frame, line: addLine('user', content), retries: 0, since: Date.now() });
      $('prompt').value = '';
    }
  });

  $('cancel').addEventListener('click', () => {
    if (!state.current) return;
    // a click while the connection is down is not lost: it goes out after the next WELCOME
    if (!send({ type: 'CANCEL_STREAM', messageId: state.current })) state.cancels.add(state.current);
  });
})();
