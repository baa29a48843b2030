/// The data-subject view: what a customer is told about consultations of their data (GDPR art. 15 as
/// read by CJEU C-579/21): the dates and purposes of consultations and the data disclosed, and never who
/// consulted it. The view first reduces each entry to a `Consultation` (day, purpose, field names) and
/// renders only those, so no agent id, credential, interaction, origin or Genesys header can reach it.
struct DataSubjectAccessView {
    /// Everything the data subject sees about one consultation.
    struct Consultation: Equatable {
        var date: String
        var purpose: String
        /// Names of the customer's data fields disclosed (about the customer, not an employee).
        var data: [String]
    }

    let customer: String
    let from: AuditTime?
    let to: AuditTime?
    let controller: String?
    let consultations: [Consultation]

    init(report: AccessReport) {
        customer = report.customer
        from = report.from
        to = report.to
        controller = report.settings.controller
        let purpose = report.settings.purpose
        // Only reads that disclosed data; refused attempts disclosed nothing and describe the gateway.
        consultations = report.entries
            .filter { $0.event.action == .customerRead && $0.event.outcome == .served }
            .map { Consultation(date: $0.event.time.day, purpose: purpose, data: $0.event.fields) }
    }

    func render(_ format: AccessReport.Format) -> String {
        switch format {
        case .text: text
        case .csv: csv
        case .json: json
        case .html: html
        }
    }

    private var period: String {
        "from \(from?.day ?? "the beginning of the records") to \(to.map { "before \($0.day)" } ?? "today")"
    }

    var text: String {
        var out = "Record of consultations of the personal data held about customer \(customer)\n"
        if let controller { out += "Controller: \(controller)\n" }
        out += "Period: \(period)\n"
        out += "\(consultations.count) consultation(s).\n"
        for consultation in consultations {
            out += "\n\(consultation.date)  \(consultation.purpose)\n"
            out += "  data: \(consultation.data.isEmpty ? "none" : consultation.data.joined(separator: ", "))\n"
        }
        return out
    }

    var csv: String {
        var out = CSVText.header(["date", "purpose", "data", "controller"])
        for consultation in consultations {
            out += CSVText.line([consultation.date, consultation.purpose, consultation.data.joined(separator: " "), controller ?? ""])
        }
        return out
    }

    var json: String {
        var json = JSONText(capacity: 512)
        json.raw("{")
        json.key("view", first: true)
        json.string(AccessReport.View.dataSubject.rawValue)
        json.key("customer")
        json.string(customer)
        json.key("controller")
        json.optionalString(controller)
        json.key("from")
        json.optionalString(from?.day)
        json.key("to")
        json.optionalString(to?.day)
        json.key("consultations")
        json.raw("[")
        for (index, consultation) in consultations.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.key("date", first: true)
            json.string(consultation.date)
            json.key("purpose")
            json.string(consultation.purpose)
            json.key("data")
            json.stringArray(consultation.data)
            json.raw("}")
        }
        json.raw("]}")
        return json.string + "\n"
    }

    var html: String {
        var page = HTMLPage(title: "Consultations of your personal data")
        var facts = [("Customer", customer)]
        if let controller { facts.append(("Controller", controller)) }
        facts.append(("Period", period))
        facts.append(("Consultations", String(consultations.count)))
        page.facts(facts)
        page.paragraph(
            "Each line is one occasion on which staff consulted your data: the date, why, and which of your data they saw.")
        page.table(
            ["Date", "Purpose", "Data consulted"],
            consultations.map { [$0.date, $0.purpose, $0.data.joined(separator: ", ")] },
            empty: "Your data was not consulted in this period.")
        return page.html
    }
}
