// The streamhost dashboard: polls the HTTP API (/v1) and draws what it
// answers. No library, no build step; every text from the server goes into
// the page as text (textContent), never as markup.
"use strict";

const REFRESH_MS = 2000;
const WINDOW_SECONDS = 300;
const TOKEN_KEY = "streamhost.token";
const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#2f6fd0", "#d0532f", "#2f9e5b", "#9b4fc2", "#c79a1c", "#1fa3a8", "#c2416e", "#6b7280"];

let selectedJob = null;
let timer = null;

// MARK: The token

// A token given as #token=... in the address moves to this tab's session
// storage (the fragment never reaches the server) and leaves the address.
function takeTokenFromAddress() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

function askForToken(message) {
  const form = document.getElementById("token-form");
  form.hidden = false;
  document.getElementById("token-message").textContent = message || "";
  document.getElementById("token-input").focus();
}

function setUpTokenForm() {
  const form = document.getElementById("token-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("token-input").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById("token-input").value = "";
    form.hidden = true;
    refreshSoon(0);
  });
  document.getElementById("token-button").addEventListener("click", () => {
    askForToken(token() ? "A token is set for this tab; enter another, or leave empty to forget it." :
      "The server's token (DATA/http.token, or the file --http-token-file names).");
  });
}

// MARK: The API

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options) {
  const headers = Object.assign({ "Accept": "application/json" }, (options && options.headers) || {});
  if (token()) headers["Authorization"] = "Bearer " + token();
  const response = await fetch(path, Object.assign({}, options || {}, { headers: headers, cache: "no-store" }));
  let body = null;
  try { body = await response.json(); } catch (error) { body = null; }
  if (!response.ok) {
    const message = (body && body.error) || (response.status + " " + response.statusText);
    if (response.status === 401 || response.status === 403) askForToken(message);
    throw new APIError(response.status, message);
  }
  return body;
}

// MARK: Formatting

function rate(value) {
  if (value === null || value === undefined) return "–";
  if (value >= 1e6) return (value / 1e6).toFixed(2) + "M/s";
  if (value >= 1e3) return (value / 1e3).toFixed(1) + "k/s";
  return value.toFixed(value < 10 ? 1 : 0) + "/s";
}

function count(value) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString("en-US");
}

function bytes(value) {
  if (value === null || value === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let index = 0;
  let amount = value;
  while (amount >= 1024 && index < units.length - 1) { amount /= 1024; index += 1; }
  return (index === 0 ? amount.toFixed(0) : amount.toFixed(1)) + " " + units[index];
}

function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (Math.abs(ms) >= 60000) return (ms / 60000).toFixed(1) + " min";
  if (Math.abs(ms) >= 1000) return (ms / 1000).toFixed(1) + " s";
  return ms.toFixed(0) + " ms";
}

function percent(msPerSecond) {
  if (msPerSecond === null || msPerSecond === undefined) return "–";
  return (msPerSecond / 10).toFixed(0) + "%";
}

function clock(ms) {
  const date = new Date(ms);
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

// MARK: DOM helpers

function element(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children || []) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes, children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children || []) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fillTable(table, rows) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows);
}

function cell(text, attributes) { return element("td", attributes, [text]); }

// MARK: Plots

