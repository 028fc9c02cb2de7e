'use strict';

// The live view. One EventSource brings every stream's state and figures (once a second, and at once on a state
// change); one WebSocket brings the tiles' pictures, for the streams whose tiles are on screen while the tab is
// visible and the large view does not cover them, so a page nobody looks at costs the server nothing. (One
// MJPEG <img> per tile would not do: a browser opens at most six connections to a server, and the seventh tile
// would never load.) The large view is one MJPEG stream with the overlays chosen. With a bearer token the page
// asks for it once, keeps it for the browser session and trades it for an HttpOnly cookie (POST /session), so
// it never appears in a URL.

const TOKEN_KEY = 'videomtl.token';
const grid = document.getElementById('grid');
const template = document.getElementById('tile-template');
const connection = document.getElementById('connection');
const summary = document.getElementById('summary');
const login = document.getElementById('login');
const tokenInput = document.getElementById('token');
const loginError = document.getElementById('login-error');
const large = document.getElementById('large');
const largeName = document.getElementById('large-name');
const largeState = document.getElementById('large-state');
const largeImage = document.getElementById('large-image');
const snapshot = document.getElementById('snapshot');
const overlayBoxes = [...large.querySelectorAll('input[data-overlay]')];

const tiles = new Map();
const names = new TextDecoder();
let generation = 0; // counts event-stream openings: after a server restart the large view's MJPEG is asked for again
let largeTile = null;
let socket = null;
let watching = '';

const observer = new IntersectionObserver(entries => {
  for (const entry of entries) {
    const tile = tiles.get(entry.target.dataset.stream);
    if (tile) {
      tile.onScreen = entry.isIntersecting;
    }
  }
  play();
});

function setConnection(state) {
  connection.dataset.state = state;
  connection.textContent = state;
}

function streamPath(name) {
  return `/streams/${encodeURIComponent(name)}`;
}

function mjpegUrl(name, overlays) {
  const query = new URLSearchParams({ v: String(generation) });
  if (overlays !== undefined) {
    query.set('overlays', overlays);
  }
  return `${streamPath(name)}/mjpeg?${query}`;
}

// Setting src opens the MJPEG stream; removing it closes the connection.
function show(img, url) {
  if (img.dataset.url === (url ?? '')) {
    return;
  }
  img.dataset.url = url ?? '';
  if (url) {
    img.src = url;
  } else {
    img.removeAttribute('src');
  }
}

function wanted(tile) {
  return tile.onScreen && !document.hidden && largeTile === null;
}

// Tells the server which tiles to send (the whole list, only when it changed).
function play() {
  const list = JSON.stringify({ watch: [...tiles.values()].filter(wanted).map(t => t.name) });
  if (socket !== null && socket.readyState === WebSocket.OPEN && list !== watching) {
    socket.send(list);
    watching = list;
  }
}

// A frame: one byte with the length of the stream's name, the name, then the JPEG.
function showFrame(data) {
  const bytes = new Uint8Array(data);
  const tile = tiles.get(names.decode(bytes.subarray(1, 1 + bytes[0])));
  if (tile === undefined) {
    return;
  }
  const previous = tile.frameUrl;
  tile.frameUrl = URL.createObjectURL(new Blob([bytes.subarray(1 + bytes[0])], { type: 'image/jpeg' }));
  tile.img.src = tile.frameUrl;
  if (previous) {
    URL.revokeObjectURL(previous);
  }
}

