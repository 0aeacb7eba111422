// The explorer: the review network of people or companies, drawn with Cytoscape.js (vendored),
// fed only by this app's GraphQL API. Arrows go from reviewer to author; width = patches.
"use strict";

const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
  "#b07aa1", "#ff9da7", "#9c755f", "#2f4b7c", "#a0cbe8", "#8cd17d",
];
const OTHER = "#bac3cc";
const UNKNOWN = "#eceff2";
const SERIES_COLOURS = { focus: "#1d3557", version: "#4e79a7", dependency: "#f28e2b", unresolved: "#d5dbe1" };
const LABELLED = 28; // the heaviest nodes keep their label; the others show it on hover
const ALIASES = 25; // node(id:) lookups per request (the server allows 30 aliases)

const NETWORK = `query($level: NetworkLevel!, $since: DateTime, $until: DateTime,
    $first: Int!, $minWeight: Int!) {
  reviewNetwork(level: $level, since: $since, until: $until, first: $first, minWeight: $minWeight) {
    truncated totalNodes nodes { id label weight } edges { source target weight } } }`;
const TIES = `query($id: ID!, $first: Int!) { node(id: $id) {
  ... on Person { id name company { id name }
    reviewers(first: $first) { count person { id name company { id name } } }
    reviewees(first: $first) { count person { id name company { id name } } } }
  ... on Company { id name
    reviewers(first: $first) { count company { id name } }
    reviewees(first: $first) { count company { id name } } } } }`;
const SEARCH = `query($q: String!) {
  people(search: $q, first: 8) { nodes { id name company { name } } }
  allSeries(search: $q, first: 8) { nodes { id title version date author { name } } } }`;
const NEIGHBOURHOOD = `query($id: ID!, $first: Int!) {
  neighborhood(id: $id, depth: 2, first: $first) {
    truncated totalNodes nodes { id kind label } edges { source target kind } } }`;
const KIND_COLOURS = {
  Person: "#4e79a7", Company: "#f28e2b", Series: "#59a14f", Patch: "#76b7b2", Message: "#bab0ac",
  File: "#edc948", Subsystem: "#b07aa1", Commit: "#9c755f", Ref: "#d5dbe1",
};
const MAX_NODES = 5000; // the API's bound on neighborhood(first:)
const SERIES = `query($id: ID!) {
  dependencyGraph(series: $id, direction: BOTH, maxDepth: 3) {
    nodes { id label resolved } edges { source target kind declared } }
  series(id: $id) { id title version author { name }
    versions { id title version date } } }`;

const state = { level: "PERSON", view: "network", companyOf: new Map(), colours: new Map(), draws: 0 };
const $ = (id) => document.getElementById(id);

