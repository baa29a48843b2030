import Foundation

/// CSV as reports write and the directory file is read: RFC 4180, CRLF, every cell quoted.
enum CSVText {
    /// One quoted cell. A value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets
    /// a leading `'`, so an exported id or field name can never execute.
    static func cell(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The header line: column names are ours, so they are written bare.
    static func header(_ columns: [String]) -> String {
        columns.joined(separator: ",") + "\r\n"
    }

    /// One line of cells, CRLF-terminated.
    static func line(_ cells: [String]) -> String {
        cells.map(cell).joined(separator: ",") + "\r\n"
    }

    /// Parses RFC 4180 text (quoted cells, doubled quotes, CRLF or LF line ends) into rows.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = iterator.next()
                    if next == "\"" { cell.append("\"") } else { quoted = false; pending = next }
                } else {
                    cell.append(character)
                }
                continue
            }
            switch character {
            case "\"" where cell.isEmpty: quoted = true
            case ",":
                row.append(cell)
                cell = ""
            case "\n", "\r\n", "\r":
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            default: cell.append(character)
            }
        }
        if !cell.isEmpty || !row.isEmpty {
            row.append(cell)
            rows.append(row)
        }
        return rows
    }
}

/// One self-contained, printable HTML page: inline CSS (with print rules), no script, no external
/// asset. Every value passes through `escape`.
struct HTMLPage {
    private var body = ""
    let title: String

    init(title: String) { self.title = title }

    /// `&`, `<`, `>`, `"` and `'` as entities, so no value can open a tag or leave an attribute.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    mutating func heading(_ text: String, level: Int = 2) {
        body += "<h\(level)>\(Self.escape(text))</h\(level)>\n"
    }

    mutating func paragraph(_ text: String) {
        body += "<p>\(Self.escape(text))</p>\n"
    }

    /// A definition list of label → value.
    mutating func facts(_ pairs: [(String, String)]) {
        body += "<dl>\n"
        for (label, value) in pairs { body += "<dt>\(Self.escape(label))</dt><dd>\(Self.escape(value))</dd>\n" }
        body += "</dl>\n"
    }

    mutating func table(_ columns: [String], _ rows: [[String]], empty: String = "None.") {
        guard !rows.isEmpty else {
            paragraph(empty)
            return
        }
        body += "<table>\n<thead><tr>" + columns.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { body += "<tr>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n" }
        body += "</tbody>\n</table>\n"
    }

    var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.4; }
        h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
        h2 { font-size: 1.15rem; margin-top: 1.75rem; border-bottom: 1px solid #ccc; }
        dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
        th, td { border: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; word-break: break-word; }
        th { background: #eee; }
        tr:nth-child(even) td { background: #fafafa; }
        footer { margin-top: 2rem; font-size: 0.8rem; color: #555; }
        @media print {
          body { margin: 0; max-width: none; font-size: 10pt; }
          h2 { page-break-after: avoid; }
          table { page-break-inside: auto; }
          tr { page-break-inside: avoid; }
          thead { display: table-header-group; }
          th, tr:nth-child(even) td { background: none; }
        }
        </style>
        </head>
        <body>
        <h1>\(Self.escape(title))</h1>
        \(body)</body>
        </html>

        """
    }
}

extension AuditTime {
    /// The UTC day, `YYYY-MM-DD`.
    var day: String { String(description.prefix(10)) }
    /// The UTC hour of the day, 0–23.
    var hour: Int { Int(description.dropFirst(11).prefix(2)) ?? 0 }
}
