// The Sluice dashboard: reads GET /v1/events (server-sent events, one snapshot a second) with
// fetch, so a token goes in the Authorization header, and draws what it holds. No build step.
'use strict';

const HISTORY = 300;              // batches kept per pipeline, beyond the board's last 50
const RETRY_MS = 2000;
const TOKEN_KEY = 'sluice.token';

const history = new Map();        // pipeline -> Map(batchTime -> batch)
const liveBatches = new Map();    // pipeline -> batches first seen after the first snapshot
const charts = {};
let firstSnapshot = true;
let latest = null;

const $ = (id) => document.getElementById(id);

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function setConnection(state, text) {
  const el = $('connection');
  el.dataset.state = state;
  el.textContent = text;
}

// ---- the stream

async function connect() {
  const headers = { Accept: 'text/event-stream' };
  if (token()) headers.Authorization = 'Bearer ' + token();
  let response;
  try {
    response = await fetch('/v1/events', { headers, cache: 'no-store' });
  } catch (e) {
    return retry('cannot reach the gateway');
  }
  if (response.status === 401 || response.status === 403) {
    const body = await response.json().catch(() => ({}));
    return askForToken(body.error || 'This gateway needs a token.');
  }
  if (!response.ok) return retry('the gateway answered ' + response.status);
  setConnection('live', 'live');
  $('forget-token').hidden = !token();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        frame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch (e) {
    // the connection broke: reconnect below
  }
  retry('disconnected');
}

function retry(why) {
  setConnection('down', why + ', retrying…');
  setTimeout(connect, RETRY_MS);
}

function frame(text) {
  let event = 'message';
  const data = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (event !== 'state' || data.length === 0) return;
  const state = JSON.parse(data.join('\n'));
  if (state.error) {
    setConnection('down', state.error);
    return;
  }
  remember(state);
  latest = state;
  render();
}

function askForToken(reason) {
  setConnection('unauthorized', 'needs a token');
  $('token-reason').textContent = reason;
  $('token-dialog').hidden = false;
  $('token-input').focus();
}

// ---- what has been seen

function remember(state) {
  for (const p of state.pipelines) {
    let seen = history.get(p.name);
    if (!seen) history.set(p.name, seen = new Map());
    for (const b of p.progress.recentBatches) {
      if (!seen.has(b.batchTime) && !firstSnapshot) {
        liveBatches.set(p.name, (liveBatches.get(p.name) || 0) + 1);
      }
      seen.set(b.batchTime, b);
    }
    const times = [...seen.keys()].sort((a, b) => a - b);
    times.slice(0, Math.max(0, times.length - HISTORY)).forEach((t) => seen.delete(t));
  }
  firstSnapshot = false;
}

function batchesOf(name) {
  const seen = history.get(name);
  return seen ? [...seen.values()].sort((a, b) => a.batchTime - b.batchTime) : [];
}

// ---- drawing

function render() {
  const names = latest.pipelines.map((p) => p.name);
  let selected = decodeURIComponent(location.hash.slice(1));
  if (!names.includes(selected)) selected = names[0] || '';
  renderPipelines(latest.pipelines, selected);
  renderRuntimes(latest.runtimes);
  const pipeline = latest.pipelines.find((p) => p.name === selected);
  $('pipeline').hidden = !pipeline;
  if (pipeline) renderPipeline(pipeline);
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? '–' : String(text);
  if (className) td.className = className;
  return td;
}

function fill(tbody, items, draw) {
  tbody.replaceChildren();
  items.forEach((item) => draw(tbody.insertRow(), item));
}

function intervalSeconds(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text || '');
  if (!m) return 1;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
}

function rate(pipeline, batch) {
  return batch.records / intervalSeconds(pipeline.batchInterval);
}

function number(n) {
  return n == null ? '–' : Math.round(n).toLocaleString('en-US');
}

function renderPipelines(pipelines, selected) {
  $('no-pipelines').hidden = pipelines.length > 0;
  fill($('pipelines').tBodies[0], pipelines, (row, p) => {
    const last = p.progress.recentBatches[0];
    row.dataset.pipeline = p.name;
    row.classList.toggle('selected', p.name === selected);
    row.onclick = () => { location.hash = encodeURIComponent(p.name); render(); };
    cell(row, p.name);
    cell(row, p.state.toLowerCase());
    cell(row, number(p.progress.batches), 'num');
    cell(row, last ? number(rate(p, last)) : null, 'num');
    cell(row, p.lag == null ? null : number(p.lag), 'num');
  });
}

function renderRuntimes(runtimes) {
  $('no-runtimes').hidden = runtimes.length > 0;
  fill($('runtimes').tBodies[0], runtimes, (row, r) => {
    row.dataset.runtime = r.id;
    row.title = 'connected ' + new Date(r.connectedAt).toLocaleString();
    cell(row, r.name);
    cell(row, r.slots, 'num slots');
    cell(row, r.running, 'num running');
    cell(row, number(r.completed), 'num');
    cell(row, number(r.failed), 'num');
  });
}

