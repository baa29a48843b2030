/// The console's one stylesheet and one script, served from `/console/static/` (the policy forbids inline
/// script and style). No framework, no font, no external asset.
enum ConsoleAssets {
    static let css = """
        :root { --fg: #111; --muted: #4a4a4a; --bg: #fff; --line: #c8c8c8; --accent: #0b4f9c; --head: #f1f3f6;
          --ok: #0a6b2d; --bad: #a4161a; --warn: #7a4b00; }
        * { box-sizing: border-box; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; line-height: 1.45; font-size: 15px; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f5a623; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 2; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; background: #14243a; color: #fff; padding: .6rem 1.5rem; }
        header.top .brand { font-weight: 700; letter-spacing: .02em; }
        header.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; }
        header.top nav a { color: #fff; text-decoration: none; padding: .35rem .6rem; border-radius: 4px; display: inline-block; }
        header.top nav a:hover { background: #27405f; }
        header.top nav a[aria-current="page"] { background: #fff; color: #14243a; font-weight: 600; }
        header.top .signout { margin-left: auto; display: flex; align-items: center; gap: .6rem; }
        header.top .role { background: #27405f; border-radius: 3px; padding: .05rem .4rem; font-size: .85em; }
        main { max-width: 80rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
        h1 { font-size: 1.45rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.1rem; margin-top: 1.75rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
        label { font-weight: 600; margin-right: .4rem; }
        input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid #767676; border-radius: 4px; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button:hover { background: #083b75; }
        .signout button, td form button { background: #fff; color: var(--accent); }
        header.top .signout button { color: #14243a; }
        .card { max-width: 34rem; border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1.25rem; background: #fafbfc; }
        .card label { display: block; margin-bottom: .2rem; }
        .card input { width: 100%; }
        .search p { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
        .actions { display: flex; gap: 1rem; align-items: center; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; margin: .5rem 0 1rem; }
        caption { text-align: left; font-weight: 600; padding: .3rem 0; }
        th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; word-break: break-word; }
        th { background: var(--head); }
        tbody tr:nth-child(even) td { background: #fafafa; }
        td form { margin: 0; }
        .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .88em; }
        .muted, footer { color: var(--muted); }
        .badge { display: inline-block; padding: .05rem .45rem; border-radius: 3px; font-weight: 600; font-size: .88em; border: 1px solid currentColor; }
        .good { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
        .notice { background: #e8f3ec; border-left: 4px solid var(--ok); padding: .5rem .75rem; }
        .problem { background: #fbeaea; border-left: 4px solid var(--bad); padding: .5rem .75rem; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: .25rem 1.25rem; }
        dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
        svg.chart { max-width: 100%; height: auto; border: 1px solid var(--line); background: #fcfcfd; }
        svg.chart .bar { fill: var(--accent); }
        svg.chart .axis { font-size: 9px; fill: var(--muted); }
        svg.chart .baseline { stroke: #767676; stroke-width: 1; }
        footer { max-width: 80rem; margin: 0 auto; padding: 0 1.5rem 2rem; font-size: .85rem; }
        @media print {
          header.top, footer, .noprint, .search, .skip { display: none; }
          body { font-size: 10pt; } main { max-width: none; padding: 0; }
          tr { page-break-inside: avoid; } thead { display: table-header-group; }
          tbody tr:nth-child(even) td, th { background: none; }
        }

        """

    /// Print button, and the alerts list's polling (rows built with `textContent`, never HTML).
    static let javascript = """
        "use strict";
        (function () {
          var print = document.getElementById("print");
          if (print) { print.addEventListener("click", function () { window.print(); }); }

          var table = document.getElementById("alerts");
          if (!table) { return; }
          var body = document.getElementById("alerts-rows");
          var empty = document.getElementById("alerts-empty");
          var updated = document.getElementById("alerts-updated");
          var tokenMeta = document.querySelector('meta[name="csrf-token"]');
          var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
          var every = parseInt(table.getAttribute("data-poll-ms"), 10) || 5000;

          function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
          function link(td, href, text) { td.textContent = ""; var a = document.createElement("a"); a.href = href; a.textContent = text; td.appendChild(a); }
          function ackForm(td, alert) {
            var form = document.createElement("form");
            form.method = "post"; form.action = "/console/alerts/acknowledge";
            [["csrf", token], ["event", alert.id]].forEach(function (pair) {
              var input = document.createElement("input"); input.type = "hidden"; input.name = pair[0]; input.value = pair[1]; form.appendChild(input);
            });
            var button = document.createElement("button"); button.type = "submit"; button.textContent = "Acknowledge";
            button.setAttribute("aria-label", "Acknowledge alert " + alert.sequence);
            form.appendChild(button); td.appendChild(form);
          }
          function render(alerts) {
            var rows = document.createDocumentFragment();
            alerts.forEach(function (alert) {
              var row = document.createElement("tr");
              row.setAttribute("data-event", alert.id);
              cell(row, alert.time); cell(row, alert.rule);
              link(cell(row, ""), alert.agentHref, alert.agent);
              cell(row, alert.customer);
              var status = cell(row, alert.acknowledgedBy ? "acknowledged by " + alert.acknowledgedBy : "");
              if (!alert.acknowledgedBy) { ackForm(status, alert); }
              link(cell(row, ""), alert.evidenceHref, "event " + alert.sequence);
              rows.appendChild(row);
            });
            body.replaceChildren(rows);
            empty.hidden = alerts.length > 0;
          }
          function poll() {
            fetch(table.getAttribute("data-poll"), { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
              .then(function (response) {
                if (response.status === 401 || response.redirected) { window.location.assign("/console/sign-in"); throw new Error("signed out"); }
                if (!response.ok) { throw new Error("HTTP " + response.status); }
                return response.json();
              })
              .then(function (answer) { render(answer.alerts); updated.textContent = "updated " + answer.now; })
              .catch(function (error) { updated.textContent = "could not refresh (" + error.message + ")"; })
              .finally(function () { window.setTimeout(poll, every); });
          }
          window.setTimeout(poll, every);
        })();

        """
}