/** POST one GraphQL request; a GraphQL error becomes an exception naming it. */
async function gql(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

const cy = cytoscape({
  container: $("graph"),
  minZoom: 0.05,
  maxZoom: 5,
  style: [
    { selector: "node", style: {
      "background-color": "data(colour)", width: "data(size)", height: "data(size)",
      "border-width": 1, "border-color": "#0005", label: "", "font-size": 12, color: "#1f2933",
      "text-valign": "bottom", "text-margin-y": 3, "text-outline-color": "#fff",
      "text-outline-width": 2, "text-outline-opacity": 0.85 } },
    { selector: "node.labelled, node.hover, node:selected, node.series", style: { label: "data(short)" } },
    { selector: "node.company", style: { shape: "round-rectangle" } },
    { selector: "node.series", style: { shape: "round-rectangle", "text-wrap": "ellipsis", "text-max-width": 320 } },
    { selector: "node:selected", style: { "border-width": 3, "border-color": "#111", "z-index": 10 } },
    { selector: "edge", style: {
      width: "data(width)", "line-color": "#9aa5b1", "target-arrow-color": "#7b8794",
      "target-arrow-shape": "triangle", "arrow-scale": 1.0, "curve-style": "bezier", opacity: 0.7 } },
    { selector: "edge.version", style: { "line-color": "#4e79a7", "target-arrow-color": "#4e79a7",
      "line-style": "dashed", label: "next version", "font-size": 9, color: "#4e79a7" } },
    { selector: "edge.dependency", style: { "line-color": "#f28e2b", "target-arrow-color": "#f28e2b",
      label: "data(kind)", "font-size": 9, color: "#b45309" } },
    { selector: "edge.inferred", style: { "line-style": "dotted" } },
    { selector: "edge:selected", style: { "line-color": "#111", "target-arrow-color": "#111", opacity: 1 } },
    { selector: ".faded", style: { opacity: 0.12 } },
  ],
});
// what the page's tests drive besides clicks (a neighbourhood opens from a node's details)
window.explorer = { cy, state, openNeighbourhood: (id) => guard(() => showNeighbourhood(id)) };

/** Labels keep a readable size on screen whatever the zoom (Cytoscape scales them with it). */
function scaleText() {
  const zoom = cy.zoom();
  cy.style()
    .selector("node").style({ "font-size": 12 / zoom, "text-outline-width": 2 / zoom, "text-margin-y": 3 / zoom })
    .selector("edge.version, edge.dependency").style({ "font-size": 10 / zoom })
    .update();
}
cy.on("zoom", scaleText);

function short(text, length = 24) {
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

function setStatus(message, error = false) {
  $("status").textContent = message || "";
  $("status").classList.toggle("error", error);
}

/** The company each person belongs to, asked in batches of aliased node(id:) lookups. */
async function loadCompanies(ids) {
  const missing = ids.filter((id) => id.startsWith("Person:") && !state.companyOf.has(id));
  const batches = [];
  for (let start = 0; start < missing.length; start += ALIASES) {
    const chunk = missing.slice(start, start + ALIASES);
    const params = chunk.map((_, i) => `$i${i}: ID!`).join(", ");
    const fields = chunk.map((_, i) => `n${i}: node(id: $i${i}) { ... on Person { company { id name } } }`);
    const variables = Object.fromEntries(chunk.map((id, i) => [`i${i}`, id]));
    batches.push(gql(`query(${params}) { ${fields.join(" ")} }`, variables).then((data) => {
      chunk.forEach((id, i) => state.companyOf.set(id, (data[`n${i}`] || {}).company || null));
    }));
  }
  await Promise.all(batches);
}

function companyOfNode(node) {
  const id = node.id();
  if (id.startsWith("Company:")) return { id, name: node.data("label") };
  return state.companyOf.get(id) || null;
}

/** Colours by company: the ten most active in view (by review weight) get their own, the rest
 * share one. A company keeps its colour from view to view while it stays among the ten. */
function colourByCompany() {
  const weights = new Map();
  const people = new Map();
  const names = new Map();
  cy.nodes().forEach((node) => {
    const company = companyOfNode(node);
    const key = company ? company.id : "";
    weights.set(key, (weights.get(key) || 0) + (node.data("weight") || 1));
    people.set(key, (people.get(key) || 0) + 1);
    if (company) names.set(company.id, company.name);
  });
  const ranked = [...weights.keys()].filter((key) => key).sort((a, b) => weights.get(b) - weights.get(a));
  const top = ranked.slice(0, 10);
  const kept = new Map(top.filter((key) => state.colours.has(key)).map((key) => [key, state.colours.get(key)]));
  const free = PALETTE.filter((colour) => ![...kept.values()].includes(colour));
  for (const key of top) if (!kept.has(key)) kept.set(key, free.shift());
  state.colours = kept;
  cy.nodes().forEach((node) => {
    const company = companyOfNode(node);
    node.data("colour", company ? state.colours.get(company.id) || OTHER : UNKNOWN);
  });
  $("legend-title").textContent = state.level === "COMPANY"
    ? "Companies (reviews given + received)" : "Companies (people in view)";
  const count = (key) => (state.level === "COMPANY" ? weights.get(key) : people.get(key));
  const entries = top.map((key) => [names.get(key), state.colours.get(key), count(key)]);
  const rest = ranked.slice(10);
  if (rest.length) {
    const n = rest.reduce((sum, key) => sum + (state.level === "COMPANY" ? weights.get(key) : people.get(key)), 0);
    entries.push([`${rest.length} other companies`, OTHER, n]);
  }
  if (people.get("")) entries.push(["company unknown", UNKNOWN, people.get("")]);
  legend(entries);
}

function legend(entries) {
  $("legend").replaceChildren(...entries.map(([name, colour, count]) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colour;
    const label = document.createElement("span");
    label.textContent = name;
    const number = document.createElement("span");
    number.className = "count";
    number.textContent = count === undefined ? "" : count;
    item.append(swatch, label, number);
    return item;
  }));
}

/** Node sizes and edge widths scaled to the heaviest in view; labels on the heaviest. */
function restyle() {
  const nodes = cy.nodes().not(".series");
  const maxNode = Math.max(1, ...nodes.map((n) => n.data("weight") || 1));
  nodes.forEach((n) => n.data("size", 14 + 30 * Math.sqrt((n.data("weight") || 1) / maxNode)));
  const heavy = nodes.sort((a, b) => (b.data("weight") || 0) - (a.data("weight") || 0));
  nodes.removeClass("labelled");
  heavy.slice(0, LABELLED).addClass("labelled");
  const edges = cy.edges().not(".version, .dependency");
  const maxEdge = Math.max(1, ...edges.map((e) => e.data("weight") || 1));
  edges.forEach((e) => e.data("width", 1 + 5 * ((e.data("weight") || 1) / maxEdge)));
}

function summarise() {
  const summary = $("summary");
  const nodes = cy.nodes().length;
  const edges = cy.edges().length;
  summary.dataset.nodes = nodes;
  summary.dataset.edges = edges;
  const what = state.view === "series" ? "series" : state.view === "neighbourhood" ? "nodes"
    : state.level === "PERSON" ? "people" : "companies";
  const ties = state.view === "series" ? "links" : state.view === "neighbourhood" ? "edges" : "review ties";
  summary.textContent = `${nodes} ${what} · ${edges} ${ties}`;
}

function layout(animate) {
  const options = state.view === "series"
    ? { name: "breadthfirst", directed: true, spacingFactor: 1.3, padding: 30 }
    : { name: "cose", animate, randomize: !animate, padding: 30, nodeRepulsion: () => 24000,
        idealEdgeLength: () => 60, nodeOverlap: 20, gravity: 0.4, numIter: 2000,
        componentSpacing: 50, nestingFactor: 1.2 };
  const run = cy.layout(options);
  const done = new Promise((resolve) => run.one("layoutstop", resolve));
  run.run();
  return done;
}

function nodeElement(id, label, weight) {
  const classes = id.startsWith("Company:") ? "company" : "";
  return { group: "nodes", data: { id, label, short: short(label), weight, colour: UNKNOWN, size: 20 }, classes };
}

function edgeElement(source, target, weight) {
  return { group: "edges", data: { id: `${source}->${target}`, source, target, weight, width: 2 } };
}

/** Draws the review network of the chosen level and window (replacing the view). */
async function drawNetwork() {
  setStatus("Loading…");
  state.level = document.querySelector("input[name=level]:checked").value;
  state.view = "network";
  const variables = {
    level: state.level,
    since: $("since").value || null,
    until: $("until").value || null,
    first: Math.min(100, Math.max(1, +$("first").value || 60)),
    minWeight: Math.max(1, +$("minWeight").value || 1),
  };
  remember(variables);
  const network = (await gql(NETWORK, variables)).reviewNetwork;
  state.focus = null;
  await loadCompanies(network.nodes.map((n) => n.id));
  cy.elements().remove();
  cy.add(network.nodes.map((n) => nodeElement(n.id, n.label, n.weight)));
  cy.add(network.edges.map((e) => edgeElement(e.source, e.target, e.weight)));
  restyle();
  colourByCompany();
  await layout(false);
  $("details").hidden = true;
  const what = state.level === "PERSON" ? "people" : "companies";
  cutNotice(network, what, `the ${variables.first} strongest ties`, false);
  finish(network.nodes.length ? "" : "No reviews in this window.");
}

/** Says when the server cut the view ("showing 200 of 4,210 nodes"), and offers more when
 * asking again with a larger bound can show more. */
function cutNotice(view, what, how, more) {
  $("cut").hidden = !view.truncated;
  $("more").hidden = !(view.truncated && more);
  $("cut").dataset.shown = view.nodes.length;
  $("cut").dataset.total = view.totalNodes;
  const count = (n) => n.toLocaleString("en");
  $("cut-text").textContent = view.truncated
    ? `Showing ${count(view.nodes.length)} of ${count(view.totalNodes)} ${what} (${how}).` : "";
}

/** Everything within two steps of a node, at most `first` nodes (the nearest and most tied
 * first, as the API keeps them), coloured by kind. */
async function showNeighbourhood(id, first) {
  setStatus("Loading…");
  const size = Math.min(MAX_NODES, Math.max(1, first || +$("nodes").value || 200));
  const view = (await gql(NEIGHBOURHOOD, { id, first: size })).neighborhood;
  state.view = "neighbourhood";
  state.focus = id;
  state.hoodFirst = size;
  cy.elements().remove();
  cy.add(view.nodes.map((n) => ({
    group: "nodes", classes: n.kind === "Company" ? "company" : "",
    data: { id: n.id, label: n.label, short: short(n.label), kind: n.kind, weight: 1,
      colour: KIND_COLOURS[n.kind] || OTHER, size: n.id === id ? 34 : 16 },
  })));
  cy.add(view.edges.map((e) => ({ group: "edges",
    data: { id: `${e.source}->${e.target}:${e.kind}`, source: e.source, target: e.target, kind: e.kind, width: 1 } })));
  const kinds = new Map();
  for (const n of view.nodes) kinds.set(n.kind, (kinds.get(n.kind) || 0) + 1);
  $("legend-title").textContent = "Kinds of node";
  legend([...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([kind, n]) => [kind, KIND_COLOURS[kind] || OTHER, n]));
  cy.nodes().removeClass("labelled");
  cy.getElementById(id).addClass("labelled");
  await layout(false);
  cy.fit(undefined, 30);
  cy.elements().unselect();
  cy.getElementById(id).select();
  $("hood").hidden = true;
  cutNotice(view, "nodes", "the nearest and most tied first", size < MAX_NODES);
  document.body.dataset.neighbourhood = id;
  finish(view.nodes.length ? "" : `No node ${id}.`);
}

function finish(message) {
  summarise();
  setStatus(message);
  state.draws += 1;
  document.body.dataset.draws = state.draws;
  document.body.dataset.ready = "true";
}

/** Adds a person's or company's reviewers and reviewees (all time) around it. */
async function expand(id) {
  setStatus("Loading…");
  const node = (await gql(TIES, { id, first: 12 })).node;
  if (!node) throw new Error(`no node ${id}`);
  const other = (tie) => tie.person || tie.company;
  const added = [];
  if (cy.getElementById(id).empty()) added.push(nodeElement(id, node.name, 1));
  for (const [ties, incoming] of [[node.reviewers, true], [node.reviewees, false]]) {
    for (const tie of ties) {
      const peer = other(tie);
      if (peer.company !== undefined) state.companyOf.set(peer.id, peer.company);
      if (cy.getElementById(peer.id).empty() && !added.some((e) => e.data.id === peer.id)) {
        added.push(nodeElement(peer.id, peer.name, tie.count));
      }
      const [source, target] = incoming ? [peer.id, id] : [id, peer.id];
      if (cy.getElementById(`${source}->${target}`).empty()) added.push(edgeElement(source, target, tie.count));
    }
  }
  if (node.company !== undefined) state.companyOf.set(id, node.company);
  const fresh = cy.add(added);
  const centre = cy.getElementById(id);
  fresh.nodes().forEach((n, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, fresh.nodes().length);
    n.position({ x: centre.position("x") + 140 * Math.cos(angle), y: centre.position("y") + 140 * Math.sin(angle) });
  });
  restyle();
  colourByCompany();
  if (fresh.length) await layout(false);
  select(centre);
  details(node.name, describeCompany(node), [
    ...node.reviewers.map((t) => [`reviewed by ${other(t).name}`, t.count, other(t).id]),
    ...node.reviewees.map((t) => [`reviewed ${other(t).name}`, t.count, other(t).id]),
  ]);
  document.body.dataset.expanded = id;
  state.focus = id;
  $("hood").hidden = false;
  finish(`${fresh.nodes().length} nodes and ${fresh.edges().length} ties added around ${node.name}.`);
}

