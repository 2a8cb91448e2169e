// Opens a fleet report in headless Chromium (playwright-core, the system's chromium: no
// browser download) and prints what a person would see, as JSON on stdout:
// tile figures, table rows, chart bars, the effect of filtering and sorting, dialogs
// (alert) and elements injected by hostile host strings. Takes a full-page screenshot.
// Usage: node fleet_html.mjs REPORT.html SCREENSHOT.png CHROMIUM USER_DATA_DIR
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [report, screenshot, executablePath, userDataDir] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  viewport: { width: 1400, height: 1000 },
});
const page = context.pages()[0] || (await context.newPage());
const dialogs = [];
const consoleErrors = [];
const requests = [];
page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
await page.goto("file://" + report);

const out = { dialogs, consoleErrors, requests };
const tile = (id) => page.locator("#tile-" + id).innerText();
out.tiles = {};
for (const id of ["hosts", "critical", "warning", "unknown", "ok", "missing", "unreadable", "compliance"]) {
  out.tiles[id] = await tile(id);
}
const visibleHosts = () => page.$$eval("#hosts tbody tr", (rows) =>
  rows.filter((r) => !r.hidden).map((r) => r.cells[0].innerText));
out.rows = await visibleHosts();
out.rowStatuses = await page.$$eval("#hosts tbody tr", (rows) => rows.map((r) => r.getAttribute("data-status")));
out.bars = await page.$$eval("#chart g.bar", (bars) =>
  bars.map((b) => [b.getAttribute("data-check"), Number(b.getAttribute("data-failing"))]));
out.injected = await page.evaluate(() => ({
  byId: document.querySelectorAll("#injected").length,
  images: document.querySelectorAll("img").length,
  scripts: document.querySelectorAll("script").length,
  handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
}));

// Filtering: by text, then by status.
await page.fill("#filter", "exim");
out.filterText = { rows: await visibleHosts(), shown: await page.locator("#shown").innerText() };
await page.fill("#filter", "");
await page.selectOption("#status-filter", "critical");
out.filterStatus = { rows: await visibleHosts(), shown: await page.locator("#shown").innerText() };
await page.selectOption("#status-filter", "");

// Sorting by host name, both directions.
await page.click("#hosts thead th:first-child");
out.sortedAscending = await visibleHosts();
await page.click("#hosts thead th:first-child");
out.sortedDescending = await visibleHosts();
await page.click("#hosts thead th:nth-child(3)");
await page.click("#hosts thead th:nth-child(3)");

// Following a host link opens its details; the hostile evidence is shown as text.
await page.click("#hosts tbody tr a:text('web1.shop.example')");
out.detailsOpen = await page.evaluate(() =>
  Array.from(document.querySelectorAll("details.host[open]")).map((d) => d.id));
out.web1Text = await page.locator("details.host[open]").first().innerText();
await page.evaluate(() => window.scrollTo(0, 0));
await page.screenshot({ path: screenshot, fullPage: true });
out.dialogs = dialogs;
console.log(JSON.stringify(out));
await context.close();
