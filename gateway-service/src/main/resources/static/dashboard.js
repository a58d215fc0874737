// streamchat dashboard: the analytics API (/api/analytics/summary and /timeseries) as a table and four charts,
// drawn as plain SVG (no chart library, nothing fetched from elsewhere).
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch('/api/auth/dev-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: $('user').value.trim() }),
    });
    if (!response.ok) return;
    const token = (await response.json()).token;
    $('login').hidden = true;
    $('dashboard').hidden = false;
    await load(token);
  });

  async function load(token) {
    const to = new Date(Date.now() + 3600_000);
    const from = new Date(to.getTime() - 24 * 3600_000);
    const query = `?from=${from.toISOString()}&to=${to.toISOString()}`;
    const headers = { Authorization: `Bearer ${token}` };
    const [summary, hours] = await Promise.all([
      fetch('/api/analytics/summary' + query, { headers }).then((r) => r.json()),
      fetch('/api/analytics/timeseries' + query, { headers }).then((r) => r.json()),
    ]);
    $('range').textContent = `${summary.scope === 'all' ? 'Everyone' : 'Your answers'}, ${from.toLocaleString()} to ${to.toLocaleString()}`;
    table(summary.models);
    chart($('chart-ttfc'), hours, [['ttfcP50Ms', '#1a73e8'], ['ttfcP95Ms', '#e8710a']]);
    chart($('chart-tps'), hours, [['tokensPerSecond', '#188038']]);
    chart($('chart-errors'), hours, [['errors', '#d93025']]);
    chart($('chart-recoveries'), hours, [['recoveries', '#9334e6']]);
    document.body.dataset.loaded = 'true';
  }

  function table(models) {
    const body = $('models').tBodies[0];
    body.replaceChildren();
    const cell = (value) => {
      const td = document.createElement('td');
      td.textContent = value == null ? '–' : (typeof value === 'number' ? Math.round(value * 10) / 10 : value);
      return td;
    };
    for (const m of models) {
      const row = document.createElement('tr');
      row.dataset.model = m.key;
      row.append(cell(m.key), cell(m.answers), cell(m.errors), cell(m.ttfcP50Ms), cell(m.ttfcP95Ms),
        cell(m.ttfcP99Ms), cell(m.tokensPerSecond), cell(m.recoveries));
      body.append(row);
    }
  }

  // One polyline per series over the hours (points marked), axes with the largest value.
  function chart(svg, hours, series) {
    svg.replaceChildren();
    const width = 400, height = 160, pad = 24;
    const times = [...new Set(hours.map((h) => h.hour))].sort();
    const max = Math.max(1, ...hours.flatMap((h) => series.map(([field]) => h[field] ?? 0)));
    const x = (i) => pad + (times.length < 2 ? (width - 2 * pad) / 2 : i * (width - 2 * pad) / (times.length - 1));
    const y = (v) => height - pad - (v / max) * (height - 2 * pad);
    svg.append(line(pad, height - pad, width - pad, height - pad, '#999'), line(pad, pad, pad, height - pad, '#999'));
    svg.append(text(2, pad - 6, String(Math.round(max * 10) / 10)));
    for (const [field, color] of series) {
      const points = times.map((t, i) => {
        const total = hours.filter((h) => h.hour === t).reduce((sum, h) => sum + (h[field] ?? 0), 0);
        return [x(i), y(total)];
      });
      const path = document.createElementNS(SVG, 'polyline');
      path.setAttribute('points', points.map((p) => p.join(',')).join(' '));
      path.setAttribute('fill', 'none');
      path.setAttribute('stroke', color);
      path.dataset.series = field;
      svg.append(path);
      for (const [px, py] of points) {
        const dot = document.createElementNS(SVG, 'circle');
        dot.setAttribute('cx', px);
        dot.setAttribute('cy', py);
        dot.setAttribute('r', 3);
        dot.setAttribute('fill', color);
        dot.classList.add('point');
        svg.append(dot);
      }
    }
    svg.dataset.points = String(times.length);
  }

  function line(x1, y1, x2, y2, color) {
    const l = document.createElementNS(SVG, 'line');
    Object.entries({ x1, y1, x2, y2, stroke: color }).forEach(([k, v]) => l.setAttribute(k, v));
    return l;
  }

  function text(x, y, content) {
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', x);
    t.setAttribute('y', y);
    t.setAttribute('font-size', '10');
    t.textContent = content;
    return t;
  }
})();
