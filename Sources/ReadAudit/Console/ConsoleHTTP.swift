import Foundation
import HTTPTypes
import Hummingbird

/// The console's cookies: the session, and the sign-in form's token (login CSRF). Both HttpOnly,
/// SameSite=Strict, scoped to `/console`, and Secure when the listener serves TLS.
enum ConsoleCookie {
    static let session = "readaudit_console"
    static let signIn = "readaudit_console_signin"

    /// A `Set-Cookie` value; `maxAge` 0 deletes the cookie, nil makes it a browser-session cookie.
    static func set(_ name: String, _ value: String, secure: Bool, maxAge: Int? = nil) -> String {
        var cookie = "\(name)=\(value); Path=/console; HttpOnly; SameSite=Strict"
        if secure { cookie += "; Secure" }
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        return cookie
    }

    /// The value of cookie `name` in the request, if sent once or more (the first wins).
    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}

/// An `application/x-www-form-urlencoded` body, read with a size limit. Names given twice keep the first value.
enum ConsoleForm {
    static func read(_ request: Request, limit: Int = 8192) async -> [String: String]? {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("application/x-www-form-urlencoded"),
            let buffer = try? await request.body.collect(upTo: limit)
        else { return nil }
        return parse(String(buffer: buffer))
    }

    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode), !name.isEmpty, values[name] == nil else { continue }
            values[name] = parts.count == 2 ? decode(parts[1]) ?? "" : ""
        }
        return values
    }

    /// `value` for a URL query: everything but unreserved characters percent-encoded.
    static func queryValue(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The headers of every console response: a strict Content-Security-Policy (same-origin script and style
/// only, no inline script, no framing), X-Frame-Options DENY, no sniffing, no referrer, and `no-store`
/// unless the route chose otherwise (the static assets).
struct ConsoleHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
            response.headers[.pragma] = "no-cache"
        }
        return response
    }
}

/// Lets a request through only with a live console session, as its admin credential; otherwise records
/// the refused attempt (`admin.request`, denied, `unauthenticated`) and sends the browser to the sign-in form.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let sessions: ConsoleSessions
    let recorder: EventRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let id = ConsoleCookie.value(ConsoleCookie.session, in: request), let session = sessions.touch(id) {
            var context = context
            context.caller = CallerCredential(name: session.name, keyHash: [])
            return try await next(request, context)
        }
        var event = recorder.draft(.adminRequest, request: request, source: context.sourceAddress, credential: nil)
        event.outcome = .denied
        event.code = GatewayError.Code.unauthenticated.rawValue
        event.detail = ["path": String(request.uri.path.prefix(256)), "method": request.method.rawValue, "operation": "console.session"]
        guard let entry = try? await recorder.record(event) else {
            return ConsoleResponse.problem(GatewayError(.auditUnavailable, "The audit journal cannot record this request; nothing was done."), [:])
        }
        return ConsoleResponse.redirect("/console/sign-in", headers: [.auditEventId: entry.event.id.rawValue])
    }
}

/// Console answers that are not pages: redirects, and the HTML page of a refusal.
enum ConsoleResponse {
    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A refusal as a page: the status and message of `failure`, never detail beyond it.
    static func problem(_ failure: GatewayError, _ headers: HTTPFields) -> Response {
        var headers = headers
        if let retryAfter = failure.retryAfter { headers[.retryAfter] = String(retryAfter) }
        let page = ConsoleTemplates.render("problem", [
            "title": failure.code.status == .forbidden ? "Not allowed" : "Request refused", "page": "problem",
            "message": failure.message, "back": "/console",
        ])
        return html(page, status: failure.code.status, headers: headers)
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