function describeCompany(node) {
  if (node.company === undefined) return "company";
  return node.company ? node.company.name : "company unknown";
}

function select(node) {
  cy.elements().unselect().removeClass("faded");
  node.select();
  cy.elements().not(node.closedNeighborhood()).addClass("faded");
  cy.animate({ center: { eles: node }, duration: 200 });
}

function details(title, subtitle, rows) {
  $("details").hidden = false;
  $("details-title").textContent = title;
  $("details-sub").textContent = subtitle;
  $("details-list").replaceChildren(...rows.map(([text, count, id]) => {
    const item = document.createElement("li");
    item.textContent = count === undefined ? text : `${text} (${count})`;
    if (id) {
      item.style.cursor = "pointer";
      const open = id.startsWith("Series:") ? () => showSeries(id) : () => focusNode(id);
      item.addEventListener("click", () => guard(open));
    }
    return item;
  }));
}

async function focusNode(id) {
  if (state.view !== "network") await drawNetwork();
  await expand(id);
}

/** A series' version chain and the series it needs (or that need it). */
async function showSeries(id) {
  setStatus("Loading…");
  const data = await gql(SERIES, { id });
  const graph = data.dependencyGraph;
  const series = data.series;
  state.view = "series";
  $("cut").hidden = true;
  cy.elements().remove();
  const roles = new Map(graph.nodes.map((n) => [n.id, n.resolved === false ? "unresolved" : "dependency"]));
  for (const version of series.versions) roles.set(version.id, "version");
  roles.set(series.id, "focus");
  const labels = new Map(graph.nodes.map((n) => [n.id, n.label]));
  for (const version of series.versions) {
    const day = version.date ? ` · ${version.date.slice(0, 10)}` : "";
    labels.set(version.id, `v${version.version}${day}`);
  }
  labels.set(series.id, `v${series.version}: ${series.title}`);
  cy.add([...roles.entries()].map(([nid, role]) => ({
    group: "nodes", classes: "series",
    data: { id: nid, label: labels.get(nid) || nid, short: short(labels.get(nid) || nid, 60),
      colour: SERIES_COLOURS[role], size: role === "focus" ? 34 : 24, weight: 1 },
  })));
  cy.add(graph.edges.map((e) => ({ group: "edges", classes: e.declared === false ? "dependency inferred" : "dependency",
    data: { id: `${e.source}->${e.target}:${e.kind}`, source: e.source, target: e.target, kind: e.kind.toLowerCase(), width: 2 } })));
  series.versions.slice(1).forEach((version, i) => {
    const previous = series.versions[i];
    cy.add({ group: "edges", classes: "version",
      data: { id: `${previous.id}=>${version.id}`, source: previous.id, target: version.id, width: 2 } });
  });
  $("legend-title").textContent = "Series";
  legend([["this series", SERIES_COLOURS.focus], ["its other versions", SERIES_COLOURS.version],
    ["series it needs or that need it", SERIES_COLOURS.dependency], ["known only as a link", SERIES_COLOURS.unresolved]]);
  await layout(false);
  cy.fit(undefined, 40);
  details(series.title, `v${series.version}${series.author ? " by " + series.author.name : ""}`,
    series.versions.map((v) => [`v${v.version} ${v.date ? v.date.slice(0, 10) : "(not on this list)"}`,
      undefined, v.id === series.id ? null : v.id]));
  finish("");
}

