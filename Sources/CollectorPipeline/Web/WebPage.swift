/// The live page: plain HTML, our own script and style, Chart.js from the machine (libjs-chart.js). Nothing loads
/// from elsewhere, so it works without internet; the content security policy allows this origin only.
enum WebPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Smart meter</title>
        <link rel="stylesheet" href="app.css">
        <link rel="icon" href="favicon.svg" type="image/svg+xml">
        <script src="javascript/chart.js/chart.min.js" defer></script>
        <script src="app.js" defer></script>
        </head>
        <body>
        <header>
        <h1>Smart meter</h1>
        <span id="connection" class="state">connecting</span>
        </header>
        <main>
        <section id="meters" aria-label="Meters"><p id="no-meters" class="muted">No reading yet.</p></section>
        <section id="health" aria-label="Health">
        <h2>Readers</h2>
        <div class="scroll"><table id="readers"><thead><tr><th>Reader</th><th>Meter</th><th>Last reading</th>
        <th>Frames</th><th>Messages</th><th>Readings</th><th>Dropped</th><th>State</th></tr></thead><tbody></tbody></table></div>
        <h2>Sinks</h2>
        <div class="scroll"><table id="sinks"><thead><tr><th>Sink</th><th>Type</th><th>Written</th><th>Failed</th>
        <th>Queue dropped</th><th>Spooled</th><th>State</th></tr></thead><tbody></tbody></table></div>
        </section>
        </main>
        </body>
        </html>

        """

    /// A meter dial.
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="none" \
        stroke="#1a7f37" stroke-width="2"/><path d="M8 8 L12 4" stroke="#1a7f37" stroke-width="2"/></svg>

        """

    static let style = """
        :root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --muted: #6e7781; --line: #d0d7de; }
        body { font-family: system-ui, sans-serif; margin: 0; padding: 0 0.75rem 2rem; }
        header { display: flex; align-items: center; gap: 1rem; }
        h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
        .state { font-size: 0.85rem; padding: 0.1rem 0.5rem; border-radius: 1rem; border: 1px solid var(--line); }
        .state.ok { color: var(--ok); border-color: var(--ok); } .state.bad { color: var(--bad); border-color: var(--bad); }
        .muted { color: var(--muted); }
        #meters { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); gap: 1rem; }
        .card { border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.75rem; overflow: hidden; }
        .card h2 { margin: 0 0 0.25rem; word-break: break-all; }
        .values { width: 100%; border-collapse: collapse; margin: 0.5rem 0; }
        .values td { padding: 0.15rem 0.25rem; border-bottom: 1px solid var(--line); }
        .values td.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .chart { position: relative; height: 12rem; }
        .range button { margin: 0.25rem 0.25rem 0 0; }
        .range button[aria-pressed="true"] { font-weight: bold; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 0.9rem; }
        #health th, #health td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid var(--line); }
        td.bad { color: var(--bad); } td.ok { color: var(--ok); }
        details { font-size: 0.9rem; }

        """

    static let script = """
        'use strict';
        // The live page. Everything a meter sends is untrusted: it reaches the page through textContent and
        // attribute setters only, never as markup.

        const LABELS = [
          ['1-0:1.7.0', 'Power import'], ['1-0:2.7.0', 'Power export'],
          ['1-0:21.7.0', 'Power import L1'], ['1-0:41.7.0', 'Power import L2'], ['1-0:61.7.0', 'Power import L3'],
          ['1-0:22.7.0', 'Power export L1'], ['1-0:42.7.0', 'Power export L2'], ['1-0:62.7.0', 'Power export L3'],
          ['1-0:32.7.0', 'Voltage L1'], ['1-0:52.7.0', 'Voltage L2'], ['1-0:72.7.0', 'Voltage L3'],
          ['1-0:31.7.0', 'Current L1'], ['1-0:51.7.0', 'Current L2'], ['1-0:71.7.0', 'Current L3'],
          ['1-0:1.8.0', 'Energy import'], ['1-0:1.8.1', 'Energy import T1'], ['1-0:1.8.2', 'Energy import T2'],
          ['1-0:2.8.0', 'Energy export'], ['1-0:2.8.1', 'Energy export T1'], ['1-0:2.8.2', 'Energy export T2'],
          ['1-0:1.4.0', 'Current average demand'], ['1-0:1.6.0', 'Peak this month'],
        ];
        const LABEL = new Map(LABELS);
        const ORDER = new Map(LABELS.map((entry, index) => [entry[0], index]));
        const HOUR = 3600;
        const meters = new Map();

        function el(tag, className, text) {
          const node = document.createElement(tag);
          if (className) node.className = className;
          if (text !== undefined) node.textContent = text;
          return node;
        }

        function shortObis(obis) { return String(obis).split('*')[0]; }

        function labelOf(point) {
          const code = shortObis(point.obis);
          const f = String(point.obis).split('*')[1];
          // F other than 255: an older entry of a profile (earlier month peaks), listed with the other values.
          if (f !== undefined && f !== '255') return null;
          if (LABEL.has(code)) return LABEL.get(code);
          const mbus = /^0-(\\d+):24\\.2\\.\\d+$/.exec(code);
          if (mbus) {
            const unit = String(point.unit || '').toLowerCase();
            return (unit === 'm3' ? 'Gas / water' : 'M-Bus value') + ' (channel ' + mbus[1] + ')';
          }
          return null;
        }

        function formatValue(point) {
          const value = typeof point.value === 'number' ? point.value.toLocaleString(undefined, { maximumFractionDigits: 3 })
                                                        : String(point.value);
          return point.unit ? value + ' ' + point.unit : value;
        }

        function timeText(seconds, withSeconds) {
          const parts = { hour: '2-digit', minute: '2-digit' };
          if (withSeconds) parts.second = '2-digit';
          return new Date(seconds * 1000).toLocaleTimeString([], parts);
        }

        function watts(reading, obis) {
          const point = reading.values.find((p) => shortObis(p.obis) === obis && typeof p.value === 'number');
          if (!point) return null;
          return String(point.unit || '').toLowerCase() === 'kw' ? point.value * 1000 : point.value;
        }

        // Points are drawn only while there are few (a single reading is then still visible).
        function fewPoints(context) { return context.dataset.data.length < 3 ? 3 : 0; }

        function makeCard(id) {
          const card = el('article', 'card');
          card.setAttribute('data-meter', id);
          card.append(el('h2', null, id));
          const time = el('div', 'time muted', '');
          const table = el('table', 'values');
          const other = el('details', 'other');
          other.append(el('summary', null, 'Other values'));
          const otherTable = el('table', 'values');
          other.append(otherTable);
          const range = el('div', 'range');
          const hour = el('button', null, 'Last hour');
          const day = el('button', null, 'Last 24 h');
          range.append(hour, day);
          const box = el('div', 'chart');
          const canvas = el('canvas');
          box.append(canvas);
          card.append(time, table, other, range, box);
          document.getElementById('meters').append(card);
          document.getElementById('no-meters').hidden = true;
          const meter = { id, card, time, table, otherTable, chart: null, minutes: 60, hour, day };
          hour.addEventListener('click', () => loadHistory(meter, 60));
          day.addEventListener('click', () => loadHistory(meter, 1440));
          if (window.Chart) {
            meter.chart = new Chart(canvas, {
              type: 'line',
              data: { datasets: [
                { label: 'Import W', data: [], borderColor: '#cf222e', backgroundColor: '#cf222e', pointRadius: fewPoints, borderWidth: 1.5 },
                { label: 'Export W', data: [], borderColor: '#1a7f37', backgroundColor: '#1a7f37', pointRadius: fewPoints, borderWidth: 1.5 },
              ] },
              options: {
                animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
                scales: { x: { type: 'linear', ticks: { callback: (value) => timeText(value, meter.minutes <= 60), maxTicksLimit: 6 } },
                          y: { beginAtZero: true } },
              },
            });
          }
          meters.set(id, meter);
          loadHistory(meter, 60);
          return meter;
        }

        function row(table, label, point) {
          const tr = el('tr');
          tr.setAttribute('data-obis', shortObis(point.obis));
          tr.append(el('td', 'label', label), el('td', 'value', formatValue(point)));
          table.append(tr);
        }

        function showReading(reading) {
          const meter = meters.get(reading.source) || makeCard(reading.source);
          meter.time.textContent = 'Reading of ' + new Date(reading.timestamp).toLocaleString();
          meter.card.setAttribute('data-timestamp', reading.timestamp);
          const known = [];
          const other = [];
          for (const point of reading.values) {
            const label = labelOf(point);
            if (label) known.push([label, point]); else other.push(point);
          }
          known.sort((a, b) => (ORDER.get(shortObis(a[1].obis)) ?? 99) - (ORDER.get(shortObis(b[1].obis)) ?? 99));
          meter.table.replaceChildren();
          for (const [label, point] of known) row(meter.table, label, point);
          meter.otherTable.replaceChildren();
          for (const point of other) row(meter.otherTable, point.type || String(point.obis), point);
          if (meter.chart && meter.minutes <= 60) {
            const t = Date.parse(reading.timestamp) / 1000;
            addPoint(meter, t, watts(reading, '1-0:1.7.0'), watts(reading, '1-0:2.7.0'));
          }
        }

        function addPoint(meter, t, importW, exportW) {
          const [imports, exports] = meter.chart.data.datasets.map((d) => d.data);
          if (imports.length && imports[imports.length - 1].x >= t) return;
          imports.push({ x: t, y: importW });
          exports.push({ x: t, y: exportW });
          while (imports.length && imports[0].x <= t - HOUR) { imports.shift(); exports.shift(); }
          meter.chart.update('none');
        }

        async function loadHistory(meter, minutes) {
          meter.minutes = minutes;
          meter.hour.setAttribute('aria-pressed', String(minutes === 60));
          meter.day.setAttribute('aria-pressed', String(minutes !== 60));
          if (!meter.chart) return;
          try {
            const response = await fetch('api/v1/meters/' + encodeURIComponent(meter.id) + '/history?minutes=' + minutes);
            if (!response.ok) return;
            const history = await response.json();
            const [imports, exports] = meter.chart.data.datasets;
            imports.data = history.points.map((p) => ({ x: p[0], y: p[1] }));
            exports.data = history.points.map((p) => ({ x: p[0], y: p[2] }));
            meter.chart.update('none');
          } catch (error) {
            console.warn('history', error);
          }
        }

        function cell(tr, text, state) {
          const td = el('td', state || null, text === null || text === undefined ? '' : String(text));
          tr.append(td);
          return td;
        }

        function showStatus(status) {
          const readers = document.querySelector('#readers tbody');
          readers.replaceChildren();
          for (const reader of status.readers) {
            const tr = el('tr');
            tr.setAttribute('data-reader', reader.name);
            cell(tr, reader.name);
            cell(tr, reader.meter);
            cell(tr, reader.last_reading ? new Date(reader.last_reading).toLocaleTimeString() : 'never');
            cell(tr, reader.frames);
            cell(tr, reader.messages);
            cell(tr, reader.readings);
            const reasons = Object.entries(reader.dropped_by_reason).map(([why, n]) => n + ' ' + why).join('; ');
            cell(tr, reader.dropped ? reader.dropped + ' (' + reasons + ')' : '0', reader.dropped ? 'dropped bad' : 'dropped');
            cell(tr, reader.problem || 'ok', reader.problem ? 'bad' : 'ok');
            readers.append(tr);
          }
          const sinks = document.querySelector('#sinks tbody');
          sinks.replaceChildren();
          for (const sink of status.sinks) {
            const tr = el('tr');
            tr.setAttribute('data-sink', sink.name);
            cell(tr, sink.name);
            cell(tr, sink.type);
            cell(tr, sink.written);
            cell(tr, sink.failed, sink.failed ? 'bad' : null);
            cell(tr, sink.queue_dropped, sink.queue_dropped ? 'bad' : null);
            cell(tr, sink.spooled_bytes === null ? '' : sink.spooled_bytes + ' B');
            let state = 'ok';
            if (sink.connected === false) state = 'down: ' + (sink.failure || 'not connected');
            else if (sink.connected === true) state = 'connected';
            cell(tr, state, state.startsWith('down') ? 'bad' : 'ok');
            sinks.append(tr);
          }
        }

        async function pollStatus() {
          try {
            const response = await fetch('api/v1/status');
            if (response.ok) showStatus(await response.json());
          } catch (error) {
            console.warn('status', error);
          }
        }

        function connect() {
          const state = document.getElementById('connection');
          const events = new EventSource('api/v1/events');
          events.addEventListener('open', () => { state.textContent = 'live'; state.className = 'state ok'; });
          events.addEventListener('error', () => { state.textContent = 'reconnecting'; state.className = 'state bad'; });
          events.addEventListener('reading', (event) => {
            try { showReading(JSON.parse(event.data)); } catch (error) { console.warn('reading', error); }
          });
        }

        connect();
        pollStatus();
        setInterval(pollStatus, 3000);

        """
}