// A line plot of aligned series over `times` (ms since the epoch), as SVG:
// a null value breaks its line.
function linePlot(times, series, format, options) {
  const width = (options && options.width) || 520;
  const height = (options && options.height) || 180;
  const left = 64, right = 12, top = 10, bottom = 24;
  const plot = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: width, height: height, class: "plot",
    role: "img", "aria-label": (options && options.label) || "plot" });
  let max = 0;
  for (const entry of series) for (const value of entry.values) if (value !== null && value > max) max = value;
  if (max <= 0) max = 1;
  const first = times.length ? times[0] : 0;
  const last = times.length ? times[times.length - 1] : 1;
  const span = Math.max(1, last - first);
  const x = (time) => left + (width - left - right) * (time - first) / span;
  const y = (value) => top + (height - top - bottom) * (1 - value / max);
  plot.append(svg("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), class: "axis" }));
  plot.append(svg("line", { x1: left, y1: top, x2: left, y2: y(0), class: "axis" }));
  plot.append(svg("text", { x: left - 6, y: top + 10, class: "tick", "text-anchor": "end" }, [format(max)]));
  plot.append(svg("text", { x: left - 6, y: y(0), class: "tick", "text-anchor": "end" }, [format(0)]));
  if (times.length) {
    plot.append(svg("text", { x: left, y: height - 6, class: "tick" }, [clock(first)]));
    plot.append(svg("text", { x: width - right, y: height - 6, class: "tick", "text-anchor": "end" }, [clock(last)]));
  } else {
    plot.append(svg("text", { x: width / 2, y: height / 2, class: "tick", "text-anchor": "middle" }, ["no samples yet"]));
  }
  series.forEach((entry, index) => {
    const colour = COLOURS[index % COLOURS.length];
    let points = [];
    const flush = () => {
      if (points.length > 1) {
        plot.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 1.8 }));
      } else if (points.length === 1) {
        const [px, py] = points[0].split(",");
        plot.append(svg("circle", { cx: px, cy: py, r: 2, fill: colour }));
      }
      points = [];
    };
    entry.values.forEach((value, position) => {
      if (value === null || value === undefined) { flush(); return; }
      points.push(`${x(times[position]).toFixed(1)},${y(value).toFixed(1)}`);
    });
    flush();
  });
  const legend = element("div", { class: "legend" }, series.map((entry, index) =>
    element("span", { class: "legend-entry" }, [
      element("span", { class: "swatch c" + (index % COLOURS.length) }, []), entry.name])));
  return element("div", { class: "plot-box" }, [plot, legend]);
}

// MARK: The job graph

// Flink's colours: idle blue to busy red; back-pressured grey to black.
function nodeColour(live) {
  if (!live || live.busyMsPerSecond === undefined || live.busyMsPerSecond === null) return "#d5d9df";
  const busy = live.busyMsPerSecond / 1000;
  const backPressured = (live.backPressuredMsPerSecond || 0) / 1000;
  if (backPressured > busy) return `hsl(0, 0%, ${Math.round(70 - 60 * backPressured)}%)`;
  return `hsl(${Math.round(215 - 215 * busy)}, 65%, ${Math.round(55 - 10 * busy)}%)`;
}

