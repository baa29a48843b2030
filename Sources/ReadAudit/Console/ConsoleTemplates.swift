import Mustache

/// The console's pages as mustache templates, compiled into the binary (no resource bundle to ship, nothing
/// to fetch in an air-gapped data centre). `{{name}}` escapes HTML; no template uses the unescaped forms.
enum ConsoleTemplates {
    /// Every page and partial, by name; built once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            // The templates are constants of this file: a parse error is a programming error caught by any test.
            try! library.register(text, named: name)
        }
        return library
    }()

    /// Renders page `name` with `context`.
    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let sources: [String: String] = [
        "head": head, "foot": foot, "sign-in": signIn, "customers": customers, "agents": agents, "alerts": alerts,
        "evidence": evidence, "deny-list": denyList, "integrity": integrity, "sinks": sinks, "problem": problem,
    ]

    static let head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        {{#csrf}}<meta name="csrf-token" content="{{csrf}}">{{/csrf}}
        <title>{{title}} · ReadAudit console</title>
        <link rel="stylesheet" href="/console/static/console.css">
        <script src="/console/static/console.js" defer></script>
        </head>
        <body data-page="{{page}}">
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <span class="brand">ReadAudit console</span>
        {{#user}}
        <nav aria-label="Console pages"><ul>
        {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}
        </ul></nav>
        <form method="post" action="/console/sign-out" class="signout">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span class="who">{{user}} <span class="role">{{role}}</span></span>
        <button type="submit">Sign out</button>
        </form>
        {{/user}}
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}

        """

    static let foot = """
        </main>
        <footer>Every page of this console that shows audit data is itself recorded in the audit journal.</footer>
        </body>
        </html>

        """

    static let signIn = """
        {{> head}}
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="/console/sign-in" class="card" id="sign-in">
        <input type="hidden" name="csrf" value="{{signInToken}}">
        <p><label for="name">Credential name</label>
        <input id="name" name="name" autocomplete="username" required maxlength="128" value="{{name}}"></p>
        <p><label for="key">Key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required maxlength="512"></p>
        <p><button type="submit">Sign in</button></p>
        </form>
        <p class="hint">Use an admin credential (<code>adminCredentials</code> in the configuration; keys from <code>readaudit keys create</code>). Sessions end after {{idleMinutes}} minutes idle and {{absoluteHours}} hours in all.</p>
        {{> foot}}
        """

    static let customers = """
        {{> head}}
        <form method="get" action="/console/customers" class="search" role="search">
        <p><label for="customer">Customer id</label>
        <input id="customer" name="customer" value="{{customer}}" required maxlength="128" size="30">
        <label for="view">View</label>
        <select id="view" name="view">
        <option value="internal"{{#internal}} selected{{/internal}}>Internal (who looked)</option>
        <option value="data-subject"{{#dataSubject}} selected{{/dataSubject}}>Data subject (what the customer is told)</option>
        </select>
        <button type="submit">Search</button></p>
        </form>
        {{#searched}}
        <p class="actions noprint">
        <a href="{{switchHref}}" id="switch-view">{{switchLabel}}</a>
        <a href="{{csvHref}}" id="export-csv">Export CSV</a>
        <button type="button" id="print">Print</button>
        </p>
        {{#internal}}
        <p class="summary">{{count}} attempt(s) on customer <strong>{{customer}}</strong>, {{served}} served. Internal view: contains employee identities.</p>
        <table id="access-rows">
        <caption>Who accessed customer {{customer}}, oldest first</caption>
        <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Agent</th><th scope="col">Interaction</th><th scope="col">Fields</th><th scope="col">Outcome</th><th scope="col">Credential</th><th scope="col">Source</th><th scope="col">Event</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{time}}</td><td>{{#agentHref}}<a href="{{agentHref}}">{{agent}}</a>{{/agentHref}}{{^agentHref}}{{agent}}{{/agentHref}}</td><td>{{interaction}}</td><td>{{fields}}{{#masked}}<br><span class="muted">masked: {{masked}}</span>{{/masked}}</td><td><span class="badge {{outcomeClass}}">{{outcome}}</span></td><td>{{credential}}</td><td>{{source}}</td><td class="mono">{{sequence}}</td></tr>
        {{/rows}}
        </tbody>
        </table>
        {{^rows}}<p>No access recorded for this customer.</p>{{/rows}}
        {{/internal}}
        {{#dataSubject}}
        <p class="summary">{{count}} consultation(s) of customer <strong>{{customer}}</strong>'s data. Data-subject view: no employee is identified.</p>
        <table id="consultations">
        <caption>Consultations of the personal data held about customer {{customer}}</caption>
        <thead><tr><th scope="col">Date</th><th scope="col">Purpose</th><th scope="col">Data consulted</th></tr></thead>
        <tbody>
        {{#consultations}}<tr><td>{{date}}</td><td>{{purpose}}</td><td>{{data}}</td></tr>
        {{/consultations}}
        </tbody>
        </table>
        {{^consultations}}<p>The customer's data was not consulted.</p>{{/consultations}}
        {{/dataSubject}}
        {{/searched}}
        {{> foot}}
        """

    static let agents = """
        {{> head}}
        <form method="get" action="/console/agents" class="search" role="search">
        <p><label for="agent">Agent id</label>
        <input id="agent" name="agent" value="{{agent}}" required maxlength="128" size="40">
        <button type="submit">Show activity</button></p>
        </form>
        {{#searched}}
        <dl class="facts">
        <dt>Agent</dt><dd class="mono">{{agent}}{{#name}} ({{name}}){{/name}}</dd>
        <dt>Read attempts</dt><dd>{{attempts}}</dd>
        <dt>Customers</dt><dd>{{customerCount}}</dd>
        <dt>Alerts</dt><dd>{{alertCount}}</dd>
        <dt>Blocked</dt><dd>{{blocked}}</dd>
        </dl>
        <h2 id="per-hour">Reads per hour of the day (UTC)</h2>
        <svg class="chart" viewBox="0 0 492 150" width="984" height="300" role="img" aria-labelledby="per-hour chart-summary">
        <desc id="chart-summary">{{chartSummary}}</desc>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="16" height="{{height}}" class="bar"><title>{{hour}}:00 UTC: {{count}} read(s)</title></rect>
        {{#label}}<text x="{{labelX}}" y="146" class="axis">{{hour}}</text>{{/label}}
        {{/bars}}
        <line x1="0" y1="130" x2="492" y2="130" class="baseline"></line>
        </svg>
        <h2>Customers viewed</h2>
        <table id="customers-viewed"><thead><tr><th scope="col">Customer</th><th scope="col">Served</th><th scope="col">Attempts</th><th scope="col">First</th><th scope="col">Last</th></tr></thead>
        <tbody>{{#customers}}<tr><td>{{#href}}<a href="{{href}}">{{customer}}</a>{{/href}}{{^href}}{{customer}}{{/href}}</td><td>{{served}}</td><td>{{attempts}}</td><td>{{first}}</td><td>{{last}}</td></tr>
        {{/customers}}</tbody></table>
        {{^customers}}<p>No customer viewed.</p>{{/customers}}
        <h2>Alerts</h2>
        <table><thead><tr><th scope="col">Time (UTC)</th><th scope="col">Rule</th><th scope="col">Customer</th><th scope="col">Evidence</th></tr></thead>
        <tbody>{{#alerts}}<tr><td>{{time}}</td><td>{{rule}}</td><td>{{customer}}</td><td>{{#evidenceHref}}<a href="{{evidenceHref}}">event {{sequence}}</a>{{/evidenceHref}}{{^evidenceHref}}event {{sequence}}{{/evidenceHref}}</td></tr>
        {{/alerts}}</tbody></table>
        {{^alerts}}<p>No alert about this agent.</p>{{/alerts}}
        {{/searched}}
        {{> foot}}
        """

    static let alerts = """
        {{> head}}
        <p class="summary">Alerts of the last {{days}} days, newest first. This list refreshes itself every {{pollSeconds}} seconds; <span id="alerts-updated" aria-live="polite">loaded {{now}}</span>.</p>
        <table id="alerts" data-poll="/console/alerts.json" data-poll-ms="{{pollMilliseconds}}">
        <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Rule</th><th scope="col">Agent</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Evidence</th></tr></thead>
        <tbody id="alerts-rows">
        {{#alerts}}<tr data-event="{{id}}"><td>{{time}}</td><td>{{rule}}</td><td><a href="{{agentHref}}">{{agent}}</a></td><td>{{customer}}</td>
        <td>{{#acknowledgedBy}}acknowledged by {{acknowledgedBy}}{{/acknowledgedBy}}{{^acknowledgedBy}}<form method="post" action="/console/alerts/acknowledge"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="event" value="{{id}}"><button type="submit" aria-label="Acknowledge alert {{sequence}}">Acknowledge</button></form>{{/acknowledgedBy}}</td>
        <td><a href="{{evidenceHref}}">event {{sequence}}</a></td></tr>
        {{/alerts}}
        </tbody>
        </table>
        <p id="alerts-empty"{{#hasAlerts}} hidden{{/hasAlerts}}>No alert.</p>
        {{> foot}}
        """

    static let evidence = """
        {{> head}}
        <dl class="facts" id="evidence">
        {{#facts}}<dt>{{label}}</dt><dd class="mono">{{value}}</dd>
        {{/facts}}
        </dl>
        <p>An auditor checks this event offline against a signed checkpoint with <code>readaudit prove --event {{id}}</code> and <code>readaudit verify --proof FILE --public-keys FILE</code>.</p>
        {{#triggerHref}}<p><a href="{{triggerHref}}">The read that triggered it</a></p>{{/triggerHref}}
        {{#agentHref}}<p><a href="{{agentHref}}">The agent's activity</a></p>{{/agentHref}}
        {{> foot}}
        """

    static let denyList = """
        {{> head}}
        <form method="post" action="/console/deny-list/block" class="card" id="block-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p><label for="agentId">Agent id (UUID)</label>
        <input id="agentId" name="agentId" required pattern="[0-9a-fA-F-]{36}" maxlength="36" size="38" value="{{agent}}"></p>
        <p><label for="reason">Reason (recorded)</label>
        <input id="reason" name="reason" required maxlength="500" size="60"></p>
        <p><button type="submit">Block this agent's reads</button></p>
        </form>
        <h2>Blocked agents</h2>
        <table id="blocked"><thead><tr><th scope="col">Agent</th><th scope="col">Reason</th><th scope="col">Blocked by</th><th scope="col">Since (UTC)</th><th scope="col">Unblock</th></tr></thead>
        <tbody>{{#blocked}}<tr><td class="mono">{{agentId}}</td><td>{{reason}}</td><td>{{blockedBy}}</td><td>{{blockedAt}}</td>
        <td><form method="post" action="/console/deny-list/unblock"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="agentId" value="{{agentId}}"><button type="submit" aria-label="Unblock agent {{agentId}}">Unblock</button></form></td></tr>
        {{/blocked}}</tbody></table>
        {{^blocked}}<p>No agent is blocked.</p>{{/blocked}}
        {{> foot}}
        """

    static let integrity = """
        {{> head}}
        <dl class="facts" id="chain">
        <dt>Chain</dt><dd><span class="badge {{statusClass}}">{{status}}</span></dd>
        <dt>Journal head</dt><dd>entry {{head}}</dd>
        <dt>Last verification</dt><dd>{{lastVerification}}</dd>
        </dl>
        <form method="post" action="/console/integrity/verify">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="verify-now">Verify now</button>
        </form>
        <h2>Last signed checkpoint per node</h2>
        {{#hasCheckpoints}}<table id="checkpoints"><thead><tr><th scope="col">Node</th><th scope="col">Entries signed</th><th scope="col">Signed at (UTC)</th><th scope="col">Key</th><th scope="col">Chain head</th></tr></thead>
        <tbody>{{#checkpoints}}<tr><td>{{node}}</td><td>{{size}}</td><td>{{time}}</td><td class="mono">{{keyID}}</td><td class="mono">{{head}}</td></tr>
        {{/checkpoints}}</tbody></table>{{/hasCheckpoints}}
        {{^hasCheckpoints}}<p>No signed checkpoint yet (the checkpointer signs every 10,000 events or 60 s when enabled).</p>{{/hasCheckpoints}}
        {{> foot}}
        """

    static let sinks = """
        {{> head}}
        <p class="summary">The journal is at entry {{head}}. A sink that is behind catches up from its own cursor; nothing is dropped.</p>
        <table id="sinks"><thead><tr><th scope="col">Sink</th><th scope="col">State</th><th scope="col">Delivered up to</th><th scope="col">Lag (entries)</th><th scope="col">Last error</th></tr></thead>
        <tbody>{{#sinks}}<tr><td>{{name}}</td><td><span class="badge {{stateClass}}">{{state}}</span></td><td>{{cursor}}</td><td>{{lag}}</td><td>{{lastError}}</td></tr>
        {{/sinks}}</tbody></table>
        {{^sinks}}<p>No sink has reported yet.</p>{{/sinks}}
        {{> foot}}
        """

    static let problem = """
        {{> head}}
        <p class="problem" role="alert">{{message}}</p>
        <p><a href="{{back}}">Back</a></p>
        {{> foot}}
        """
}