/** Search people and series; results open a neighbourhood or a series view. */
async function search(text) {
  const list = $("results");
  if (text.trim().length < 2) {
    list.hidden = true;
    return;
  }
  const data = await gql(SEARCH, { q: text.trim() });
  const items = [
    ...data.people.nodes.map((p) => ["person", `${p.name}${p.company ? " · " + p.company.name : ""}`, () => focusNode(p.id)]),
    ...data.allSeries.nodes.map((s) => ["series", `v${s.version} ${s.title}${s.author ? " · " + s.author.name : ""}`, () => showSeries(s.id)]),
  ];
  list.replaceChildren(...items.map(([kind, text, open]) => {
    const item = document.createElement("li");
    item.tabIndex = 0;
    item.dataset.kind = kind;
    const tag = document.createElement("span");
    tag.className = "kind";
    tag.textContent = kind;
    item.append(tag, text);
    const choose = () => { list.hidden = true; guard(open); };
    item.addEventListener("click", choose);
    item.addEventListener("keydown", (event) => { if (event.key === "Enter") choose(); });
    return item;
  }));
  if (!items.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "nothing found" }));
  list.hidden = false;
  document.body.dataset.searched = text;
}

function download(name, blob) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function exportName() {
  if (state.view === "neighbourhood") return "neighbourhood";
  return state.view === "series" ? "series" : `review-network-${state.level.toLowerCase()}`;
}

