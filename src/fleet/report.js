(function () {
  "use strict";
  var table = document.getElementById("hosts");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var text = document.getElementById("filter");
  var status = document.getElementById("status-filter");
  var shown = document.getElementById("shown");
  var haystack = rows.map(function (r) { return r.textContent.toLowerCase(); });
  function apply() {
    var q = text.value.trim().toLowerCase(), s = status.value, n = 0;
    rows.forEach(function (r, i) {
      var visible = (!s || r.getAttribute("data-status") === s) && (!q || haystack[i].indexOf(q) >= 0);
      r.hidden = !visible;
      if (visible) { n++; }
    });
    shown.textContent = n + " of " + rows.length + " hosts shown";
  }
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
  headers.forEach(function (th, column) {
    var kind = th.getAttribute("data-sort");
    if (!kind) { return; }
    th.tabIndex = 0;
    function sort() {
      var descending = th.getAttribute("aria-sort") === "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var order = rows.map(function (r, i) {
        var cell = r.cells[column];
        var key = cell.getAttribute("data-v") || cell.textContent;
        return { row: r, key: kind === "num" ? parseFloat(key) || 0 : key.toLowerCase(), text: haystack[i], i: i };
      });
      order.sort(function (a, b) {
        var c = a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i;
        return descending ? -c : c;
      });
      rows = order.map(function (o) { return o.row; });
      haystack = order.map(function (o) { return o.text; });
      var fragment = document.createDocumentFragment();
      rows.forEach(function (r) { fragment.appendChild(r); });
      body.appendChild(fragment);
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
  });
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