function renderPipeline(p) {
  const section = $('pipeline');
  if (section.dataset.pipeline !== p.name) {
    section.dataset.pipeline = p.name;
    $('dead-letters').hidden = true;
  }
  $('pipeline-name').textContent = p.name;
  $('pipeline-what').textContent = (p.sql ? 'SQL' : p.function + ' v' + p.functionVersion) + ' · '
      + p.inputs.join(', ') + ' → ' + p.output + ' · ' + p.batchInterval + ' batches · ' + p.delivery
      + ' · ' + p.state.toLowerCase();
  const error = $('pipeline-error');
  error.hidden = !p.progress.lastError;
  error.textContent = p.progress.lastError || '';
  const progress = p.progress;
  $('stat-batches').textContent = number(progress.batches);
  $('stat-records').textContent = number(progress.records);
  $('stat-output').textContent = number(progress.outputRecords);
  $('stat-attempts').textContent = number(progress.attempts);
  $('stat-pending').textContent = number(progress.pendingBatches);
  $('stat-lag').textContent = p.lag == null ? '–' : number(p.lag);
  $('stat-dead').textContent = number(progress.deadLettered);
  section.dataset.liveBatches = liveBatches.get(p.name) || 0;

  const batches = batchesOf(p.name);
  drawCharts(p, batches);
  fill($('batches').tBodies[0], progress.recentBatches, (row, b) => {
    row.dataset.batchTime = b.batchTime;
    cell(row, new Date(b.batchTime).toLocaleTimeString('en-GB', { hour12: false }) + '.'
        + String(b.batchTime % 1000).padStart(3, '0'));
    cell(row, b.records, 'num records');
    cell(row, b.outputRecords, 'num output');
    cell(row, (b.stages || []).map((s, i) => 'stage ' + i + ': ' + s.tasksRun + '/' + s.tasks + ' ran, '
        + s.attempts + ' attempts, ' + s.speculativeCopies + ' copies, ' + s.failures + ' failures').join('; '), 'stages');
    cell(row, b.deadLettered, 'num dead');
    cell(row, b.schedulingDelayMs + ' ms', 'num scheduling');
    cell(row, b.processingTimeMs + ' ms', 'num processing');
    cell(row, b.totalDelayMs + ' ms', 'num total');
  });
}

function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    window.addEventListener('resize', () => charts[id].resize());
  }
  return charts[id];
}

function lineOption(name, points, color) {
  return {
    animation: false,
    grid: { left: 55, right: 20, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', min: 0 },
    series: [{ name, type: 'line', showSymbol: points.length < 60, data: points, itemStyle: { color } }],
  };
}

function drawCharts(p, batches) {
  const at = (f) => batches.map((b) => [b.batchTime, f(b)]);
  const records = chart('chart-records');
  records.setOption({
    animation: false,
    grid: { left: 55, right: 55, top: 24, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, right: 0, data: ['records', 'records/s'] },
    xAxis: { type: 'time' },
    yAxis: [{ type: 'value', min: 0 }, { type: 'value', min: 0, splitLine: { show: false } }],
    series: [
      { name: 'records', type: 'bar', data: at((b) => b.records), itemStyle: { color: '#9db9ef' } },
      { name: 'records/s', type: 'line', yAxisIndex: 1, showSymbol: false, data: at((b) => rate(p, b)),
        itemStyle: { color: '#2f6fdf' } },
    ],
  }, true);
  chart('chart-scheduling').setOption(lineOption('scheduling delay', at((b) => b.schedulingDelayMs), '#b54708'), true);
  chart('chart-processing').setOption(lineOption('processing time', at((b) => b.processingTimeMs), '#12805c'), true);
  chart('chart-total').setOption(lineOption('total delay', at((b) => b.totalDelayMs), '#7a2fdf'), true);
  for (const id of ['chart-records', 'chart-scheduling', 'chart-processing', 'chart-total']) {
    $(id).dataset.points = batches.length;
    $(id).dataset.lastBatchTime = batches.length ? batches[batches.length - 1].batchTime : '';
  }
}

// ---- dead letters, on demand

async function showDeadLetters() {
  const name = $('pipeline').dataset.pipeline;
  const headers = token() ? { Authorization: 'Bearer ' + token() } : {};
  const response = await fetch('/v1/pipelines/' + encodeURIComponent(name) + '/dead-letters?limit=20', { headers });
  const body = await response.json();
  const box = $('dead-letters');
  box.hidden = false;
  if (!response.ok) {
    $('dead-letters-total').textContent = body.error;
    box.querySelector('tbody').replaceChildren();
    return;
  }
  $('dead-letters-total').textContent = body.total + ' in ' + body.topic;
  fill(box.querySelector('tbody'), body.deadLetters.slice().reverse(), (row, d) => {
    cell(row, d.sourceTopic ? d.sourceTopic + '-' + d.sourcePartition + '@' + d.sourceOffset : null);
    cell(row, /^\d+$/.test(d.batch || '') ? new Date(Number(d.batch)).toLocaleTimeString('en-GB', { hour12: false }) : d.batch);
    cell(row, d.error);
    cell(row, d.value, 'value').title = d.value || '';
  });
}

// ---- start

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
  $('token-input').value = '';
  $('token-dialog').hidden = true;
  connect();
});
$('forget-token').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
$('show-dead-letters').addEventListener('click', showDeadLetters);
window.addEventListener('hashchange', () => latest && render());
connect();
