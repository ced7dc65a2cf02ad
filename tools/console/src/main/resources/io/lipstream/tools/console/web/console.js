// The operator console's page: polls /api/state, renders streams, health and dead letters, and
// plays the selected stream's original input beside its dubbed output with hls.js.
'use strict';

const POLL_MS = 1000;
const HISTORY_POLL_MS = 2000;
const HISTORY_MINUTES = 5;
const RETRY_MS = 2000;

const players = { original: null, dubbed: null };
let selected = null;
let lastState = null;
// What went wrong in each player (video 'error' events, fatal hls.js errors once playing): the
// end-to-end test reads it, an operator sees it under the player.
window.consoleErrors = { original: [], dubbed: [] };

const $ = (id) => document.getElementById(id);

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value == null ? '' : String(value);
  if (cls) el.className = cls;
  return el;
}

function ms(value) {
  if (value == null) return '–';
  return value >= 10000 ? (value / 1000).toFixed(0) + ' s' : (value / 1000).toFixed(2) + ' s';
}

function clock(millis) {
  return millis == null ? '–' : new Date(millis).toLocaleTimeString();
}

function ago(now, millis) {
  return millis == null ? '' : ' (' + Math.max(0, Math.round((now - millis) / 1000)) + ' s ago)';
}

async function poll() {
  try {
    const response = await fetch('/api/state', { cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    lastState = await response.json();
    render(lastState);
  } catch (e) {
    renderAlerts([{ level: 'bad', text: 'The console does not answer: ' + e.message }]);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function render(state) {
  $('updated').textContent = 'updated ' + clock(state.nowMillis);
  renderLinks(state);
  renderJob(state);
  const alerts = [];
  if (state.kafka.problem) {
    alerts.push({ level: 'bad', text: 'Kafka unreachable or incomplete: ' + state.kafka.problem });
  }
  const job = state.flink.status;
  if (state.flink.configured && job && job.problem) {
    alerts.push({ level: 'bad', text: 'Job not running: ' + job.problem });
  }
  for (const s of state.streams) {
    if (s.health === 'STALLED') {
      alerts.push({
        level: 'bad',
        text: 'Output of stream ' + s.streamId + ' stalled: frames wait and no segment came'
          + ago(state.nowMillis, s.lastSegmentAtMillis || s.firstFrameAtMillis),
      });
    } else if (s.health === 'INPUT_STOPPED') {
      alerts.push({
        level: 'warn',
        text: 'Input of stream ' + s.streamId + ' stopped without its last frame'
          + ago(state.nowMillis, s.lastFrameAtMillis),
      });
    }
  }
  renderAlerts(alerts);
  renderStreams(state);
  renderDeadLetters(state);
  if (selected) renderDetail(state);
}

function renderAlerts(alerts) {
  const box = $('alerts');
  box.replaceChildren(...alerts.map((a) => text('div', a.text, 'alert ' + a.level)));
}

function renderLinks(state) {
  const links = [];
  if (state.flink.dashboardUrl) links.push(['Flink dashboard', state.flink.dashboardUrl]);
  if (state.grafanaUrl) links.push(['Grafana', state.grafanaUrl]);
  const nav = $('links');
  if (nav.childElementCount === links.length) return;
  nav.replaceChildren(...links.map(([name, href]) => {
    const a = text('a', name);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener';
    return a;
  }));
}

function renderJob(state) {
  const panel = $('job');
  const parts = [text('h2', 'Job')];
  if (!state.flink.configured) {
    parts.push(text('p', 'No Flink REST endpoint given (console --flink HOST:PORT): the job is not'
      + ' watched; the counters come from the topics.', 'muted'));
  } else {
    const job = state.flink.status;
    if (!job) {
      parts.push(text('p', 'Asking Flink…', 'muted'));
    } else if (!job.reachable || !job.jobId) {
      parts.push(text('p', job.problem, 'bad'));
    } else {
      const line = job.jobName + ' (' + job.jobId + '): ' + job.state
        + ' since ' + clock(job.startMillis)
        + (job.completedCheckpoints != null ? ' · checkpoints completed: ' + job.completedCheckpoints : '')
        + (job.pairsPerSecond != null ? ' · inference: ' + job.pairsPerSecond.toFixed(1) + ' pairs/s' : '');
      parts.push(text('p', line, job.state === 'RUNNING' ? '' : 'bad'));
    }
  }
  panel.replaceChildren(...parts);
}

function renderStreams(state) {
  const body = $('streams').tBodies[0];
  $('no-streams').hidden = state.streams.length > 0;
  body.replaceChildren(...state.streams.map((s) => {
    const row = document.createElement('tr');
    row.dataset.stream = s.streamId;
    if (s.streamId === selected) row.className = 'selected';
    const health = text('span', s.health.replace('_', ' ').toLowerCase(), 'health ' + s.health);
    const state = document.createElement('td');
    state.className = 'health-cell';
    state.append(health);
    row.append(
      text('td', s.streamId, 'stream-id'),
      state,
      text('td', s.framesIn, 'num frames-in'),
      text('td', s.lipSynced, 'num lip-synced'),
      text('td', s.passedThrough, 'num passed-through'),
      text('td', s.deadLettered, 'num dead-lettered'),
      text('td', ms(s.latencyMillis), 'num latency'),
      text('td', s.avOffsetMillis == null ? '–' : s.avOffsetMillis + ' ms', 'num av-offset'),
      text('td', clock(s.lastSegmentAtMillis), 'last-segment'));
    row.addEventListener('click', () => select(s.streamId));
    return row;
  }));
}

function renderDeadLetters(state) {
  const body = $('dead-letters').tBodies[0];
  $('no-dead-letters').hidden = state.deadLetters.length > 0;
  body.replaceChildren(...state.deadLetters.map((d) => {
    const row = document.createElement('tr');
    row.dataset.stream = d.streamId;
    row.append(
      text('td', clock(d.atMillis)),
      text('td', d.streamId, 'stream-id'),
      text('td', d.sourceTopic),
      text('td', d.partition + '/' + d.offset),
      text('td', d.reason, 'reason'));
    return row;
  }));
}

function select(streamId) {
  if (selected === streamId) return;
  selected = streamId;
  history.replaceState(null, '', '#stream=' + encodeURIComponent(streamId));
  $('detail').hidden = false;
  $('detail-id').textContent = streamId;
  window.consoleErrors = { original: [], dubbed: [] };
  attach('original');
  attach('dubbed');
  if (lastState) render(lastState);
}

function renderDetail(state) {
  const stream = state.streams.find((s) => s.streamId === selected);
  if (stream && !players.dubbed && state.dubbedPlayable[selected]) attach('dubbed');
}

// Plays /hls/<kind>.m3u8 of the selected stream; retries while the playlist has no segment yet.
function attach(kind) {
  if (players[kind]) {
    players[kind].destroy();
    players[kind] = null;
  }
  const video = $(kind);
  const status = $(kind + '-status');
  const streamId = selected;
  if (!window.Hls || !Hls.isSupported()) {
    status.textContent = 'This browser cannot play HLS through Media Source Extensions.';
    return;
  }
  const hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 0 });
  players[kind] = hls;
  let playing = false;
  status.textContent = 'waiting for the first segment…';
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    playing = true;
    status.textContent = '';
    video.play().catch(() => {});
  });
  hls.on(Hls.Events.ERROR, (event, data) => {
    if (!data.fatal) return;
    if (playing) {
      window.consoleErrors[kind].push(data.type + ': ' + data.details);
      status.textContent = 'player error: ' + data.details + '; reloading';
    }
    hls.destroy();
    if (players[kind] === hls) players[kind] = null;
    setTimeout(() => { if (selected === streamId && !players[kind]) attach(kind); }, RETRY_MS);
  });
  hls.loadSource('/hls/' + kind + '.m3u8?stream=' + encodeURIComponent(streamId));
  hls.attachMedia(video);
}