async function guard(action) {
  try {
    await action();
  } catch (error) {
    setStatus(`Could not load: ${error.message}`, true);
    document.body.dataset.ready = "true";
  }
}

cy.on("tap", "node", (event) => {
  const id = event.target.id();
  if (state.view === "neighbourhood") guard(() => showNeighbourhood(id));
  else if (id.startsWith("Series:")) guard(() => showSeries(id));
  else guard(() => expand(id));
});
cy.on("tap", "edge", (event) => {
  const edge = event.target;
  select(edge.source());
  details(`${edge.source().data("label")} → ${edge.target().data("label")}`,
    edge.data("weight") === undefined ? edge.data("kind") || "next version" : `reviewed ${edge.data("weight")} patch(es)`, []);
});
cy.on("tap", (event) => {
  if (event.target === cy) cy.elements().removeClass("faded").unselect();
});
cy.on("mouseover", "node", (event) => event.target.addClass("hover"));
cy.on("mouseout", "node", (event) => event.target.removeClass("hover"));

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  guard(drawNetwork);
});
for (const input of document.querySelectorAll("input[name=level], #since, #until")) {
  input.addEventListener("change", () => guard(drawNetwork));
}
let pending = null;
$("search").addEventListener("input", (event) => {
  clearTimeout(pending);
  pending = setTimeout(() => guard(() => search(event.target.value)), 250);
});
$("hood").addEventListener("click", () => guard(() => showNeighbourhood(state.focus)));
$("more").addEventListener("click", () => {
  guard(() => showNeighbourhood(state.focus, Math.min(MAX_NODES, state.hoodFirst * 2)));
});
$("png").addEventListener("click", () => {
  download(`${exportName()}.png`, cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2 }));
});
$("json").addEventListener("click", () => {
  const view = { level: state.level, view: state.view, since: $("since").value || null,
    until: $("until").value || null, elements: cy.elements().jsons() };
  download(`${exportName()}.json`, new Blob([JSON.stringify(view, null, 1)], { type: "application/json" }));
});

/** The filters go into the URL's fragment, so a view can be bookmarked or shared. */
function remember(variables) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(variables)) if (value !== null) params.set(key, value);
  history.replaceState(null, "", "#" + params.toString());
}

function restore() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const level = params.get("level");
  if (level === "PERSON" || level === "COMPANY") document.querySelector(`input[value=${level}]`).checked = true;
  for (const key of ["since", "until", "first", "minWeight"]) {
    if (params.get(key)) $(key).value = params.get(key);
  }
}

restore();
guard(drawNetwork);