function openSocket() {
  if (socket !== null) {
    return;
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const opened = new WebSocket(`${scheme}://${location.host}/previews`);
  opened.binaryType = 'arraybuffer';
  opened.addEventListener('open', () => {
    watching = '';
    play();
  });
  opened.addEventListener('message', e => {
    if (typeof e.data !== 'string') {
      showFrame(e.data);
    }
  });
  opened.addEventListener('close', () => {
    // A restarted server, or one that dropped a slow page: open again while the events say it is there.
    socket = null;
    setTimeout(() => {
      if (connection.dataset.state === 'live') {
        openSocket();
      }
    }, 1000);
  });
  socket = opened;
}

function createTile(name) {
  const element = template.content.firstElementChild.cloneNode(true);
  element.dataset.stream = name;
  element.querySelector('.name').textContent = name;
  const tile = {
    name,
    element,
    img: element.querySelector('img'),
    onScreen: false,
    frameUrl: null,
    data: null,
    fields: Object.fromEntries([...element.querySelectorAll('[data-field]')].map(e => [e.dataset.field, e])),
  };
  tile.img.alt = `${name}, live`;
  element.addEventListener('click', () => openLarge(tile));
  element.addEventListener('keydown', e => {
    if (e.key === 'Enter') {
      openLarge(tile);
    }
  });
  tiles.set(name, tile);
  grid.append(element);
  observer.observe(element);
  return tile;
}

// The server says "starting" for a source being opened; a viewer reads that as connecting.
function stateOf(stream) {
  return stream.state === 'starting' ? 'connecting' : stream.state;
}

function render(tile, stream) {
  tile.data = stream;
  const state = stateOf(stream);
  tile.element.dataset.state = state;
  tile.fields.state.textContent = state;
  tile.fields.state.dataset.state = state;
  tile.fields.reason.textContent = state === 'down' ? (stream.down_reason ?? 'no frames') : (stream.error ?? '');
  tile.fields.fps.textContent = stream.processed_fps.toFixed(1);
  tile.fields.latency.textContent = stream.latency_p50_ms === undefined
    ? '–'
    : `${Math.round(stream.latency_p50_ms)} / ${Math.round(stream.latency_p99_ms)} ms`;
  tile.fields.dropped.textContent = String(stream.dropped);
  tile.fields.objects.textContent = String(stream.objects);
  tile.fields.tracks.textContent = String(stream.tracks_active);
}

function update(streams) {
  const present = new Set();
  for (const stream of streams) {
    present.add(stream.name);
    render(tiles.get(stream.name) ?? createTile(stream.name), stream);
  }
  for (const [name, tile] of tiles) {
    if (!present.has(name)) {
      observer.unobserve(tile.element);
      if (tile.frameUrl) {
        URL.revokeObjectURL(tile.frameUrl);
      }
      tile.element.remove();
      tiles.delete(name);
    }
  }
  play();
  const up = streams.filter(s => s.state === 'up').length;
  summary.textContent = `${streams.length} stream${streams.length === 1 ? '' : 's'}, ${up} up`;
  if (largeTile !== null) {
    renderLarge();
  }
}

function chosenOverlays() {
  const chosen = overlayBoxes.filter(b => b.checked).map(b => b.dataset.overlay);
  // Every overlay: the shared preview feed, encoded once for the tiles and this view alike.
  return chosen.length === overlayBoxes.length ? undefined : (chosen.length === 0 ? 'none' : chosen.join(','));
}

function renderLarge() {
  const tile = largeTile;
  const state = tile.data ? stateOf(tile.data) : '';
  largeName.textContent = tile.name;
  largeState.textContent = state;
  largeState.dataset.state = state;
  const overlays = chosenOverlays();
  show(largeImage, document.hidden ? null : mjpegUrl(tile.name, overlays));
  snapshot.href = `${streamPath(tile.name)}/snapshot.jpg?overlays=${overlays ?? 'all'}`;
  snapshot.download = `${tile.name}.jpg`;
}

function openLarge(tile) {
  largeTile = tile;
  play();
  renderLarge();
  large.showModal();
}

large.addEventListener('close', () => {
  show(largeImage, null);
  largeTile = null;
  play();
});
document.getElementById('large-close').addEventListener('click', () => large.close());
overlayBoxes.forEach(box => box.addEventListener('change', renderLarge));
document.addEventListener('visibilitychange', () => {
  play();
  if (largeTile !== null) {
    renderLarge();
  }
});

function askToken() {
  login.hidden = false;
  tokenInput.value = '';
  tokenInput.focus();
  return new Promise(resolve => {
    login.addEventListener('submit', e => {
      e.preventDefault();
      resolve(tokenInput.value.trim());
    }, { once: true });
  });
}

// Resolves true once the server lets this page in: at once without a token, else after trading one for a session.
async function signIn() {
  const probe = await fetch('/streams', { cache: 'no-store' });
  if (probe.status !== 401) {
    return probe.ok;
  }
  let token = sessionStorage.getItem(TOKEN_KEY);
  for (;;) {
    if (!token) {
      token = await askToken();
    }
    const answer = await fetch('/session', { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    if (answer.ok) {
      sessionStorage.setItem(TOKEN_KEY, token);
      login.hidden = true;
      loginError.hidden = true;
      return true;
    }
    if (answer.status !== 401) {
      return false;
    }
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    loginError.hidden = false;
  }
}

async function connect() {
  setConnection(generation === 0 ? 'connecting' : 'reconnecting');
  let allowed = false;
  try {
    allowed = await signIn();
  } catch {
    allowed = false; // the server is not there (yet)
  }
  if (!allowed) {
    setTimeout(connect, 2000);
    return;
  }
  const source = new EventSource('/events');
  source.addEventListener('streams', e => update(JSON.parse(e.data)));
  source.addEventListener('open', () => {
    generation += 1;
    setConnection('live');
    openSocket();
    if (largeTile !== null) {
      renderLarge();
    }
  });
  source.addEventListener('error', () => {
    setConnection('reconnecting');
    // The browser retries a dropped connection by itself; one it gave up on (an error status, such as 401
    // after a restart ended the session) is started again here, signing in anew.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      setTimeout(connect, 1000);
    }
  });
}

connect();