for (const kind of ['original', 'dubbed']) {
  $(kind).addEventListener('error', () => {
    const error = $(kind).error;
    window.consoleErrors[kind].push('video error ' + (error ? error.code + ' ' + error.message : ''));
  });
}

async function pollHistory() {
  try {
    if (selected) {
      const response = await fetch('/api/history?stream=' + encodeURIComponent(selected)
        + '&minutes=' + HISTORY_MINUTES, { cache: 'no-store' });
      if (response.ok) drawChart(await response.json());
    }
  } finally {
    setTimeout(pollHistory, HISTORY_POLL_MS);
  }
}

// Latency (left scale, seconds) and lip-synced share (right scale, 0 to 100 %) per segment.
function drawChart(points) {
  const svg = $('chart');
  const W = 600, H = 160, PAD = 14;
  const now = lastState ? lastState.nowMillis : Date.now();
  const from = now - HISTORY_MINUTES * 60000;
  const x = (t) => PAD + (W - 2 * PAD) * (t - from) / (now - from);
  const maxLatency = Math.max(1000, ...points.map((p) => p.latencyMillis || 0));
  const yLatency = (v) => H - PAD - (H - 2 * PAD) * v / maxLatency;
  const yShare = (v) => H - PAD - (H - 2 * PAD) * v;
  const line = (pts, color) => {
    const el = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    el.setAttribute('points', pts.join(' '));
    el.setAttribute('fill', 'none');
    el.setAttribute('stroke', color);
    el.setAttribute('stroke-width', '2');
    el.setAttribute('vector-effect', 'non-scaling-stroke');
    return el;
  };
  const latency = points.filter((p) => p.latencyMillis != null)
    .map((p) => x(p.atMillis).toFixed(1) + ',' + yLatency(p.latencyMillis).toFixed(1));
  const share = points.map((p) => x(p.atMillis).toFixed(1) + ',' + yShare(p.lipSyncedShare).toFixed(1));
  svg.replaceChildren(line(latency, '#2f6fdb'), line(share, '#1f9d55'));
  // Scales in the legend: text inside a stretched SVG would be stretched too.
  $('latency-scale').textContent = '0 to ' + (maxLatency / 1000).toFixed(1) + ' s';
}

const fromHash = decodeURIComponent((location.hash.match(/#stream=(.*)/) || [])[1] || '');
if (fromHash) select(fromHash);
poll();
pollHistory();