function graph(steps) {
  const depth = {};
  const byID = Object.fromEntries(steps.map((step) => [step.id, step]));
  const depthOf = (step, seen) => {
    if (depth[step.id] !== undefined) return depth[step.id];
    if (seen.has(step.id)) return 0;
    seen.add(step.id);
    const inputs = step.inputs.filter((id) => byID[id]);
    const value = inputs.length ? 1 + Math.max(...inputs.map((id) => depthOf(byID[id], seen))) : 0;
    depth[step.id] = value;
    return value;
  };
  steps.forEach((step) => depthOf(step, new Set()));
  const columns = [];
  for (const step of steps) (columns[depth[step.id]] = columns[depth[step.id]] || []).push(step);
  const nodeWidth = 190, nodeHeight = 78, gapX = 60, gapY = 22, margin = 12;
  const rows = Math.max(1, ...columns.map((column) => (column || []).length));
  const width = margin * 2 + columns.length * nodeWidth + Math.max(0, columns.length - 1) * gapX;
  const height = margin * 2 + rows * nodeHeight + (rows - 1) * gapY;
  const picture = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: width, height: height, id: "job-graph",
    role: "img", "aria-label": "job graph" });
  const defs = svg("defs", {}, [svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, [svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#555" })])]);
  picture.append(defs);
  const place = {};
  columns.forEach((column, index) => (column || []).forEach((step, row) => {
    place[step.id] = { x: margin + index * (nodeWidth + gapX), y: margin + row * (nodeHeight + gapY) };
  }));
  for (const step of steps) for (const input of step.inputs) {
    if (!place[input]) continue;
    const from = place[input], to = place[step.id];
    picture.append(svg("path", { d: `M ${from.x + nodeWidth} ${from.y + nodeHeight / 2} C ${from.x + nodeWidth + gapX / 2} ` +
      `${from.y + nodeHeight / 2}, ${to.x - gapX / 2} ${to.y + nodeHeight / 2}, ${to.x} ${to.y + nodeHeight / 2}`,
      fill: "none", stroke: "#555", "stroke-width": 1.5, "marker-end": "url(#arrow)" }));
  }
  for (const step of steps) {
    const at = place[step.id];
    const live = step.live;
    const colour = nodeColour(live);
    const dark = live && ((live.busyMsPerSecond || 0) > 550 || (live.backPressuredMsPerSecond || 0) > 450);
    const text = dark ? "light" : "dark";
    const lines = [
      `${step.kind} ${step.component} ×${step.parallelism}`,
      live ? `in ${rate(live.recordsInPerSecond)} · out ${rate(live.recordsOutPerSecond)}` : "no live figures",
      live ? `busy ${percent(live.busyMsPerSecond)} · backpressured ${percent(live.backPressuredMsPerSecond)}` : "",
    ];
    const group = svg("g", { class: "step-node", "data-step": step.id,
      "data-busy": live && live.busyMsPerSecond !== undefined ? live.busyMsPerSecond : null,
      "data-backpressured": live && live.backPressuredMsPerSecond !== undefined ? live.backPressuredMsPerSecond : null,
      transform: `translate(${at.x}, ${at.y})` }, [
      svg("rect", { width: nodeWidth, height: nodeHeight, rx: 6, fill: colour, stroke: "#333", "stroke-width": 1 }),
      svg("text", { x: 10, y: 20, class: "node-title " + text }, [step.id]),
      ...lines.map((line, index) => svg("text", { x: 10, y: 38 + index * 15, class: "node-line " + text }, [line])),
    ]);
    group.append(svg("title", {}, [`${step.id}: ${lines.join("; ")}`]));
    picture.append(group);
  }
  return picture;
}

// MARK: Rendering

function renderJobs(jobs) {
  const rows = jobs.map((job) => {
    const row = element("tr", { class: "job-row" + (job.id === selectedJob ? " selected" : ""), "data-job": job.id,
      "data-state": job.state, tabindex: 0 }, [
      cell(job.name, { class: "job-name" }), cell(job.id, { class: "mono" }),
      element("td", {}, [element("span", { class: "state state-" + job.state }, [job.state])]),
      cell(job.attempts), cell(job.restarts), cell(new Date(job.submittedAtMs).toLocaleString("en-GB")),
    ]);
    const select = () => { selectedJob = job.id; refreshSoon(0); };
    row.addEventListener("click", select);
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") select(); });
    return row;
  });
  fillTable(document.getElementById("jobs-table"), rows);
  document.getElementById("jobs-empty").hidden = jobs.length > 0;
}

function renderJob(job, historyAnswer) {
  const section = document.getElementById("job-section");
  if (!job) { section.hidden = true; return; }
  section.hidden = false;
  section.dataset.job = job.overview.id;
  document.getElementById("job-title").textContent = `${job.overview.name} (${job.overview.id})`;
  const state = document.getElementById("job-state");
  state.textContent = job.overview.state;
  state.className = "state state-" + job.overview.state;
  const running = job.overview.state === "running";
  for (const id of ["savepoint-button", "cancel-button", "stop-button"]) document.getElementById(id).disabled = !running;

  document.getElementById("graph").replaceChildren(graph(job.steps));

  fillTable(document.getElementById("steps-table"), job.steps.map((step) => {
    const live = step.live;
    return element("tr", { class: "step-row", "data-step": step.id }, [
      cell(step.id, { class: "mono" }), cell(step.kind), cell(step.component), cell(step.parallelism),
      cell(count(live ? live.recordsIn : step.recordsIn)), cell(count(live ? live.recordsOut : step.recordsOut)),
      cell(rate(live && live.recordsInPerSecond), { class: "rate records-in-rate",
        "data-value": live && live.recordsInPerSecond !== undefined ? live.recordsInPerSecond : null }),
      cell(rate(live && live.recordsOutPerSecond), { class: "rate records-out-rate",
        "data-value": live && live.recordsOutPerSecond !== undefined ? live.recordsOutPerSecond : null }),
      cell(percent(live && live.busyMsPerSecond)), cell(percent(live && live.backPressuredMsPerSecond)),
      cell(duration(live && live.watermarkLagMs)),
    ]);
  }));

  const times = historyAnswer.times;
  const steps = historyAnswer.steps;
  document.getElementById("throughput-plot").replaceChildren(linePlot(times,
    steps.map((step) => ({ name: step.id + " in", values: step.recordsInPerSecond })), rate,
    { label: "records in per second by step" }));
  const lagged = steps.filter((step) => step.watermarkLagMs.some((value) => value !== null));
  document.getElementById("lag-plot").replaceChildren(lagged.length ? linePlot(times,
    lagged.map((step) => ({ name: step.id, values: step.watermarkLagMs })), duration, { label: "watermark lag by step" })
    : element("p", { class: "note" }, ["No step has a watermark (add a watermarks: strategy to a source)."]));

  const checkpoints = job.liveCheckpoints;
  document.getElementById("checkpoint-summary").textContent = checkpoints
    ? `${checkpoints.completed} completed, ${checkpoints.failed} failed, ${checkpoints.aborted} aborted in this attempt; ` +
      `last: ${duration(checkpoints.lastDurationMs)}, ${bytes(checkpoints.lastSizeBytes)}, alignment ${duration(checkpoints.lastAlignmentMs)}`
    : (job.checkpoints.length ? "" : "No checkpoints (the job file has no checkpoints: section, or none completed yet).");
  const events = historyAnswer.checkpoints.slice(-60);
  const completed = events.filter((event) => event.outcome === "completed" && event.durationMs !== null);
  document.getElementById("checkpoint-plot").replaceChildren(completed.length ? linePlot(
    completed.map((event) => event.atMs), [{ name: "duration", values: completed.map((event) => event.durationMs) }],
    duration, { height: 140, label: "checkpoint durations" }) : element("span", {}, []));
  fillTable(document.getElementById("checkpoints-table"), events.slice(-10).reverse().map((event) =>
    element("tr", { class: "checkpoint-row outcome-" + event.outcome }, [
      cell(clock(event.atMs)), cell(event.outcome + (event.count > 1 ? ` ×${event.count}` : "")),
      cell(event.id === null ? "–" : event.id), cell(duration(event.durationMs)), cell(bytes(event.sizeBytes)),
      cell(duration(event.alignmentMs)),
    ])));
  fillTable(document.getElementById("retained-table"), job.checkpoints.slice(-10).reverse().map((kept) =>
    element("tr", {}, [cell(kept.kind), cell(kept.id), cell(new Date(kept.triggeredAtMs).toLocaleString("en-GB")),
      cell(bytes(kept.bytes)), cell(kept.directory, { class: "mono" })])));

  const exceptions = job.exceptions.slice(-20).reverse();
  document.getElementById("exceptions-list").replaceChildren(...(exceptions.length ? exceptions.map((failure) =>
    element("li", { class: "exception" }, [
      element("span", { class: "where" }, [[
        failure.attempt !== null && failure.attempt !== undefined ? "attempt " + failure.attempt : "supervisor",
        failure.step ? "step " + failure.step : null,
        failure.instance !== null && failure.instance !== undefined ? "instance " + failure.instance : null,
      ].filter(Boolean).join(" · ")]),
      element("pre", {}, [failure.message]),
    ])) : [element("li", { class: "note" }, ["None."])]));
}

function renderLog(log) {
  const latest = (values) => {
    for (let index = values.length - 1; index >= 0; index -= 1) if (values[index] !== null) return values[index];
    return null;
  };
  const topics = log.topics.filter((topic) => !topic.isInternal || document.getElementById("show-internal").checked);
  fillTable(document.getElementById("topics-table"), topics.map((topic) => {
    const recordsRate = latest(topic.history.recordsPerSecond);
    return element("tr", { class: "topic-row", "data-topic": topic.name }, [
      cell(topic.name, { class: "mono" }), cell(topic.partitionCount), cell(bytes(topic.bytes), { "data-value": topic.bytes }),
      cell(count(topic.endOffsets)),
      cell(rate(recordsRate), { class: "rate topic-records-rate", "data-value": recordsRate }),
      cell(bytes(latest(topic.history.bytesPerSecond)) + "/s"),
      element("td", {}, [linePlot(log.times, [{ name: "records/s", values: topic.history.recordsPerSecond }], rate,
        { width: 220, height: 60, label: "records per second of " + topic.name })]),
    ]);
  }));
  document.getElementById("topics-empty").hidden = topics.length > 0;

  const container = document.getElementById("groups");
  container.replaceChildren(...log.groups.map((group) => {
    const table = element("table", { class: "lag-table", "data-group": group.groupId }, [
      element("thead", {}, [element("tr", {}, ["Topic", "Partition", "Committed", "End", "Lag"].map((name) =>
        element("th", {}, [name])))]),
      element("tbody", {}, group.partitions.map((partition) => element("tr", { class: "lag-row",
        "data-topic": partition.topic, "data-partition": partition.partition, "data-lag": partition.lag }, [
        cell(partition.topic, { class: "mono" }), cell(partition.partition), cell(count(partition.committedOffset)),
        cell(count(partition.endOffset)), cell(count(partition.lag), { class: "lag" }),
      ]))),
    ]);
    const plot = group.partitions.length ? linePlot(log.times, group.partitions.map((partition) => ({
      name: `${partition.topic}[${partition.partition}]`, values: partition.lagHistory })), count,
      { height: 150, label: "lag per partition of group " + group.groupId }) : element("span", {}, []);
    return element("div", { class: "group", "data-group": group.groupId }, [
      element("h3", {}, [group.groupId, " ", element("span", { class: "state" }, [group.state]),
        " total lag ", element("span", { class: "total-lag" }, [count(group.totalLag)])]),
      element("div", { class: "group-body" }, [table, plot]),
    ]);
  }));
  document.getElementById("groups-empty").hidden = log.groups.length > 0;
  document.getElementById("history-note").textContent = log.seriesLeftOut > 0
    ? `The history keeps a bounded number of series: ${log.seriesLeftOut} were left out.` : "";
}

// MARK: Refreshing

async function refresh() {
  const status = document.getElementById("status");
  try {
    const [jobsAnswer, log] = await Promise.all([api("/v1/jobs"), api(`/v1/dashboard/log?seconds=${WINDOW_SECONDS}`)]);
    const jobs = jobsAnswer.jobs.slice().sort((a, b) => b.submittedAtMs - a.submittedAtMs);
    if (!jobs.some((job) => job.id === selectedJob)) {
      const running = jobs.find((job) => job.state === "running");
      selectedJob = running ? running.id : (jobs.length ? jobs[0].id : null);
    }
    renderJobs(jobs);
    if (selectedJob) {
      const [job, historyAnswer] = await Promise.all([api(`/v1/jobs/${selectedJob}`),
        api(`/v1/dashboard/jobs/${selectedJob}?seconds=${WINDOW_SECONDS}`)]);
      renderJob(job, historyAnswer);
    } else {
      renderJob(null, null);
    }
    renderLog(log);
    status.textContent = "updated " + clock(Date.now());
    status.className = "ok";
    document.body.dataset.state = "ready";
  } catch (error) {
    status.textContent = "cannot reach the API: " + error.message;
    status.className = "failed";
    if (document.body.dataset.state !== "ready") document.body.dataset.state = "failed";
  }
}

function refreshSoon(delay) {
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(async () => {
    timer = null;
    await refresh();
    if (timer === null) timer = setTimeout(() => refreshSoon(0), REFRESH_MS);
  }, delay);
}

// MARK: Actions

async function act(kind) {
  if (!selectedJob) return;
  const message = document.getElementById("action-message");
  const paths = {
    savepoint: [`/v1/jobs/${selectedJob}/savepoints`, null],
    cancel: [`/v1/jobs/${selectedJob}/cancel`, {}],
    stop: [`/v1/jobs/${selectedJob}/cancel`, { savepoint: true }],
  };
  if (kind === "cancel" && !confirm("Cancel the job? Its sources stop and the pipeline drains; it is not resumed.")) return;
  if (kind === "stop" && !confirm("Stop the job with a savepoint? It is not resumed; start it again from the savepoint.")) return;
  if (!token()) { askForToken("Savepoints and cancels need the server's token."); return; }
  const [path, body] = paths[kind];
  message.textContent = kind === "savepoint" ? "taking a savepoint…" : "stopping…";
  message.className = "";
  try {
    const answer = await api(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: body === null ? undefined : JSON.stringify(body) });
    message.textContent = answer.message + (answer.savepoint ? ": " + answer.savepoint : "");
    message.className = "ok";
  } catch (error) {
    message.textContent = error.message;
    message.className = "failed";
  }
  refreshSoon(0);
}

document.addEventListener("DOMContentLoaded", () => {
  takeTokenFromAddress();
  setUpTokenForm();
  document.getElementById("savepoint-button").addEventListener("click", () => act("savepoint"));
  document.getElementById("cancel-button").addEventListener("click", () => act("cancel"));
  document.getElementById("stop-button").addEventListener("click", () => act("stop"));
  document.getElementById("show-internal").addEventListener("change", () => refreshSoon(0));
  refreshSoon(0);
});
